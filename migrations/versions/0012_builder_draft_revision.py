"""builder: a draft's revision (every builder write checks it) and its problem count
(a draft with problems can be saved, never published)

Revision ID: builder_1
Revises: versions_1
Create Date: 2026-12-06 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "builder_1"
down_revision = "versions_1"
branch_labels = None
depends_on = None


def upgrade():
    # Not batch operations: on SQLite a batch copies the table and drops the old one,
    # and with foreign keys on that deletes the questions pointing at it. SQLite adds
    # (and, 3.35 and newer, drops) a plain column in place.
    op.add_column(
        "questionnaire_versions",
        sa.Column("revision", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column(
        "questionnaire_versions",
        sa.Column("problems", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade():
    op.drop_column("questionnaire_versions", "problems")
    op.drop_column("questionnaire_versions", "revision")
