"""The audit page tells each entry as a sentence in the reader's language, its people and
things as links, the full record one click away; the CSV download keeps the filters."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from app.admin.audit_sentences import EVENT_NAMES, SENTENCES
from app.services import audit
from app.services.responding import review as review_service
from tests.review_helpers import make_response, publish_example


@pytest.fixture
def returned(db, users, orgs):
    questionnaire = publish_example(1)
    response = make_response(questionnaire, orgs["A"], respondent=users["respondent_a"])
    review_service.review(
        db.session,
        response,
        "return",
        user=users["admin"],
        overall_comment="Please say more.",
        question_comments={"has_regulation": "Which one?"},
    )
    db.session.commit()
    return response


def _entry(html: str, event: str) -> str:
    match = re.search(
        rf'<li class="audit-entry" data-event="{re.escape(event)}">(.*?)</li>', html, re.S
    )
    assert match, f"no {event} entry"
    return match.group(1)


def _sentence(html: str, event: str) -> str:
    entry = _entry(html, event)
    return re.search(r'<p class="audit-sentence">(.*?)</p>', entry, re.S).group(1)


def _text(fragment: str) -> str:
    return re.sub(r"<[^>]+>", "", fragment)


def test_a_review_reads_as_a_sentence_with_links(client, login_as, users, orgs, returned):
    login_as("coordinator")
    html = client.get("/admin/audit").get_data(as_text=True)
    sentence = _sentence(html, "review.returned")
    assert _text(sentence) == (
        f"Admin returned response {returned.reference} to City A with 2 comments"
    )
    assert f'<a href="/admin/users/{users["admin"].id}">Admin</a>' in sentence
    assert f'<a href="/review/{returned.id}">{returned.reference}</a>' in sentence
    assert f'<a href="/admin/organisations/{orgs["A"].id}">City A</a>' in sentence


def test_the_full_record_is_one_click_away(client, login_as, returned):
    login_as("admin")
    entry = _entry(client.get("/admin/audit").get_data(as_text=True), "review.returned")
    assert "<details" in entry and "Full record" in entry
    assert "<code>review.returned</code>" in entry
    assert "&#34;comment&#34;: &#34;Please say more.&#34;" in entry


def test_sentences_in_the_readers_language(client, login_as, users, orgs, returned, db):
    audit.record(db.session, "organisation.created", user=users["admin"], obj=orgs["B"])
    db.session.commit()
    login_as("admin")
    html = client.get("/admin/audit?lang=de").get_data(as_text=True)
    assert _text(_sentence(html, "review.returned")) == (
        f"Admin hat die Antwort {returned.reference} mit 2 Kommentaren an City A zurückgegeben"
    )
    assert _text(_sentence(html, "organisation.created")) == (
        "Admin hat die Organisation Region B angelegt"
    )
    html = client.get("/admin/audit?lang=fr").get_data(as_text=True)
    assert _text(_sentence(html, "organisation.created")) == (
        "Admin a créé l’organisation Region B"
    )


def test_unknown_events_and_missing_objects_still_read(client, login_as, db):
    audit.record(db.session, "brand.new", actor="cli", object_type="user", object_id="999")
    audit.record(db.session, "login.failure", actor="<script>@x", reason="unknown")
    db.session.commit()
    login_as("admin")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert _text(_sentence(html, "brand.new")) == "A command-line task: brand.new #999"
    assert _sentence(html, "login.failure") == "A login as &lt;script&gt;@x failed"


def test_the_csv_download_keeps_the_filters(client, login_as, returned):
    login_as("admin")
    html = client.get("/admin/audit?event=review.returned&ip=10.0.&object_type=response").get_data(
        as_text=True
    )
    link = re.search(r'href="(/admin/audit\.csv[^"]*)"', html).group(1).replace("&amp;", "&")
    assert sorted(link.split("?", 1)[1].split("&")) == [
        "event=review.returned",
        "ip=10.0.",
        "object_type=response",
    ]


# --- every event recorded anywhere in app/ has a sentence and a name --------------------

APP = Path(__file__).resolve().parent.parent / "app"
RECORDERS = {"record", "record_at_once"}


def _strings(node: ast.AST) -> list[str]:
    return [
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def _assigned(scope: ast.AST, name: str) -> list[ast.AST]:
    """The values assigned to ``name`` directly in ``scope`` (a function or a module)."""
    return [
        node.value
        for node in ast.walk(scope)
        if isinstance(node, ast.Assign | ast.AnnAssign)
        and node.value is not None
        and any(
            isinstance(t, ast.Name) and t.id == name
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        )
    ]


def _event_names(arg: ast.AST, function: ast.AST | None, module: ast.Module) -> list[str]:
    """The event names a call's event argument can take: a literal; a variable assigned
    literals in the function; a choice between those; a parameter of a helper called with literals; a lookup in a
    module-level table of literals. Anything else is unreadable (empty)."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if isinstance(arg, ast.IfExp):  # "a.opened" if is_open else "a.closed"
        branches = [_event_names(b, function, module) for b in (arg.body, arg.orelse)]
        return [n for names in branches for n in names] if all(branches) else []
    if isinstance(arg, ast.Subscript) and isinstance(arg.value, ast.Name):
        tables = _assigned(module, arg.value.id)
        if tables and all(isinstance(t, ast.Dict) for t in tables):
            return [s for t in tables for s in _strings(ast.List(elts=t.values))]  # type: ignore[attr-defined]
        return []
    if not isinstance(arg, ast.Name) or not isinstance(function, ast.FunctionDef):
        return []
    if values := _assigned(function, arg.id):
        return [s for v in values for s in _strings(v)]
    params = [a.arg for a in function.args.args]
    if arg.id not in params:
        return []
    index = params.index(arg.id)
    return [
        s
        for call in ast.walk(module)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == function.name
        for s in _strings(call.args[index])
    ]


