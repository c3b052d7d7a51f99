"""answer history: one row per save and changed question (old and new value, who, when)

Revision ID: records_2_answer_history
Revises: records_1_org_snapshot
Create Date: 2026-12-06 06:06:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "records_2_answer_history"
down_revision = "records_1_org_snapshot"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "answer_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("question_code", sa.String(length=64), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_answer_changes_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_answer_changes_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_changes")),
    )
    with op.batch_alter_table("answer_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_answer_changes_response", ["response_id", "question_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_answer_changes_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("answer_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_changes_user_id"))
        batch_op.drop_index("ix_answer_changes_response")
    op.drop_table("answer_changes")
