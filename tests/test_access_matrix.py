# ruff: noqa: E501 - the matrix is a table, one route a line
"""The role x route access matrix (issue 5, "Access"): every route of the app, requested
by seven people, with the outcome each one must get.

- ``ROWS`` is the table: one row per route and method, several where the answer depends
  on the object asked for (action 1 or 2, organisation A's or B's response). URLs and
  bodies are templates filled with the ids of the ``world`` fixture.
- ``test_every_route_is_in_the_matrix`` reads the app's URL map: a route (GET or POST)
  without a row fails it, and so does a row whose URL no longer reaches its endpoint.
- ``test_access_matrix`` runs once per role, on a world of its own, sends every row's
  request and lists all of that role's mismatches in one message. It also checks that no
  page or document shows the reference of a response the role may not see (``MAY_SEE``),
  and that the bulk accept accepted exactly what the role reviews (``MAY_ACCEPT``).

Requests: GET as is; POST with a valid CSRF token (what is tested is authorisation, not
CSRF) and an empty or minimal body; API rows (/api/v1/...) with the role's Bearer token
(anonymous: none). Expected outcomes: a status code, or ``LOGIN`` (302 to the login page);
a plain 302 is a redirect anywhere else. Rows run in order, the logouts last (``RUN_LAST``).

Adding a blueprint: add its rows, and to ``world`` any object its URLs need
(``question_a1`` and ``question_a2``, a question of each questionnaire, are there for the
results pages).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from app.definitions.validate import validate_text
from app.models import Organisation, OrgKind, Response, ResponseState, Role
from app.services import accounts, api_tokens, audit, user_sessions
from app.services import questionnaires as qservice
from app.services import users as user_service
from tests.conftest import action, login
from tests.review_helpers import example_text, make_response, publish_example

ROLES = ("anonymous", "respondent_a", "respondent_b", "leader1", "leader2", "coordinator", "admin")
LOGIN = "login"  # 302 to /login
GET, POST = "GET", "POST"
# End the session: every other row runs before them, in this order.
RUN_LAST = ("account.end_all_sessions", "auth.logout")

Expected = int | str


@dataclass(frozen=True)
class Row:
    endpoint: str
    method: str
    url: str  # a template: "/review/{response_a}"
    expected: dict[str, Expected]
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def is_api(self) -> bool:
        return self.url.startswith("/api/")

    def label(self) -> str:
        return f"{self.method} {self.url} ({self.endpoint})"


def row(*cells: Any, **data: Any) -> Row:
    """``row(anonymous, respondent_a, ..., admin, METHOD, url, endpoint, **body)``: the
    expected outcome for each of ``ROLES``, the request, the endpoint it reaches, and the
    POST body's fields besides the CSRF token (templates too)."""
    *statuses, method, url, endpoint = cells
    assert len(statuses) == len(ROLES), f"{url}: {len(statuses)} statuses for {len(ROLES)} roles"
    return Row(endpoint, method, url, dict(zip(ROLES, statuses, strict=True)), data)


