"""Demo responses: many varied, plausible responses made through the domain rules.

Each response answers a published questionnaire version with values generated from its
definition (every value one the form would accept), is reduced to what the form would
store by the answer codec (``to_rows``: hidden questions dropped, scores computed), and,
unless it is a draft, is complete (``missing`` finds nothing). Its state history follows
the review workflow (``TRANSITIONS``), recorded as ResponseEvents. What is bypassed is only
per-request work: rows are written in batches with executemany, not one ORM object at a
time, so 100,000 responses take minutes.

Answers are not uniform noise: each organisation has a latent maturity, shifted by its
kind, size and country and by the action and theme, so breakdowns differ plausibly.
``generate_responses`` yields after each batch; the caller commits (and shows progress).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..definitions import answers as codec
from ..definitions.model import Definition
from ..models import (
    Action,
    Answer,
    Organisation,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    ResponseEvent,
    ResponseState,
    VersionStatus,
    organisation_actions,
)
from ..services.responding.responses import TRANSITIONS
from ..services.results.scoring import refresh_scores
from .data import (
    EU_BODIES,
    MEMBER_STATES,
    NAME_PATTERNS,
    PHRASES,
    REJECT_REASONS,
    RETURN_REASONS,
    SHORT_PHRASES,
)

STATE_MIX = {  # used when no single state is asked for
    ResponseState.ACCEPTED: 0.55,
    ResponseState.SUBMITTED: 0.2,
    ResponseState.DRAFT: 0.15,
    ResponseState.RETURNED: 0.05,
    ResponseState.REJECTED: 0.05,
}
KIND_MIX = {
    "city": 0.55,
    "region": 0.1,
    "member_state": 0.04,
    "eu_body": 0.02,
    "ngo": 0.12,
    "university": 0.1,
    "private": 0.05,
    "other": 0.02,
}
KIND_EFFECT = {
    "city": 0.0,
    "region": 0.03,
    "member_state": 0.05,
    "eu_body": 0.08,
    "ngo": -0.02,
    "university": 0.04,
    "private": -0.06,
    "other": -0.03,
}
SIZE_EFFECT = {"metropolitan": 0.06, "large": 0.03, "medium": 0.0, "small": -0.05, None: 0.0}
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class DemoError(ValueError):
    """The demo data cannot be made; the message says what to do."""


@dataclass
class Target:
    """A published questionnaire version the generator answers."""

    questionnaire_id: int
    version_id: int
    action_id: int
    action: int
    definition: Definition
    question_ids: dict[str, int]


@dataclass
class Org:
    name: str
    kind: str
    country: str
    size_band: str | None
    city: str
    maturity: float
    id: int | None = None


@dataclass
class Generated:
    """One response ready to insert: its row, its answer rows and its events."""

    target: Target
    org: Org
    state: ResponseState
    rows: list[codec.Row]
    events: list[tuple[str | None, str, datetime, str | None]]
    created_at: datetime
    submitted_at: datetime | None
    accepted_at: datetime | None
    review_note: str | None = None
    reference: str = ""


@dataclass
class Generator:
    """Plausible values for definitions; deterministic for a given ``rng``."""

    rng: random.Random
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    country_effect: dict[str, float] = field(default_factory=dict)
    action_effect: dict[tuple[int, str], float] = field(default_factory=dict)
    theme_effect: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for code in MEMBER_STATES:
            self.country_effect[code] = self.rng.gauss(0, 0.06)
        # Themes differ overall, so the five recommendations do not all sit at 50.
        self.theme_effect = {key: self.rng.uniform(-0.25, 0.25) for key in sorted(PHRASES)}
        self._countries = list(MEMBER_STATES)
        self._country_weights = [MEMBER_STATES[c][1] ** 0.6 for c in self._countries]

    # --- organisations --------------------------------------------------------------

    def organisation(self, serial: int) -> Org:
        rng = self.rng
        kind = rng.choices(list(KIND_MIX), weights=list(KIND_MIX.values()))[0]
        if kind == "eu_body":
            name, country = rng.choice(EU_BODIES)
            city = ""
        else:
            country = rng.choices(self._countries, weights=self._country_weights)[0]
            city_name, size = rng.choice(MEMBER_STATES[country][2])
            city = city_name
            pattern = rng.choice(NAME_PATTERNS[kind])
            name = pattern.format(
                city=city_name,
                region=rng.choice(MEMBER_STATES[country][3]),
                country=MEMBER_STATES[country][0],
            )
        size_band = None
        if kind == "city":
            size_band = dict(MEMBER_STATES[country][2])[city]
        base = rng.betavariate(3, 3)
        maturity = (
            base
            + KIND_EFFECT[kind]
            + SIZE_EFFECT[size_band]
            + self.country_effect.get(country, 0.0)
        )
        return Org(
            name=f"{name} (demo {serial})",
            kind=kind,
            country=country,
            size_band=size_band,
            city=city,
            maturity=maturity,
        )

    # --- values -----------------------------------------------------------------------

    def target_value(self, org: Org, action: int, themes: dict[str, float]) -> float:
        """Where this organisation stands on a question, 0..1."""
        main = max(themes, key=themes.get) if themes else ""  # type: ignore[arg-type]
        key = (action, main)
        if key not in self.action_effect:
            self.action_effect[key] = self.rng.gauss(0, 0.12)
        value = (
            org.maturity
            + self.theme_effect.get(main, 0.0)
            + self.action_effect[key]
            + self.rng.gauss(0, 0.18)
        )
        return min(1.0, max(0.0, value))

    def values(
        self, defn: Definition, org: Org, action: int, complete: bool
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Values for every question (the codec drops the hidden ones). Required questions
        are always answered when ``complete``; optional ones most of the time."""
        rng = self.rng
        values: dict[str, Any] = {}
        other: dict[str, str] = {}
        questions = list(defn.questions())
        stop = len(questions) if complete else rng.randint(0, len(questions))
        for q in questions[:stop]:
            if not q["required"] and rng.random() < 0.12:
                continue
            themes = q.get("themes") or {}
            if q["type"] == "matrix":
                themes = {}
                for item in q["items"]:
                    for key, weight in item["themes"].items():
                        themes[key] = themes.get(key, 0.0) + weight
            value, other_text = self.value(q, self.target_value(org, action, themes), org)
            if value in (None, "", [], {}):
                continue
            values[q["code"]] = value
            if other_text:
                other[q["code"]] = other_text
        return values, other

    def value(self, q: dict[str, Any], t: float, org: Org) -> tuple[Any, str | None]:
        rng = self.rng
        qtype = q["type"]
        if qtype in ("likert", "matrix"):
            return self._scale(q, t), None
        if qtype == "yes_no":
            return ("yes" if rng.random() < 0.1 + 0.8 * t else "no"), None
        if qtype == "single_choice":
            return self._single(q, t)
        if qtype == "multiple_choice":
            return self._multiple(q, t)
        if qtype == "number":
            return self._number(q, t), None
        if qtype in ("short_text", "long_text"):
            return self._text(q), None
        if qtype == "ranking":
            codes = [o["code"] for o in q["options"]]
            rng.shuffle(codes)
            return codes, None
        if qtype == "country":
            return (org.country if rng.random() < 0.9 else rng.choice(list(MEMBER_STATES))), None
        if qtype == "date":
            return self._date(q), None
        raise DemoError(f"no generator for question type {qtype!r}")

    def _point(self, q: dict[str, Any], t: float) -> str:
        rng = self.rng
        if q.get("dont_know") and rng.random() < 0.05:
            return "dk"
        n = q["points"]
        point = round(t * (n - 1) + rng.gauss(0, 0.6)) + 1
        return str(min(n, max(1, point)))

    def _scale(self, q: dict[str, Any], t: float) -> Any:
        if q["type"] == "likert":
            return self._point(q, t)
        return {item["code"]: self._point(q, t) for item in q["items"]}

    def _single(self, q: dict[str, Any], t: float) -> tuple[str, str | None]:
        rng = self.rng
        if q.get("other") and rng.random() < 0.03:
            return "other", "Another arrangement, described in our annex"
        options = q["options"]

        def distance(option: dict[str, Any]) -> float:
            score = option.get("score")
            if score is None:
                return 0.2 + rng.random() * 0.6
            return abs(score - t) + rng.random() * 0.25

        if any(o.get("score") is not None for o in options):
            return min(options, key=distance)["code"], None
        return rng.choice(options)["code"], None

    def _multiple(self, q: dict[str, Any], t: float) -> tuple[list[str], str | None]:
        rng = self.rng
        chosen = []
        for option in q["options"]:
            score = option.get("score")
            p = 0.25 if score is None else 0.08 + 0.8 * t * score + 0.1 * (1 - score)
            if rng.random() < p:
                chosen.append(option["code"])
        codes = [o["code"] for o in q["options"]]
        low = max(1, q.get("min", 0))
        high = q.get("max", len(codes) + 1)
        while len(chosen) < low:
            chosen.append(rng.choice([c for c in codes if c not in chosen]))
        other_text = None
        if q.get("other") and len(chosen) < high and rng.random() < 0.04:
            chosen.append("other")
            other_text = "A local scheme of our own"
        while len(chosen) > high:
            chosen.remove(rng.choice([c for c in chosen if c != "other"]))
        order = codes + ["other"]
        return sorted(chosen, key=order.index), other_text

    def _number(self, q: dict[str, Any], t: float) -> str:
        rng = self.rng
        low, high = q.get("min"), q.get("max")
        if "scoring" in q:
            a, b = q["scoring"]["min"], q["scoring"]["max"]
            x = a + t * (b - a) + rng.gauss(0, abs(b - a) * 0.08)
        else:
            lo = low if low is not None else 0
            hi = high if high is not None else max(lo + 100, lo * 2)
            x = lo + (hi - lo) * rng.random() ** 2  # small numbers are more common
        if low is not None:
            x = max(low, x)
        if high is not None:
            x = min(high, x)
        number = Decimal(round(x)) if q.get("integer", True) else Decimal(str(round(x, 1)))
        if low is not None and number < Decimal(str(low)):  # rounding below the bound
            number = Decimal(str(low))
        if high is not None and number > Decimal(str(high)):
            number = Decimal(str(high))
        return codec.format_number(number)

    def _text(self, q: dict[str, Any]) -> str:
        rng = self.rng
        limit = q["max_length"]
        keys = list(q.get("themes") or {}) or [""]
        if q["type"] == "short_text":
            text = rng.choice([p for key in keys for p in SHORT_PHRASES[key]])
        else:
            pool = [p for key in keys for p in PHRASES[key]] + PHRASES[""]
            text = " ".join(rng.sample(pool, rng.randint(1, 3)))
        return text[:limit].strip()

    def _date(self, q: dict[str, Any]) -> str:
        low = date.fromisoformat(q["min"]) if q.get("min") else date(2005, 1, 1)
        high = date.fromisoformat(q["max"]) if q.get("max") else self.now.date()
        span = max(0, (high - low).days)
        return (low + timedelta(days=self.rng.randint(0, span))).isoformat()

    # --- one response -----------------------------------------------------------------

    def response(self, target: Target, org: Org, state: ResponseState) -> Generated:
        complete = state != ResponseState.DRAFT
        values, other = self.values(target.definition, org, target.action, complete)
        rows = codec.to_rows(target.definition, values, other)
        if complete:
            problems = codec.missing(target.definition, values, other)
            if problems:  # the generator's own bug: never store an incomplete submission
                raise DemoError(f"generated an incomplete response: {problems}")
        return self._history(target, org, state, rows)

    def _history(
        self, target: Target, org: Org, state: ResponseState, rows: list[codec.Row]
    ) -> Generated:
        """Timestamps and events along the review workflow to ``state``."""
        rng = self.rng
        created = self.now - timedelta(days=rng.uniform(30, 240))
        path = [ResponseState.DRAFT]
        if state != ResponseState.DRAFT:
            path.append(ResponseState.SUBMITTED)
        if state not in (ResponseState.DRAFT, ResponseState.SUBMITTED):
            path.append(state)
        for before, after in zip(path, path[1:], strict=False):
            if after not in TRANSITIONS[before]:  # pragma: no cover - the workflow changed
                raise DemoError(f"{before.value} -> {after.value} is not a valid transition")
        when = created
        events: list[tuple[str | None, str, datetime, str | None]] = []
        submitted = accepted = None
        note = None
        previous: str | None = None
        for step in path:
            if step != ResponseState.DRAFT:
                when = min(self.now, when + timedelta(days=rng.uniform(0.5, 20)))
            comment = None
            if step == ResponseState.SUBMITTED:
                submitted = when
            elif step == ResponseState.ACCEPTED:
                accepted = when
            elif step == ResponseState.RETURNED:
                comment = note = rng.choice(RETURN_REASONS)
            elif step == ResponseState.REJECTED:
                comment = note = rng.choice(REJECT_REASONS)
            events.append((previous, step.value, when, comment))
            previous = step.value
        return Generated(target, org, state, rows, events, created, submitted, accepted, note)


