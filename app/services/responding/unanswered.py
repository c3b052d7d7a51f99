"""The organisations asked about an action that have not submitted (not started, in
draft, or returned), with their contact people: who to remind, one step from the
dashboard."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from ...models import Action, Organisation, Response, User, organisation_actions
from .participation import NOT_STARTED, aware, invitations_with_responses


@dataclass
class Pending:
    organisation: Organisation
    state: str  # "not_started", "draft" or "returned"
    updated_at: datetime | None
    contacts: list[User]


def pending(session: Session, action: Action, states: Iterable[str]) -> list[Pending]:
    """The organisations asked about ``action`` whose current response is in one of
    ``states`` ("not_started", "draft", "returned"), with their active respondents (three
    queries)."""
    state = func.coalesce(cast(Response.state, String(20)), NOT_STARTED, type_=String(20))
    stmt = (
        invitations_with_responses(Organisation, state, Response.updated_at)
        .where(organisation_actions.c.action_id == action.id, state.in_(set(states)))
        .order_by(Organisation.country, Organisation.name)
    )
    rows = session.execute(stmt).all()
    people: dict[int, list[User]] = defaultdict(list)
    if rows:
        for user in session.scalars(
            select(User)
            .where(
                User.organisation_id.in_([r[0].id for r in rows]),
                User.active,
                User.role == "respondent",
            )
            .order_by(User.display_name)
        ):
            people[user.organisation_id].append(user)  # type: ignore[index]
    return [
        Pending(
            organisation,
            str(state_value),
            aware(updated) if updated else None,
            people[organisation.id],
        )
        for organisation, state_value, updated in rows
    ]
