"""users.time_zone: the zone each person's dates and times are shown in

Revision ID: polish_ui_time_zone_1
Revises: sessions_1
Create Date: 2026-12-06 06:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "polish_ui_time_zone_1"
down_revision = "sessions_1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "time_zone",
                sa.String(length=64),
                server_default="Europe/Brussels",
                nullable=False,
            )
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
