"""results: a partial covering index on valued answers (the aggregation reads it alone)

Revision ID: results_1
Revises: respondent_1
Create Date: 2026-11-27 07:22:33

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "results_1"
down_revision = "respondent_1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_answers_scored",
            ["response_id", "question_id", "item", "score"],
            unique=False,
            sqlite_where=sa.text("score IS NOT NULL"),
            postgresql_where=sa.text("score IS NOT NULL"),
        )


def downgrade():
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_index("ix_answers_scored")
