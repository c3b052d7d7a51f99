"""The one rule tying role, organisation and led actions (``app.services.people.account_rules``):
every combination, and the three ways of making or changing an account that check it
(``users create``, invitations, the administration's user page) with the same message."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.models import Role
from app.services.people import account_rules, invitations
from app.services.people import accounts as user_admin
from app.services.people import accounts as user_service
from app.services.people.account_rules import (
    LEADER_NEEDS_ACTIONS,
    ONLY_LEADERS_LEAD,
    RESPONDENT_NEEDS_ORGANISATION,
)
from tests.conftest import action

ORG, ACTIONS = "an organisation", "led actions"

# role, with an organisation?, leading actions? -> the problems, by field
COMBINATIONS = [
    (Role.RESPONDENT, ORG, (), {}),
    (Role.RESPONDENT, None, (), {"organisation": RESPONDENT_NEEDS_ORGANISATION}),
    (Role.RESPONDENT, ORG, ACTIONS, {"actions": ONLY_LEADERS_LEAD}),
    (
        Role.RESPONDENT,
        None,
        ACTIONS,
        {"organisation": RESPONDENT_NEEDS_ORGANISATION, "actions": ONLY_LEADERS_LEAD},
    ),
    (Role.LEADER, None, ACTIONS, {}),
    (Role.LEADER, ORG, ACTIONS, {}),
    (Role.LEADER, None, (), {"actions": LEADER_NEEDS_ACTIONS}),
    (Role.LEADER, ORG, (), {"actions": LEADER_NEEDS_ACTIONS}),
    (Role.COORDINATOR, None, (), {}),
    (Role.COORDINATOR, ORG, (), {}),
    (Role.COORDINATOR, None, ACTIONS, {"actions": ONLY_LEADERS_LEAD}),
    (Role.ADMIN, None, (), {}),
    (Role.ADMIN, ORG, (), {}),
    (Role.ADMIN, None, ACTIONS, {"actions": ONLY_LEADERS_LEAD}),
]


@pytest.mark.parametrize(("role", "org", "led", "expected"), COMBINATIONS)
def test_every_combination(orgs, role, org, led, expected):
    organisation = orgs["A"] if org else None
    actions = [action(1), action(2)] if led else []
    assert account_rules.problems(role, organisation, actions) == expected


@pytest.mark.parametrize("role", list(Role))
def test_a_new_respondents_actions_are_their_organisations(orgs, role):
    """Creating or inviting with actions: a respondent's go to the organisation, so they
    are no problem; anyone else's are led actions."""
    problems = account_rules.new_account_problems(role, orgs["A"], [action(3)])
    assert problems == (
        {"actions": ONLY_LEADERS_LEAD} if role in (Role.ADMIN, Role.COORDINATOR) else {}
    )


# (role, organisation?, actions?, message) broken the same way through each service
BROKEN = [
    (Role.RESPONDENT, None, False, RESPONDENT_NEEDS_ORGANISATION),
    (Role.LEADER, None, False, LEADER_NEEDS_ACTIONS),
    (Role.COORDINATOR, None, True, ONLY_LEADERS_LEAD),
    (Role.ADMIN, None, True, ONLY_LEADERS_LEAD),
]


def _create(db, users, **access):  # type: ignore[no-untyped-def]
    """``flask users create``'s service; the problem as its error says it."""
    try:
        user_service.create_user(db.session, "new@example.org", **access)
    except user_service.UserError as error:
        return str(error)
    return None


def _invite(db, users, **access):  # type: ignore[no-untyped-def]
    try:
        invitations.invite(
            db.session,
            email="new@example.org",
            display_name="New",
            invited_by=users["admin"],
            lifetime=timedelta(days=1),
            **access,
        )
    except invitations.UserError as error:
        return str(error)
    return None


def _change_access(db, users, **access):  # type: ignore[no-untyped-def]
    try:
        user_admin.change_access(db.session, users["colleague_a"], by=users["admin"], **access)
    except user_admin.AccessInvalid as error:
        return " ".join(error.problems.values())
    return None


@pytest.mark.parametrize("service", [_create, _invite, _change_access])
@pytest.mark.parametrize(("role", "org", "with_actions", "message"), BROKEN)
def test_each_service_says_the_rules_message(db, users, service, role, org, with_actions, message):
    actions = [action(1)] if with_actions else []
    said = service(db, users, role=role, organisation=org, actions=actions)
    assert said == message


def test_a_respondent_leading_actions_is_refused_on_the_user_page(db, users, orgs):
    """The user page's actions are led actions: a respondent leads none."""
    with pytest.raises(user_admin.AccessInvalid) as caught:
        user_admin.change_access(
            db.session,
            users["colleague_a"],
            role=Role.RESPONDENT,
            organisation=orgs["A"],
            actions=[action(1)],
            by=users["admin"],
        )
    assert caught.value.problems == {"actions": ONLY_LEADERS_LEAD}
