"""Backups, restore, and a database that refuses writes (503, not a traceback)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db as _db
from app.models import Organisation, OrgKind
from app.services.questionnaires.framework import seed_framework
from config import TestingConfig
from tests.conftest import ON_POSTGRES, Client

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="SQLite online backup")


def test_backup_then_restore(app, db, runner, orgs, tmp_path):
    target = tmp_path / "backups" / "b1.db"
    result = runner.invoke(args=["db", "backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM organisations").fetchone()[0] == 2
    conn.close()
    # lose data, then restore it
    db.session.delete(orgs["B"])
    db.session.add(Organisation(name="Added after backup", kind=OrgKind.NGO, country="FR"))
    db.session.commit()
    result = runner.invoke(args=["db", "restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    names = db.session.scalars(select(Organisation.name).order_by(Organisation.name)).all()
    assert names == ["City A", "Region B"]


def test_backup_refuses_to_overwrite(runner, tmp_path):
    target = tmp_path / "exists.db"
    target.write_text("x")
    result = runner.invoke(args=["db", "backup", str(target)])
    assert result.exit_code == 2 and "exists already" in result.output


def test_restore_refuses_a_non_database(runner, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database" * 100)
    result = runner.invoke(args=["db", "restore", str(junk), "--yes"])
    assert result.exit_code == 2 and "not" in result.output


def test_read_only_database_gives_503_not_a_traceback(tmp_path):
    path = tmp_path / "ro.db"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        _db.create_all()
        seed_framework(_db.session)
        _db.session.commit()
        _db.engine.dispose()
    ro = create_app(
        TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///file:{path}?mode=ro&uri=true"
    )
    ro.test_client_class = Client
    with ro.app_context():
        client = ro.test_client()
        response = client.post_form("/login", {"email": "a@example.org", "password": "x" * 12})
        assert response.status_code == 503
        html = response.get_data(as_text=True)
        assert "Temporarily unavailable" in html and "Traceback" not in html
        assert client.get("/healthz").status_code == 200  # reads still work
        _db.engine.dispose()
