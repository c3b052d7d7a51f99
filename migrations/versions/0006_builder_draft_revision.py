"""builder: a draft's revision (every builder write checks it) and its problem count
(a draft with problems can be saved, never published)

Revision ID: builder_1
Revises: sessions_1
Create Date: 2026-12-06 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "builder_1"
down_revision = "sessions_1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("questionnaire_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("revision", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("problems", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade():
    with op.batch_alter_table("questionnaire_versions", schema=None) as batch_op:
        batch_op.drop_column("problems")
        batch_op.drop_column("revision")
