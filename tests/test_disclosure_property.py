"""Property: disclosure control (``app.services.results.disclosure.suppress``) leaves nothing to
work out. For random responses of random organisations, grouped into one-way breakdowns
(several dimensions sharing one total, as on the results pages) and two-way tables (rows,
columns and margins), and random thresholds:

- every shown cell counts no organisation or at least the threshold;
- an attacker differencing the shown cells along the table's lines recovers no hidden
  cell's n nor its sum (``peel``: a line with one unknown gives it away; repeated);
- nor does any linear combination of the lines (``determined``: an independent rank test,
  not the module's own elimination);
- under a shown total, the hidden parts (whose sum is the total less the shown parts)
  come from at least the threshold of distinct organisations together.

Pure Python: no database (the same on SQLite and PostgreSQL). The database side, that the
pages hide what this decides, is tests/test_results_disclosure.py.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.services.results.disclosure import Count, fold, recoverable, suppress

TOTAL = ("total",)


@dataclass(frozen=True)
class Response:
    org: int
    groups: tuple[int, ...]  # its group in each dimension (one-way) or (row, column)
    value: int  # a score, 0..100


@dataclass
class Table:
    """Cells as the sets of responses they count, and the lines (total, parts)."""

    cells: dict[Hashable, list[Response]]
    lines: list[tuple[Hashable, list[Hashable]]]

    def counts(self) -> dict[Hashable, Count]:
        return {
            key: Count(len(rows), len({r.org for r in rows})) for key, rows in self.cells.items()
        }

    def n(self, key: Hashable) -> int:
        return len(self.cells[key])

    def total(self, key: Hashable) -> int:
        return sum(r.value for r in self.cells[key])


responses = st.lists(
    st.builds(
        Response,
        org=st.integers(0, 11),
        groups=st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(0, 3)),
        value=st.integers(0, 100),
    ),
    max_size=40,
)


def one_way(rows: Sequence[Response], dimensions: int) -> Table:
    """``dimensions`` breakdowns of the same responses, each adding up to one total."""
    cells: dict[Hashable, list[Response]] = {TOTAL: list(rows)}
    lines = []
    for d in range(dimensions):
        parts = sorted({("dim", d, r.groups[d]) for r in rows})
        for key in parts:
            cells[key] = [r for r in rows if r.groups[d] == key[2]]
        lines.append((TOTAL, parts))
    return Table(cells, lines)


def two_way(rows: Sequence[Response]) -> Table:
    """Rows by columns, with row totals, column totals and the grand total."""
    row_keys = sorted({r.groups[0] for r in rows})
    col_keys = sorted({r.groups[2] for r in rows})
    cells: dict[Hashable, list[Response]] = {TOTAL: list(rows)}
    lines: list[tuple[Hashable, list[Hashable]]] = []
    for i in row_keys:
        cells[("row", i)] = [r for r in rows if r.groups[0] == i]
        for j in col_keys:
            cells[("cell", i, j)] = [r for r in rows if r.groups[0] == i and r.groups[2] == j]
        lines.append((("row", i), [("cell", i, j) for j in col_keys]))
    for j in col_keys:
        cells[("col", j)] = [r for r in rows if r.groups[2] == j]
        lines.append((("col", j), [("cell", i, j) for i in row_keys]))
    lines.append((TOTAL, [("row", i) for i in row_keys]))
    lines.append((TOTAL, [("col", j) for j in col_keys]))
    return Table(cells, lines)


# --- the attacker ---------------------------------------------------------------------


def peel(table: Table, hidden: set[Hashable]) -> set[Hashable]:
    """Differencing as a reader would do it: a line with one unknown cell gives that
    cell's n and sum (total minus parts, or parts summed); repeat until nothing moves.
    Returns the hidden cells recovered (with their true values checked)."""
    known = {key: (table.n(key), table.total(key)) for key in table.cells if key not in hidden}
    recovered: set[Hashable] = set()
    moved = True
    while moved:
        moved = False
        for total, parts in table.lines:
            unknown = [key for key in [total, *parts] if key not in known]
            if len(unknown) != 1:
                continue
            (key,) = unknown
            if key == total:
                value = tuple(sum(known[p][k] for p in parts) for k in (0, 1))
            else:
                shown = [p for p in parts if p != key]
                value = tuple(known[total][k] - sum(known[p][k] for p in shown) for k in (0, 1))
            assert value == (table.n(key), table.total(key))  # the attack is exact
            known[key] = value
            recovered.add(key)
            moved = True
    return recovered


def rank(rows: list[list[Fraction]]) -> int:
    """Rank by row echelon form (fractions)."""
    rows = [row[:] for row in rows]
    rank_, width = 0, len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((i for i in range(rank_, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[rank_], rows[pivot] = rows[pivot], rows[rank_]
        for i in range(rank_ + 1, len(rows)):
            factor = rows[i][col] / rows[rank_][col]
            rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank_], strict=True)]
        rank_ += 1
    return rank_


def determined(table: Table, hidden: set[Hashable]) -> set[Hashable]:
    """Hidden cells fixed by the lines whatever the method: x_i is determined exactly
    when column i is not a combination of the other hidden cells' columns, i.e. when
    dropping it lowers the rank of the lines' matrix over the hidden cells."""
    order = sorted(hidden, key=repr)
    matrix = []
    for total, parts in table.lines:
        matrix.append(
            [Fraction((key == total) - sum(1 for p in parts if p == key)) for key in order]
        )
    full = rank(matrix)
    return {
        key
        for index, key in enumerate(order)
        if rank([row[:index] + row[index + 1 :] for row in matrix]) < full
    }


