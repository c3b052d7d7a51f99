"""A simulated respondent over HTTP: log in, open a questionnaire, save every section,
review, submit, read the receipt. Used by the load and fault benchmarks."""

from __future__ import annotations

import http.client
import json
import random
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode, urlsplit

from app.definitions import answers as codec
from app.definitions.model import Definition
from app.definitions.validate import validate_file
from app.services.questionnaires.seeding import shipped_questionnaire_files

_INPUT = re.compile(r"<input[^>]*>")
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')


def hidden_fields(html: str) -> dict[str, str]:
    fields = {}
    for tag in _INPUT.findall(html):
        attrs = dict(_ATTR.findall(tag))
        if attrs.get("type") == "hidden" and "name" in attrs:
            fields[attrs["name"]] = attrs.get("value", "")
    return fields


@lru_cache(maxsize=16)
def definition(action: int) -> Definition:
    path = next(p for p in shipped_questionnaire_files() if p.name == f"action_{action:02d}.yaml")
    return Definition(validate_file(path).definition)


def load_definitions() -> None:
    """Parse the 11 questionnaires once, before the client processes fork: each would
    otherwise parse them itself (YAML and schema checks, about half a second each) on the
    cores the server under test runs on, as the run starts."""
    for action in range(1, 12):
        definition(action)


def answer_form(
    defn: Definition, rng: random.Random
) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """Valid answers to every question (hidden ones are dropped by the server), as form
    fields, and the values the server will keep."""
    fields: list[tuple[str, str]] = []
    values: dict[str, Any] = {}
    for q in defn.questions():
        code, qtype = q["code"], q["type"]
        if qtype == "single_choice":
            value = rng.choice(q["options"])["code"]
            fields.append((code, value))
            values[code] = value
        elif qtype == "multiple_choice":
            count = max(q.get("min", 1), 1)
            count = min(count, q.get("max", len(q["options"])), len(q["options"]))
            chosen = rng.sample([o["code"] for o in q["options"]], count)
            fields += [(code, c) for c in chosen]
            values[code] = [o["code"] for o in q["options"] if o["code"] in chosen]
        elif qtype == "likert":
            value = str(rng.randint(1, q["points"]))
            fields.append((code, value))
            values[code] = value
        elif qtype == "matrix":
            rows = {item["code"]: str(rng.randint(1, q["points"])) for item in q["items"]}
            fields += [(f"{code}__{item}", point) for item, point in rows.items()]
            values[code] = rows
        elif qtype == "yes_no":
            value = rng.choice(["yes", "no"])
            fields.append((code, value))
            values[code] = value
        elif qtype == "number":
            low, high = q.get("min", 0), q.get("max", 1000)
            value = str(rng.randint(int(low), int(min(high, low + 500))))
            fields.append((code, value))
            values[code] = value
        elif qtype in ("short_text", "long_text"):
            value = f"Answer {rng.randint(1, 10**6)}: line one\nline two"[: q["max_length"]]
            fields.append((code, value))
            values[code] = value
        elif qtype == "ranking":
            order = [o["code"] for o in q["options"]]
            rng.shuffle(order)
            fields += [(code, c) for c in order]
            values[code] = order
        elif qtype == "country":
            fields.append((code, "DE"))
            values[code] = "DE"
        elif qtype == "date":
            value = q.get("min") or "2024-03-01"
            fields.append((code, value))
            values[code] = value
    return fields, values


def expected_rows(defn: Definition, values: dict[str, Any]) -> int:
    return len(codec.to_rows(defn, values, {}))


_IDLE_CLOSE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


@dataclass
class Sample:
    label: str
    status: int
    ms: float
    error: str = ""
    at: float = field(default_factory=time.time)  # when it ended (wall clock)


