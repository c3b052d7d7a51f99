"""response theme scores: s(r, t) stored and backfilled; answers indexed by question

Revision ID: scores_1
Revises: results_1
Create Date: 2026-11-27 10:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "scores_1"
down_revision = "results_1"
branch_labels = None
depends_on = None

# s(r, t) = sum(w * v) / sum(w) over a response's valued answers weighted to t: the
# definition in app/services/scoring.py (computed_scores) at the time of this revision,
# written out so that later changes to the app cannot change what this migration does.
BACKFILL = """
INSERT INTO response_theme_scores (response_id, theme_id, score)
SELECT a.response_id, tw.theme_id, SUM(tw.weight * a.score) / SUM(tw.weight)
FROM answers a
JOIN theme_weights tw ON tw.question_id = a.question_id AND tw.item = a.item
WHERE a.score IS NOT NULL
GROUP BY a.response_id, tw.theme_id
"""


def upgrade():
    op.create_table(
        "response_theme_scores",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_response_theme_scores_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["themes.id"], name=op.f("fk_response_theme_scores_theme_id_themes")
        ),
        sa.PrimaryKeyConstraint(
            "response_id", "theme_id", name=op.f("pk_response_theme_scores")
        ),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("response_theme_scores", schema=None) as batch_op:
        batch_op.create_index(
            "ix_response_theme_scores_theme",
            ["theme_id", "response_id", "score"],
            unique=False,
        )
    op.execute(BACKFILL)
    # Per-question figures read the answers to given questions from one covering index,
    # which replaces the plain index on question_id.
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_answers_question", ["question_id", "item", "response_id", "score"], unique=False
        )
        batch_op.drop_index("ix_answers_question_id")


def downgrade():
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.create_index("ix_answers_question_id", ["question_id"], unique=False)
        batch_op.drop_index("ix_answers_question")
    with op.batch_alter_table("response_theme_scores", schema=None) as batch_op:
        batch_op.drop_index("ix_response_theme_scores_theme")
    op.drop_table("response_theme_scores")
