"""Disclosure control: whose responses an audience's figures count, and which cells of a
table are hidden so that no organisation's answers can be read off it (docs/scoring.md,
"Disclosure control").

Two rules, applied by the aggregation service to every figure of the results pages, the
report and its CSV, the API and the CLI:

- **Scope** (``Audience.actions``): the figures count only the responses to these actions
  (None: every action). A leader's audience holds the actions they lead and nothing else,
  so no Partnership-wide figure is mixed in from which their own could be subtracted.
- **Small groups** (``fold``): a group of a breakdown by organisation (kind, country,
  city size: ``FOLDED``) resting on fewer organisations than the threshold is not named
  at all (naming it with "fewer than 5" would tell the reader that 1 to 4 such
  organisations answered): such groups are folded into one "Other" group (``OTHER``),
  which counts as one group below.
- **Small cells** (``Audience.min_orgs``): a cell counting fewer organisations than the
  threshold is hidden (primary suppression), and so are as few other cells as it takes
  for no hidden cell to be worked out from the shown ones by differencing
  (complementary suppression, ``suppress``).

Figures are means shown with n: n x mean gives the sum, and the sums, the n and the sums
of squares (from the standard deviation) all add up over the parts of a table the same
way. So what protects a cell's n protects its sum and its spread: ``suppress`` reasons on
which cells are unknown, whatever the quantity.

No request or configuration is read here: ``audience_for`` takes the configuration as a
mapping (``authz.results_audience`` passes the app's).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Audience:
    """Who the figures are for: the actions whose responses count (None: every action),
    the fewest organisations a shown cell may count (0 or 1: nothing is hidden) and
    whether they are published beyond the staff."""

    actions: frozenset[int] | None = None
    min_orgs: int = 0
    # Figures that leave the platform's staff (respondents, the public): quotes only
    # from organisations that agreed to be quoted (``evidence.quotable``).
    published: bool = False

    @property
    def suppresses(self) -> bool:
        return self.min_orgs > 1

    @property
    def scoped(self) -> bool:
        return self.actions is not None


# Admins, coordinators and the CLI's operator: every action, nothing hidden.
FULL_ACCESS = Audience()

# The configuration setting holding each audience's threshold (config.py): respondents
# see their organisation's benchmark, the public the published snapshot.
THRESHOLD_SETTINGS = {
    "leader": "DISCLOSURE_MIN_ORGS",
    "respondent": "DISCLOSURE_MIN_ORGS_PUBLIC",
    "public": "DISCLOSURE_MIN_ORGS_PUBLIC",
}

PUBLISHED = ("respondent", "public")  # audiences beyond the platform's staff


def audience_for(kind: str, actions: Iterable[int] | None, config: Mapping[str, Any]) -> Audience:
    """The audience of ``kind`` ("full" or a key of ``THRESHOLD_SETTINGS``) limited to
    ``actions`` (None: every action), with its threshold from ``config``."""
    scope = None if actions is None else frozenset(actions)
    if kind == "full":
        return Audience(scope, 0)
    published = kind in PUBLISHED
    return Audience(scope, max(0, int(config[THRESHOLD_SETTINGS[kind]])), published)


# --- small groups --------------------------------------------------------------------

# The breakdowns whose groups are organisations' attributes: a group named there says
# that organisations of that kind, country or city size answered.
FOLDED = ("kind", "country", "size")
OTHER = "_other"  # the key of the group the small groups are folded into


def fold(group_orgs: Mapping[K, int], min_orgs: int) -> set[K]:
    """The groups not to name: those resting on 1 to ``min_orgs - 1`` organisations.
    ``group_orgs`` gives each group's organisations (or a lower bound of them, e.g. its
    largest cell's over the themes: a group is named only when it surely reaches the
    threshold). The caller shows them as one ``OTHER`` group, whose figures count their
    responses together and which ``suppress`` hides in turn if it is still too small."""
    if min_orgs <= 1:
        return set()
    return {group for group, orgs in group_orgs.items() if 0 < orgs < min_orgs}


# --- suppression ---------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """What suppression needs to know of a cell: ``n``, the responses it counts (n, the
    sums and the sums of squares add up over a table's parts), and ``orgs``, the distinct
    organisations behind them (what the threshold is about)."""

    n: int
    orgs: int


# A line of a table: (total, parts), where the parts' figures add up to the total's.
# A one-way breakdown is one line per theme (its groups and the overall figure); a
# two-way table has one line per row and per column (and the margins' line).
Line = tuple[K, Sequence[K]]


def suppress(cells: Mapping[K, Count], lines: Iterable[Line[K]], min_orgs: int) -> set[K]:
    """The cells to hide: every cell with 1 to ``min_orgs - 1`` organisations, and as
    few others as it takes until, in every line,

    - no hidden cell is alone (with its total shown, or as a hidden total over shown
      parts), so none is the difference of shown ones;
    - the hidden parts under a shown total (whose sum is that total minus the shown
      parts) count at least ``min_orgs`` organisations together;

    and no hidden cell can be worked out by any linear combination of the lines
    (``recoverable``). Complements are the smallest shown non-empty cells. Empty cells
    (no response) are shown: hiding one would protect nothing."""
    lines = [(total, list(parts)) for total, parts in lines]
    hidden = {key for key, count in cells.items() if 0 < count.orgs < min_orgs}
    if not hidden:
        return hidden
    while True:
        extra = next(
            (
                key
                for total, parts in lines
                if (key := _complement(cells, total, parts, hidden, min_orgs)) is not None
            ),
            None,
        )
        if extra is not None:  # one at a time: a complement may settle other lines too
            hidden.add(extra)
            continue
        leaking = recoverable(lines, hidden)
        if not leaking:
            return hidden
        hidden.add(_widen(cells, lines, hidden, leaking))


def _size(cells: Mapping[K, Count], key: K) -> Count:
    return cells.get(key, Count(0, 0))


def _smallest_shown(cells: Mapping[K, Count], keys: Sequence[K], hidden: set[K]) -> K | None:
    """The shown non-empty cell with the fewest organisations (then responses, then the
    first in order), or None."""
    candidates = [
        (count.orgs, count.n, index, key)
        for index, key in enumerate(keys)
        if key not in hidden and (count := _size(cells, key)).n > 0
    ]
    return min(candidates)[3] if candidates else None


def _complement(
    cells: Mapping[K, Count], total: K, parts: Sequence[K], hidden: set[K], min_orgs: int
) -> K | None:
    """A cell this line still needs hidden, or None when the line protects its hidden
    cells."""
    hidden_parts = [key for key in parts if key in hidden]
    if total in hidden:
        if hidden_parts:
            return None  # the total less the hidden parts is the shown parts' sum: no news
        return _smallest_shown(cells, parts, hidden)  # else the total is their sum
    if not hidden_parts:
        return None
    shown_orgs = sum(_size(cells, key).orgs for key in parts if key not in hidden)
    # The hidden parts' sum is recoverable (total - shown parts); it must cover enough
    # organisations. Organisations may count in several parts (an organisation answers
    # several actions), so this is a lower bound: the largest hidden part, or the
    # total's organisations less all the shown parts' ones.
    together = max(
        max(_size(cells, key).orgs for key in hidden_parts),
        _size(cells, total).orgs - shown_orgs,
    )
    if len(hidden_parts) >= 2 and together >= min_orgs:
        return None
    choice = _smallest_shown(cells, parts, hidden)
    if choice is None and total not in hidden:
        return total
    return choice


def _widen(
    cells: Mapping[K, Count], lines: Sequence[Line[K]], hidden: set[K], leaking: set[K]
) -> K:
    """One more cell to hide, in a line through a cell that can still be worked out."""
    for total, parts in lines:
        members = [total, *parts]
        if leaking & set(members):
            choice = _smallest_shown(cells, members, hidden)
            if choice is not None:
                return choice
    # Nothing shown is left beside the leaking cells: they are exactly known only from
    # empty cells (e.g. a total over one non-empty part); hide the empty ones too.
    for total, parts in lines:
        for key in [total, *parts]:
            if key not in hidden:
                return key
    raise AssertionError("every cell is hidden and one is still recoverable")  # pragma: no cover


def recoverable(lines: Iterable[Line[K]], hidden: set[K]) -> set[K]:
    """The hidden cells whose value follows from the shown cells by linear differencing
    over the lines (each: total = sum of parts).

    Every line is an equation; moving the shown cells to the constant side leaves one
    over the hidden cells. A hidden cell's value is determined when its unit vector is
    in the span of those equations: in the reduced row echelon form, the row whose
    pivot it is has no other entry. Exact arithmetic (fractions)."""
    order = sorted(hidden, key=repr)
    column = {key: index for index, key in enumerate(order)}
    rows: list[list[Fraction]] = []
    for total, parts in lines:
        row = [Fraction(0)] * len(order)
        if total in column:
            row[column[total]] += 1
        for key in parts:
            if key in column:
                row[column[key]] -= 1
        if any(row):
            rows.append(row)
    pivots = _reduce(rows, len(order))
    return {
        order[pivot]
        for pivot, row in pivots.items()
        if all(value == 0 for index, value in enumerate(row) if index != pivot)
    }


def _reduce(rows: list[list[Fraction]], width: int) -> dict[int, list[Fraction]]:
    """Gauss-Jordan elimination: {pivot column: its row} of the reduced row echelon form."""
    pivots: dict[int, list[Fraction]] = {}
    remaining = [row[:] for row in rows]
    for col in range(width):
        source = next((row for row in remaining if row[col] != 0), None)
        if source is None:
            continue
        remaining.remove(source)
        source = [value / source[col] for value in source]
        for other in [*remaining, *pivots.values()]:
            factor = other[col]
            if factor:
                for index in range(width):
                    other[index] -= factor * source[index]
        pivots[col] = source
    return pivots
