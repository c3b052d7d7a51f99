"""responses.version_notice: what a new questionnaire version changed in a draft that was
moved to it (answers kept, answers that could not be kept), shown once to its respondents

Revision ID: versions_1
Revises: sessions_1
Create Date: 2026-12-06 06:10:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = "versions_1"
down_revision = "sessions_1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "version_notice",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade():
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_column("version_notice")
