"""Organisations: validate, create, update, (de)activate and search; each change is
audited in the caller's transaction."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from ...countries import is_country
from ...models import Action, Organisation, OrgKind, SizeBand, User
from .. import audit

NAME_MAX = 200
# Sort keys offered by the list: key -> columns (a leading "-" in the request reverses).
SORTS = {
    "name": (func.lower(Organisation.name),),
    "kind": (Organisation.kind, func.lower(Organisation.name)),
    "country": (Organisation.country, func.lower(Organisation.name)),
    "created": (Organisation.created_at, Organisation.id),
    "active": (Organisation.active, func.lower(Organisation.name)),
}


@dataclass
class OrgInput:
    """What an administrator (or an import row) says an organisation should be."""

    name: str
    kind: OrgKind | str
    country: str
    size_band: SizeBand | str | None = None
    action_numbers: list[int] = field(default_factory=list)
    active: bool = True


class OrganisationInvalid(ValueError):
    """The input breaks a rule; ``problems`` maps a field name to what to do about it."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def normalise_name(name: str) -> str:
    """Trim and collapse runs of white space, so "City  of X " equals "City of X"."""
    return re.sub(r"\s+", " ", name or "").strip()


def find_by_name(session: Session, name: str) -> Organisation | None:
    """The organisation with this name, ignoring case and extra spaces."""
    wanted = normalise_name(name).lower()
    return session.scalar(select(Organisation).where(func.lower(Organisation.name) == wanted))


def existing_names(session: Session) -> set[str]:
    """Every organisation name in lower case (for checking many names at once)."""
    return {name.lower() for name in session.scalars(select(Organisation.name))}


def problems_with(
    session: Session | None, data: OrgInput, *, exclude_id: int | None = None
) -> dict[str, str]:
    """Every rule ``data`` breaks, by field. ``session`` None skips the uniqueness check."""
    problems: dict[str, str] = {}
    name = normalise_name(data.name)
    if not name:
        problems["name"] = "Enter the organisation's name."
    elif len(name) > NAME_MAX:
        problems["name"] = f"The name is longer than {NAME_MAX} characters: shorten it."
    elif session is not None:
        other = find_by_name(session, name)
        if other is not None and other.id != exclude_id:
            problems["name"] = (
                f"An organisation named “{other.name}” already exists (names are compared "
                "without regard to case): choose another name or edit that organisation."
            )
    kind = _enum_or_none(OrgKind, data.kind)
    if kind is None:
        allowed = ", ".join(k.value for k in OrgKind)
        problems["kind"] = f"Choose the kind of organisation: one of {allowed}."
    if not is_country(data.country or ""):
        problems["country"] = "Choose the country (ISO 3166), e.g. DE for Germany."
    size_band = _enum_or_none(SizeBand, data.size_band) if data.size_band else None
    if data.size_band and size_band is None:
        allowed = ", ".join(s.value for s in SizeBand)
        problems["size_band"] = f"Unknown city size band: use one of {allowed}."
    elif kind == OrgKind.CITY and size_band is None:
        problems["size_band"] = "Choose the city size band: every city needs one."
    elif kind is not None and kind != OrgKind.CITY and size_band is not None:
        problems["size_band"] = (
            "Only cities have a size band: choose “None”, or change the kind to city."
        )
    bad = sorted({n for n in data.action_numbers if not 1 <= n <= 11})
    if bad:
        problems["actions"] = f"Unknown action number(s) {bad}: actions are numbered 1 to 11."
    return problems


_Enum = TypeVar("_Enum", bound=StrEnum)


def _enum_or_none(enum_cls: type[_Enum], value: str | None) -> _Enum | None:
    if value is None:
        return None
    try:
        return enum_cls(value)
    except ValueError:
        return None


def actions_by_number(session: Session, numbers: Iterable[int]) -> list[Action]:
    wanted = sorted(set(numbers))
    if not wanted:
        return []
    return list(session.scalars(select(Action).where(Action.number.in_(wanted))))


def apply_input(
    session: Session, org: Organisation, data: OrgInput, actions: dict[int, Action] | None = None
) -> None:
    """Copy validated input onto ``org``; ``actions`` (number -> Action) saves queries."""
    org.name = normalise_name(data.name)
    org.kind = OrgKind(data.kind)
    org.country = data.country
    org.size_band = SizeBand(data.size_band) if data.size_band else None
    if actions is None:
        org.actions = actions_by_number(session, data.action_numbers)
    else:
        org.actions = [actions[n] for n in sorted(set(data.action_numbers))]