def check(table: Table, min_orgs: int) -> set[Hashable]:
    counts = table.counts()
    hidden = suppress(counts, table.lines, min_orgs)
    for key, count in counts.items():
        if key not in hidden:
            assert count.orgs == 0 or count.orgs >= min_orgs, (key, count)
    assert not peel(table, hidden), "a hidden cell was worked out by differencing"
    assert not determined(table, hidden), "a hidden cell is fixed by the lines"
    assert recoverable(table.lines, hidden) == set()
    for total, parts in table.lines:
        hidden_parts = [p for p in parts if p in hidden]
        if total not in hidden and hidden_parts:
            orgs = {r.org for p in hidden_parts for r in table.cells[p]}
            assert len(orgs) >= min_orgs, (total, hidden_parts, orgs)
    return hidden


@settings(max_examples=300, deadline=None)
@given(rows=responses, dimensions=st.integers(1, 3), min_orgs=st.integers(2, 6))
def test_one_way_breakdowns_hide_small_cells_beyond_recovery(rows, dimensions, min_orgs):
    check(one_way(rows, dimensions), min_orgs)


@settings(max_examples=300, deadline=None)
@given(rows=responses, min_orgs=st.integers(2, 6))
def test_two_way_tables_hide_small_cells_beyond_recovery(rows, min_orgs):
    check(two_way(rows), min_orgs)


def rows_of(spec: dict[int, list[int]]) -> list[Response]:
    """{group: [organisation, ...]} as responses of value 50 (one dimension)."""
    return [Response(org, (g, 0, 0), 50) for g, orgs in spec.items() for org in orgs]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        # Nothing small: nothing hidden.
        ({0: [1, 2, 3], 1: [4, 5, 6]}, set()),
        # One small group: the next smallest goes with it (else total - shown = it).
        ({0: [1, 2, 3, 4], 1: [5, 6, 7], 2: [8]}, {2, 1}),
        # Two small groups of one organisation each: together still too few, so a third.
        ({0: [1, 2, 3, 4], 1: [5, 6, 7], 2: [8], 3: [9]}, {1, 2, 3}),
        # Two small groups that together reach the threshold: enough as they are.
        ({0: [1, 2, 3, 4], 1: [5, 6], 2: [7, 8]}, {1, 2}),
        # The same organisation in both small groups (it answered two actions): together
        # they are one organisation, not two, so a third group is hidden too.
        ({0: [1, 2, 3, 4], 1: [5, 6, 7], 2: [8], 3: [8]}, {1, 2, 3}),
    ],
)
def test_worked_examples(spec, expected):
    table = one_way(rows_of(spec), 1)
    hidden = check(table, 3)
    assert {key[2] for key in hidden if key != TOTAL} == expected
    assert TOTAL not in hidden


