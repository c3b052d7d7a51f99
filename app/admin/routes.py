"""Administration of organisations and users.

Admins change things; coordinators see the same pages without the forms and get 403
on every POST (``@allowed(authz.can_administer)`` on each of those views). The CSV import is in ``imports.py``, the
audit log in ``audit.py``; invitations, resets and erasure in ``people.py``.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from .. import authz
from ..authz import allowed
from ..collation import collated
from ..countries import country_name
from ..extensions import db
from ..forms import EmptyForm, country_choices
from ..loaders import get_account_or_404, get_organisation_or_404
from ..models import (
    ORG_KIND_LABELS,
    SIZE_BAND_LABELS,
    Action,
    Organisation,
    Questionnaire,
    User,
)
from ..requests import page_number
from ..services.people import accounts, login_locks
from ..services.people import organisations as org_service
from ..services.responding import deadlines as deadline_service
from . import bp
from .forms import (
    OrganisationFilterForm,
    OrganisationForm,
    UserAccessForm,
    UserFilterForm,
    kind_choices,
    options,
)

PER_PAGE = 50


def client_ip() -> str:
    return request.remote_addr or ""


def current_lang() -> str:
    return str(get_locale() or "en")


def list_args() -> dict[str, str]:
    """The list's query arguments without the page (for sort and page links)."""
    args = request.args.to_dict()
    args.pop("page", None)
    return args


def paginate(stmt, per_page: int):
    """One page of ``stmt`` (?page=N); a page past the end is empty, not a 404."""
    return db.paginate(stmt, page=page_number(), per_page=per_page, error_out=False)