# fmt: off
ROWS: list[Row] = [
    # --- main, auth ---------------------------------------
    #   anon   resp A resp B lead 1 lead 2 coord  admin
    row(LOGIN, 302,   302,   200,   200,   200,   200,   GET,  "/",                                         "main.index"),
    row(200,   200,   200,   200,   200,   200,   200,   GET,  "/healthz",                                  "main.healthz"),
    row(200,   302,   302,   302,   302,   302,   302,   GET,  "/login",                                    "auth.login"),
    row(200,   302,   302,   302,   302,   302,   302,   POST, "/login",                                    "auth.login"),
    row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, POST, "/logout",                                   "auth.logout"),
    row(200,   200,   200,   200,   200,   200,   200,   GET,  "/invite/{invite_token}",                    "auth.accept_invitation"),
    row(200,   200,   200,   200,   200,   200,   200,   POST, "/invite/{invite_token}",                    "auth.accept_invitation"),
    row(404,   404,   404,   404,   404,   404,   404,   GET,  "/invite/not-a-token",                       "auth.accept_invitation"),
    row(200,   200,   200,   200,   200,   200,   200,   GET,  "/password/forgot",                          "auth.forgot_password"),
    row(200,   200,   200,   200,   200,   200,   200,   POST, "/password/forgot",                          "auth.forgot_password"),
    row(200,   200,   200,   200,   200,   200,   200,   GET,  "/password/forgot/sent",                     "auth.forgot_password_sent"),
    row(200,   200,   200,   200,   200,   200,   200,   GET,  "/password/reset/{reset_token}",             "auth.reset_password"),
    row(200,   200,   200,   200,   200,   200,   200,   POST, "/password/reset/{reset_token}",             "auth.reset_password"),

    # --- account and privacy ------------------------------
    #   anon   resp A resp B lead 1 lead 2 coord  admin
    row(LOGIN, 200,   200,   200,   200,   200,   200,   GET,  "/account",                                  "account.index"),
    row(LOGIN, 200,   200,   200,   200,   200,   200,   GET,  "/account/data.json",                        "account.personal_data"),
    row(LOGIN, 200,   200,   200,   200,   200,   200,   POST, "/account/password",                         "account.change_password"),  # form errors
    row(LOGIN, 200,   200,   200,   200,   200,   200,   POST, "/account/profile",                          "account.update_profile"),  # form errors
    row(LOGIN, 302,   302,   302,   302,   302,   302,   POST, "/account/sessions/{victim_session}/end",    "account.end_session"),  # not theirs: nothing ends
    row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, POST, "/account/sessions/end-all",                 "account.end_all_sessions"),
    row(LOGIN, 200,   200,   200,   200,   200,   200,   GET,  "/privacy",                                  "account.privacy"),
    row(LOGIN, 200,   200,   200,   200,   200,   200,   POST, "/privacy",                                  "account.privacy"),  # box not ticked
    row(200,   200,   200,   200,   200,   200,   200,   GET,  "/privacy-notice",                           "account.privacy_notice"),

    # --- action pages and exports -------------------------
    #   anon   resp A resp B lead 1 lead 2 coord  admin
    row(LOGIN, 403,   403,   200,   403,   200,   200,   GET,  "/actions/1",                                "actions.show"),
    row(LOGIN, 403,   403,   403,   200,   200,   200,   GET,  "/actions/2",                                "actions.show"),
    row(LOGIN, 403,   403,   404,   404,   404,   404,   GET,  "/actions/99",                               "actions.show"),
    row(LOGIN, 403,   403,   200,   403,   200,   200,   GET,  "/actions/1/exports",                        "exports.index"),
    row(LOGIN, 403,   403,   403,   200,   200,   200,   GET,  "/actions/2/exports",                        "exports.index"),
    row(LOGIN, 403,   403,   404,   404,   404,   404,   GET,  "/actions/99/exports",                       "exports.index"),
    row(LOGIN, 403,   403,   200,   403,   200,   200,   GET,  "/actions/1/exports/download?state=all",     "exports.download"),
    row(LOGIN, 403,   403,   403,   200,   200,   200,   GET,  "/actions/2/exports/download?state=all",     "exports.download"),

    # --- administration: organisations --------------------
    #   anon   resp A resp B lead 1 lead 2 coord  admin
    row(LOGIN, 403,   403,   403,   403,   200,   200,   GET,  "/admin/organisations",                      "admin.organisations"),
    row(LOGIN, 403,   403,   403,   403,   200,   200,   GET,  "/admin/organisations/{org_a}",              "admin.organisation"),
    row(LOGIN, 403,   403,   403,   403,   404,   404,   GET,  "/admin/organisations/999999",               "admin.organisation"),
    row(LOGIN, 403,   403,   403,   403,   403,   200,   POST, "/admin/organisations/{org_c}",              "admin.organisation_update"),
    row(LOGIN, 403,   403,   403,   403,   403,   302,   POST, "/admin/organisations/{org_c}/deactivate",   "admin.organisation_set_active"),
    row(LOGIN, 403,   403,   403,   403,   403,   302,   POST, "/admin/organisations/{org_c}/reactivate",   "admin.organisation_set_active"),
    row(LOGIN, 403,   403,   403,   403,   403,   200,   GET,  "/admin/organisations/new",                  "admin.organisation_new"),
    row(LOGIN, 403,   403,   403,   403,   403,   200,   POST, "/admin/organisations/new",                  "admin.organisation_create"),
    row(LOGIN, 403,   403,   403,   403,   403,   200,   GET,  "/admin/organisations/import",               "admin.organisations_import"),
    row(LOGIN, 403,   403,   403,   403,   403,   200,   POST, "/admin/organisations/import",               "admin.organisations_import_preview"),
    row(LOGIN, 403,   403,   403,   403,   403,   302,   POST, "/admin/organisations/import/commit",        "admin.organisations_import_commit"),
    row(LOGIN, 403,   403,   403,   403,   403,   200,   GET,  "/admin/organisations/import/template.csv",  "admin.organisations_import_template"),

    # --- administration: users, audit ---------------------
    #   anon   resp A resp B lead 1 lead 2 coord  admin
    row(LOGIN, 403,   403,   403,   403,   200,   200,   GET,  "/admin/users",                              "admin.users"),
    row(LOGIN, 403,   403,   403,   403,   200,   200,   GET,  "/admin/users/{victim}",                     "admin.user"),
    row(LOGIN, 403,   403,   403,   403,   403,   200,   POST, "/admin/users/{victim}",                     "admin.user_update"),
    row(LOGIN, 403,   403,   403,   403,   403,   302,   POST, "/admin/users/{victim}/deactivate",          "admin.user_set_active"),
    row(LOGIN, 403,   403,   403,   403,   403,   302,   POST, "/admin/users/{victim}/reactivate",          "admin.user_set_active"),
    row(LOGIN, 403,   403,   403,   403,   403,   200,   GET,  "/admin/users/{victim}/account",             "admin.user_account"),
    row(LOGIN, 403,   403,   403,   403,   403,   200,   GET,  "/admin/users/{victim}/erase",               "admin.erase_user"),
    row(LOGIN, 403,   403,   403,   403,   403,   200,   POST, "/admin/users/{victim}/erase",               "admin.erase_user"),
    row(LOGIN, 403,   403,   403,   403,   403,   200,   POST, "/admin/users/{victim}/send-reset",          "admin.send_reset"),
    row(LOGIN, 403,   403,   403,   403,   403,   302,   POST, "/admin/users/{victim}/unlock-login",        "admin.unlock_login"),
    row(LOGIN, 403,   403,   200,   200,   403,   200,   GET,  "/admin/users/invite",                       "admin.invite_user"),
    row(LOGIN, 403,   403,   200,   200,   403,   200,   POST, "/admin/users/invite",                       "admin.invite_user"),
    row(LOGIN, 403,   403,   403,   403,   200,   200,   GET,  "/admin/audit",                              "admin.audit_log"),
    row(LOGIN, 403,   403,   403,   403,   200,   200,   GET,  "/admin/audit.csv",                          "admin.audit_export"),

    # --- API tokens page ----------------------------------
    #   anon   resp A resp B lead 1 lead 2 coord  admin
    row(LOGIN, 200,   200,   200,   200,   200,   200,   GET,  "/api-tokens",                               "api_tokens.index"),
    row(LOGIN, 400,   400,   400,   400,   400,   400,   POST, "/api-tokens",                               "api_tokens.index"),
    row(LOGIN, 302,   302,   302,   302,   302,   302,   POST, "/api-tokens/{my_spare_token}/revoke",       "api_tokens.revoke"),
    row(LOGIN, 404,   404,   404,   404,   404,   404,   POST, "/api-tokens/{victim_api_token}/revoke",     "api_tokens.revoke"),

    # --- JSON API -----------------------------------------
    #   anon   resp A resp B lead 1 lead 2 coord  admin
    row(200,   200,   200,   200,   200,   200,   200,   GET,  "/api/v1/openapi.json",                      "api.openapi"),
    row(401,   200,   200,   200,   200,   200,   200,   GET,  "/api/v1/me",                                "api.me"),
    row(401,   403,   403,   200,   200,   200,   200,   GET,  "/api/v1/results/themes?by=action",          "api.theme_results"),
    row(401,   200,   200,   200,   200,   200,   200,   GET,  "/api/v1/actions",                           "api.actions"),
    row(401,   200,   200,   200,   403,   200,   200,   GET,  "/api/v1/actions/1",                         "api.action"),
    row(401,   200,   200,   403,   200,   200,   200,   GET,  "/api/v1/actions/2",                         "api.action"),
    row(401,   403,   403,   403,   403,   200,   200,   GET,  "/api/v1/actions/3",                         "api.action"),
    row(401,   200,   200,   200,   403,   200,   200,   GET,  "/api/v1/actions/1/versions",                "api.versions"),
    row(401,   200,   200,   403,   200,   200,   200,   GET,  "/api/v1/actions/2/versions",                "api.versions"),
    row(401,   200,   200,   200,   403,   200,   200,   GET,  "/api/v1/actions/1/versions/1",              "api.version"),
    row(401,   404,   404,   404,   403,   404,   200,   GET,  "/api/v1/actions/1/versions/2",              "api.version"),  # draft
    row(401,   200,   200,   200,   403,   200,   200,   GET,  "/api/v1/actions/1/responses?state=all",     "api.responses"),
    row(401,   200,   200,   403,   200,   200,   200,   GET,  "/api/v1/actions/2/responses?state=all",     "api.responses"),
    row(401,   200,   404,   200,   404,   200,   200,   GET,  "/api/v1/responses/{response_a}",            "api.response"),
    row(401,   404,   200,   200,   404,   200,   200,   GET,  "/api/v1/responses/{response_b}",            "api.response"),
    row(401,   200,   404,   404,   200,   200,   200,   GET,  "/api/v1/responses/{response_a2}",           "api.response"),

    # --- questionnaires -----------------------------------
    #   anon   resp A resp B lead 1 lead 2 coord  admin
    row(LOGIN, 403,   403,   200,   200,   200,   200,   GET,  "/questionnaires/",                          "questionnaires.index"),
    row(LOGIN, 403,   403,   200,   403,   200,   200,   GET,  "/questionnaires/1",                         "questionnaires.show"),
    row(LOGIN, 403,   403,   403,   200,   200,   200,   GET,  "/questionnaires/2",                         "questionnaires.show"),
    row(LOGIN, 403,   403,   200,   403,   200,   200,   GET,  "/questionnaires/1/v1",                      "questionnaires.show"),
    row(LOGIN, 403,   403,   200,   403,   200,   200,   GET,  "/questionnaires/1/v2",                      "questionnaires.show"),  # the draft
    row(LOGIN, 403,   403,   404,   404,   404,   404,   GET,  "/questionnaires/3/v1",                      "questionnaires.show"),
    row(LOGIN, 403,   403,   200,   403,   200,   200,   GET,  "/questionnaires/1/v2/preview",              "questionnaires.preview"),
    row(LOGIN, 403,   403,   403,   200,   200,   200,   GET,  "/questionnaires/2/v1/preview",              "questionnaires.preview"),
    row(LOGIN, 403,   403,   200,   403,   200,   200,   GET,  "/questionnaires/1/manage",                  "questionnaires.manage"),
    row(LOGIN, 403,   403,   403,   200,   200,   200,   GET,  "/questionnaires/2/manage",                  "questionnaires.manage"),
    row(LOGIN, 403,   403,   403,   403,   403,   200,   GET,  "/questionnaires/upload",                    "questionnaires.upload"),
    row(LOGIN, 403,   403,   403,   403,   403,   400,   POST, "/questionnaires/upload",                    "questionnaires.upload"),
    row(LOGIN, 403,   403,   403,   403,   403,   302,   POST, "/questionnaires/1/publish",                 "questionnaires.publish"),  # unconfirmed
    row(LOGIN, 403,   403,   403,   403,   403,   302,   POST, "/questionnaires/2/deadline",                "questionnaires.deadline"),
    row(LOGIN, 403,   403,   403,   403,   403,   302,   POST, "/questionnaires/2/reminders",               "questionnaires.reminders"),
    row(LOGIN, 403,   403,   403,   403,   403,   302,   POST, "/questionnaires/2/close",                   "questionnaires.close"),
    row(LOGIN, 403,   403,   403,   403,   403,   302,   POST, "/questionnaires/2/open",                    "questionnaires.open"),

    # --- review -------------------------------------------
    #   anon   resp A resp B lead 1 lead 2 coord  admin
    row(LOGIN, 403,   403,   200,   200,   200,   200,   GET,  "/review/",                                  "review.queue"),
    row(LOGIN, 403,   403,   200,   200,   200,   200,   GET,  "/review/?state=all",                        "review.queue"),
    # Results: leaders, coordinators and admins; leaders see other actions only in aggregate.
    row(LOGIN, 403,   403,   200,   200,   200,   200,   GET,  "/results/",                                 "results.overview"),
    row(LOGIN, 403,   403,   200,   200,   200,   200,   GET,  "/results/perspectives",                     "results.perspectives"),
    row(LOGIN, 403,   403,   200,   200,   200,   200,   GET,  "/results/pillars",                          "results.pillars"),
    row(LOGIN, 403,   403,   200,   200,   200,   200,   GET,  "/results/report",                           "results.report"),
    row(LOGIN, 403,   403,   200,   200,   200,   200,   GET,  "/results/report.csv",                       "results.report_csv"),
    row(LOGIN, 403,   403,   200,   200,   200,   200,   GET,  "/results/themes/resilience",                "results.theme"),
    row(LOGIN, 403,   403,   404,   404,   404,   404,   GET,  "/results/themes/happiness",                 "results.theme"),
    row(LOGIN, 403,   403,   200,   403,   200,   200,   GET,  "/results/questions/{question_a1}",          "results.question"),
    row(LOGIN, 403,   403,   403,   200,   200,   200,   GET,  "/results/questions/{question_a2}",          "results.question"),
    row(LOGIN, 403,   403,   404,   404,   404,   404,   GET,  "/results/questions/999999",                 "results.question"),
    row(LOGIN, 403,   403,   200,   403,   200,   200,   GET,  "/review/{response_a}",                      "review.show"),
    row(LOGIN, 403,   403,   200,   403,   200,   200,   GET,  "/review/{response_b}",                      "review.show"),  # a draft: read only
    row(LOGIN, 403,   403,   403,   200,   200,   200,   GET,  "/review/{response_a2}",                     "review.show"),
    row(LOGIN, 403,   403,   404,   404,   404,   404,   GET,  "/review/999999",                            "review.show"),
    # No decision in the body: the deciders get the form back with its errors (400).
    row(LOGIN, 403,   403,   400,   403,   403,   400,   POST, "/review/{response_a}",                      "review.show"),
    row(LOGIN, 403,   403,   403,   400,   403,   400,   POST, "/review/{response_a2}",                     "review.show"),
    # Both submitted responses ticked: only those the role reviews are accepted (checked
    # after the rows, see ``test_access_matrix``).
    row(LOGIN, 403,   403,   302,   302,   403,   302,   POST, "/review/bulk-accept",                       "review.bulk_accept",
        response_ids=["{response_a}", "{response_a2}"]),

    # --- the respondents' pages ---------------------------
    #   anon   resp A resp B lead 1 lead 2 coord  admin
    # Organisation A has submitted actions 1 and 2; organisation B has a draft of action 1
    # and has not started action 2; neither is asked about action 3.
    row(LOGIN, 200,   200,   403,   403,   403,   403,   GET,  "/respond/",                                 "respond.home"),
    row(LOGIN, 200,   200,   403,   403,   403,   403,   GET,  "/respond/1/",                               "respond.overview"),
    row(LOGIN, 200,   200,   403,   403,   403,   403,   GET,  "/respond/2/",                               "respond.overview"),
    row(LOGIN, 403,   403,   403,   403,   403,   403,   GET,  "/respond/3/",                               "respond.overview"),
    row(LOGIN, 302,   200,   403,   403,   403,   403,   GET,  "/respond/1/section/organisation",           "respond.section"),
    row(LOGIN, 302,   200,   403,   403,   403,   403,   GET,  "/respond/2/section/organisation",           "respond.section"),
    row(LOGIN, 403,   403,   403,   403,   403,   403,   GET,  "/respond/3/section/organisation",           "respond.section"),
    # No lock version in the body: a conflict for B's draft (409), a locked page for A's (409);
    # B's first save to action 2 stores the (empty) page.
    row(LOGIN, 409,   409,   403,   403,   403,   403,   POST, "/respond/1/section/organisation",           "respond.section"),
    row(LOGIN, 409,   302,   403,   403,   403,   403,   POST, "/respond/2/section/organisation",           "respond.section"),
    row(LOGIN, 403,   403,   403,   403,   403,   403,   POST, "/respond/3/section/organisation",           "respond.section"),
    row(401,   400,   400,   403,   403,   403,   403,   POST, "/respond/1/autosave",                       "respond.autosave"),
    row(401,   403,   403,   403,   403,   403,   403,   POST, "/respond/3/autosave",                       "respond.autosave"),
    row(LOGIN, 302,   200,   403,   403,   403,   403,   GET,  "/respond/1/review",                         "respond.review"),
    row(LOGIN, 403,   403,   403,   403,   403,   403,   GET,  "/respond/3/review",                         "respond.review"),
    row(LOGIN, 200,   302,   403,   403,   403,   403,   GET,  "/respond/1/receipt",                        "respond.receipt"),
    row(LOGIN, 302,   302,   403,   403,   403,   403,   POST, "/respond/1/stash/discard",                  "respond.discard_stash"),
    row(LOGIN, 403,   403,   403,   403,   403,   403,   POST, "/respond/3/submit",                         "respond.submit"),
    row(LOGIN, 302,   302,   403,   403,   403,   403,   POST, "/respond/1/submit",                         "respond.submit"),
]
# fmt: on

