"""results snapshots: the published public results, stored once

Revision ID: giveback_snapshots_1
Revises: giveback_consent_1
Create Date: 2026-12-06 06:20:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = "giveback_snapshots_1"
down_revision = "giveback_consent_1"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    op.create_table(
        "results_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("title", JSON, nullable=False),
        sa.Column("introduction", JSON, nullable=False),
        sa.Column("min_orgs", sa.Integer(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_results_snapshots_published_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_results_snapshots")),
    )
    with op.batch_alter_table("results_snapshots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_results_snapshots_published_at"), ["published_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("results_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_results_snapshots_published_at"))
    op.drop_table("results_snapshots")
