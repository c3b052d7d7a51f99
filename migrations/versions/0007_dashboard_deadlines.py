"""deadlines: a time zone and automatic closing per questionnaire, deadline extensions
for one organisation, and an index for the dashboard's current responses

Revision ID: dashboard_deadlines_1
Revises: polish_ui_time_zone_1
Create Date: 2026-12-06 06:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "dashboard_deadlines_1"
down_revision = "polish_ui_time_zone_1"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN, not a batch copy: on SQLite a copy drops the old table, and with
    # foreign keys on that fails (responses and versions point at questionnaires).
    op.add_column(
        "questionnaires",
        sa.Column(
            "time_zone", sa.String(length=64), server_default="Europe/Brussels", nullable=False
        ),
    )
    op.add_column(
        "questionnaires",
        sa.Column("close_at_deadline", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "deadline_extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_deadline_extensions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_deadline_extensions_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["questionnaires.id"],
            name=op.f("fk_deadline_extensions_questionnaire_id_questionnaires"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_extensions")),
        sa.UniqueConstraint(
            "questionnaire_id",
            "organisation_id",
            name=op.f("uq_deadline_extensions_questionnaire_id_organisation_id"),
        ),
    )
    with op.batch_alter_table("deadline_extensions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deadline_extensions_organisation_id"), ["organisation_id"], unique=False
        )


    # The dashboard reads each organisation's current response from this index alone.
    op.create_index(
        "ix_responses_current",
        "responses",
        ["organisation_id", "questionnaire_id", "version_id", "state", "submitted_at"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_responses_current", table_name="responses")
    with op.batch_alter_table("deadline_extensions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deadline_extensions_organisation_id"))
    op.drop_table("deadline_extensions")
    op.drop_column("questionnaires", "close_at_deadline")
    op.drop_column("questionnaires", "time_zone")