# Which responses each role may see (their reference must appear in no other role's page).
# Leaders and coordinators read drafts too (the action page links them to /review/<id>).
MAY_SEE = {
    "anonymous": set(),
    "respondent_a": {"response_a", "response_a2"},
    "respondent_b": {"response_b"},
    "leader1": {"response_a", "response_b"},
    "leader2": {"response_a2"},
    "coordinator": {"response_a", "response_b", "response_a2"},
    "admin": {"response_a", "response_b", "response_a2"},
}
# Which submitted responses each role's bulk accept may accept.
MAY_ACCEPT = {
    "leader1": {"response_a"},
    "leader2": {"response_a2"},
    "admin": {"response_a", "response_a2"},
}


# --- the world ---------------------------------------------------------------------------


@dataclass
class World:
    """The ids and secrets the rows' URLs and bodies are filled with."""

    values: dict[str, Any]  # for str.format_map: response_a, org_c, invite_token...
    references: dict[str, str]  # response key -> its reference (T01-...)
    bearer: dict[str, str]  # role -> API token secret
    spare_token: dict[str, int]  # role -> a token of its own that a row may revoke

    def for_role(self, role: str) -> dict[str, Any]:
        return {**self.values, "my_spare_token": self.spare_token.get(role, 0)}


def _validated(text: str):  # type: ignore[no-untyped-def]
    result = validate_text(text, "example.yaml")
    assert result.ok, result.errors
    return result


