"""Operations: `users set-password`, the demo's hint, and LOG_FORMAT=json request logs."""

from __future__ import annotations

import io
import json
import logging
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import AuditEntry, User
from app.services.people import accounts

from .conftest import PASSWORD, login

ROOT = Path(__file__).resolve().parent.parent


def test_set_password_from_stdin_is_audited_and_ends_sessions(runner, db, users):
    result = runner.invoke(
        args=["users", "set-password", "ADMIN@example.org", "--password-stdin"],
        input="a brand new password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Set a new password for admin@example.org" in result.output
    admin = accounts.get_by_email(db.session, "admin@example.org")
    assert admin.check_password("a brand new password") and not admin.check_password(PASSWORD)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.event == "password.set"))
    assert entry.actor == "cli" and entry.object_id == str(admin.id)


def test_set_password_prompts_twice(runner, db, users):
    result = runner.invoke(
        args=["users", "set-password", "leader1@example.org"],
        input="another good password\nanother good password\n",
    )
    assert result.exit_code == 0, result.output
    leader = db.session.scalar(select(User).where(User.email == "leader1@example.org"))
    assert leader.check_password("another good password")


@pytest.mark.parametrize(
    ("email", "stdin", "message"),
    [
        ("ghost@example.org", "a brand new password\n", "No account for ghost@example.org"),
        ("admin@example.org", "short\n", "at least"),
    ],
)
def test_set_password_errors_are_one_line(runner, db, users, email, stdin, message):
    result = runner.invoke(args=["users", "set-password", email, "--password-stdin"], input=stdin)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.event == "password.set")) is None


def test_demo_accounts_say_how_to_set_a_password_when_accounts_exist(runner, db, users):
    result = runner.invoke(args=["demo", "accounts"])
    assert result.exit_code == 0, result.output
    assert "flask --app wsgi users set-password EMAIL" in result.output


def _json_log_lines(app, client, url):
    stream = io.StringIO()
    handler = logging.getLogger("tympanum").handlers[0]
    handler.setStream(stream)
    logging.getLogger("tympanum").setLevel(logging.INFO)
    client.get(url, headers={"X-Request-ID": "req-json-000001"})
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture
def app_overrides() -> dict:
    return {"LOG_FORMAT": "json"}


def test_json_log_is_one_object_per_line_with_the_request_fields(app, client, users):
    login(client, "admin@example.org")
    lines = _json_log_lines(app, client, "/admin/users")
    request_line = next(r for r in lines if r["logger"] == "tympanum.request")
    assert request_line["request_id"] == "req-json-000001"
    assert request_line["user_id"] == users["admin"].id
    assert request_line["route"] == "/admin/users"
    assert request_line["status"] == 200
    assert isinstance(request_line["duration_ms"], float)
    assert request_line["method"] == "GET" and request_line["level"] == "INFO"


def test_json_log_has_no_user_for_anonymous_requests_and_redacts_tokens(app, client):
    lines = _json_log_lines(app, client, "/invite/secret-token-value")
    request_line = next(r for r in lines if r["logger"] == "tympanum.request")
    assert request_line["user_id"] is None
    assert "secret-token-value" not in json.dumps(lines)


def test_an_unknown_log_format_is_refused():
    from app import create_app
    from config import TestingConfig

    with pytest.raises(RuntimeError, match="LOG_FORMAT"):
        create_app(TestingConfig, LOG_FORMAT="xml")


def test_the_makefile_probe_is_silent():
    # A pyenv shim for a version that is not installed prints to stderr when run.
    result = subprocess.run(
        ["make", "--no-print-directory", "--eval", "probe: ; @echo $(PYTHON)", "probe"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stderr == "" and "python" in result.stdout


def test_the_licence_is_an_spdx_string():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "EUPL-1.2"


def test_gunicorn_logs_json_too_when_asked(monkeypatch, capsys):
    import logging.config
    import runpy

    monkeypatch.setenv("LOG_FORMAT", "json")
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["accesslog"] is None  # the app's own request lines replace it
    root, gunicorn = logging.getLogger(), logging.getLogger("gunicorn.error")
    saved = (root.level, root.handlers[:], gunicorn.level, gunicorn.handlers[:], gunicorn.propagate)
    try:
        logging.config.dictConfig(settings["logconfig_dict"])
        gunicorn.info("Booting worker with pid: %s", 42)
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]
        gunicorn.setLevel(saved[2])
        gunicorn.handlers[:] = saved[3]
        gunicorn.propagate = saved[4]
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["message"] == "Booting worker with pid: 42" and line["level"] == "INFO"
    monkeypatch.setenv("LOG_FORMAT", "text")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["accesslog"] == "-"
