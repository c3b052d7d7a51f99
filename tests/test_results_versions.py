"""One code, one question in the results (issue 15): a new version that only relabels a
question does not split it. The theme page, provenance, quotes and the answers to a
question count every version's answers under one question, with the newest label."""

from __future__ import annotations

import copy
import re

import yaml

from app.definitions.validate import validate_text
from app.services.questionnaires import publishing
from app.services.questionnaires import versions as qservice
from app.services.results import aggregation as agg
from app.services.results import evidence
from app.services.results.disclosure import FULL_ACCESS
from tests import results_support as support
from tests.test_results_pages import CHOICE, IDEA, LIKERT


def _relabelled(data: dict) -> dict:
    data = copy.deepcopy(data)
    for question in data["sections"][0]["questions"]:
        question["label"] = question["label"] + " (revised)"
    return data


def test_relabel_does_not_split_results(client, login_as, db, users):
    first = support.definition(1, [LIKERT, CHOICE, IDEA])
    questionnaire = support.publish(db.session, first)
    for index in range(3):
        org = support.organisation(db.session, f"Early {index}", "city", "DE", "large")
        support.respond(
            db.session, questionnaire, org, {"agree": "5", "level": "high", "idea": f"Old {index}"}
        )
    result = validate_text(yaml.safe_dump(_relabelled(first)), "v2.yaml")
    qservice.import_definition(db.session, result)
    publishing.publish(db.session, questionnaire)
    for index in range(2):
        org = support.organisation(db.session, f"Late {index}", "city", "IT", "large")
        support.respond(
            db.session, questionnaire, org, {"agree": "1", "level": "low", "idea": f"New {index}"}
        )
    db.session.commit()

    theme = agg.theme_by_key(db.session, "broader_understanding")
    rows = evidence.provenance(db.session, agg.Filters(FULL_ACCESS), theme.id)
    [agree] = [r for r in rows if r.code == "agree"]
    assert agree.n == 5 and agree.version == 2
    assert agree.label == "How far do you agree? (revised)"
    assert agree.mean == (3 * 100 + 2 * 0) / 5
    assert agree.share == 1.0

    total, answers = evidence.question_answers(
        db.session, agg.Filters(FULL_ACCESS), agree.question_id
    )
    assert total == 5 and sorted(a.value for a in answers) == ["1", "1", "5", "5", "5"]
    total, quotes = evidence.quotes(db.session, agg.Filters(FULL_ACCESS), "identity_democracy")
    assert total == 5
    assert {q.question_label for q in quotes} == {
        "What should the Partnership recommend? (revised)"
    }

    login_as("admin")
    html = client.get("/results/themes/broader_understanding").get_data(as_text=True)
    provenance = re.search(r'<section id="provenance">.*?</section>', html, re.S).group(0)
    assert "(1 question)" in provenance and "questions)" not in provenance
    assert provenance.count("How far do you agree?") == 1
    page = client.get(f"/results/questions/{agree.question_id}").get_data(as_text=True)
    assert "5 answers from counted responses." in page
    # A quote from v1 links to the v1 question, which shows as its newest version.
    old_idea = next(q.question_id for q in quotes if q.text.startswith("Old"))
    new_idea = next(q.question_id for q in quotes if q.text.startswith("New"))
    assert old_idea != new_idea
    older = client.get(f"/results/questions/{old_idea}?state=submitted")
    assert older.status_code == 302
    assert older.headers["Location"].endswith(f"/results/questions/{new_idea}?state=submitted")