# --- the bulk path ---------------------------------------------------------------------


def published_targets(session: Session) -> list[Target]:
    versions = session.execute(
        select(QuestionnaireVersion, Questionnaire.action_id, Action.number)
        .join(Questionnaire, Questionnaire.id == QuestionnaireVersion.questionnaire_id)
        .join(Action, Action.id == Questionnaire.action_id)
        .where(QuestionnaireVersion.status == VersionStatus.PUBLISHED)
        .order_by(Action.number)
    ).all()
    targets = []
    for version, action_id, number in versions:
        ids = dict(
            session.execute(
                select(Question.code, Question.id).where(Question.version_id == version.id)
            ).all()
        )
        targets.append(
            Target(
                version.questionnaire_id,
                version.id,
                action_id,
                number,
                Definition(version.definition),
                ids,
            )
        )
    return targets


def _states(state: str | None, rng: random.Random) -> Iterator[ResponseState]:
    mix = list(STATE_MIX)
    weights = list(STATE_MIX.values())
    while True:
        yield ResponseState(state) if state else rng.choices(mix, weights=weights)[0]


def generate_responses(
    session: Session,
    count: int,
    *,
    seed: int | None = None,
    state: str | None = None,
    batch_size: int = 1000,
) -> Iterator[int]:
    """Make ``count`` responses; yields how many were made after each batch (the caller
    commits after each yield). ``state``: every response in this state (default: a mix)."""
    if count < 1:
        raise DemoError("give a count of at least 1")
    if state is not None and state not in {s.value for s in ResponseState}:
        raise DemoError(f"unknown state {state!r}")
    targets = published_targets(session)
    if not targets:
        raise DemoError(
            "no questionnaire is published: run `flask --app wsgi seed` (or import and "
            "publish a definition) first"
        )
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets  # nosec B311 - reviewed: see the comment
    generator = Generator(rng)
    references = set(session.scalars(select(Response.reference)))
    serial = (session.scalar(select(Organisation.id).order_by(Organisation.id.desc())) or 0) + 1
    states = _states(state, rng)
    made = 0
    pending: list[Generated] = []
    while made < count:
        org = generator.organisation(serial)
        serial += 1
        how_many = rng.randint(2, len(targets)) if len(targets) > 1 else 1
        for target in rng.sample(targets, min(how_many, count - made)):
            item = generator.response(target, org, next(states))
            item.reference = _reference(rng, target.action, references)
            pending.append(item)
            made += 1
        if len(pending) >= batch_size or made >= count:
            _write(session, pending, generator.now)
            pending = []
            yield made


