"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

import tests.conftest as conftest
from app import create_app
from app.extensions import db
from app.models import ResponseThemeScore
from app.services.questionnaires.framework import seed_framework
from app.services.results import scoring
from config import TestingConfig
from tests import results_support as support
from tests.test_results_scoring import QUESTIONS
from tests.test_results_stored_scores import FIRST


@pytest.fixture
def empty_app(tmp_path):
    url = conftest.TEST_DATABASE_URL if conftest.ON_POSTGRES else f"sqlite:///{tmp_path}/m.db"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        _drop_everything()
        yield app
        _drop_everything()
        db.engine.dispose()
    conftest._schema_ready = False  # the shared PostgreSQL schema must be rebuilt


def _drop_everything() -> None:
    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_upgrade_to_head_matches_the_models(empty_app):
    upgrade()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_downgrade_to_base_and_up_again(empty_app):
    upgrade()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert "responses" in inspect(db.engine).get_table_names()


def test_the_scores_revision_backfills_them_from_the_answers(empty_app):
    upgrade()
    seed_framework(db.session)
    questionnaire = support.publish(db.session, support.definition(1, QUESTIONS))
    for index, values in enumerate([FIRST, {"agree": "2", "effects": {"y": "1"}}, {}]):
        org = support.organisation(db.session, f"Org {index}")
        support.respond(db.session, questionnaire, org, values, state="draft")
    db.session.commit()
    rows = db.session.execute(select(ResponseThemeScore.__table__)).all()
    assert len(rows) > 4
    db.session.close()
    downgrade(revision="results_1")
    assert "response_theme_scores" not in inspect(db.engine).get_table_names()
    upgrade()  # recreates the table and fills it in SQL from the answers
    assert sorted(db.session.execute(select(ResponseThemeScore.__table__)).all()) == sorted(rows)
    assert scoring.stale_scores(db.session) == 0
    db.session.close()


def test_the_sessions_revision_keeps_what_points_at_users(empty_app):
    """Dropping users.session_token must leave the rows that point at users alone. Done
    as a batch copy on SQLite, the old users table is dropped with foreign keys on, and
    that deletes API tokens and led actions and blanks audit authors."""
    upgrade(revision="scores_1")
    seed_framework(db.session)
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, email, display_name, role, active, session_token,"
                " created_at) VALUES (7, 'l@example.org', 'L', 'leader', true, 'abc',"
                " CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text("INSERT INTO leader_actions (user_id, action_id) SELECT 7, MIN(id) FROM actions")
        )
        conn.execute(
            text(
                "INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at)"
                " VALUES (7, 'R', 'tymp_abc', 'h', CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO audit_entries (created_at, event, user_id, actor, object_type,"
                " object_id, ip, details) VALUES (CURRENT_TIMESTAMP, 'login.success', 7,"
                " 'l@example.org', '', '', '', '{}')"
            )
        )
    db.session.close()
    upgrade()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM leader_actions")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM api_tokens")).scalar() == 1
        assert conn.execute(text("SELECT user_id FROM audit_entries")).scalar() == 7
        assert "session_token" not in {c["name"] for c in inspect(conn).get_columns("users")}