@pytest.fixture
def world(db, users, orgs) -> World:
    """Questionnaires for actions 1 and 2 (and a draft version 2 of action 1), responses in
    three states, a spare organisation and user, links, an audit entry, API tokens: all
    made through the services."""
    first = publish_example(1)
    second = publish_example(2)
    draft = example_text(1).replace("It takes ten minutes.", "It takes eleven minutes.")
    qservice.import_definition(db.session, _validated(draft))

    responses = {
        "response_a": make_response(
            first, orgs["A"], "submitted", respondent=users["respondent_a"]
        ),
        "response_b": make_response(first, orgs["B"], "draft", respondent=users["respondent_b"]),
        "response_a2": make_response(
            second, orgs["A"], "submitted", respondent=users["colleague_a"]
        ),
    }
    org_c = Organisation(name="Spare C", kind=OrgKind.NGO, country="FR")
    org_c.actions = [action(3)]
    db.session.add(org_c)
    victim = user_service.create_user(
        db.session,
        "victim@example.org",
        role=Role.RESPONDENT,
        display_name="Victim",
        password="victim's long passphrase",  # noqa: S106 - test account
        organisation=org_c,
    )
    admin = users["admin"]
    _invited, invite_token = accounts.invite(
        db.session,
        email="invited@example.org",
        display_name="Invited",
        role=Role.RESPONDENT,
        organisation=orgs["A"],
        actions=[action(1)],
        invited_by=admin,
        lifetime=timedelta(days=1),
    )
    reset_token = accounts.issue_password_reset(
        db.session, victim, issued_by=admin, lifetime=timedelta(hours=1)
    )
    audit.record(db.session, "matrix.setup", user=admin, obj=victim)
    victim_session, _secret = user_sessions.start(db.session, victim, lifetime=timedelta(hours=1))
    bearer, spare = {}, {}
    for name, user in [*users.items(), ("victim", victim)]:
        bearer[name] = api_tokens.create_token(db.session, user, "matrix")[1]
        spare[name] = api_tokens.create_token(db.session, user, "spare")[0].id
    db.session.commit()
    return World(
        values={
            **{key: response.id for key, response in responses.items()},
            "org_a": orgs["A"].id,
            "org_c": org_c.id,
            "victim": victim.id,
            "victim_api_token": spare["victim"],
            "victim_session": victim_session.id,
            "invite_token": invite_token,
            "reset_token": reset_token,
            "question_a1": first.versions[0].questions[0].id,
            "question_a2": second.versions[0].questions[0].id,
        },
        references={key: response.reference for key, response in responses.items()},
        bearer=bearer,
        spare_token=spare,
    )


