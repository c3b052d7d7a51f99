"""Hypothesis strategies for hostile input, one per attack class, shared by the fuzzers
(tests/test_hostile_input.py and the files it names).

Each class here was once found by hand rather than by the fuzzer, so each has its own
strategy that reaches its corners on purpose: days at both ends of the calendar and just
past them, JSON bodies of every shape, YAML that costs or breaks (aliases, tags,
impossible dates, deep nesting), and text a spreadsheet may take for a formula
(look-alike characters behind spaces, invisible characters and quotes).
"""

from __future__ import annotations

import json
import re
import unicodedata

from hypothesis import strategies as st

# --- text ---------------------------------------------------------------------------------

EDGE_DAYS = [
    "0001-01-01",
    "9999-12-31",
    "9999-12-30",
    "0001-01-02",
    "0000-12-31",
    "10000-01-01",
    "2026-02-29",
    "2024-02-29",
    "2026-13-01",
    "2026-00-10",
    "2026-1-1",
    "+2026-01-01",
    "-0001-01-01",
    "20261127",
    "2026-W48-5",
    "2026-11-27T23:59:59",
    "9999-12-31T23:59:59.999999+14:00",
    "２０２６-１１-２７",
]
# Any day a date can hold (hypothesis favours its ends), or text that almost is one.
any_day = st.one_of(st.dates().map(lambda d: d.isoformat()), st.sampled_from(EDGE_DAYS))

hostile_text = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.text(
        st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF, exclude_categories=("Cs",)),
        max_size=10,
    ),
    st.sampled_from(
        [
            "\x00",
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "=cmd|' /C calc'!A0",
            "＝1+1",
            "../../etc/passwd",
            "%00",
            "9" * 400,
            "-1",
            "1e309",
            "NaN",
            "true",
            "[]",
            "{}",
        ]
    ),
    any_day,
    st.just("x" * 100_000),
)

# --- JSON bodies ------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
# Any JSON document: a bare scalar, a list, an object of anything.
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)


def json_body(names: list[str]) -> st.SearchStrategy[str]:
    """A JSON body: anything, or an object keyed by the form's own field names."""
    keyed = st.dictionaries(st.sampled_from(names or ["field"]), json_values, max_size=6)
    return st.one_of(json_values, keyed).map(json.dumps) | st.just("{nope")


# --- YAML definition files --------------------------------------------------------------


def alias_bomb(levels: int = 7) -> str:
    """Each alias repeats the one before nine times: 9**levels values from a few lines."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels):
        lines.append(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


_yaml_scalars = st.one_of(
    st.sampled_from(
        [
            "yes",
            "~",
            "1e999",
            ".nan",
            "0o17",
            "0x_ff",
            "1:30:00",
            "!!int zz",
            "!!float x",
            "!!timestamp x",
            "!!binary ab",
            "!!python/object/apply:os.system [ls]",
            "!!set {a: 1}",
            "! 12",
            "*undefined",
            "&anchor 1",
            "'quoted'",
            '"\\ud800"',
            "1" * 5000,
        ]
    ),
    st.builds(
        "{:04d}-{:02d}-{:02d}".format,
        st.integers(0, 10000),
        st.integers(0, 13),
        st.integers(0, 32),
    ),
    st.builds(
        "2026-01-01 {:02d}:{:02d}:{:02d}".format,
        st.integers(0, 99),
        st.integers(0, 99),
        st.integers(0, 99),
    ),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12).map(json.dumps),
)
_keys = st.sampled_from(["action", "code", "title", "sections", "questions", "<<", "a", "?"])
_flat_document = st.dictionaries(_keys, _yaml_scalars, min_size=1, max_size=6).map(
    lambda d: "".join(f"{key}: {value}\n" for key, value in d.items())
)
hostile_yaml = st.one_of(
    _flat_document,
    st.integers(2, 9).map(alias_bomb),
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 400).map(lambda n: "a:\n" + "".join("  " * i + "b:\n" for i in range(1, n))),
    st.integers(1, 30_000).map(lambda n: "[" + "1," * n + "]"),
    st.text(max_size=200),
    st.sampled_from(["", "\x00", "\ufeff", "---\n...\n---\n", "a: &a [*a]", "%YAML 9.9\n---\na"]),
)

# --- text a spreadsheet may take for a formula ------------------------------------------

FORMULA_BODIES = ["1+1", "cmd|' /C calc'!A0", 'HYPERLINK("http://evil.example","x")', "SUM(A1:A9)"]
_signs = st.sampled_from(
    [
        "=",
        "+",
        "-",
        "@",
        "＝",
        "＋",
        "－",
        "＠",
        "﹦",
        "﹢",
        "﹣",
        "﹫",
        "⁼",
        "₌",
        "⁺",
        "−",
        "‐",
        "–",
        "—",
    ]
)
_lead = st.text(
    st.sampled_from(
        [" ", "\u00a0", "\u3000", "\u200b", "\ufeff", "\u202e", "\n", '"', "“", "«", "‘"]
    ),
    max_size=3,
)
# A formula behind whatever a lenient spreadsheet skips, with a sign it may fold.
formula_text = st.builds(
    lambda lead, sign, body: lead + sign + body, _lead, _signs, st.sampled_from(FORMULA_BODIES)
)
_SKIPPED = {"Cc", "Cf", "Zs", "Zl", "Zp", "Pi", "Pf"}
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_may_run(cell: str) -> bool:
    """An independent reading of what a lenient spreadsheet takes for a formula: skip
    leading spaces, invisible characters and quotation marks (an apostrophe makes the
    cell text), fold the first character that is left (NFKC; any dash or minus sign is
    a minus). Plain numbers are numbers."""
    if not cell or _NUMBER.fullmatch(cell):
        return False
    if cell[0] in "\t\r":
        return True
    rest = cell.lstrip()
    while rest and (rest[0] in '"＂‚„' or unicodedata.category(rest[0]) in _SKIPPED):
        rest = rest[1:].lstrip()
    first = unicodedata.normalize("NFKC", rest[:1])[:1]
    if first and (first == "\u2212" or unicodedata.category(first) == "Pd"):
        first = "-"
    return first in ("=", "+", "-", "@")
