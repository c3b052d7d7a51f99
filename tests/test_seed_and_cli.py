"""The framework seed and the CLI, including its error cases."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from app.models import Action, Organisation, Perspective, Pillar, Theme, User
from app.services.people import account_rules
from app.services.questionnaires.framework import load_framework_file, seed_framework


def counts(db):
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Theme, Perspective, Pillar, Action)
    }


def test_seed_loads_the_framework(db):
    assert counts(db) == {"Theme": 5, "Perspective": 3, "Pillar": 7, "Action": 11}
    keys = db.session.scalars(select(Theme.key).order_by(Theme.position)).all()
    assert keys == [
        "broader_understanding",
        "integrated_approaches",
        "resilience",
        "social_inclusion",
        "identity_democracy",
    ]
    steps = db.session.scalars(select(Pillar.label).where(Pillar.kind == "step")).all()
    assert sorted(steps) == ["a", "b"]
    eight = db.session.scalar(select(Action).where(Action.number == 8))
    assert eight.perspective.key == "resilience" and eight.pillar.label == "4"
    assert eight.text("short_title", "de") == "Resilienz und Risikomanagement"
    assert eight.text("title", "de") == eight.title  # falls back to English


def test_seed_is_idempotent(db, runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    assert counts(db) == {"Theme": 5, "Perspective": 3, "Pillar": 7, "Action": 11}


def test_changed_title_in_file_updates_the_row(db):
    data = copy.deepcopy(load_framework_file())
    data["actions"][0]["title"] = "A new official title"
    report = seed_framework(db.session, data)
    db.session.commit()
    assert report.updated == ["action 1"] and report.created == []
    assert (
        db.session.scalar(select(Action.title).where(Action.number == 1)) == "A new official title"
    )
    assert counts(db)["Action"] == 11


def test_users_create_list_deactivate(runner, db, orgs):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Lea@Example.org",
            "--role",
            "leader",
            "--action",
            "3",
            "--password-stdin",
        ],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "lea@example.org"))
    assert user.led_action_numbers == {3} and user.check_password("a long enough password")

    result = runner.invoke(
        args=["users", "create", "r@example.org", "--role", "respondent", "--org", "City A"],
        input="another password\nanother password\n",
    )
    assert result.exit_code == 0, result.output

    listing = runner.invoke(args=["users", "list"]).output
    assert "lea@example.org" in listing and "City A" in listing

    result = runner.invoke(args=["users", "deactivate", "LEA@example.org"])
    assert result.exit_code == 0
    db.session.refresh(user)
    assert user.active is False


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["users", "create", "a@example.org", "--role", "boss"], "", "Invalid value for '--role'"),
        (
            ["users", "create", "a@example.org", "--role", "leader", "--password-stdin"],
            "long password 1\n",
            account_rules.LEADER_NEEDS_ACTIONS,
        ),
        (
            ["users", "create", "a@example.org", "--role", "respondent", "--password-stdin"],
            "long password 1\n",
            account_rules.RESPONDENT_NEEDS_ORGANISATION,
        ),
        (
            ["users", "create", "a@example.org", "--role", "respondent", "--org", "Nowhere"],
            "",
            "No organisation named 'Nowhere'",
        ),
        (
            ["users", "create", "a@example.org", "--role", "leader", "--action", "12"],
            "",
            "No action number 12",
        ),
        (
            ["users", "create", "not-an-email", "--role", "admin", "--password-stdin"],
            "long password 1\n",
            "is not an e-mail address",
        ),
        (
            ["users", "create", "a@example.org", "--role", "admin", "--password-stdin"],
            "short\n",
            "at least 10 characters",
        ),
        (
            ["users", "create", "admin@example.org", "--role", "admin", "--password-stdin"],
            "long password 1\n",
            "already exists",
        ),
        (["users", "deactivate", "ghost@example.org"], "", "No account for ghost@example.org"),
    ],
)
def test_cli_errors_are_one_line_with_exit_code_2(runner, users, args, stdin, message):
    result = runner.invoke(args=args, input=stdin)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


def test_demo_accounts_created_once_and_printed(runner, db):
    result = runner.invoke(args=["demo", "accounts"])
    assert result.exit_code == 0, result.output
    assert "admin@example.org" in result.output and "shown only this once" in result.output
    line = next(ln for ln in result.output.splitlines() if "admin@example.org" in ln)
    password = line.split()[-1]
    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    assert admin.check_password(password)
    again = runner.invoke(args=["demo", "accounts"])
    assert "no demo accounts created" in again.output
    assert db.session.scalar(select(func.count(User.id))) == 6


def test_demo_accounts_need_the_framework(runner, db):
    db.session.delete(db.session.scalar(select(Action).where(Action.number == 11)))
    db.session.commit()
    result = runner.invoke(args=["demo", "accounts"])
    assert result.exit_code == 2, result.output
    assert "The framework is not loaded" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert db.session.scalar(select(func.count(Organisation.id))) == 0