# --- the tests ---------------------------------------------------------------------------


class _AnyId(dict):
    """Fills every ``{name}`` with 1: enough to match a row's URL against the URL map."""

    def __missing__(self, key: str) -> str:
        return "1"


def _rule_of(app, row: Row):  # type: ignore[no-untyped-def]
    """The URL rule a row's request reaches, or None when it reaches nothing."""
    path = urlsplit(row.url.format_map(_AnyId())).path
    try:
        rule, _args = app.url_map.bind("localhost").match(path, method=row.method, return_rule=True)
    except HTTPException:
        return None
    return rule


def test_every_route_is_in_the_matrix(app):
    covered: set[tuple[str, str]] = set()
    stale = []
    for r in ROWS:
        rule = _rule_of(app, r)
        if rule is None or rule.endpoint != r.endpoint:
            reached = rule.endpoint if rule is not None else "nothing"
            stale.append(f"{r.label()} reaches {reached}")
        else:
            covered.add((rule.rule, r.method))
    missing = [
        f"{method} {rule.rule} ({rule.endpoint})"
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in sorted({GET, POST} & (rule.methods or set()))
        if (rule.rule, method) not in covered
    ]
    problems = []
    if missing:
        problems += ["add a row for each of these routes to tests/test_access_matrix.py:", *missing]
    if stale:
        problems += ["these rows name a route that no longer exists:", *stale]
    assert not problems, "\n".join(problems)


