"""user sessions: logins kept on the server (one row per browser), replacing the
per-user session token

Revision ID: sessions_1
Revises: scores_1
Create Date: 2026-12-06 02:31:33

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "sessions_1"
down_revision = "scores_1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("device", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)

    # Not a batch operation: on SQLite that copies "users" to a new table and drops the
    # old one, and with foreign keys on, dropping it deletes or empties every row that
    # points at a user (tokens, led actions, audit entries). SQLite 3.35 and newer drop
    # a plain column in place. Every session cookie issued before this stops working.
    op.drop_column("users", "session_token")


def downgrade():
    op.add_column(
        "users",
        sa.Column("session_token", sa.String(length=64), nullable=False, server_default=""),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_user_sessions_expires_at"))

    op.drop_table("user_sessions")