def create(
    session: Session,
    data: OrgInput,
    *,
    by: User | None = None,
    actor: str | None = None,
    ip: str = "",
) -> Organisation:
    """Create an organisation (audited "organisation.created"); raises OrganisationInvalid."""
    if problems := problems_with(session, data):
        raise OrganisationInvalid(problems)
    org = Organisation(active=data.active)
    apply_input(session, org, data)
    session.add(org)
    session.flush()
    audit.record(
        session, "organisation.created", user=by, actor=actor, obj=org, ip=ip, **_snapshot(org)
    )
    return org


def update(
    session: Session,
    org: Organisation,
    data: OrgInput,
    *,
    by: User | None = None,
    actor: str | None = None,
    ip: str = "",
) -> dict[str, list[object]]:
    """Change an organisation; audits "organisation.updated" with {field: [old, new]}
    (and "organisation.deactivated"/"reactivated" when ``active`` changes). Returns every
    change, ``active`` included."""
    if problems := problems_with(session, data, exclude_id=org.id):
        raise OrganisationInvalid(problems)
    before = _snapshot(org)
    apply_input(session, org, data)
    after = _snapshot(org)
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if changes:
        audit.record(
            session, "organisation.updated", user=by, actor=actor, obj=org, ip=ip, changes=changes
        )
    was_active = org.active
    if set_active(session, org, data.active, by=by, actor=actor, ip=ip):
        return {**changes, "active": [was_active, data.active]}
    return changes


def set_active(
    session: Session,
    org: Organisation,
    active: bool,
    *,
    by: User | None = None,
    actor: str | None = None,
    ip: str = "",
) -> bool:
    """(De)activate; returns False when nothing changed. Its accounts are left as they are."""
    if org.active == active:
        return False
    org.active = active
    event = "organisation.reactivated" if active else "organisation.deactivated"
    audit.record(session, event, user=by, actor=actor, obj=org, ip=ip, name=org.name)
    return True


def _snapshot(org: Organisation) -> dict[str, Any]:
    return {
        "name": org.name,
        "kind": org.kind.value if org.kind else None,
        "country": org.country,
        "size_band": org.size_band.value if org.size_band else None,
        "actions": sorted(a.number for a in org.actions),
    }


def search(
    *,
    q: str = "",
    kind: str = "",
    country: str = "",
    active: bool | None = None,
    sort: str = "name",
) -> Select[*tuple[Any, ...]]:
    """The list query: name contains ``q``; exact kind/country; active; sorted by ``sort``
    (one of SORTS, "-" prefix for descending; unknown keys sort by name)."""
    stmt = select(Organisation).options(selectinload(Organisation.actions))
    if q := normalise_name(q):
        stmt = stmt.where(Organisation.name.icontains(q, autoescape=True))
    if kind:
        stmt = stmt.where(Organisation.kind == kind)
    if country:
        stmt = stmt.where(Organisation.country == country.upper())
    if active is not None:
        stmt = stmt.where(Organisation.active.is_(active))
    descending = sort.startswith("-")
    columns = SORTS.get(sort.lstrip("-"), SORTS["name"])
    order = [c.desc() if descending else c.asc() for c in columns]
    return stmt.order_by(*order, Organisation.id)


def user_counts(session: Session, org_ids: Iterable[int]) -> dict[int, int]:
    """Number of accounts per organisation id (missing ids have none)."""
    ids = list(org_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(User.organisation_id, func.count(User.id))
        .where(User.organisation_id.in_(ids))
        .group_by(User.organisation_id)
    )
    return {org_id: count for org_id, count in rows if org_id is not None}


def totals(session: Session) -> dict[str, int]:
    """How many organisations there are, active and not."""
    result = session.execute(
        select(Organisation.active, func.count()).group_by(Organisation.active)
    )
    rows = {active: count for active, count in result}
    return {"all": sum(rows.values()), "active": rows.get(True, 0), "inactive": rows.get(False, 0)}


def countries_in_use(session: Session) -> list[str]:
    return list(
        session.scalars(select(Organisation.country).distinct().order_by(Organisation.country))
    )
