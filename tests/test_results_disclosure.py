"""Security issue 14, item 5: leaders saw figures of actions they do not lead through the
breakdowns (pillar 3 is action 4 alone, step b action 6 alone; pillar 1 less their own
action 1 gave action 7), and one organisation's answers could be read off a chart.

The rule (docs/scoring.md, "Disclosure control"): a leader's results count the responses
to the actions they lead and nothing else, on every results page, CSV, API answer and
``flask results themes --as``; cells of fewer than DISCLOSURE_MIN_ORGS organisations are
hidden, with as many others as it takes for them not to be worked out from the totals.

The partnership below: action 1 (led by leader1) answered by 9 organisations scoring 25
or 50; actions 4, 6 and 7 answered by 3 Spanish NGOs each, all scoring 100. Any figure
that mixes those in shows one of ``LEAKS``.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.models import Action, Question, Questionnaire, QuestionnaireVersion
from app.services.people import api_tokens
from app.services.results import aggregation as agg
from app.services.results.cache import ResultCache
from app.services.results.disclosure import FULL_ACCESS, OTHER, Audience
from tests import results_support as support
from tests.test_disclosure_property import Response, Table, peel
from tests.test_results_pages import IDEA, LIKERT  # agree: 2 themes; idea: quotes
from tests.test_results_property import THEMES

PLAN = {  # answered by two of action 1's organisations only
    "code": "plan",
    "type": "yes_no",
    "label": "Has your city a heritage plan?",
    "themes": {"social_inclusion": 1},
}
ACTION_ONE_COUNTRIES = ["DE", "DE", "DE", "DE", "IT", "IT", "IT", "FR", "NL"]
OTHERS = {4: "four", 6: "six", 7: "seven"}  # pillar 3, step b, pillar 1 with action 1
LEAKS = [
    "100.0",  # any figure of actions 4, 6 or 7 alone
    "52.1",  # pillar 1: actions 1 and 7 together
    "61.7",  # the planning perspective: actions 1, 6 and 7
    "68.1",  # every action together
    "Spain",  # the other actions' organisations' country
    *(f"Action {word} idea" for word in OTHERS.values()),  # their quotes
]


def shows(body: str, marker: str) -> bool:
    """Whether ``marker`` is in ``body`` as text or a figure (not inside a number, an SVG
    coordinate such as y="100.0", nor a share such as "100.0%")."""
    return re.search(rf'(?<!=")(?<![\d.]){re.escape(marker)}(?![\d%])', body) is not None


@pytest.fixture
def partnership(db, users):
    questionnaires = {
        n: support.publish(db.session, support.definition(n, [LIKERT, IDEA, PLAN]))
        for n in (1, 4, 6, 7)
    }
    for index, country in enumerate(ACTION_ONE_COUNTRIES):
        org = support.organisation(db.session, f"City {index}", "city", country, "large")
        point = "2" if index % 2 == 0 else "3"  # 25 or 50: mean 36.1
        values = {"agree": point, "idea": f"Action one idea {index}"}
        if index < 2:
            values["plan"] = "yes"
        support.respond(db.session, questionnaires[1], org, values)
    for number, word in OTHERS.items():
        for index in range(3):
            org = support.organisation(db.session, f"NGO {number}.{index}", "ngo", "ES", None)
            support.respond(
                db.session,
                questionnaires[number],
                org,
                {"agree": "5", "idea": f"Action {word} idea {index}"},
            )
    db.session.commit()
    return questionnaires


def question_of(db, action: int) -> int:
    return db.session.scalar(
        select(Question.id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Question.version_id)
        .join(Questionnaire, Questionnaire.id == QuestionnaireVersion.questionnaire_id)
        .join(Action, Action.id == Questionnaire.action_id)
        .where(Action.number == action, Question.code == "agree")
    )


def results_urls(app, db) -> list[tuple[str, int]]:
    """Every results route (discovered, so a new one is checked too), filled in, with
    the status leader1 gets."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not (rule.endpoint.startswith("results.") or rule.endpoint == "api.theme_results"):
            continue
        if rule.endpoint == "results.theme":
            urls += [(f"/results/themes/{key}", 200) for key in THEMES]
        elif rule.endpoint == "results.question":
            urls += [(f"/results/questions/{question_of(db, 1)}", 200)]
            urls += [(f"/results/questions/{question_of(db, n)}", 403) for n in OTHERS]
        elif rule.endpoint == "api.theme_results":
            urls += [("/api/v1/results/themes?by=" + ",".join(agg.DIMENSIONS), 200)]
        else:
            assert not rule.arguments, f"fill in the arguments of {rule.rule} here"
            urls += [(rule.rule, 200)]
    return urls