def _reference(rng: random.Random, action: int, taken: set[str]) -> str:
    while True:
        code = "".join(rng.choice(_REFERENCE_ALPHABET) for _ in range(6))
        reference = f"T{action:02d}-{code}"
        if reference not in taken:
            taken.add(reference)
            return reference


def _write(session: Session, items: Sequence[Generated], now: datetime) -> None:
    """Insert one batch: organisations, their actions, responses, answers, events."""
    orgs: dict[int, Org] = {}
    for item in items:
        if item.org.id is None:
            orgs[id(item.org)] = item.org
    new_orgs = list(orgs.values())
    if new_orgs:
        table = Organisation.__table__
        ids = session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True),
            [
                {
                    "name": o.name,
                    "kind": o.kind,
                    "country": o.country,
                    "size_band": o.size_band,
                    "active": True,
                    "created_at": now,
                }
                for o in new_orgs
            ],
        ).scalars()
        for org, new_id in zip(new_orgs, ids, strict=True):
            org.id = new_id
    links = {(item.org.id, item.target.action_id) for item in items}
    session.execute(
        insert(organisation_actions),
        [{"organisation_id": o, "action_id": a} for o, a in sorted(links)],
    )
    table = Response.__table__
    response_ids = (
        session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True),
            [
                {
                    "questionnaire_id": item.target.questionnaire_id,
                    "version_id": item.target.version_id,
                    "organisation_id": item.org.id,
                    "state": item.state.value,
                    "reference": item.reference,
                    "lock_version": len(item.events) + 1,
                    "created_at": item.created_at,
                    "updated_at": item.events[-1][2],
                    "submitted_at": item.submitted_at,
                    "accepted_at": item.accepted_at,
                    "review_note": item.review_note,
                }
                for item in items
            ],
        )
        .scalars()
        .all()
    )
    answers: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for item, response_id in zip(items, response_ids, strict=True):
        question_ids = item.target.question_ids
        for row in item.rows:
            answers.append(
                {
                    "response_id": response_id,
                    "question_id": question_ids[row.question],
                    "item": row.item,
                    "value": row.value,
                    "other_text": row.other_text,
                    "score": row.score,
                }
            )
        for from_state, to_state, when, comment in item.events:
            events.append(
                {
                    "response_id": response_id,
                    "from_state": from_state,
                    "to_state": to_state,
                    "created_at": when,
                    "comment": comment,
                }
            )
    if answers:
        session.execute(insert(Answer.__table__), answers)
        refresh_scores(session, response_ids)  # the batch's theme scores, in bulk
    session.execute(insert(ResponseEvent.__table__), events)