def _fill(value: Any, values: dict[str, Any]) -> Any:
    if isinstance(value, list):
        return [_fill(item, values) for item in value]
    return value.format_map(values) if isinstance(value, str) else value


def _send(client, r: Row, url: str, role: str, world: World, csrf: str):  # type: ignore[no-untyped-def]
    if r.is_api:
        secret = world.bearer.get(role)
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        response = client.open(url, method=r.method, headers=headers, buffered=True)
    elif r.method == POST:
        data = {key: _fill(value, world.for_role(role)) for key, value in r.data.items()}
        response = client.post(url, data={"csrf_token": csrf, **data}, buffered=True)
    else:
        response = client.get(url, buffered=True)  # streamed downloads are read in full
    response.close()
    return response


def _outcome(response) -> Expected:  # type: ignore[no-untyped-def]
    if response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login":
        return LOGIN
    return response.status_code


def _describe(response) -> str:  # type: ignore[no-untyped-def]
    if 300 <= response.status_code < 400:
        return f"{response.status_code} -> {response.headers.get('Location')}"
    return str(response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(client, db, users, world, role):
    """Every row as ``role``: the expected status, and no reference of a response the role
    may not see in any page or document; then only the allowed bulk acceptances."""
    if role != "anonymous":
        assert login(client, users[role].email).status_code == 302
    csrf = client.csrf_token("/account" if role != "anonymous" else "/login")
    hidden = {world.references[key] for key in world.references.keys() - MAY_SEE[role]}
    mismatches, leaks = [], []
    for r in sorted(
        ROWS, key=lambda r: RUN_LAST.index(r.endpoint) if r.endpoint in RUN_LAST else -1
    ):
        url = r.url.format_map(world.for_role(role))
        response = _send(client, r, url, role, world, csrf)
        if r.endpoint in RUN_LAST:  # the session, and its CSRF token, may have ended
            csrf = client.csrf_token("/login")
        expected = r.expected[role]
        if _outcome(response) != expected:
            mismatches.append(
                f"{r.method:4} {url:46} {r.endpoint:36} {expected!s:6} {_describe(response)}"
            )
        body = response.get_data(as_text=True)
        leaks += [f"{r.method} {url} shows {ref}" for ref in sorted(hidden) if ref in body]
    header = f"{'':4} {'URL':46} {'endpoint':36} {'expect':6} got"
    assert not mismatches, (
        f"{role}: {len(mismatches)} of {len(ROWS)} rows answer otherwise:\n"
        + "\n".join([header, *mismatches])
    )
    assert not leaks, f"{role} sees responses of others:\n" + "\n".join(leaks)

    db.session.expire_all()
    accepted = {
        key
        for key in ("response_a", "response_a2")
        if db.session.get(Response, world.values[key]).state == ResponseState.ACCEPTED
    }
    assert accepted == MAY_ACCEPT.get(role, set()), f"{role}'s bulk accept accepted {accepted}"