def active_filter(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def valid_filters(form) -> dict:
    """The filter form's values, leaving out fields that did not validate (a tampered or
    stale URL shows the field's error and lists as if that filter were not set)."""
    form.validate()
    return {name: field.data for name, field in form._fields.items() if not field.errors}


def action_choices() -> list[SelectChoice]:
    lang = current_lang()
    actions = db.session.scalars(select(Action).order_by(Action.number))
    return options((a.number, f"{a.number}. {a.text('short_title', lang)}") for a in actions)


# --- Organisations ------------------------------------------------------------------


@bp.get("/organisations")
@allowed(authz.can_read_admin)
def organisations():
    form = OrganisationFilterForm(request.args)
    form.kind.choices = options([("", _("All kinds"))]) + kind_choices()
    in_use = org_service.countries_in_use(db.session)
    form.country.choices = country_choices(current_lang(), _("All countries"), in_use)
    values = valid_filters(form)
    sort = request.args.get("sort", "name")
    if sort.removeprefix("-") not in org_service.SORTS:
        sort = "name"
    stmt = org_service.search(
        q=values.get("q") or "",
        kind=values.get("kind") or "",
        country=values.get("country") or "",
        active=active_filter(values.get("active")),
    )
    page = org_service.list_page(db.session, stmt, sort, page_number(), PER_PAGE)
    counts = org_service.user_counts(db.session, [o.id for o in page.items])
    return render_template(
        "admin/organisations.html",
        form=form,
        page=page,
        user_counts=counts,
        totals=org_service.totals(db.session),
        sort=sort,
        args=list_args(),
        country_name=country_name,
        kind_labels=ORG_KIND_LABELS,
        lang=current_lang(),
    )


def _organisation_form(org: Organisation | None = None) -> OrganisationForm:
    if request.method == "POST" or org is None:
        form = OrganisationForm()
    else:
        form = OrganisationForm(
            data={
                "name": org.name,
                "kind": org.kind.value,
                "country": org.country,
                "size_band": org.size_band.value if org.size_band else "",
                "actions": [a.number for a in org.actions],
                "active": org.active,
            }
        )
    form.country.choices = country_choices(current_lang(), _("Choose a country"))
    form.actions.choices = action_choices()
    return form


def _input_from(form: OrganisationForm) -> org_service.OrgInput:
    return org_service.OrgInput(
        name=form.name.data or "",
        kind=form.kind.data or "",
        country=form.country.data or "",
        size_band=form.size_band.data or None,
        action_numbers=list(form.actions.data or []),
        active=bool(form.active.data),
    )


def _attach(form, problems: dict[str, str]) -> None:
    """Show a service's problems next to the fields they concern (one message per field:
    a field the form already found wrong keeps its own)."""
    for name, message in problems.items():
        field = getattr(form, name, None) or form.name
        if not field.errors:
            field.errors = [*field.errors, message]


def _organisation_form_ok(form: OrganisationForm, org: Organisation | None = None) -> bool:
    """The form's checks and the service's rules, so every problem shows at once."""
    valid = form.validate_on_submit()
    exclude_id = org.id if org is not None else None
    problems = org_service.problems_with(db.session, _input_from(form), exclude_id=exclude_id)
    _attach(form, problems)
    return valid and not problems


@bp.get("/organisations/new")
@allowed(authz.can_administer)
def organisation_new():
    return render_template("admin/organisation.html", form=_organisation_form(), org=None)


@bp.post("/organisations/new")
@allowed(authz.can_administer)
def organisation_create():
    form = _organisation_form()
    if _organisation_form_ok(form):
        try:
            org = org_service.create(db.session, _input_from(form), by=current_user, ip=client_ip())
            db.session.commit()
        except org_service.OrganisationInvalid as error:
            db.session.rollback()
            _attach(form, error.problems)
        except IntegrityError:
            db.session.rollback()
            _attach(form, {"name": _("An organisation with this name was just created.")})
        else:
            flash(_("Organisation “%(name)s” created.", name=org.name), "success")
            return redirect(url_for(".organisation", org_id=org.id))
    return render_template("admin/organisation.html", form=form, org=None)


@bp.get("/organisations/<int:org_id>")
@allowed(authz.can_read_admin)
def organisation(org_id: int):
    org = get_organisation_or_404(org_id, current_user)
    return _render_organisation(org, _organisation_form(org))


def _render_organisation(org: Organisation, form: OrganisationForm):
    accounts = collated(
        db.session.scalars(select(User).where(User.organisation_id == org.id)),
        key=lambda user: user.display_name,
    )
    questionnaires = [
        q
        for q in db.session.scalars(
            select(Questionnaire).where(
                Questionnaire.action_id.in_([a.id for a in org.actions]),
                Questionnaire.deadline.is_not(None),
            )
        )
    ]
    extended = deadline_service.extensions_of_organisation(
        db.session, org.id, [q.id for q in questionnaires]
    )
    deadline_rows = [
        (q, deadline_service.deadline_for(q, extended.get(q.id)))
        for q in sorted(questionnaires, key=lambda q: q.action.number)
    ]
    return render_template(
        "admin/organisation.html",
        form=form,
        org=org,
        accounts=accounts,
        deadline_rows=deadline_rows,
        can_extend=authz.can_manage_questionnaires(current_user),
        country_name=country_name,
        kind_labels=ORG_KIND_LABELS,
        size_labels=SIZE_BAND_LABELS,
        lang=current_lang(),
    )


@bp.post("/organisations/<int:org_id>")
@allowed(authz.can_administer)
def organisation_update(org_id: int):
    org = get_organisation_or_404(org_id, current_user)
    form = _organisation_form(org)
    if _organisation_form_ok(form, org):
        try:
            changes = org_service.update(
                db.session, org, _input_from(form), by=current_user, ip=client_ip()
            )
            db.session.commit()
        except org_service.OrganisationInvalid as error:
            db.session.rollback()
            _attach(form, error.problems)
        except IntegrityError:
            db.session.rollback()
            _attach(form, {"name": _("An organisation with this name was just created.")})
        else:
            if changes:
                flash(_("Organisation “%(name)s” saved.", name=org.name), "success")
            else:
                flash(_("Nothing changed."), "info")
            return redirect(url_for(".organisation", org_id=org.id))
    return _render_organisation(org, form)


@bp.post("/organisations/<int:org_id>/<any(deactivate, reactivate):verb>")
@allowed(authz.can_administer)
def organisation_set_active(org_id: int, verb: str):
    org = get_organisation_or_404(org_id, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    active = verb == "reactivate"
    if org_service.set_active(db.session, org, active, by=current_user, ip=client_ip()):
        db.session.commit()
        if active:
            flash(_("“%(name)s” is active again.", name=org.name), "success")
        else:
            flash(
                _(
                    "“%(name)s” is deactivated. Its accounts are unchanged: deactivate them "
                    "on the Users page if they must no longer log in.",
                    name=org.name,
                ),
                "success",
            )
    return redirect(url_for(".organisation", org_id=org.id))


# --- Users ----------------------------------------------------------------------------


def organisation_choices(blank: str) -> list[SelectChoice]:
    rows = collated(
        db.session.execute(select(Organisation.id, Organisation.name, Organisation.active)),
        key=lambda row: row.name,
    )
    inactive = _("(inactive)")
    return options(
        [("", blank)]
        + [(str(id_), name if active else f"{name} {inactive}") for id_, name, active in rows]
    )


@bp.get("/users")
@allowed(authz.can_read_admin)
def users():
    form = UserFilterForm(request.args)
    form.organisation.choices = organisation_choices(_("All organisations"))
    values = valid_filters(form)
    org_id = values.get("organisation")
    stmt = accounts.search(
        q=values.get("q") or "",
        role=values.get("role") or "",
        organisation_id=int(org_id) if org_id else None,
        active=active_filter(values.get("active")),
    )
    page = accounts.list_page(db.session, stmt, page_number(), PER_PAGE)
    return render_template("admin/users.html", form=form, page=page, args=list_args())


def _access_form(user: User) -> UserAccessForm:
    if request.method == "POST":
        form = UserAccessForm()
    else:
        form = UserAccessForm(
            data={
                "role": user.role.value,
                "organisation": str(user.organisation_id or ""),
                "actions": sorted(user.led_action_numbers),
                "may_publish": user.may_publish,
            }
        )
    form.organisation.choices = organisation_choices(_("No organisation"))
    form.actions.choices = action_choices()
    return form


def _render_user(user: User, form: UserAccessForm):
    try:
        locked_until, lock_unknown = login_locks.locked_until(user.email), False
    except login_locks.LockStoreError:
        locked_until, lock_unknown = None, True
    return render_template(
        "admin/user.html",
        user=user,
        form=form,
        locked_until=locked_until,
        lock_unknown=lock_unknown,
    )


@bp.get("/users/<int:user_id>")
@allowed(authz.can_read_admin)
def user(user_id: int):
    account = get_account_or_404(user_id, current_user)
    return _render_user(account, _access_form(account))


@bp.post("/users/<int:user_id>")
@allowed(authz.can_administer)
def user_update(user_id: int):
    account = get_account_or_404(user_id, current_user)
    form = _access_form(account)
    if form.validate_on_submit():
        organisation = (
            get_organisation_or_404(int(form.organisation.data), current_user)
            if form.organisation.data
            else None
        )
        actions = org_service.actions_by_number(db.session, form.actions.data or [])
        try:
            events = accounts.change_access(
                db.session,
                account,
                role=form.role.data or "",
                organisation=organisation,
                actions=actions,
                may_publish=bool(form.may_publish.data),
                by=current_user,
                ip=client_ip(),
            )
        except accounts.AccessInvalid as error:
            db.session.rollback()
            _attach(form, error.problems)
        else:
            db.session.commit()
            if events:
                flash(_("The account of %(email)s is saved.", email=account.email), "success")
            else:
                flash(_("Nothing changed."), "info")
            return redirect(url_for(".user", user_id=account.id))
    return _render_user(account, form)


@bp.post("/users/<int:user_id>/<any(deactivate, reactivate):verb>")
@allowed(authz.can_administer)
def user_set_active(user_id: int, verb: str):
    account = get_account_or_404(user_id, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    active = verb == "reactivate"
    try:
        changed = accounts.set_active(db.session, account, active, by=current_user, ip=client_ip())
    except accounts.AccessInvalid as error:
        db.session.rollback()
        flash(error.problems["active"], "error")
        return redirect(url_for(".user", user_id=account.id))
    if changed:
        db.session.commit()
        if active:
            flash(_("%(email)s can log in again.", email=account.email), "success")
        else:
            flash(
                _("%(email)s is deactivated and logged out everywhere.", email=account.email),
                "success",
            )
    return redirect(url_for(".user", user_id=account.id))