def test_a_total_below_the_threshold_hides_everything_in_it():
    table = one_way(rows_of({0: [1], 1: [2]}), 2)
    hidden = check(table, 3)
    assert hidden == set(table.cells)


def test_empty_cells_stay_shown():
    table = one_way(rows_of({0: [1, 2, 3], 1: [4]}), 1)
    counts = table.counts()
    counts[("dim", 0, 9)] = Count(0, 0)  # a group without responses
    lines = [(TOTAL, [*table.lines[0][1], ("dim", 0, 9)])]
    assert suppress(counts, lines, 3) == {("dim", 0, 0), ("dim", 0, 1)}


# --- small groups are not named (``fold``) --------------------------------------------

OTHER_KEY = ("dim", 0, "other")


def folded_one_way(rows: Sequence[Response], min_orgs: int) -> tuple[Table, set[int]]:
    """One breakdown as the pages show it: the groups ``fold`` picks merged into one
    "Other" group (its organisations counted afresh), the rest named."""
    orgs_of: dict[int, set[int]] = {}
    for r in rows:
        orgs_of.setdefault(r.groups[0], set()).add(r.org)
    small = fold({g: len(orgs) for g, orgs in orgs_of.items()}, min_orgs)
    cells: dict[Hashable, list[Response]] = {TOTAL: list(rows)}
    for g in sorted(orgs_of):
        if g not in small:
            cells[("dim", 0, g)] = [r for r in rows if r.groups[0] == g]
    if small:
        cells[OTHER_KEY] = [r for r in rows if r.groups[0] in small]
    return Table(cells, [(TOTAL, [key for key in cells if key != TOTAL])]), small


@settings(max_examples=300, deadline=None)
@given(rows=responses, min_orgs=st.integers(2, 6))
def test_no_group_is_named_on_fewer_organisations_than_the_threshold(rows, min_orgs):
    table, small = folded_one_way(rows, min_orgs)
    hidden = check(table, min_orgs)  # and the "Other" group is protected like any cell
    for key, cell in table.cells.items():
        if key in (TOTAL, OTHER_KEY):
            continue
        assert len({r.org for r in cell}) >= min_orgs, ("named on too few", key)
    for g in small:
        assert 0 < len({r.org for r in rows if r.groups[0] == g}) < min_orgs
    if OTHER_KEY in table.cells and OTHER_KEY not in hidden:
        assert len({r.org for r in table.cells[OTHER_KEY]}) >= min_orgs


def test_small_groups_fold_into_one_other_group():
    table, small = folded_one_way(rows_of({0: [1, 2, 3], 1: [4], 2: [5, 6]}), 3)
    assert small == {1, 2}
    assert OTHER_KEY in table.cells and ("dim", 0, 1) not in table.cells
    assert check(table, 3) == set()  # "Other" has 3 organisations: shown
    table, small = folded_one_way(rows_of({0: [1, 2, 3, 4], 1: [5, 6, 7], 2: [8]}), 3)
    assert small == {2}
    assert OTHER_KEY in check(table, 3)  # still 1 organisation: hidden, with a complement


def test_nothing_folds_without_a_threshold():
    assert fold({1: 1, 2: 0}, 0) == set()
    assert fold({1: 1, 2: 0, 3: 4}, 3) == {1}
