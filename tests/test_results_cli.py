"""`flask results themes` in its three formats, with breakdowns, states and filters;
`flask results rescore`."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import delete

from app.models import ResponseThemeScore
from tests import results_support as support
from tests.test_results_scoring import LIKERT, YES_NO

KEYS = {"key", "title", "score", "n", "sd", "ci_low", "ci_high", "suppressed"}


@pytest.fixture
def answered(db):
    q1 = support.publish(db.session, support.definition(1, [LIKERT, YES_NO]))
    for index, (point, country) in enumerate([("5", "DE"), ("3", "DE"), ("1", "IT")]):
        org = support.organisation(db.session, f"Org {index}", "city", country, "small")
        support.respond(db.session, q1, org, {"agree": point})
    org = support.organisation(db.session, "Pending", "ngo", "FR", None)
    support.respond(db.session, q1, org, {"agree": "5", "has_plan": "yes"}, state="submitted")
    db.session.commit()


def run(runner, *args):
    result = runner.invoke(args=["results", "themes", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_json_has_one_object_per_theme(runner, answered):
    data = json.loads(run(runner, "--format", "json"))
    assert [d["key"] for d in data] == [
        "broader_understanding",
        "integrated_approaches",
        "resilience",
        "social_inclusion",
        "identity_democracy",
    ]
    assert all(set(d) == KEYS for d in data)
    broader = data[0]
    assert broader["score"] == 50.0 and broader["n"] == 3 and broader["sd"] == 50.0
    assert broader["ci_low"] == 0.0 and broader["ci_high"] == 100.0
    assert data[2] == {  # resilience: only has_plan feeds it, never answered when accepted
        "key": "resilience",
        "title": "Resilience",
        "score": None,
        "n": 0,
        "sd": None,
        "ci_low": None,
        "ci_high": None,
        "suppressed": False,
    }


def test_json_breakdowns(runner, answered):
    data = json.loads(run(runner, "--format", "json", "--by", "country", "--by", "kind"))
    broader = data[0]
    assert set(broader) == KEYS | {"by_country", "by_kind"}
    countries = {g["group"]: g for g in broader["by_country"]}
    assert set(countries) == {"DE", "IT"}
    assert countries["DE"]["score"] == 75.0 and countries["DE"]["n"] == 2
    assert countries["IT"]["n"] == 1 and countries["IT"]["sd"] is None
    assert set(countries["DE"]) == {"group", "label"} | KEYS - {"key", "title"}
    everything = json.loads(run(runner, "--format", "json", "--by", "all"))
    assert {k for k in everything[0] if k.startswith("by_")} == {
        "by_action",
        "by_perspective",
        "by_pillar",
        "by_kind",
        "by_country",
        "by_size",
    }


def test_state_submitted_includes_submitted_responses(runner, answered):
    data = json.loads(run(runner, "--format", "json", "--state", "submitted"))
    assert data[0]["n"] == 4
    assert data[2]["n"] == 1 and data[2]["score"] == 100.0


def test_filters(runner, answered):
    data = json.loads(run(runner, "--format", "json", "--country", "it"))
    assert data[0]["n"] == 1 and data[0]["score"] == 0.0
    data = json.loads(run(runner, "--format", "json", "--kind", "ngo", "--state", "submitted"))
    assert data[0]["n"] == 1
    data = json.loads(run(runner, "--format", "json", "--since", "2000-01-01", "--action", "2"))
    assert data[0]["n"] == 0


def test_csv(runner, answered):
    rows = list(csv.reader(io.StringIO(run(runner, "--format", "csv", "--by", "size"))))
    assert rows[0][:3] == ["theme_key", "theme", "breakdown"]
    overall = rows[1]
    assert overall[:3] == ["broader_understanding", "Broader understanding", "overall"]
    assert overall[5:7] == ["50.0", "3"]
    small = next(r for r in rows if r[2] == "size" and r[3] == "small" and r[0] == overall[0])
    assert small[6] == "3"


def test_table(runner, answered):
    output = run(runner, "--by", "country")
    assert "Broader understanding" in output and "50.0" in output
    assert "by country:" in output and "Germany" in output


@pytest.mark.parametrize(
    "args",
    [
        ["--by", "planet"],
        ["--format", "xml"],
        ["--state", "draft"],
        ["--since", "yesterday"],
        ["--kind", "alien"],
        ["--action", "12"],
    ],
)
def test_bad_arguments_give_one_line(runner, answered, args):
    result = runner.invoke(args=["results", "themes", *args])
    assert result.exit_code == 2
    assert result.output.startswith("Error:") and "Traceback" not in result.output


def test_rescore_checks_and_repairs_the_stored_scores(runner, answered, db):
    check = runner.invoke(args=["results", "rescore", "--check"])
    assert check.exit_code == 0 and "0 stored theme score(s) differ" in check.output
    before = run(runner, "--format", "json")
    db.session.execute(delete(ResponseThemeScore))  # changed outside the app
    db.session.commit()
    assert run(runner, "--format", "json") != before
    check = runner.invoke(args=["results", "rescore", "--check"])
    assert check.exit_code == 1 and "differ" in check.output
    result = runner.invoke(args=["results", "rescore"])
    assert result.exit_code == 0, result.output
    assert "recomputed" in result.output
    assert run(runner, "--format", "json") == before
