"""quote consent: may a response's open answers be quoted in published results
(named / anonymous / none; NULL: not asked)

Revision ID: giveback_consent_1
Revises: builder_1
Create Date: 2026-12-06 06:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "giveback_consent_1"
down_revision = "builder_1"
branch_labels = None
depends_on = None


# Not batch operations: on SQLite a batch copies "responses" to a new table and drops the
# old one, and with foreign keys on, dropping it deletes every answer, score and event
# pointing at it. SQLite adds a column in place, and (3.35 and newer) drops a plain one.


def upgrade():
    op.add_column(
        "responses",
        sa.Column(
            "quote_consent",
            sa.Enum("named", "anonymous", "none", name="quoteconsent", native_enum=False, length=20),
            nullable=True,
        ),
    )


def downgrade():
    op.drop_column("responses", "quote_consent")