def _is_audit_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute):
        owner = func.value
        return func.attr in RECORDERS and isinstance(owner, ast.Name) and owner.id == "audit"
    return isinstance(func, ast.Name) and func.id in RECORDERS


def _calls(node: ast.AST, function: ast.AST | None):
    """(audit call, innermost enclosing function) under ``node``."""
    for child in ast.iter_child_nodes(node):
        if _is_audit_call(child):
            yield child, function
        inner = child if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
        yield from _calls(child, inner)


def recorded_events() -> tuple[dict[str, list[str]], list[str]]:
    """{event: [where it is recorded]} for every audit.record / record_at_once call in
    app/, and the places whose event name cannot be read from the source."""
    events: dict[str, list[str]] = {}
    unreadable: list[str] = []
    for path in sorted(APP.rglob("*.py")):
        module = ast.parse(path.read_text(encoding="utf-8"))
        for call, function in _calls(module, None):
            where = f"{path.relative_to(APP.parent)}:{call.lineno}"
            names = _event_names(call.args[1], function, module) if len(call.args) > 1 else []
            if not names:
                unreadable.append(where)
            for name in names:
                events.setdefault(name, []).append(where)
    return events, unreadable


def test_every_recorded_event_has_a_sentence_and_a_name():
    events, unreadable = recorded_events()
    assert not unreadable, f"write these events' names as literals: {unreadable}"
    assert len(events) >= 60  # the reader found them (it would find none if it broke)
    assert {"logout", "review.returned", "user.actions_changed", "user.deactivated"} <= set(events)
    no_sentence = {e: w for e, w in events.items() if e not in SENTENCES}
    assert not no_sentence, f"add a sentence to app/admin/audit_sentences.py: {no_sentence}"
    no_name = {e: w for e, w in events.items() if e not in EVENT_NAMES}
    assert not no_name, f"add a name to EVENT_NAMES in app/admin/audit_sentences.py: {no_name}"
    assert set(EVENT_NAMES) == set(SENTENCES)


def test_the_event_filter_lists_readable_names(client, login_as, db, users):
    audit.record(db.session, "deadline.extended", user=users["admin"], organisation="City A")
    audit.record(db.session, "logout", user=users["admin"])
    audit.record(db.session, "x.unknown", user=users["admin"])
    db.session.commit()
    login_as("admin")
    html = client.get("/admin/audit").get_data(as_text=True)
    options = re.findall(r'<option value="([^"]+)">([^<]*)</option>', html)
    events = [
        (v, label) for v, label in options if v in {"deadline.extended", "logout", "x.unknown"}
    ]
    assert events == [
        ("deadline.extended", "Deadline extended"),
        ("logout", "Logged out"),
        ("x.unknown", "x.unknown"),  # no name: its code
    ]
    german = client.get("/admin/audit?lang=de").get_data(as_text=True)
    assert '<option value="deadline.extended">Frist verlängert</option>' in german


def test_the_object_type_filter_lists_readable_names(client, login_as, db, users, orgs):
    audit.record(db.session, "organisation.updated", user=users["admin"], obj=orgs["A"])
    audit.record(db.session, "x.thing", user=users["admin"], object_type="gadget", object_id=1)
    db.session.commit()
    login_as("admin")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert '<option value="organisation">Organisation</option>' in html
    assert '<option value="gadget">gadget</option>' in html  # no name: its code
    german = client.get("/admin/audit?lang=de").get_data(as_text=True)
    assert '<option value="organisation">Organisation</option>' in german


def test_new_sentences_fill_their_details(client, login_as, db, users, orgs):
    questionnaire = publish_example(1)
    audit.record(
        db.session,
        "deadline.extended",
        actor="cli",
        obj=questionnaire,
        organisation="City <A>",
        after="2027-01-20",
    )
    audit.record(db.session, "invitations.imported", user=users["admin"], count=3)
    audit.record(db.session, "reminders.sent", actor="scheduler", obj=questionnaire)
    db.session.commit()
    login_as("admin")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "extended the deadline of" in html and "for City &lt;A&gt; to 20 Jan 2027" in html
    assert "invited 3 people from a file" in html
    assert "The scheduled job sent reminders for" in html