@dataclass
class Session:
    base: str
    samples: list[Sample] = field(default_factory=list)
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 30.0

    def __post_init__(self) -> None:
        parts = urlsplit(self.base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.conn: http.client.HTTPConnection | None = None
        self.retry_after: float | None = None  # the last answer's Retry-After (seconds)

    def request(
        self,
        label: str,
        method: str,
        path: str,
        form: list[tuple[str, str]] | None = None,
        accept: str = "text/html",
    ) -> tuple[int, str, str]:
        headers = {"Connection": "keep-alive", "Accept": accept}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.base
        started = time.perf_counter()
        for attempt in (1, 2):
            reused = self.conn is not None
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(
                        self.host, self.port, timeout=self.timeout
                    )
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (OSError, http.client.HTTPException) as error:
                self.close()
                if attempt == 1 and reused and isinstance(error, _IDLE_CLOSE):
                    # The server closed a kept-alive connection that sat idle (its
                    # keep-alive timeout) before this request reached it: like
                    # browsers, send it again on a new connection.
                    continue
                self.samples.append(
                    Sample(label, 0, (time.perf_counter() - started) * 1000, type(error).__name__)
                )
                return 0, "", ""
        self.samples.append(Sample(label, response.status, (time.perf_counter() - started) * 1000))
        retry = response.getheader("Retry-After") or ""
        self.retry_after = float(retry) if retry.isdigit() else None
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookie_value = rest.split(";", 1)[0]
                if "Max-Age=0" in value or "expires=Thu, 01 Jan 1970" in value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = cookie_value
        return response.status, response.getheader("Location") or "", text

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _by_question(fields: list[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    by_name: dict[str, list[tuple[str, str]]] = {}
    for name, value in fields:
        by_name.setdefault(name.split("__")[0], []).append((name, value))
    return by_name


def _section_answers(section: dict[str, Any], by_name: dict[str, list[tuple[str, str]]]):
    form: list[tuple[str, str]] = []
    for q in section["questions"]:
        form += by_name.get(q["code"], [])
    return form


def autosave(
    session: Session, action: int, state: dict[str, str], section: str, answers
) -> dict[str, Any] | None:
    """What the page's script sends while someone types: the page's state (token, lock,
    digests) and its answers; the JSON reply carries the next state."""
    form = [
        ("csrf_token", state["csrf_token"]),
        ("lock_version", state["lock_version"]),
        ("base", state.get("base", "") if state.get("section") == section else ""),
        ("section", section),
        *answers,
    ]
    status, _, text = session.request(
        "POST autosave", "POST", f"/respond/{action}/autosave", form, "application/json"
    )
    if status != 200:
        return None
    body = json.loads(text)
    if not body.get("ok"):
        return None
    state.update(
        csrf_token=body["csrf_token"],
        lock_version=str(body["lock_version"]),
        base=body["base"],
        section=section,
    )
    return body


def autosave_and_submit(
    session: Session, action: int, rng: random.Random
) -> tuple[str | None, int]:
    """The write path as a browser with scripts drives it: open the first page, autosave
    every section's answers, submit, read the receipt (the reference acknowledged)."""
    defn = definition(action)
    fields, values = answer_form(defn, rng)
    by_name = _by_question(fields)
    first = defn.sections[0]["code"]
    status, _, html = session.request("GET section", "GET", f"/respond/{action}/section/{first}")
    if status != 200:
        return None, 0
    state = hidden_fields(html)
    state["section"] = first
    for section in defn.sections:
        if (
            autosave(session, action, state, section["code"], _section_answers(section, by_name))
            is None
        ):
            return None, 0
    status, location, _ = session.request(
        "POST submit",
        "POST",
        f"/respond/{action}/submit",
        [("csrf_token", state["csrf_token"]), ("lock_version", state["lock_version"])],
    )
    if status != 302 or "receipt" not in location:
        return None, 0
    status, _, html = session.request("GET receipt", "GET", f"/respond/{action}/receipt")
    match = re.search(r"T\d\d-[A-Z2-9]{6}", html)
    return (match.group(0) if match else None), expected_rows(defn, values)


def respond_once(
    session: Session, action: int, rng: random.Random, think: float = 0.0
) -> tuple[str | None, int]:
    """Fill in and submit one questionnaire as a person does, page by page: each page
    autosaves once while they type, then "Save and continue". Returns (reference or
    None, expected rows)."""
    defn = definition(action)
    fields, values = answer_form(defn, rng)
    by_name = _by_question(fields)
    status, _, _ = session.request("GET overview", "GET", f"/respond/{action}/")
    if status != 200:
        return None, 0
    for section in defn.sections:
        code = section["code"]
        url = f"/respond/{action}/section/{code}"
        status, _, html = session.request("GET section", "GET", url)
        for _ in range(BUSY_RETRIES):  # busy (503) or no answer: a person loads it again
            if status not in (0, 503):
                break
            time.sleep(min(session.retry_after or 5.0, 10.0))
            status, _, html = session.request("GET section", "GET", url)
        if status in (301, 302, 303):
            continue  # a hidden section redirects
        if status != 200:
            return None, 0  # never shown: the person gives up (nothing acknowledged)
        state = hidden_fields(html)
        answers = _section_answers(section, by_name)
        if think:
            time.sleep(think * rng.uniform(0.5, 1.5))
        if autosave(session, action, state, code, answers) is None:
            return None, 0
        if think:
            time.sleep(think * rng.uniform(0.5, 1.5))
        form = [*state.items(), *answers, ("nav", "next")]
        session.request("POST save section", "POST", f"/respond/{action}/section/{code}", form)
    status, _, html = session.request("GET review", "GET", f"/respond/{action}/review")
    hidden = hidden_fields(html)
    if "lock_version" not in hidden:
        return None, 0
    if think:
        time.sleep(think * rng.uniform(0.5, 1.5))
    status, location, _ = session.request(
        "POST submit", "POST", f"/respond/{action}/submit", list(hidden.items())
    )
    if status != 302 or "receipt" not in location:
        return None, 0
    status, _, html = session.request("GET receipt", "GET", f"/respond/{action}/receipt")
    match = re.search(r"T\d\d-[A-Z2-9]{6}", html)
    return (match.group(0) if match else None), expected_rows(defn, values)


LOGGED_IN = "= logged in"  # not a request: a person's time from the login page to in
BUSY_RETRIES = 4


def log_in(session: Session, email: str, password: str) -> bool:
    """As a person does: on a busy answer (503: the proxy's queue or the app's hash slot)
    wait its Retry-After (at most 10 s) and send the form again, up to BUSY_RETRIES times.
    The time from the login page to logged in, waits included, is recorded as LOGGED_IN."""
    started = time.perf_counter()
    status, _, html = session.request("GET login", "GET", "/login")
    token = hidden_fields(html).get("csrf_token", "")
    for attempt in range(BUSY_RETRIES + 1):
        status, location, page = session.request(
            "POST login",
            "POST",
            "/login",
            [("csrf_token", token), ("email", email), ("password", password), ("next", "")],
        )
        if status != 503 or attempt == BUSY_RETRIES:
            break
        time.sleep(min(session.retry_after or 5.0, 10.0))
        token = hidden_fields(page).get("csrf_token", token)  # the app's page has a fresh one
    ok = status == 302 and "/login" not in location
    session.samples.append(
        Sample(
            LOGGED_IN,
            status if ok else 0,
            (time.perf_counter() - started) * 1000,
            "" if ok else "not logged in",
        )
    )
    return ok


def log_out(session: Session) -> None:
    status, _, html = session.request("GET overview", "GET", "/respond/")
    token = hidden_fields(html).get("csrf_token", "")
    session.request("POST logout", "POST", "/logout", [("csrf_token", token)])
    session.cookies.clear()
