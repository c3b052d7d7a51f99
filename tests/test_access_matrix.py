# ruff: noqa: E501 - the matrix is a table, one route a line
"""The role x route access matrix (issue 5, "Access"), generated from the access rules
(issue 19): every route of the app, requested by seven people, with the outcome each one
must get.

Every view states its rule, a predicate of ``app/authz.py``, with ``@allowed(rule)``,
which keeps it as ``view.access_rule``; rules about one object are checked where the
object is loaded (``app/loaders.py``). Here:

- ``PUBLIC_ENDPOINTS``: the few endpoints anyone may request, logged in or not, which have
  no rule. ``test_every_view_states_its_rule`` fails for any other endpoint without one.
- ``POLICY``: which of the seven people each rule admits, written by hand
  (``test_policy`` checks the predicates against it): a rule that changes in authz.py
  must change here too, and a new rule must be added here.
- ``ROWS``: one row per route and method, several where the object asked for decides
  (action 1 or 2, organisation A's or B's response). A row names the rule its view must
  state (``test_rows_name_their_views_rules``), the outcome for the people the rule
  admits, and, by name, those for whom the object or the page decides otherwise. Each
  person's expected outcome is derived from the rule evaluated on that person's account:
  nobody logged in -> the login page (401 on the API); refused -> 403; admitted -> the
  row's outcome, unless the row names them. URLs and bodies are templates filled with
  the ids of the ``world`` fixture.
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

Adding a route: state its rule on the view (``@allowed(authz.<rule>)``; a new rule gets its
line in ``POLICY``), add its rows, and to ``world`` any object its URLs need
(``question_a1`` and ``question_a2``, a question of each questionnaire, are there for the
results pages).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask_login import AnonymousUserMixin
from werkzeug.exceptions import HTTPException

from app import authz
from app.definitions.validate import validate_text
from app.models import MailKind, MailStatus, Organisation, OrgKind, Response, ResponseState, Role
from app.services import audit
from app.services.mailing import outbox
from app.services.people import accounts as user_service
from app.services.people import api_tokens, invitations, password_resets, user_sessions
from app.services.questionnaires import versions as qservice
from tests.conftest import action, login
from tests.review_helpers import example_text, make_response, publish_example

ROLES = ("anonymous", "respondent_a", "respondent_b", "leader1", "leader2", "coordinator", "admin")
LOGIN = "login"  # 302 to /login
GET, POST = "GET", "POST"
# End the session: every other row runs before them, in this order.
RUN_LAST = ("account.end_all_sessions", "auth.logout")

Expected = int | str
Rule = Callable[[Any], bool]

# Anyone may request these, logged in or not: they have no rule.
PUBLIC_ENDPOINTS = {
    "static",
    "main.healthz",
    "auth.login",
    "auth.accept_invitation",  # the invitation link's token is the key
    "auth.forgot_password",
    "auth.forgot_password_sent",
    "auth.reset_password",  # the reset link's token is the key
    "account.privacy_notice",
    "api.openapi",
    # The published results snapshot (issue 18): anyone, without login.
    "public.overview",
    "public.perspectives",
    "public.facade",
    "public.theme",
    "public.report",
    "public.figures_csv",
    "public.datapackage",
    "public.dcat",
}
PUBLIC = None  # a row's rule for a public endpoint

# Which of the six people with an account each rule admits (nobody logged out: none).
EVERYONE = {"respondent_a", "respondent_b", "leader1", "leader2", "coordinator", "admin"}
RESPONDENTS = {"respondent_a", "respondent_b"}
LEADERS = {"leader1", "leader2"}
STAFF = LEADERS | {"coordinator", "admin"}
POLICY: dict[Rule, set[str]] = {
    authz.is_logged_in: EVERYONE,
    authz.can_respond: RESPONDENTS,
    authz.can_see_action_overviews: STAFF,
    authz.can_see_dashboard: STAFF,
    authz.can_read_questionnaires: STAFF,
    authz.can_export: STAFF,
    authz.can_see_review_queue: STAFF,
    authz.can_review: LEADERS | {"admin"},
    authz.can_see_results: STAFF,
    authz.is_leader: LEADERS,
    authz.can_invite_people: LEADERS | {"admin"},
    authz.can_read_admin: {"coordinator", "admin"},
    authz.can_administer: {"admin"},
    authz.can_manage_accounts: {"admin"},
    authz.can_manage_questionnaires: {"admin"},
    # Leaders too once an admin lets them (``may_publish``), which no leader here has:
    # tests/test_questionnaire_publish.py covers the granted leader.
    authz.can_publish_questionnaires: {"admin"},
    authz.can_build_questionnaires: LEADERS | {"admin"},
}


@dataclass(frozen=True)
class Row:
    endpoint: str
    method: str
    url: str  # a template: "/review/{response_a}"
    rule: Rule | None  # the view's rule (PUBLIC: none)
    admitted: Expected  # the outcome for the people the rule admits
    cells: dict[str, Expected]  # people for whom the object or the page decides otherwise
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def is_api(self) -> bool:
        return self.url.startswith("/api/")

    def label(self) -> str:
        return f"{self.method} {self.url} ({self.endpoint})"

    def derived(self, role: str, admits: bool) -> Expected:
        """What the rule alone says ``role`` gets (``admits``: the rule admits them)."""
        if self.rule is PUBLIC:
            return self.admitted
        if role == "anonymous":
            return 401 if self.is_api else LOGIN
        return self.admitted if admits else 403

    def expected(self, role: str, admits: bool) -> Expected:
        return self.cells.get(role, self.derived(role, admits))


def row(
    method: str,
    url: str,
    endpoint: str,
    rule: Rule | None,
    admitted: Expected,
    data: dict[str, Any] | None = None,
    **cells: Expected,
) -> Row:
    """``row(METHOD, url, endpoint, rule, outcome, person=outcome...)``: the request, the
    endpoint it reaches, the rule its view states, the outcome for the people the rule
    admits and, by name, anyone for whom it differs; ``data``: the POST body's fields
    besides the CSRF token (templates too)."""
    unknown = set(cells) - set(ROLES)
    assert not unknown, f"{url}: no such person {unknown}"
    return Row(endpoint, method, url, rule, admitted, cells, data or {})


# fmt: off
ROWS: list[Row] = [
    # --- main, auth ---------------------------------------
    #   method url                                           endpoint                               rule                              admitted and where the object or page decides
    row(GET,  "/",                                           "main.index",                          authz.is_logged_in,               200,    respondent_a=302, respondent_b=302),
    row(GET,  "/healthz",                                    "main.healthz",                        PUBLIC,                           200),
    row(GET,  "/login",                                      "auth.login",                          PUBLIC,                           302,    anonymous=200),
    row(POST, "/login",                                      "auth.login",                          PUBLIC,                           302,    anonymous=200),
    row(POST, "/logout",                                     "auth.logout",                         authz.is_logged_in,               LOGIN),
    row(GET,  "/invite/{invite_token}",                      "auth.accept_invitation",              PUBLIC,                           200),
    row(POST, "/invite/{invite_token}",                      "auth.accept_invitation",              PUBLIC,                           200),
    row(GET,  "/invite/not-a-token",                         "auth.accept_invitation",              PUBLIC,                           404),
    row(GET,  "/password/forgot",                            "auth.forgot_password",                PUBLIC,                           200),
    row(POST, "/password/forgot",                            "auth.forgot_password",                PUBLIC,                           200),
    row(GET,  "/password/forgot/sent",                       "auth.forgot_password_sent",           PUBLIC,                           200),
    row(GET,  "/password/reset/{reset_token}",               "auth.reset_password",                 PUBLIC,                           200),
    row(POST, "/password/reset/{reset_token}",               "auth.reset_password",                 PUBLIC,                           200),

    # --- account and privacy ------------------------------
    #   method url                                           endpoint                               rule                              admitted and where the object or page decides
    row(GET,  "/account",                                    "account.index",                       authz.is_logged_in,               200),
    row(GET,  "/account/data.json",                          "account.personal_data",               authz.is_logged_in,               200),
    row(POST, "/account/password",                           "account.change_password",             authz.is_logged_in,               200),  # form errors
    row(POST, "/account/profile",                            "account.update_profile",              authz.is_logged_in,               200),  # form errors
    row(POST, "/account/time-zone",                          "account.update_time_zone",            authz.is_logged_in,               200),  # form errors
    row(POST, "/account/notifications",                      "account.update_notifications",        authz.is_leader,                  302),
    row(POST, "/account/sessions/{victim_session}/end",      "account.end_session",                 authz.is_logged_in,               302),  # not theirs: nothing ends
    row(POST, "/account/sessions/end-all",                   "account.end_all_sessions",            authz.is_logged_in,               LOGIN),
    row(GET,  "/privacy",                                    "account.privacy",                     authz.is_logged_in,               200),
    row(POST, "/privacy",                                    "account.privacy",                     authz.is_logged_in,               200),  # box not ticked
    row(GET,  "/privacy-notice",                             "account.privacy_notice",              PUBLIC,                           200),

    # --- action pages and exports -------------------------
    #   method url                                           endpoint                               rule                              admitted and where the object or page decides
    row(GET,  "/actions/1",                                  "actions.show",                        authz.can_see_action_overviews,   200,    leader2=403),
    row(GET,  "/actions/2",                                  "actions.show",                        authz.can_see_action_overviews,   200,    leader1=403),
    row(GET,  "/actions/1/pending",                          "actions.pending",                     authz.can_see_action_overviews,   200,    leader2=403),
    row(GET,  "/actions/2/pending?state=draft",              "actions.pending",                     authz.can_see_action_overviews,   200,    leader1=403),
    row(GET,  "/actions/99",                                 "actions.show",                        authz.can_see_action_overviews,   404),
    row(GET,  "/actions/1/exports",                          "exports.index",                       authz.can_export,                 200,    leader2=403),
    row(GET,  "/actions/2/exports",                          "exports.index",                       authz.can_export,                 200,    leader1=403),
    row(GET,  "/actions/99/exports",                         "exports.index",                       authz.can_export,                 404),
    row(GET,  "/actions/1/exports/download?state=all",       "exports.download",                    authz.can_export,                 200,    leader2=403),
    row(GET,  "/actions/1/exports/research",                 "exports.research_extract",            authz.can_administer,             200),
    row(POST, "/actions/1/exports/research",                 "exports.research_extract",            authz.can_administer,             400),
    row(GET,  "/actions/2/exports/download?state=all",       "exports.download",                    authz.can_export,                 200,    leader1=403),

    # --- administration: organisations --------------------
    #   method url                                           endpoint                               rule                              admitted and where the object or page decides
    row(GET,  "/admin/organisations",                        "admin.organisations",                 authz.can_read_admin,             200),
    row(GET,  "/admin/organisations/{org_a}",                "admin.organisation",                  authz.can_read_admin,             200),
    row(GET,  "/admin/organisations/999999",                 "admin.organisation",                  authz.can_read_admin,             404),
    row(POST, "/admin/organisations/{org_c}",                "admin.organisation_update",           authz.can_administer,             200),
    row(POST, "/admin/organisations/{org_c}/deactivate",     "admin.organisation_set_active",       authz.can_administer,             302),
    row(POST, "/admin/organisations/{org_c}/reactivate",     "admin.organisation_set_active",       authz.can_administer,             302),
    row(GET,  "/admin/organisations/new",                    "admin.organisation_new",              authz.can_administer,             200),
    row(POST, "/admin/organisations/new",                    "admin.organisation_create",           authz.can_administer,             200),
    row(GET,  "/admin/organisations/import",                 "admin.organisations_import",          authz.can_administer,             200),
    row(POST, "/admin/organisations/import",                 "admin.organisations_import_preview",  authz.can_administer,             200),
    row(POST, "/admin/organisations/import/commit",          "admin.organisations_import_commit",   authz.can_administer,             302),
    row(GET,  "/admin/organisations/import/template.csv",    "admin.organisations_import_template", authz.can_administer,             200),
    row(GET,  "/admin/users/import",                         "admin.invitations_import",            authz.can_administer,             200),
    row(POST, "/admin/users/import",                         "admin.invitations_import_preview",    authz.can_administer,             200),
    row(POST, "/admin/users/import/commit",                  "admin.invitations_import_commit",     authz.can_administer,             302),
    row(GET,  "/admin/users/import/template.csv",            "admin.invitations_import_template",   authz.can_administer,             200),

    # --- administration: users, audit ---------------------
    #   method url                                           endpoint                               rule                              admitted and where the object or page decides
    row(GET,  "/admin/users",                                "admin.users",                         authz.can_read_admin,             200),
    row(GET,  "/admin/users/{victim}",                       "admin.user",                          authz.can_read_admin,             200),
    row(POST, "/admin/users/{victim}",                       "admin.user_update",                   authz.can_administer,             200),
    row(POST, "/admin/users/{victim}/deactivate",            "admin.user_set_active",               authz.can_administer,             302),
    row(POST, "/admin/users/{victim}/reactivate",            "admin.user_set_active",               authz.can_administer,             302),
    row(GET,  "/admin/users/{victim}/account",               "admin.user_account",                  authz.can_manage_accounts,        200),
    row(GET,  "/admin/users/{victim}/erase",                 "admin.erase_user",                    authz.can_manage_accounts,        200),
    row(POST, "/admin/users/{victim}/erase",                 "admin.erase_user",                    authz.can_manage_accounts,        200),
    row(POST, "/admin/users/{victim}/send-reset",            "admin.send_reset",                    authz.can_manage_accounts,        200),
    row(POST, "/admin/users/{victim}/unlock-login",          "admin.unlock_login",                  authz.can_manage_accounts,        302),
    row(GET,  "/admin/users/invite",                         "admin.invite_user",                   authz.can_invite_people,          200),
    row(POST, "/admin/users/invite",                         "admin.invite_user",                   authz.can_invite_people,          200),
    row(GET,  "/admin/audit",                                "admin.audit_log",                     authz.can_read_admin,             200),
    row(GET,  "/admin/audit.csv",                            "admin.audit_export",                  authz.can_read_admin,             200),
    row(GET,  "/admin/mail",                                 "admin.mail",                          authz.can_read_admin,             200),
    row(POST, "/admin/mail/{failed_mail}/retry",             "admin.mail_retry",                    authz.can_administer,             302),

    # --- API tokens page ----------------------------------
    #   method url                                           endpoint                               rule                              admitted and where the object or page decides
    row(GET,  "/api-tokens",                                 "api_tokens.index",                    authz.is_logged_in,               200),
    row(POST, "/api-tokens",                                 "api_tokens.index",                    authz.is_logged_in,               400),
    row(POST, "/api-tokens/{my_spare_token}/revoke",         "api_tokens.revoke",                   authz.is_logged_in,               302),
    row(POST, "/api-tokens/{victim_api_token}/revoke",       "api_tokens.revoke",                   authz.is_logged_in,               404),

    # --- JSON API -----------------------------------------
    #   method url                                           endpoint                               rule                              admitted and where the object or page decides
    row(GET,  "/api/v1/openapi.json",                        "api.openapi",                         PUBLIC,                           200),
    row(GET,  "/api/v1/me",                                  "api.me",                              authz.is_logged_in,               200),
    row(GET,  "/api/v1/results/themes?by=action",            "api.theme_results",                   authz.can_see_results,            200),
    row(GET,  "/api/v1/actions",                             "api.actions",                         authz.is_logged_in,               200),
    row(GET,  "/api/v1/actions/1",                           "api.action",                          authz.is_logged_in,               200,    leader2=403),
    row(GET,  "/api/v1/actions/2",                           "api.action",                          authz.is_logged_in,               200,    leader1=403),
    row(GET,  "/api/v1/actions/3",                           "api.action",                          authz.is_logged_in,               403,    coordinator=200, admin=200),
    row(GET,  "/api/v1/actions/1/versions",                  "api.versions",                        authz.is_logged_in,               200,    leader2=403),
    row(GET,  "/api/v1/actions/2/versions",                  "api.versions",                        authz.is_logged_in,               200,    leader1=403),
    row(GET,  "/api/v1/actions/1/versions/1",                "api.version",                         authz.is_logged_in,               200,    leader2=403),
    row(GET,  "/api/v1/actions/1/versions/2",                "api.version",                         authz.is_logged_in,               404,    leader2=403, admin=200),  # draft
    row(GET,  "/api/v1/actions/1/responses?state=all",       "api.responses",                       authz.is_logged_in,               200,    leader2=403),
    row(GET,  "/api/v1/actions/2/responses?state=all",       "api.responses",                       authz.is_logged_in,               200,    leader1=403),
    row(GET,  "/api/v1/responses/{response_a}",              "api.response",                        authz.is_logged_in,               200,    respondent_b=404, leader2=404),
    row(GET,  "/api/v1/responses/{response_b}",              "api.response",                        authz.is_logged_in,               200,    respondent_a=404, leader2=404),
    row(GET,  "/api/v1/responses/{response_a2}",             "api.response",                        authz.is_logged_in,               200,    respondent_b=404, leader1=404),

    # --- questionnaires -----------------------------------
    #   method url                                           endpoint                               rule                              admitted and where the object or page decides
    row(GET,  "/questionnaires/",                            "questionnaires.index",                authz.can_read_questionnaires,    200),
    row(GET,  "/questionnaires/1",                           "questionnaires.show",                 authz.can_read_questionnaires,    200,    leader2=403),
    row(GET,  "/questionnaires/2",                           "questionnaires.show",                 authz.can_read_questionnaires,    200,    leader1=403),
    row(GET,  "/questionnaires/1/v1",                        "questionnaires.show",                 authz.can_read_questionnaires,    200,    leader2=403),
    row(GET,  "/questionnaires/1/v2",                        "questionnaires.show",                 authz.can_read_questionnaires,    200,    leader2=403),  # the draft
    row(GET,  "/questionnaires/3/v1",                        "questionnaires.show",                 authz.can_read_questionnaires,    404),
    row(GET,  "/questionnaires/1/v2/preview",                "questionnaires.preview",              authz.can_read_questionnaires,    200,    leader2=403),
    row(GET,  "/questionnaires/2/v1/preview",                "questionnaires.preview",              authz.can_read_questionnaires,    200,    leader1=403),
    row(GET,  "/questionnaires/1/manage",                    "questionnaires.manage",               authz.can_read_questionnaires,    200,    leader2=403),
    row(GET,  "/questionnaires/2/manage",                    "questionnaires.manage",               authz.can_read_questionnaires,    200,    leader1=403),
    row(GET,  "/questionnaires/1/v2.yaml",                   "questionnaires.download",             authz.can_read_questionnaires,    200,    leader2=403),  # the draft
    row(GET,  "/questionnaires/2/v1.yaml",                   "questionnaires.download",             authz.can_read_questionnaires,    200,    leader1=403),
    row(GET,  "/questionnaires/1/v1.xlsx",                   "questionnaires.download_xlsform",     authz.can_read_questionnaires,    200,    leader2=403),
    row(GET,  "/questionnaires/1/diff",                      "questionnaires.diff",                 authz.can_read_questionnaires,    200,    leader2=403),  # draft v2 vs v1
    row(GET,  "/questionnaires/1/diff?from=1&to=2&format=text", "questionnaires.diff",              authz.can_read_questionnaires,    200,    leader2=403),
    row(GET,  "/questionnaires/2/diff",                      "questionnaires.diff",                 authz.can_read_questionnaires,    404,    leader1=403),  # one version only
    row(GET,  "/questionnaires/upload",                      "questionnaires.upload",               authz.can_manage_questionnaires,  200),
    row(POST, "/questionnaires/upload",                      "questionnaires.upload",               authz.can_manage_questionnaires,  400),
    row(GET,  "/questionnaires/1/publish",                   "questionnaires.publish",              authz.can_publish_questionnaires,  200),
    row(GET,  "/questionnaires/2/publish",                   "questionnaires.publish",              authz.can_publish_questionnaires,  302),  # no draft
    row(POST, "/questionnaires/1/publish",                   "questionnaires.publish",              authz.can_publish_questionnaires,  302),  # unconfirmed
    row(POST, "/questionnaires/2/deadline",                  "questionnaires.deadline",             authz.can_manage_questionnaires,  302),
    row(POST, "/questionnaires/2/reminders",                 "questionnaires.reminders",            authz.can_manage_questionnaires,  302),
    row(POST, "/questionnaires/2/reminder-schedule",          "questionnaires.reminder_schedule",    authz.can_manage_questionnaires,  302),
    row(POST, "/questionnaires/2/close",                     "questionnaires.close",                authz.can_manage_questionnaires,  302),
    row(POST, "/questionnaires/2/open",                      "questionnaires.open",                 authz.can_manage_questionnaires,  302),
    row(POST, "/questionnaires/2/extensions",                "questionnaires.extend",               authz.can_manage_questionnaires,  302),
    row(POST, "/questionnaires/2/extensions/{org_a}/remove", "questionnaires.remove_extension",     authz.can_manage_questionnaires,  302),
    # the builder: a POST without the page's revision is a stale write (409, nothing changed)
    row(GET,  "/questionnaires/1/builder",                   "questionnaires.builder",              authz.can_read_questionnaires,    200,    leader2=403),
    row(GET,  "/questionnaires/2/builder",                   "questionnaires.builder",              authz.can_read_questionnaires,    200,    leader1=403),  # no draft: how to start one
    row(GET,  "/questionnaires/1/builder?fragment=1",        "questionnaires.builder",              authz.can_read_questionnaires,    200,    leader2=403),  # the draft part, for builder.js
    row(GET,  "/questionnaires/99/builder",                  "questionnaires.builder",              authz.can_read_questionnaires,    404),
    row(GET,  "/questionnaires/1/builder/preview?lang=de",   "questionnaires.builder_preview",      authz.can_read_questionnaires,    200,    leader2=403),
    row(POST, "/questionnaires/2/builder/start",             "questionnaires.builder_start",        authz.can_build_questionnaires,  302,    leader1=403),  # from the published version (the default)
    row(GET,  "/questionnaires/1/builder/settings",          "questionnaires.builder_settings",     authz.can_build_questionnaires,  200,    leader2=403),
    row(GET,  "/questionnaires/2/builder/settings",          "questionnaires.builder_settings",     authz.can_build_questionnaires,  200,    leader1=403),  # the draft just started
    row(POST, "/questionnaires/1/builder/settings",          "questionnaires.builder_settings",     authz.can_build_questionnaires,  409,    leader2=403),
    row(POST, "/questionnaires/1/builder/sections",          "questionnaires.builder_add_section",  authz.can_build_questionnaires,  302,    leader2=403),  # no title
    row(POST, "/questionnaires/1/builder/copy",              "questionnaires.builder_copy_sections", authz.can_build_questionnaires, 302,   leader2=403),  # none chosen
    row(GET,  "/questionnaires/1/builder/sections/practice", "questionnaires.builder_section",      authz.can_build_questionnaires,  200,    leader2=403),
    row(POST, "/questionnaires/1/builder/sections/practice", "questionnaires.builder_section",      authz.can_build_questionnaires,  409,    leader2=403),
    row(POST, "/questionnaires/1/builder/sections/practice/up", "questionnaires.builder_section_op", authz.can_build_questionnaires,  409,    leader2=403),
    row(POST, "/questionnaires/1/builder/sections/practice/questions", "questionnaires.builder_add_question", authz.can_build_questionnaires,  302, leader2=403),  # no text
    row(GET,  "/questionnaires/1/builder/questions/has_regulation", "questionnaires.builder_question", authz.can_build_questionnaires,  200, leader2=403),
    row(POST, "/questionnaires/1/builder/questions/has_regulation", "questionnaires.builder_question", authz.can_build_questionnaires,  409, leader2=403),
    row(POST, "/questionnaires/1/builder/sections/practice/move?fragment=1", "questionnaires.builder_section_op", authz.can_build_questionnaires,  302, leader2=403),  # dragged: no place given
    row(POST, "/questionnaires/1/builder/questions/has_regulation/move?fragment=1", "questionnaires.builder_question_op", authz.can_build_questionnaires,  409, leader2=403),  # dragged by builder.js, stale
    row(POST, "/questionnaires/1/builder/questions/has_regulation/duplicate", "questionnaires.builder_question_op", authz.can_build_questionnaires,  409, leader2=403),

    # --- review -------------------------------------------
    #   method url                                           endpoint                               rule                              admitted and where the object or page decides
    row(GET,  "/review/",                                    "review.queue",                        authz.can_see_review_queue,       200),
    row(GET,  "/review/?state=all",                          "review.queue",                        authz.can_see_review_queue,       200),
    # Results: leaders, coordinators and admins; leaders see other actions only in aggregate.
    row(GET,  "/results/",                                   "results.overview",                    authz.can_see_results,            200),
    row(GET,  "/results/perspectives",                       "results.perspectives",                authz.can_see_results,            200),
    row(GET,  "/results/pillars",                            "results.pillars",                     authz.can_see_results,            200),
    row(GET,  "/results/report",                             "results.report",                      authz.can_see_results,            200),
    row(GET,  "/results/report.csv",                         "results.report_csv",                  authz.can_see_results,            200),
    row(GET,  "/results/themes/resilience",                  "results.theme",                       authz.can_see_results,            200),
    row(GET,  "/results/themes/happiness",                   "results.theme",                       authz.can_see_results,            404),
    row(GET,  "/results/questions/{question_a1}",            "results.question",                    authz.can_see_results,            200,    leader2=403),
    row(GET,  "/results/questions/{question_a2}",            "results.question",                    authz.can_see_results,            200,    leader1=403),
    row(GET,  "/results/questions/999999",                   "results.question",                    authz.can_see_results,            404),
    row(GET,  "/review/{response_a}",                        "review.show",                         authz.can_see_review_queue,       200,    leader2=403),
    row(GET,  "/review/{response_b}",                        "review.show",                         authz.can_see_review_queue,       200,    leader2=403),  # a draft: read only
    row(GET,  "/review/{response_a2}",                       "review.show",                         authz.can_see_review_queue,       200,    leader1=403),
    row(GET,  "/review/999999",                              "review.show",                         authz.can_see_review_queue,       404),
    row(GET,  "/review/{response_a}/history",                "review.history",                      authz.can_see_review_queue,       200,    leader2=403),
    row(GET,  "/review/{response_a2}/history",               "review.history",                      authz.can_see_review_queue,       200,    leader1=403),
    row(GET,  "/review/999999/history",                      "review.history",                      authz.can_see_review_queue,       404),
    row(GET,  "/review/{response_a}/copy.csv",               "review.copy_download",                authz.can_see_review_queue,       200,    leader2=403),
    row(GET,  "/review/{response_a2}/copy.csv",              "review.copy_download",                authz.can_see_review_queue,       200,    leader1=403),
    row(GET,  "/review/{response_b}/copy.csv",               "review.copy_download",                authz.can_see_review_queue,       404,    leader2=403),  # a draft: no copy
    row(GET,  "/review/999999/copy.pdf",                     "review.copy_download",                authz.can_see_review_queue,       404),
    # No decision in the body: the deciders get the form back with its errors (400); the
    # coordinator reads but does not decide, nor does the leader of the other action (403).
    row(POST, "/review/{response_a}",                        "review.show",                         authz.can_see_review_queue,       400,    leader2=403, coordinator=403),
    row(POST, "/review/{response_a2}",                       "review.show",                         authz.can_see_review_queue,       400,    leader1=403, coordinator=403),
    # Both submitted responses ticked: only those the role reviews are accepted (checked
    # after the rows, see ``test_access_matrix``).
    row(POST, "/review/bulk-accept",                         "review.bulk_accept",                  authz.can_review,                 302,    data={"response_ids": ["{response_a}", "{response_a2}"]}),

    # --- the respondents' pages ---------------------------
    #   method url                                           endpoint                               rule                              admitted and where the object or page decides
    # Organisation A has submitted actions 1 and 2; organisation B has a draft of action 1
    # and has not started action 2; neither is asked about action 3.
    row(GET,  "/respond/",                                   "respond.home",                        authz.can_respond,                200),
    row(GET,  "/respond/1/",                                 "respond.overview",                    authz.can_respond,                200),
    row(GET,  "/respond/2/",                                 "respond.overview",                    authz.can_respond,                200),
    row(GET,  "/respond/3/",                                 "respond.overview",                    authz.can_respond,                403),
    row(GET,  "/respond/1/history",                          "respond.history",                     authz.can_respond,                200),
    row(GET,  "/respond/3/history",                          "respond.history",                     authz.can_respond,                403),
    row(GET,  "/respond/1/section/organisation",             "respond.section",                     authz.can_respond,                302,    respondent_b=200),
    row(GET,  "/respond/2/section/organisation",             "respond.section",                     authz.can_respond,                302,    respondent_b=200),
    row(GET,  "/respond/3/section/organisation",             "respond.section",                     authz.can_respond,                403),
    # No lock version in the body: a conflict for B's draft (409), a locked page for A's (409);
    # B's first save to action 2 stores the (empty) page.
    row(POST, "/respond/1/section/organisation",             "respond.section",                     authz.can_respond,                409),
    row(POST, "/respond/2/section/organisation",             "respond.section",                     authz.can_respond,                409,    respondent_b=302),
    row(POST, "/respond/3/section/organisation",             "respond.section",                     authz.can_respond,                403),
    row(POST, "/respond/1/autosave",                         "respond.autosave",                    authz.can_respond,                400,    anonymous=401),
    row(POST, "/respond/3/autosave",                         "respond.autosave",                    authz.can_respond,                403,    anonymous=401),
    row(GET,  "/respond/1/review",                           "respond.review",                      authz.can_respond,                302,    respondent_b=200),
    row(GET,  "/respond/3/review",                           "respond.review",                      authz.can_respond,                403),
    row(GET,  "/respond/1/receipt",                          "respond.receipt",                     authz.can_respond,                200,    respondent_b=302),
    row(GET,  "/respond/1/copy.csv",                         "respond.copy_download",               authz.can_respond,                200,    respondent_b=404),
    row(GET,  "/respond/2/copy.csv",                         "respond.copy_download",               authz.can_respond,                200,    respondent_b=404),
    row(GET,  "/respond/3/copy.pdf",                         "respond.copy_download",               authz.can_respond,                403),
    row(POST, "/respond/1/version-notice/dismiss",           "respond.dismiss_version_notice",      authz.can_respond,                302),
    row(POST, "/respond/1/stash/discard",                    "respond.discard_stash",               authz.can_respond,                302),
    row(POST, "/respond/3/submit",                           "respond.submit",                      authz.can_respond,                403),
    row(POST, "/respond/1/submit",                           "respond.submit",                      authz.can_respond,                302),
    # Published results: nothing is published in this world (the overview says so).
    row(GET,  "/public/",                                    "public.overview",                     PUBLIC,                           200),
    row(GET,  "/public/perspectives",                        "public.perspectives",                 PUBLIC,                           404),
    row(GET,  "/public/facade",                              "public.facade",                       PUBLIC,                           404),
    row(GET,  "/public/themes/resilience",                   "public.theme",                        PUBLIC,                           404),
    row(GET,  "/public/report",                              "public.report",                       PUBLIC,                           404),
    row(GET,  "/public/data/figures.csv",                    "public.figures_csv",                  PUBLIC,                           404),
    row(GET,  "/public/data/datapackage.json",               "public.datapackage",                  PUBLIC,                           404),
    row(GET,  "/public/data/dcat.jsonld",                    "public.dcat",                         PUBLIC,                           404),
    row(GET,  "/public/publish",                             "public.publish",                      authz.can_administer,             200),
    row(POST, "/public/publish",                             "public.publish",                      authz.can_administer,             400),
    # The benchmark: the organisation's own accepted response only (none is accepted here).
    row(GET,  "/my-results/1",                               "benchmark.show",                      authz.can_respond,                403),
    row(GET,  "/my-results/99",                              "benchmark.show",                      authz.can_respond,                404),
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
    _invited, invite_token = invitations.invite(
        db.session,
        email="invited@example.org",
        display_name="Invited",
        role=Role.RESPONDENT,
        organisation=orgs["A"],
        actions=[action(1)],
        invited_by=admin,
        lifetime=timedelta(days=1),
    )
    reset_token = password_resets.issue_password_reset(
        db.session, victim, issued_by=admin, lifetime=timedelta(hours=1)
    )
    audit.record(db.session, "matrix.setup", user=admin, obj=victim)
    failed_mail = outbox.enqueue(
        db.session, kind=MailKind.REMINDER, to=victim.email, subject="S", body="B", user=victim
    )
    failed_mail.status = MailStatus.FAILED
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
            "failed_mail": failed_mail.id,
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


def _rule_of_view(app, endpoint: str) -> Rule | None:  # type: ignore[no-untyped-def]
    return getattr(app.view_functions[endpoint], "access_rule", None)


def test_every_view_states_its_rule(app):
    """Every endpoint but the public ones states a rule of app/authz.py that POLICY pins;
    the public ones state none."""
    problems = [
        f"{name}: listed in PUBLIC_ENDPOINTS but not a route"
        for name in sorted(PUBLIC_ENDPOINTS - set(app.view_functions))
    ]
    for endpoint in sorted(app.view_functions):
        rule = _rule_of_view(app, endpoint)
        if endpoint in PUBLIC_ENDPOINTS:
            if rule is not None:
                problems.append(f"{endpoint}: public, yet it states a rule ({rule.__name__})")
        elif rule is None:
            problems.append(f"{endpoint}: no rule: add @allowed(authz.<rule>) to the view")
        elif rule.__module__ != "app.authz" or rule not in POLICY:
            problems.append(
                f"{endpoint}: its rule {rule.__name__} is not one of POLICY's (app/authz.py)"
            )
    assert not problems, "\n".join(problems)


def test_policy(users):
    """Each rule admits exactly the people POLICY says, and nobody logged out."""
    wrong = []
    for rule, admitted in POLICY.items():
        found = {name for name in EVERYONE if rule(users[name])}
        if found != admitted:
            wrong.append(f"{rule.__name__} admits {sorted(found)}, POLICY says {sorted(admitted)}")
        if rule(AnonymousUserMixin()):
            wrong.append(f"{rule.__name__} admits someone not logged in")
    assert not wrong, "\n".join(wrong)


def test_rows_name_their_views_rules(app, users):
    """A row names the rule its view states, and names people only where the object or
    the page decides: not someone the rule refuses (the view says 403 before looking at
    anything; for someone logged out only how they are sent away: LOGIN or 401), and
    not with the outcome the rule gives them anyway."""
    problems = []
    for r in ROWS:
        rule = _rule_of_view(app, r.endpoint) if r.endpoint in app.view_functions else None
        if rule is not r.rule:
            stated = rule.__name__ if rule else "PUBLIC"
            problems.append(f"{r.label()}: the view states {stated}")
            continue
        for role, outcome in r.cells.items():
            admits = r.rule is PUBLIC or (role != "anonymous" and r.rule(users[role]))
            if outcome == r.derived(role, admits):
                problems.append(f"{r.label()}: {role}={outcome} is what the rule gives anyway")
            elif r.rule is not PUBLIC and role == "anonymous" and outcome not in (LOGIN, 401):
                problems.append(f"{r.label()}: someone logged out is sent away, not {outcome}")
            elif not admits and role != "anonymous":
                problems.append(
                    f"{r.label()}: {r.rule.__name__} refuses {role}: 403, not {outcome}"
                )
    assert not problems, "\n".join(problems)


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
    person = users.get(role)
    expectations = {
        id(r): r.expected(role, person is not None and (r.rule is PUBLIC or r.rule(person)))
        for r in ROWS
    }
    hidden = {world.references[key] for key in world.references.keys() - MAY_SEE[role]}
    mismatches, leaks = [], []
    for r in sorted(
        ROWS, key=lambda r: RUN_LAST.index(r.endpoint) if r.endpoint in RUN_LAST else -1
    ):
        url = r.url.format_map(world.for_role(role))
        response = _send(client, r, url, role, world, csrf)
        if r.endpoint in RUN_LAST:  # the session, and its CSRF token, may have ended
            csrf = client.csrf_token("/login")
        expected = expectations[id(r)]
        if _outcome(response) != expected:
            mismatches.append(
                f"{r.method:4} {url:46} {r.endpoint:36} {expected!s:6} {_describe(response)}"
            )
        body = response.get_data().decode("utf-8", "replace")  # workbooks are binary
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