def bearer(db, users, name: str) -> dict[str, str]:
    _token, secret = api_tokens.create_token(db.session, users[name], "disclosure test")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_no_results_route_shows_a_leader_figures_of_actions_they_do_not_lead(
    app, db, users, login_as, partnership
):
    client = login_as("leader1")
    headers = bearer(db, users, "leader1")
    urls = results_urls(app, db)
    assert len(urls) >= 12
    leaks = []
    for url, status in urls:
        response = client.get(url, headers=headers if url.startswith("/api/") else {})
        assert response.status_code == status, url
        body = response.get_data(as_text=True)
        leaks += [f"{url} shows {marker!r}" for marker in LEAKS if shows(body, marker)]
    assert not leaks, "\n".join(leaks)
    # ... and they do see their own action's figures and quotes.
    assert "36.1" in client.get("/results/").get_data(as_text=True)
    assert "Action one idea" in client.get("/results/report").get_data(as_text=True)


def test_the_attack_of_the_issue_no_longer_works(client, db, users, partnership):
    """The leader of action 1 asks for the themes by pillar: pillar 3 (action 4 alone) and
    step b (action 6 alone) are empty; pillar 1 is exactly their own action 1, so
    subtracting their figures from it leaves nothing of action 7."""
    url = "/api/v1/results/themes?by=pillar,action"
    body = client.get(url, headers=bearer(db, users, "leader1")).get_json()
    broader = body["data"][0]
    assert body["scope"] == {"actions": [1], "min_organisations": 3}
    pillars = {g["group"]: g for g in broader["by_pillar"]}
    assert pillars["adaptive_reuse"]["n"] == 0 and pillars["adaptive_reuse"]["score"] is None
    assert pillars["governance"]["n"] == 0 and pillars["governance"]["score"] is None
    own = {k: broader[k] for k in ("score", "n", "sd", "ci_low", "ci_high")}
    assert own == {k: pillars["cultural_tourism"][k] for k in own}
    assert own["n"] == 9 and own["score"] == 36.1
    assert [g["group"] for g in broader["by_action"]] == ["1"]
    # The admin still sees every action.
    admin = client.get(url, headers=bearer(db, users, "admin")).get_json()["data"][0]
    every = {g["group"]: g for g in admin["by_pillar"]}
    assert every["adaptive_reuse"]["score"] == 100.0 and every["cultural_tourism"]["n"] == 12


def test_small_cells_are_hidden_with_a_complement_in_tables_and_charts(login_as, partnership):
    """Action 1 by country: Germany 4 organisations, Italy 3, France 1, Netherlands 1.
    France and the Netherlands are too few to be named: they are one "Other" group of 2
    organisations, hidden; the total less Germany and Italy would give it away, so Italy
    is hidden too."""
    html = login_as("leader1").get("/results/themes/broader_understanding").get_data(as_text=True)
    section = re.search(r"<h3>By country</h3>.*?</details>", html, re.S).group(0)
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th>\s*(.*?)</tr>', section, re.S))
    other = "Other (groups of fewer than 3)"
    assert set(rows) == {"Germany", "Italy", other}  # France and the Netherlands: not named
    assert "37.5" in rows["Germany"]
    for country in ("Italy", other):
        assert "fewer than 3" in rows[country] and not re.search(r"\d+\.\d", rows[country])
    chart = re.search(r"<svg .*?</svg>", section, re.S).group(0)
    assert chart.count('fill="#0072B2"') == 1  # one bar: Germany's; none for hidden cells
    assert chart.count(">fewer than 3</text>") == 2
    assert "France" not in section and "Netherlands" not in section
    # Nor offered as a filter choice (nor accepted as one: not a valid choice).
    assert "France" not in html and "Netherlands" not in html
    filtered = login_as("leader1").get("/results/themes/broader_understanding?country=FR")
    body = filtered.get_data(as_text=True)
    section = re.search(r"<h3>By country</h3>.*?</details>", body, re.S).group(0)
    assert "Germany" in section and "37.5" in section  # the filter was not applied
    assert "Italy: fewer than 3" in chart  # the text alternative says it too
    assert "Counting accepted responses only." in html
    assert "“fewer than 3”: the figures of fewer than 3 organisations are hidden" in html


