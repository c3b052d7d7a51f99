"""builder3: an admin may let a leader publish the drafts of the actions they lead

Revision ID: builder3_may_publish_1
Revises: giveback_snapshots_1
Create Date: 2026-12-06 07:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "builder3_may_publish_1"
down_revision = "giveback_snapshots_1"
branch_labels = None
depends_on = None


def upgrade():
    # A plain column added in place (no batch copy of the users table, which other
    # tables point at).
    op.add_column(
        "users",
        sa.Column("may_publish", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade():
    op.drop_column("users", "may_publish")
