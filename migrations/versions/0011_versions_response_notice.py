"""responses.version_notice: what a new questionnaire version changed in a draft that was
moved to it (answers kept, answers that could not be kept), shown once to its respondents

Revision ID: versions_1
Revises: records_2_answer_history
Create Date: 2026-12-06 06:10:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = "versions_1"
down_revision = "records_2_answer_history"
branch_labels = None
depends_on = None


# Not batch operations: on SQLite a batch copies "responses" to a new table and drops the
# old one, and with foreign keys on that deletes every answer, score and event of every
# response. SQLite adds and (3.35 and newer) drops a plain column in place.


def upgrade():
    op.add_column(
        "responses",
        sa.Column(
            "version_notice",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
    )


def downgrade():
    op.drop_column("responses", "version_notice")