def test_admins_and_coordinators_see_every_cell(login_as, partnership):
    for name in ("admin", "coordinator"):
        html = login_as(name).get("/results/themes/broader_understanding").get_data(as_text=True)
        assert "fewer than 3" not in html and "Results of the action" not in html
        assert shows(html, "100.0") and "Spain" in html


def test_pages_say_whose_results_they_show(login_as, partnership, users, db):
    html = login_as("leader1").get("/results/pillars").get_data(as_text=True)
    assert "Results of the action you lead: 1." in html
    assert "Figures from fewer than 3 organisations are hidden." in html
    assert "Tympanum: the actions you lead" in html
    users["leader1"].led_actions = list(
        db.session.scalars(select(Action).where(Action.number.in_([1, 4])))
    )
    db.session.commit()
    html = login_as("leader1").get("/results/pillars").get_data(as_text=True)
    assert "Results of the actions you lead: 1, 4." in html
    assert shows(html, "100.0")  # pillar 3 (action 4), now that they lead it


def test_the_threshold_comes_from_the_configuration(app, login_as, partnership):
    """With DISCLOSURE_MIN_ORGS = 10, action 1's 9 organisations are too few: every
    figure is hidden, in the pages, the report and its CSV (empty values, suppressed)."""
    app.config["DISCLOSURE_MIN_ORGS"] = 10
    client = login_as("leader1")
    overview = client.get("/results/").get_data(as_text=True)
    assert "fewer than 10" in overview and "36.1" not in overview
    report = client.get("/results/report").get_data(as_text=True)
    assert "36.1" not in report and "fewer than 10" in report
    text = client.get("/results/report.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    overall = [r for r in rows if r["breakdown"] == "overall" and r["theme_key"] in THEMES[:3]]
    for row in overall:
        if row["theme_key"] == "integrated_approaches":
            assert row["suppressed"] == "false" and row["n"] == "0"  # no data: nothing to hide
            continue
        assert row["suppressed"] == "true"
        assert [row[k] for k in ("score", "n", "sd", "ci_low", "ci_high")] == [""] * 5
    pillars = client.get("/results/pillars").get_data(as_text=True)
    facade = re.search(r'<svg class="chart chart-facade".*?</svg>', pillars, re.S).group(0)
    assert "url(#hidden-" in facade and "36.1" not in facade


def test_the_report_csv_marks_suppressed_cells(login_as, partnership):
    """Per action and perspective for leader1: action 1 (9 organisations) is shown."""
    text = login_as("leader1").get("/results/report.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    broader = [r for r in rows if r["theme_key"] == "broader_understanding"]
    assert {(r["breakdown"], r["group"]) for r in broader if r["n"] not in ("", "0")} == {
        ("overall", ""),
        ("action", "1"),
        ("perspective", "planning"),
    }
    assert all(r["suppressed"] == "false" for r in broader)


def test_the_cli_runs_with_full_access_or_as_an_account(runner, users, partnership):
    full = runner.invoke(args=["results", "themes", "--by", "pillar", "--format", "csv"])
    assert full.exit_code == 0 and "100.0" in full.output
    led = runner.invoke(
        args=[
            "results",
            "themes",
            "--by",
            "country",
            "--format",
            "csv",
            "--as",
            "leader1@example.org",
        ]
    )
    assert led.exit_code == 0, led.output
    assert not [marker for marker in LEAKS if shows(led.output, marker)]
    rows = list(csv.DictReader(io.StringIO(led.output)))
    italy = next(r for r in rows if r["group"] == "IT" and r["theme_key"] == "resilience")
    assert italy["suppressed"] == "true" and italy["score"] == "" and italy["n"] == ""
    table = runner.invoke(
        args=["results", "themes", "--by", "country", "--as", "LEADER1@example.org"]
    )
    assert "As LEADER1@example.org: the responses to actions 1 only." in table.output
    assert re.search(r"Italy\s+fewer than 3", table.output)
    for who, message in [
        ("nobody@example.org", "No account for nobody@example.org."),
        ("respondent_a@example.org", "cannot see the results"),
    ]:
        refused = runner.invoke(args=["results", "themes", "--as", who])
        assert refused.exit_code == 2 and message in refused.output


def test_the_result_cache_keeps_audiences_apart(app, db, login_as, partnership):
    """The cache keys on the statement, and the scope is in its WHERE clause: a leader
    after an admin (and the other way round) never gets the other's figures, while each
    one's figures are reused."""
    cache = ResultCache(ttl_seconds=60)
    leader = Audience(frozenset({1}), 3)
    for _ in range(2):
        for audience, n, hidden in [(FULL_ACCESS, 12, False), (leader, 9, True)]:
            _scores, by = agg.figures(
                db.session, agg.Filters(audience), ("pillar", "country"), cache=cache
            )
            assert by["pillar"].cell("cultural_tourism", "resilience").n == n
            assert by["country"].cell("IT", "resilience").suppressed is hidden
    # The leader's figures take a second statement: the small countries folded together.
    assert (cache.misses, cache.hits) == (3, 3)
    assert app.config["RESULTS_CACHE_SECONDS"] > 0  # the pages, with the app's cache
    for name, sees in [("admin", True), ("leader1", False), ("admin", True), ("leader1", False)]:
        html = login_as(name).get("/results/pillars").get_data(as_text=True)
        assert shows(html, "100.0") is sees, name


def test_question_figures_of_too_few_organisations_are_hidden(login_as, partnership):
    """The questions behind a theme: the plan question (two organisations) shows no mean
    and no n to leader1, and no share of weight is shown (shares add up to 100 %)."""
    html = login_as("leader1").get("/results/themes/social_inclusion").get_data(as_text=True)
    provenance = re.search(r'<section id="provenance">.*?</section>', html, re.S).group(0)
    row = re.search(r"Has your city a heritage plan\?</a>.*?</tr>", provenance, re.S).group(0)
    assert "fewer than 3" in row and "100.0" not in row
    assert "Share of weight" not in provenance
    assert '<span class="big-number suppressed">fewer than 3</span>' in html  # the theme too
    admin = login_as("admin").get("/results/themes/social_inclusion").get_data(as_text=True)
    provenance = re.search(r'<section id="provenance">.*?</section>', admin, re.S).group(0)
    assert "Share of weight" in provenance and "fewer than" not in provenance


def test_leaders_read_quotes_and_answers_of_their_actions_only(login_as, partnership, db):
    client = login_as("leader1")
    for url in ("/results/themes/identity_democracy", "/results/report"):
        html = client.get(url).get_data(as_text=True)
        assert "Action one idea" in html
        assert not any(f"Action {word} idea" in html for word in OTHERS.values())
    assert client.get(f"/results/questions/{question_of(db, 4)}").status_code == 403


FILTER_VALUES = {
    "state": st.sampled_from(["accepted", "submitted", "all", ""]),
    "kind": st.sampled_from(["city", "ngo", "region", "planet", ""]),
    "org_kind": st.sampled_from(["city", "ngo", "x"]),
    "country": st.sampled_from(["DE", "ES", "it", "ZZ", "", "E"]),
    "size": st.sampled_from(["large", "none", "huge"]),
    "date_from": st.sampled_from(["2000-01-01", "2999-01-01", "yesterday"]),
    "date_to": st.sampled_from(["2999-12-31", "2000-01-01"]),
    "by": st.sampled_from(["pillar", "action,country", "size,kind,perspective", "x"]),
    "action": st.sampled_from(["4", "6", "7", "1,4"]),
    "actions": st.sampled_from(["4"]),
    "page": st.sampled_from(["1", "2", "-1"]),
}


def test_no_filter_lets_a_leader_reach_other_actions(app, db, users, login_as, partnership):
    """Hostile filters on every results route (discovered), as leader1: never a server
    error, never a figure or quote of the actions they do not lead."""
    client = login_as("leader1")
    headers = bearer(db, users, "leader1")
    urls = [url.split("?")[0] for url, status in results_urls(app, db) if status == 200]

    @settings(
        max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(url=st.sampled_from(urls), query=st.fixed_dictionaries({}, optional=FILTER_VALUES))
    def attempt(url, query):
        response = client.get(url, query_string=query, headers=headers if "/api/" in url else {})
        assert response.status_code < 500, (url, query)
        body = response.get_data(as_text=True)
        assert not [m for m in LEAKS if shows(body, m)], (url, query)

    attempt()


def test_the_cli_action_filter_stays_within_the_scope(runner, partnership):
    args = ["results", "themes", "--format", "csv", "--by", "all", "--as", "leader1@example.org"]
    result = runner.invoke(args=[*args, "--action", "4", "--action", "7"])
    assert result.exit_code == 0, result.output
    assert not [m for m in LEAKS if shows(result.output, m)]
    overall = [r for r in csv.DictReader(io.StringIO(result.output)) if r["breakdown"] == "overall"]
    assert {r["n"] for r in overall} == {"0"}  # actions 4 and 7 are outside: nothing counts


# --- property: what the database gives, the pages hide beyond recovery ----------------


@st.composite
def partnerships(draw):
    """Up to 10 organisations, each answering action 1, action 7 or both (pillar 1),
    with a kind, a country and an answer; a random threshold."""
    orgs = draw(
        st.lists(
            st.tuples(
                st.sampled_from([(1,), (7,), (1, 7)]),
                st.sampled_from(["city", "ngo", "region"]),
                st.sampled_from(["DE", "IT", "FR"]),
                st.sampled_from(["1", "2", "3", "4", "5"]),
            ),
            min_size=1,
            max_size=10,
        )
    )
    return orgs, draw(st.integers(2, 5))


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=partnerships())
def test_hidden_database_cells_cannot_be_worked_out(db, case):
    orgs, min_orgs = case
    session = db.session
    savepoint = session.begin_nested()
    try:
        questionnaires = {
            n: support.publish(session, support.definition(n, [LIKERT])) for n in (1, 7)
        }
        truth: dict[tuple[str, str], list[Response]] = defaultdict(list)
        for index, (actions, kind, country, point) in enumerate(orgs):
            org = support.organisation(session, f"Org {index}", kind, country, "small")
            for number in actions:
                support.respond(session, questionnaires[number], org, {"agree": point})
                response = Response(index, (), 25 * (int(point) - 1))
                truth[("overall", "")].append(response)
                for by, group in [("action", str(number)), ("kind", kind), ("country", country)]:
                    truth[(by, group)].append(response)
        audience = Audience(frozenset({1, 7}), min_orgs)
        overall, breakdowns = agg.figures(
            session, agg.Filters(audience), ("action", "kind", "country")
        )
        shown = {("overall", ""): overall[0].stat}
        for by, bd in breakdowns.items():
            for group in bd.folded:  # not named: counted in "Other"
                assert by in ("kind", "country")
                truth[(by, OTHER)] += truth.pop((by, group))
            for g in bd.groups:  # a named group rests on enough organisations
                orgs_in = len({r.org for r in truth.get((by, g.key), [])})
                assert g.key == OTHER or by == "action" or orgs_in in (0,) or orgs_in >= min_orgs
            shown.update({(by, g.key): bd.cell(g.key, "broader_understanding") for g in bd.groups})
        hidden = {key for key, stat in shown.items() if stat.suppressed}
        for key, stat in shown.items():
            orgs_in = len({r.org for r in truth.get(key, [])})
            if not stat.suppressed:
                assert stat.n == len(truth.get(key, [])), key
                assert orgs_in == 0 or orgs_in >= min_orgs, (key, orgs_in)
            else:
                assert stat.n == 0 and stat.score is None and stat.sd is None
        lines = [
            (("overall", ""), [key for key in truth if key[0] == by])
            for by in ("action", "kind", "country")
        ]
        table = Table({key: truth.get(key, []) for key in shown}, lines)
        assert not peel(table, hidden)
        admin = agg.figures(session, agg.Filters(FULL_ACCESS), ("country",))[1]["country"]
        assert not any(stat.suppressed for stat in admin.cells.values())
    finally:
        savepoint.rollback()
