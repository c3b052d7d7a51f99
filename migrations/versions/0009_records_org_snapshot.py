"""responses record their organisation at submission (name, kind, country, city size
band), backfilled from today's values for every response submitted so far

Revision ID: records_1_org_snapshot
Revises: mail_1
Create Date: 2026-12-06 06:05:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "records_1_org_snapshot"
down_revision = "mail_1"
branch_labels = None
depends_on = None

COLUMNS = {
    "org_name": "name",
    "org_kind": "kind",
    "org_country": "country",
    "org_size_band": "size_band",
}


def upgrade():
    # Plain ADD/DROP COLUMN, not batch operations: on SQLite a batch copies "responses"
    # to a new table and drops the old one, and with foreign keys on that deletes every
    # answer, event, comment and theme score (SQLite 3.35+ drops a column in place).
    op.add_column("responses", sa.Column("org_name", sa.String(length=200), nullable=True))
    op.add_column(
        "responses",
        sa.Column(
            "org_kind",
            sa.Enum(
                "city",
                "region",
                "member_state",
                "eu_body",
                "ngo",
                "university",
                "private",
                "other",
                name="orgkind",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
    )
    op.add_column("responses", sa.Column("org_country", sa.String(length=2), nullable=True))
    op.add_column(
        "responses",
        sa.Column(
            "org_size_band",
            sa.Enum(
                "small",
                "medium",
                "large",
                "metropolitan",
                name="sizeband",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
    )
    # Backfill: every response submitted so far records today's values (the best there
    # is). Drafts record theirs when submitted. A correlated subquery per column: the
    # same SQL on SQLite and PostgreSQL.
    assignments = ", ".join(
        f"{column} = (SELECT o.{source} FROM organisations o "
        f"WHERE o.id = responses.organisation_id)"
        for column, source in COLUMNS.items()
    )
    op.execute(f"UPDATE responses SET {assignments} WHERE state <> 'draft'")  # noqa: S608


def downgrade():
    for column in reversed(COLUMNS):
        op.drop_column("responses", column)
