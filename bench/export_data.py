"""A fast generator of benchmark data: a 25-question questionnaire (every question type)
and N accepted responses with valid answers, inserted in bulk with sqlite3."""

from __future__ import annotations

import random
import sqlite3
import string
from datetime import UTC, datetime, timedelta

THEMES = "{broader_understanding: 1, integrated_approaches: 0.5}"


def definition_yaml() -> str:
    """25 questions: 5 single, 3 multiple, 4 Likert, 2 matrix, 3 yes/no, 2 number,
    2 short text, 1 long text, 1 ranking, 1 country, 1 date."""
    lines = ["action: 1", "code: a01_bench", "title: Benchmark questionnaire", "sections:"]

    def options(n: int, score: bool = True) -> list[str]:
        return [
            f"          - {{code: o{i}, label: Option {i}"
            + (f", score: {i / (n - 1):.2f}}}" if score else "}")
            for i in range(n)
        ]

    lines += ["  - code: choices", "    title: Choices", "    questions:"]
    for n in range(5):
        lines += [
            f"      - code: single_{n}",
            "        type: single_choice",
            f"        label: Single choice {n}",
            f"        themes: {THEMES}",
            "        other: true",
            "        options:",
            *options(4),
        ]
    for n in range(3):
        lines += [
            f"      - code: multi_{n}",
            "        type: multiple_choice",
            f"        label: Multiple choice {n}",
            f"        themes: {THEMES}",
            "        options:",
            *options(5),
        ]
    lines += ["  - code: scales", "    title: Scales", "    questions:"]
    for n in range(4):
        lines += [
            f"      - code: likert_{n}",
            "        type: likert",
            f"        label: Likert {n}",
            "        points: 5",
            "        labels: {low: Low, high: High}",
            "        dont_know: true",
            f"        themes: {THEMES}",
        ]
    for n in range(2):
        lines += [
            f"      - code: matrix_{n}",
            "        type: matrix",
            f"        label: Matrix {n}",
            "        points: 5",
            "        point_labels: [One, Two, Three, Four, Five]",
            "        items:",
            *[
                f"          - {{code: i{i}, label: Item {i}, themes: {{resilience: 1}}}}"
                for i in range(3)
            ],
        ]
    for n in range(3):
        lines += [
            f"      - code: yesno_{n}",
            "        type: yes_no",
            f"        label: Yes or no {n}",
            "        themes: {social_inclusion: 1}",
        ]
    lines += ["  - code: facts", "    title: Facts", "    questions:"]
    for n in range(2):
        lines += [
            f"      - code: number_{n}",
            "        type: number",
            f"        label: Number {n}",
            "        min: 0",
            "        max: 100000",
        ]
    for n in range(2):
        lines += [
            f"      - code: short_{n}",
            "        type: short_text",
            f"        label: Short {n}",
        ]
    lines += ["      - code: long_0", "        type: long_text", "        label: Long text"]
    lines += [
        "      - code: ranking_0",
        "        type: ranking",
        "        label: Ranking",
        "        options:",
        *options(4, score=False),
    ]
    lines += ["      - code: country_0", "        type: country", "        label: Country"]
    lines += ["      - code: date_0", "        type: date", "        label: Date"]
    return "\n".join(lines) + "\n"


WORDS = (
    "culture heritage city museum library festival archive square theatre tourism "
    "housing climate resilience community participation memory district river"
).split()
COUNTRIES = ["DE", "IT", "FR", "ES", "PL", "NL", "BE", "AT", "GR", "PT", "SE", "CZ"]


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def answers_for(rng: random.Random, qids: dict[str, int], rid: int) -> list[tuple]:
    rows = []

    def add(code: str, value: str, item: str = "", other: str | None = None) -> None:
        rows.append((rid, qids[code], item, value, other, None))

    for n in range(5):
        choice = rng.choice(["o0", "o1", "o2", "o3", "other"])
        add(f"single_{n}", choice, other=_text(rng, 3) if choice == "other" else None)
    for n in range(3):
        chosen = [f"o{i}" for i in range(5) if rng.random() < 0.4] or ["o0"]
        add(f"multi_{n}", ";".join(chosen))
    for n in range(4):
        add(f"likert_{n}", rng.choice(["1", "2", "3", "4", "5", "dk"]))
    for n in range(2):
        for i in range(3):
            add(f"matrix_{n}", str(rng.randint(1, 5)), item=f"i{i}")
    for n in range(3):
        add(f"yesno_{n}", rng.choice(["yes", "no"]))
    for n in range(2):
        add(f"number_{n}", str(rng.randint(0, 100000)))
    for n in range(2):
        add(f"short_{n}", _text(rng, 5))
    add("long_0", _text(rng, 20) + "\n" + _text(rng, 15))
    order = ["o0", "o1", "o2", "o3"]
    rng.shuffle(order)
    add("ranking_0", ";".join(order))
    add("country_0", rng.choice(COUNTRIES))
    add("date_0", f"20{rng.randint(10, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
    return rows


def generate(path: str, questionnaire_id: int, version_id: int, count: int, seed: int = 7) -> None:
    """Insert ``count`` organisations, accepted responses and their answers."""
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = OFF")
        qids = dict(
            conn.execute("SELECT code, id FROM questions WHERE version_id = ?", (version_id,))
        )
        start = datetime(2026, 3, 1, tzinfo=UTC)
        kinds = ["city", "region", "ngo", "university", "member_state"]
        batch = 10_000
        org_base = conn.execute("SELECT COALESCE(MAX(id), 0) FROM organisations").fetchone()[0]
        for first in range(0, count, batch):
            numbers = range(first, min(first + batch, count))
            stamp = [
                (start + timedelta(minutes=n)).strftime("%Y-%m-%d %H:%M:%S.000000") for n in numbers
            ]
            conn.executemany(
                "INSERT INTO organisations (id, name, kind, country, size_band, active, created_at)"
                " VALUES (?, ?, ?, ?, ?, 1, ?)",
                [
                    (
                        org_base + n + 1,
                        f"Organisation {n:06d} " + rng.choice(string.ascii_uppercase),
                        kind := rng.choice(kinds),
                        rng.choice(COUNTRIES),
                        rng.choice(["small", "medium", "large"]) if kind == "city" else None,
                        s,
                    )
                    for n, s in zip(numbers, stamp, strict=True)
                ],
            )
            conn.executemany(
                "INSERT INTO responses (id, questionnaire_id, version_id, organisation_id, state,"
                " reference, lock_version, created_at, updated_at, submitted_at, accepted_at)"
                " VALUES (?, ?, ?, ?, 'accepted', ?, 1, ?, ?, ?, ?)",
                [
                    (
                        n + 1,
                        questionnaire_id,
                        version_id,
                        org_base + n + 1,
                        f"T01-{n:06d}",
                        s,
                        s,
                        s,
                        s,
                    )
                    for n, s in zip(numbers, stamp, strict=True)
                ],
            )
            conn.executemany(
                "INSERT INTO answers (response_id, question_id, item, value, other_text, score)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [row for n in numbers for row in answers_for(rng, qids, n + 1)],
            )
            conn.commit()
    finally:
        conn.close()
