"""The rule that ties an account's role, organisation and led actions together, with one
message for each way of breaking it. Creating an account (CLI, invitations) and changing
one (the administration's user page) all check it here.

A respondent answers for an organisation; an action leader leads at least one action;
only leaders lead actions. Administrators and coordinators need neither: they see every
action. (A service rule rather than a model invariant: it spans two relationships, must
be checked before an account exists, and says which field is wrong.)
"""

from __future__ import annotations

from collections.abc import Collection

from ...models import Action, Organisation, Role

RESPONDENT_NEEDS_ORGANISATION = (
    "A respondent answers for an organisation: choose one, or choose another role."
)
LEADER_NEEDS_ACTIONS = (
    "An action leader leads at least one action: choose one or more, or choose another role."
)
ONLY_LEADERS_LEAD = (
    "Only action leaders lead actions (administrators and coordinators see every action): "
    "choose none, or choose the role action leader."
)


def problems(
    role: Role, organisation: Organisation | None, led_actions: Collection[Action]
) -> dict[str, str]:
    """What is wrong with an account of ``role`` that answers for ``organisation`` and
    leads ``led_actions``, by field (``organisation``, ``actions``); empty when nothing."""
    found: dict[str, str] = {}
    if role == Role.RESPONDENT and organisation is None:
        found["organisation"] = RESPONDENT_NEEDS_ORGANISATION
    if role == Role.LEADER and not led_actions:
        found["actions"] = LEADER_NEEDS_ACTIONS
    if role != Role.LEADER and led_actions:
        found["actions"] = ONLY_LEADERS_LEAD
    return found


def new_account_problems(
    role: Role, organisation: Organisation | None, actions: Collection[Action]
) -> dict[str, str]:
    """``problems`` for an account created or invited with ``actions``: a respondent's are
    added to their organisation's actions (they lead none); anyone else's are led."""
    return problems(role, organisation, () if role == Role.RESPONDENT else actions)
