"""CLI: questionnaires open / close / deadline."""

from __future__ import annotations

from datetime import date

import pytest

from tests.review_helpers import audit_events, publish_example


@pytest.fixture
def questionnaire(db):
    return publish_example(1)


def test_close_and_open(runner, db, questionnaire):
    result = runner.invoke(args=["questionnaires", "close", "1"])
    assert result.exit_code == 0 and result.output == "Action 1: questionnaire closed.\n"
    db.session.refresh(questionnaire)
    assert not questionnaire.is_open
    result = runner.invoke(args=["questionnaires", "close", "1"])
    assert "was already closed" in result.output
    result = runner.invoke(args=["questionnaires", "open", "1"])
    assert result.output == "Action 1: questionnaire opened.\n"
    db.session.refresh(questionnaire)
    assert questionnaire.is_open
    assert [
        (e.event, e.actor) for e in audit_events() if e.event.startswith("questionnaire.o")
    ] == [("questionnaire.opened", "cli")]
    assert [e.actor for e in audit_events("questionnaire.closed")] == ["cli"]
    assert "open" in runner.invoke(args=["questionnaires", "list"]).output


def test_deadline(runner, db, questionnaire):
    result = runner.invoke(args=["questionnaires", "deadline", "1", "2026-12-31"])
    assert result.exit_code == 0 and result.output == "Action 1: deadline 2026-12-31.\n"
    db.session.refresh(questionnaire)
    assert questionnaire.deadline == date(2026, 12, 31)
    result = runner.invoke(args=["questionnaires", "deadline", "1", "none"])
    assert result.output == "Action 1: no deadline.\n"
    db.session.refresh(questionnaire)
    assert questionnaire.deadline is None
    assert len(audit_events("questionnaire.deadline_set")) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deadline", "1", "31.12.2026"], "'31.12.2026' is not a date: give it as YYYY-MM-DD"),
        (["deadline", "1", "2026-02-30"], "is not a date"),
        (["open", "7"], "Action 7 has no questionnaire yet"),
        (["close", "x"], "'x' is not a valid integer"),
        (["deadline", "1"], "Missing argument"),
    ],
)
def test_errors_are_one_line(runner, db, questionnaire, args, message):
    result = runner.invoke(args=["questionnaires", *args])
    assert result.exit_code == 2
    assert message in result.output and result.output.startswith("Error: ")
    assert len(result.output.strip().splitlines()) == 1
