"""The respondent's pages. Views load the questionnaire through ``page.load_context`` (which
asks ``app/loaders.py``), read answers with the answer codec, and save through the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_time, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import MultiDict

from .. import authz
from ..authz import allowed
from ..definitions import answers as codec
from ..extensions import db
from ..forms import EmptyForm
from ..models import FormStash, ResponseState
from ..services import audit
from ..services.responding import pages, progress
from ..services.responding import responses as response_service
from ..services.responding import stash as stash_service
from . import bp
from .forms import PageForm, SubmitForm, as_int
from .page import (
    Context,
    ensure_response,
    error_links,
    field_anchor,
    known_values,
    load_context,
    page_lang,
    question_views,
    translate,
)
from .stash import apply_cookie, logged_out, remember_token, stash_token


@bp.after_request
def _stash_cookie(response):
    return apply_cookie(response)


# --- "My questionnaires" and one questionnaire's overview ------------------------------


@bp.route("/")
@allowed(authz.can_respond, anonymous=logged_out)
def home():
    organisation = current_user.organisation
    rows = progress.organisation_questionnaires(db.session, organisation) if organisation else []
    stash = _own_stash()
    return render_template("respond/home.html", rows=rows, stash=stash)


@bp.route("/<int:action>/")
@allowed(authz.can_respond, anonymous=logged_out)
def overview(action: int):
    ctx = load_context(action, current_user)
    values, other = ctx.stored
    statuses = progress.section_statuses(ctx.defn, values, other)
    general, by_code = ctx.comments()
    stash = _own_stash(action)
    return render_template(
        "respond/overview.html",
        ctx=ctx,
        statuses=statuses,
        values=values,
        other=other,
        status=progress.status_from(
            ctx.action, ctx.questionnaire, ctx.version, ctx.response, values, other
        ),
        general_comments=general,
        comments_by_code=by_code,
        review_event=progress.last_review(ctx.response) if ctx.response else None,
        stash=stash,
        first_todo=_first_todo(statuses),
    )


def _first_todo(statuses: list[progress.SectionStatus]) -> str | None:
    for status in statuses:
        if status.state != "done":
            return status.code
    return statuses[0].code if statuses else None


def _own_stash(action: int | None = None) -> FormStash | None:
    stash = stash_service.find(db.session, stash_token())
    if stash is None or not stash_service.may_restore(stash, current_user.id):
        return None
    if action is not None and stash.action_number != action:
        return None
    return stash


# --- one section -------------------------------------------------------------------------


@dataclass
class PageState:
    """What a section page shows: the fields' values, errors and the saved state it is
    based on (lock and digests), and the answers that decide which questions show."""

    raw: dict[str, Any]
    values: dict[str, Any]
    other: dict[str, str]
    lock: int
    digests: dict[str, str]
    errors: dict[str, Any] = field(default_factory=dict)
    outcome: pages.PageSave | None = None
    restored: bool = False
    saved_with_errors: bool = False


def _section_or_404(ctx: Context, code: str) -> dict[str, Any]:
    section = ctx.section(code)
    if section is None:
        abort(404)
    return section


def _codes(section: dict[str, Any]) -> list[str]:
    return [q["code"] for q in section["questions"]]


@bp.route("/<int:action>/section/<section>", methods=["GET", "POST"])
@allowed(authz.can_respond, anonymous=logged_out)
def section(action: int, section: str):
    ctx = load_context(action, current_user)
    sec = _section_or_404(ctx, section)
    if request.method == "POST":
        return _post_section(ctx, sec)
    if not ctx.editable:
        return redirect(url_for(".overview", action=action))
    values, other = ctx.stored
    if not set(_codes(sec)) & codec.visible_codes(ctx.defn, values):
        flash(_("That section does not apply, given your answers so far."), "info")
        return redirect(url_for(".overview", action=action))
    codes = _codes(sec)
    page = PageState(
        raw=codec.to_form(ctx.defn, codes, values, other),
        values=values,
        other=other,
        lock=ctx.response.lock_version if ctx.response else 0,
        digests=pages.page_digests(codes, values, other),
    )
    stash = _own_stash(action)
    if stash is not None and stash.section_code == section:
        kept = MultiDict([(k, v) for k, vs in stash.payload.items() for v in vs])
        parsed = codec.parse_form(ctx.defn, kept, codes)
        page.raw, page.errors, page.restored = parsed.raw, parsed.errors, True
        page.values, page.other = pages.merge_page(values, other, parsed)
        page.lock = stash.lock_version or 0
        page.digests = pages.decode_digests(kept.get("base")) or page.digests
    return _render_section(ctx, sec, page)


def _save(ctx: Context, sec: dict[str, Any], form: PageForm) -> tuple[Any, pages.PageSave]:
    codes = _codes(sec)
    parsed = codec.parse_form(ctx.defn, request.form, codes)
    theirs = [c for c in codes if request.form.get(f"resolve__{c}") == "theirs"]
    response, created = ensure_response(ctx)
    expected = as_int(form.lock_version.data)
    if created and expected == 0:
        expected = response.lock_version
    outcome = pages.save_page(
        db.session,
        response,
        parsed,
        user=current_user,
        expected_lock=expected,
        base=pages.decode_digests(form.base.data),
        take_theirs=theirs,
    )
    if outcome.saved:
        _forget_stash(ctx.action.number, sec["code"])
    return parsed, outcome


def _forget_stash(action: int, section_code: str) -> None:
    stash = _own_stash(action)
    if stash is not None and stash.section_code == section_code:
        stash_service.discard(db.session, stash)
        remember_token(None)


def _post_section(ctx: Context, sec: dict[str, Any]):
    form = PageForm()
    if not form.validate_on_submit():
        abort(400)
    if not ctx.editable:
        return _render_locked(ctx, sec)
    parsed, outcome = _save(ctx, sec, form)
    db.session.commit()
    if not outcome.saved or parsed.errors:
        values, other = pages.merge_page(outcome.values, outcome.other, parsed)
        raw = dict(parsed.raw)
        if outcome.merged_theirs:  # show the colleague's answers this page did not change
            theirs = set(outcome.merged_theirs)
            raw = {k: v for k, v in raw.items() if k.split("__")[0] not in theirs}
            raw.update(codec.to_form(ctx.defn, theirs, outcome.values, outcome.other))
            for code in theirs:
                values.pop(code, None)
                if code in outcome.values:
                    values[code] = outcome.values[code]
        page = PageState(
            raw=raw,
            values=values,
            other=other,
            lock=outcome.lock,
            digests=outcome.digests,
            errors=parsed.errors,
            outcome=outcome,
            saved_with_errors=outcome.saved,
        )
        return _render_section(ctx, sec, page, status=409 if not outcome.saved else 422)
    if outcome.conflict is not None:
        flash(
            _(
                "%(name)s saved this questionnaire while you were working on it. Your "
                "changes were added to theirs; nothing was overwritten.",
                name=outcome.conflict.by,
            ),
            "info",
        )
    return redirect(_next_url(ctx, sec, outcome))


def _next_url(ctx: Context, sec: dict[str, Any], outcome: pages.PageSave) -> str:
    action = ctx.action.number
    visible = [s.code for s in progress.section_statuses(ctx.defn, outcome.values, outcome.other)]
    order = [s["code"] for s in ctx.defn.sections]
    here = order.index(sec["code"])
    goto = request.form.get("goto", "")
    nav = request.form.get("nav", "save")
    if goto == "__review" or nav == "review":
        return url_for(".review", action=action)
    if goto == "__overview":
        return url_for(".overview", action=action)
    if goto in visible:
        return url_for(".section", action=action, section=goto)
    if nav == "next":
        later = [c for c in visible if order.index(c) > here]
        return (
            url_for(".section", action=action, section=later[0])
            if later
            else url_for(".review", action=action)
        )
    if nav == "prev":
        earlier = [c for c in visible if order.index(c) < here]
        return (
            url_for(".section", action=action, section=earlier[-1])
            if earlier
            else url_for(".overview", action=action)
        )
    flash(_("Your draft was saved."), "success")
    return url_for(".section", action=action, section=sec["code"])


def _render_section(ctx: Context, sec: dict[str, Any], page: PageState, status: int = 200):
    shown = codec.visible_codes(ctx.defn, page.values)
    statuses = progress.section_statuses(ctx.defn, page.values, page.other)
    visible = [s.code for s in statuses]
    number = visible.index(sec["code"]) + 1 if sec["code"] in visible else 1
    general, by_code = ctx.comments()
    views = question_views(sec, shown, page.errors, by_code)
    differences = []
    outcome = page.outcome
    if outcome is not None and not outcome.saved:
        lang = page_lang()
        for diff in outcome.differences:
            q = ctx.defn.by_code[diff.code]
            differences.append(
                {
                    "q": q,
                    "anchor": field_anchor(q),
                    "mine": codec.display(q, diff.mine, diff.mine_other, lang),
                    "theirs": codec.display(q, diff.theirs, diff.theirs_other, lang),
                }
            )
    form = PageForm(
        formdata=None,  # the page's new state, never the posted one
        lock_version=str(page.lock),
        base=pages.encode_digests(page.digests),
        section=sec["code"],
    )
    html = render_template(
        "respond/section.html",
        ctx=ctx,
        sec=sec,
        form=form,
        page=page,
        views=views,
        raw=page.raw,
        error_items=error_links(views),
        statuses=statuses,
        number=number,
        total=len(visible),
        is_first=number == 1,
        is_last=number == len(visible),
        known=known_values(sec, page.values, shown),
        differences=differences,
        conflict=outcome.conflict if outcome is not None and not outcome.saved else None,
        general_comments=general,
        review_event=progress.last_review(ctx.response) if ctx.response else None,
        countries=codec.country_choices(page_lang()),
    )
    return html, status


def _render_locked(ctx: Context, sec: dict[str, Any]):
    """A page posted after the questionnaire was submitted or closed: nothing can be
    saved, so show what the person typed, for them to copy."""
    parsed = codec.parse_form(ctx.defn, request.form, _codes(sec))
    lang = page_lang()
    typed = [
        (q, codec.display(q, parsed.values[q["code"]], parsed.other.get(q["code"]), lang))
        for q in sec["questions"]
        if q["code"] in parsed.values
    ]
    return render_template("respond/locked.html", ctx=ctx, sec=sec, typed=typed), 409


@bp.route("/<int:action>/autosave", methods=["POST"])
@allowed(authz.can_respond, anonymous=logged_out)
def autosave(action: int):
    ctx = load_context(action, current_user)
    form = PageForm()
    sec = ctx.section(form.section.data or "")
    if sec is None or not form.validate_on_submit():
        message = _("Not saved: this page is out of date. Reload it.")
        return jsonify(ok=False, message=message), 400
    if not ctx.editable:
        message = _(
            "Not saved: this questionnaire was submitted or closed and can no longer be changed."
        )
        return jsonify(ok=False, locked=True, message=message), 409
    parsed, outcome = _save(ctx, sec, form)
    saved_at = ctx.response.updated_at if ctx.response is not None else None
    db.session.commit()
    if not outcome.saved:
        conflict = outcome.conflict
        message = _(
            "Not saved: %(name)s saved this questionnaire at %(time)s. Press “Save draft” "
            "to compare your answers with theirs.",
            name=conflict.by if conflict else _("a colleague"),
            time=format_time(conflict.at, "short") + " UTC" if conflict and conflict.at else "",
        )
        return jsonify(ok=False, conflict=True, message=message), 409
    # The page still shows its old values for answers a colleague changed meanwhile: keep
    # their old base, so that the next autosave does not take them for changes.
    base = pages.decode_digests(form.base.data)
    digests = {
        code: base.get(code, digest) if code in outcome.merged_theirs else digest
        for code, digest in outcome.digests.items()
    }
    return jsonify(
        ok=True,
        csrf_token=generate_csrf(),  # a fresh token: a page left open keeps saving
        lock_version=outcome.lock,
        base=pages.encode_digests(digests),
        saved_at=saved_at.isoformat() if saved_at else None,
        errors=len(parsed.errors),
        merged=bool(outcome.merged_theirs),
    )


@bp.route("/<int:action>/stash/discard", methods=["POST"])
@allowed(authz.can_respond, anonymous=logged_out)
def discard_stash(action: int):
    ctx = load_context(action, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    stash = _own_stash(action)
    section_code = stash.section_code if stash else None
    if stash is not None:
        stash_service.discard(db.session, stash)
        db.session.commit()
    remember_token(None)
    flash(_("The kept answers were discarded."), "info")
    if section_code and ctx.section(section_code):
        return redirect(url_for(".section", action=action, section=section_code))
    return redirect(url_for(".overview", action=action))


# --- review, submit, receipt ---------------------------------------------------------------


@bp.route("/<int:action>/review")
@allowed(authz.can_respond, anonymous=logged_out)
def review(action: int):
    ctx = load_context(action, current_user)
    if not ctx.editable:
        return redirect(url_for(".overview", action=action))
    values, other = ctx.stored
    statuses = progress.section_statuses(ctx.defn, values, other)
    problems = {
        code: translate(message) for code, message in codec.missing(ctx.defn, values, other).items()
    }
    general, by_code = ctx.comments()
    form = SubmitForm(
        formdata=None, lock_version=str(ctx.response.lock_version if ctx.response else 0)
    )
    return render_template(
        "respond/review.html",
        ctx=ctx,
        statuses=statuses,
        values=values,
        other=other,
        problems=problems,
        form=form,
        general_comments=general,
        comments_by_code=by_code,
        review_event=progress.last_review(ctx.response) if ctx.response else None,
        field_anchor=field_anchor,
    )


@bp.route("/<int:action>/submit", methods=["POST"])
@allowed(authz.can_respond, anonymous=logged_out)
def submit(action: int):
    ctx = load_context(action, current_user)
    form = SubmitForm()
    if not form.validate_on_submit():
        abort(400)
    response = ctx.response
    if response is None:
        flash(_("There is nothing to submit yet: answer the questions first."), "warning")
        return redirect(url_for(".review", action=action))
    if response.state in (ResponseState.SUBMITTED, ResponseState.ACCEPTED):
        return redirect(url_for(".receipt", action=action))  # a replay or a double click
    if not ctx.editable:
        flash(_("This questionnaire is closed and can no longer be submitted."), "warning")
        return redirect(url_for(".overview", action=action))
    try:
        done = response_service.submit(
            db.session, response, user=current_user, expected_lock=as_int(form.lock_version.data)
        )
    except response_service.IncompleteError as error:
        db.session.rollback()
        flash(
            ngettext(
                "%(num)d answer is still needed before you can submit",
                "%(num)d answers are still needed before you can submit",
                len(error.missing),
            ),
            "warning",
        )
        return redirect(url_for(".review", action=action))
    except response_service.ConflictError as conflict:
        db.session.rollback()
        flash(
            _(
                "%(name)s changed answers after you opened this page. Check the answers "
                "below, then submit again.",
                name=conflict.by,
            ),
            "warning",
        )
        return redirect(url_for(".review", action=action))
    if done:
        audit.record(
            db.session,
            "response.submitted",
            user=current_user,
            obj=response,
            ip=request.remote_addr or "",
            reference=response.reference,
        )
    db.session.commit()
    return redirect(url_for(".receipt", action=action))


@bp.route("/<int:action>/receipt")
@allowed(authz.can_respond, anonymous=logged_out)
def receipt(action: int):
    ctx = load_context(action, current_user)
    response = ctx.response
    if response is None or response.state not in (
        ResponseState.SUBMITTED,
        ResponseState.ACCEPTED,
        ResponseState.REJECTED,
    ):
        return redirect(url_for(".overview", action=action))
    values, other = ctx.stored
    return render_template(
        "respond/receipt.html",
        ctx=ctx,
        statuses=progress.section_statuses(ctx.defn, values, other),
        values=values,
        other=other,
    )
