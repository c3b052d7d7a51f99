"""Who may do what: every view asks here, so access control lives in one place.

Rules (see README "Roles"):
- admin: everything.
- coordinator: reads everything (all actions, responses, results, exports), changes nothing.
- leader: reads, reviews and exports the responses of the actions they lead; sees the
  results of those actions only, with cells of few organisations hidden.
- respondent: reads and edits their own organisation's responses for the actions the
  organisation is asked about, while the response is a draft (or returned).

Every view states its rule with ``@allowed(<predicate on the user>)``; rules about one
object (this response, that action) are checked where the object is loaded
(``app/loaders.py``). tests/test_access_matrix.py reads each view's rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache, wraps
from typing import Any, TypeVar

from flask import abort, current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import Select, bindparam, select

from .models import (
    Action,
    Organisation,
    Response,
    ResponseState,
    Role,
    User,
    organisation_actions,
)
from .services.responding import deadlines
from .services.results.disclosure import FULL_ACCESS, Audience, audience_for

F = TypeVar("F", bound=Callable[..., Any])
Rule = Callable[[Any], bool]


def allowed(
    rule: Rule,
    *,
    user: Callable[[], Any] | None = None,
    anonymous: Callable[[], Any] | None = None,
    refusal: str | None = None,
) -> Callable[[F], F]:
    """A view's access rule, a predicate of this module on the user: nobody logged in
    gets ``anonymous()`` (default: the login page, as Flask-Login's ``login_required``),
    a user the rule refuses a 403. ``user`` says who is asking (default the session's
    user; the API: the token's); ``refusal`` is the 403's description (the API shows it,
    pages show the standard text). The rule is kept as ``view.access_rule``."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            who = user() if user is not None else current_user
            if not who.is_authenticated:
                if anonymous is not None:
                    return anonymous()
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            if not rule(who):
                abort(403, refusal)
            return view(*args, **kwargs)

        wrapped.access_rule = rule  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def _is_active(user: Any) -> bool:
    return bool(user) and getattr(user, "is_authenticated", False) and user.active


def _role_in(user: Any, *roles: Role) -> bool:
    return _is_active(user) and user.role in roles


def leads(user: User, action: Action | int) -> bool:
    number = action if isinstance(action, int) else action.number
    return user.role == Role.LEADER and number in user.led_action_numbers


# --- rules on the user alone: what views state with @allowed ----------------------------


def is_logged_in(user: User) -> bool:
    """Any active account: one's own account, sessions and API tokens, the home page."""
    return _is_active(user)


def can_respond(user: User) -> bool:
    """Respondents fill in their organisation's questionnaires (which ones:
    ``can_respond_to_action``)."""
    return _role_in(user, Role.RESPONDENT)


def can_see_action_overviews(user: User) -> bool:
    """Action pages: admins, coordinators, leaders (which actions:
    ``can_view_action_overview``)."""
    return _role_in(user, Role.ADMIN, Role.COORDINATOR, Role.LEADER)


def can_see_dashboard(user: User) -> bool:
    """The organisers' dashboard (the home page): admins and coordinators (every action),
    leaders (their actions: ``dashboard_scope``)."""
    return _role_in(user, Role.ADMIN, Role.COORDINATOR, Role.LEADER)


def can_read_questionnaires(user: User) -> bool:
    """Questionnaire pages, versions and previews: admins, coordinators, leaders (which
    actions: ``can_view_action``)."""
    return _role_in(user, Role.ADMIN, Role.COORDINATOR, Role.LEADER)


def can_export(user: User) -> bool:
    """Export pages: admins, coordinators, leaders (which actions: ``can_export_action``)."""
    return _role_in(user, Role.ADMIN, Role.COORDINATOR, Role.LEADER)


def can_see_review_queue(user: User) -> bool:
    """Admins and leaders review; coordinators read the queue and the review pages."""
    return _role_in(user, Role.ADMIN, Role.COORDINATOR, Role.LEADER)


def can_review(user: User) -> bool:
    """Admins and leaders take review decisions (on which responses:
    ``can_review_response``)."""
    return _role_in(user, Role.ADMIN, Role.LEADER)


def is_leader(user: User) -> bool:
    """Leaders choose how they hear about submissions to their actions."""
    return _role_in(user, Role.LEADER)


def can_see_results(user: User) -> bool:
    return _role_in(user, Role.ADMIN, Role.COORDINATOR, Role.LEADER)


def can_administer(user: User) -> bool:
    return _role_in(user, Role.ADMIN)


def can_read_admin(user: User) -> bool:
    """Organisations, users and the audit log, read only: admins and coordinators."""
    return _role_in(user, Role.ADMIN, Role.COORDINATOR)


def can_manage_accounts(user: User) -> bool:
    """Password-reset links for others, unlocking logins and erasure of personal data:
    admins only."""
    return can_administer(user)


def can_manage_questionnaires(user: User) -> bool:
    """Upload, publish, open/close, deadlines, reminders: admins only."""
    return can_administer(user)


def can_publish_questionnaires(user: User) -> bool:
    """The publish page: admins, and leaders an admin has let publish (``may_publish``;
    which actions: ``can_publish_draft``)."""
    return can_administer(user) or (_role_in(user, Role.LEADER) and bool(user.may_publish))


def can_build_questionnaires(user: User) -> bool:
    """The builder's edits to drafts: admins, and leaders (on which actions:
    ``can_edit_draft``); coordinators read and preview drafts."""
    return _role_in(user, Role.ADMIN, Role.LEADER)


def invitable_roles(user: User) -> tuple[Role, ...]:
    """The roles ``user`` may give the people they invite: admins any, leaders
    respondents only, others none."""
    if _role_in(user, Role.ADMIN):
        return tuple(Role)
    if _role_in(user, Role.LEADER):
        return (Role.RESPONDENT,)
    return ()


def can_invite_people(user: User) -> bool:
    """Whether the invitation page is open to ``user`` at all (admins and leaders)."""
    return bool(invitable_roles(user))


# --- rules on the user and one object: checked where the object is loaded ----------------


def can_view_action(user: User, action: Action) -> bool:
    if not _is_active(user):
        return False
    if user.role in (Role.ADMIN, Role.COORDINATOR):
        return True
    if user.role == Role.LEADER:
        return leads(user, action)
    return user.organisation is not None and action in user.organisation.actions


def can_edit_draft(user: User, action: Action) -> bool:
    """Start and edit the draft of ``action``'s questionnaire: admins any, leaders the
    actions they lead (publishing stays with admins unless an admin lets the leader:
    ``can_publish_draft``)."""
    return can_build_questionnaires(user) and (user.role == Role.ADMIN or leads(user, action))


def can_publish_draft(user: User, action: Action) -> bool:
    """Publish the draft of ``action``'s questionnaire: admins any, leaders an admin has
    let publish (``may_publish``) the actions they lead."""
    return can_publish_questionnaires(user) and (user.role == Role.ADMIN or leads(user, action))


def can_review_action(user: User, action: Action) -> bool:
    return can_review(user) and (user.role == Role.ADMIN or leads(user, action))


def can_export_action(user: User, action: Action) -> bool:
    return can_export(user) and (user.role in (Role.ADMIN, Role.COORDINATOR) or leads(user, action))


def results_action_scope(user: User) -> set[int] | None:
    """The actions whose responses a user's results count (every figure, question,
    answer and quote): None means every action. Leaders: the actions they lead and
    nothing else, so no Partnership-wide figure is mixed in to subtract theirs from."""
    if user.role in (Role.ADMIN, Role.COORDINATOR):
        return None
    if user.role == Role.LEADER:
        return set(user.led_action_numbers)
    return set()


def results_audience(user: User) -> Audience:
    """Who a user is for the results: their scope (``results_action_scope``) and the
    smallest cell they may see (admins and coordinators: no suppression; leaders:
    ``DISCLOSURE_MIN_ORGS`` organisations). Every results page, CSV, API answer and
    ``flask results themes --as`` asks here; the aggregation service requires it."""
    scope = results_action_scope(user)
    if scope is None:
        return FULL_ACCESS
    kind = "leader" if user.role == Role.LEADER else "respondent"
    return audience_for(kind, scope, current_app.config)


def benchmark_audience() -> Audience:
    """Whom an organisation's benchmark is for: its people, respondents, who see the
    Partnership-wide figures (every action) with cells of fewer than
    ``DISCLOSURE_MIN_ORGS_PUBLIC`` organisations hidden."""
    return audience_for("respondent", None, current_app.config)


def public_audience() -> Audience:
    """Whom a published results snapshot is for: anyone, without login; every action,
    cells of fewer than ``DISCLOSURE_MIN_ORGS_PUBLIC`` organisations hidden, consented
    quotes only."""
    return audience_for("public", None, current_app.config)


def can_see_benchmark(user: User, response: Response) -> bool:
    """An organisation's benchmark on a response: its own respondents, once the response
    is accepted."""
    return (
        _role_in(user, Role.RESPONDENT)
        and user.organisation_id is not None
        and user.organisation_id == response.organisation_id
        and response.state == ResponseState.ACCEPTED
    )


def can_see_action_results(user: User, action_number: int) -> bool:
    if not can_see_results(user):
        return False
    scope = results_action_scope(user)
    return scope is None or action_number in scope


def can_invite_for(user: User, action: Action | int) -> bool:
    """Admins invite people for any action; leaders for the actions they lead."""
    return _role_in(user, Role.ADMIN) or (_is_active(user) and leads(user, action))


def can_invite(user: User, role: Role | str, actions: Iterable[Action]) -> bool:
    """Admins invite anyone; leaders invite respondents, only for actions they lead."""
    if role not in invitable_roles(user):
        return False
    if user.role == Role.ADMIN:
        return True
    numbers = [action.number for action in actions]
    return bool(numbers) and all(can_invite_for(user, number) for number in numbers)


def can_view_response(user: User, response: Response) -> bool:
    if not _is_active(user):
        return False
    if user.role in (Role.ADMIN, Role.COORDINATOR):
        return True
    action = response.questionnaire.action
    if user.role == Role.LEADER:
        return leads(user, action)
    return (
        user.organisation is not None
        and user.organisation_id == response.organisation_id
        and asks_about(user.organisation, action)
    )


def can_respond_to_action(user: User, action: Action) -> bool:
    """A respondent whose organisation is asked about ``action`` (fills in its form)."""
    return (
        _is_active(user)
        and user.role == Role.RESPONDENT
        and user.organisation is not None
        and user.organisation.active
        and asks_about(user.organisation, action)
    )


def asks_about(organisation: Organisation, action: Action) -> bool:
    """Is ``organisation`` asked about ``action``? Reads the loaded list when there is
    one, else asks the database for that one pair (a respondent's every page checks)."""
    if "actions" in organisation.__dict__:
        return action in organisation.actions
    from .extensions import db

    # Remembered for the request (g can outlive one request: tests share an app context).
    known = request.environ.setdefault("tympanum.asks_about", {}) if has_request_context() else {}
    key = (organisation.id, action.id)
    if key not in known:
        found = db.session.scalar(
            _pair_statement(), {"organisation_id": organisation.id, "action_id": action.id}
        )
        known[key] = found is not None
    return bool(known[key])


@cache
def _pair_statement() -> Select[int]:
    pair = organisation_actions.c
    return select(pair.organisation_id).where(
        pair.organisation_id == bindparam("organisation_id"),
        pair.action_id == bindparam("action_id"),
    )


def can_edit_response(user: User, response: Response) -> bool:
    return (
        user.role == Role.RESPONDENT
        and can_view_response(user, response)
        and response.is_editable
        and deadlines.is_open(response.questionnaire)
    )


def can_review_response(user: User, response: Response) -> bool:
    return can_review_action(user, response.questionnaire.action)


def review_scope(user: User) -> set[int] | None:
    """The ids of the actions whose responses ``user`` sees in the review queue
    (None: every action)."""
    if user.role in (Role.ADMIN, Role.COORDINATOR):
        return None
    if user.role == Role.LEADER:
        return {action.id for action in user.led_actions}
    return set()


def dashboard_scope(user: User) -> set[int] | None:
    """The ids of the actions on ``user``'s dashboard (None: every action): leaders see
    only the actions they lead."""
    if user.role in (Role.ADMIN, Role.COORDINATOR):
        return None
    if user.role == Role.LEADER:
        return {action.id for action in user.led_actions}
    return set()


def can_view_action_overview(user: User, action: Action) -> bool:
    """The action page (responses per state, organisations): admins, coordinators and
    the action's leaders; respondents use their own pages."""
    return can_see_action_overviews(user) and (
        user.role in (Role.ADMIN, Role.COORDINATOR) or leads(user, action)
    )
