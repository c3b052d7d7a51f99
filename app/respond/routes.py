"""The respondent's pages. Views load the questionnaire through ``page.load_context`` (which
asks ``app/loaders.py``), read answers with the answer codec, and save through the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import MultiDict

from .. import authz
from ..authz import allowed
from ..countries import country_groups
from ..definitions import answers as codec
from ..definitions.model import text
from ..errors import render_error, wants_json
from ..extensions import db
from ..forms import EmptyForm
from ..i18n import format_clock, pick
from ..models import FormStash, ResponseState
from ..questionnaires.presenters import DROP_REASONS
from ..services import audit
from ..services.mailing import messages
from ..services.questionnaires import publishing
from ..services.responding import history as history_service
from ..services.responding import pages, progress
from ..services.responding import responses as response_service
from ..services.responding import stash as stash_service
from . import bp, copy
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
from .stash import apply_cookie, keep_after_deadline, logged_out, remember_token, stash_token


@bp.after_request
def _stash_cookie(response):
    return apply_cookie(response)


@bp.errorhandler(413)
def _too_large(error: Exception) -> Any:
    """A section page over the limit (an answer far past its length, pasted by a script
    or with the browser's limit removed): back to the section, with what happened; the
    answers saved before are there. Scripts (the autosave) get the JSON error."""
    if request.endpoint == "respond.section" and request.method == "POST" and not wants_json():
        flash(
            _(
                "This page was too large to save: an answer is far longer than its limit "
                "allows. Your answers saved before are kept; shorten the long answer and "
                "save again."
            ),
            "error",
        )
        return redirect(request.path, code=303)
    return render_error(413)


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
        **_version_notice(ctx),
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
        history=_history_summaries(ctx),
    )


def _history_summaries(ctx: Context) -> list[tuple[str, str, history_service.Summary]]:
    """(code, label, summary) of each question whose answer changed, in questionnaire
    order: the organisation's answer history at a glance."""
    if ctx.response is None:
        return []
    found = history_service.summaries(db.session, ctx.response)
    return [
        (q["code"], text(q["label"], page_lang()), found[q["code"]])
        for q in ctx.defn.questions()
        if q["code"] in found
    ]


@bp.route("/<int:action>/history")
@allowed(authz.can_respond, anonymous=logged_out)
def history(action: int):
    """Every change of the organisation's answers (one question's with ?q=code)."""
    ctx = load_context(action, current_user)
    changes = []
    code = request.args.get("q") or None
    if ctx.response is not None:
        changes = history_service.readable(
            ctx.defn, history_service.changes(db.session, ctx.response, code), page_lang()
        )
    return render_template("respond/history.html", ctx=ctx, changes=changes, question=code)


def _version_notice(ctx: Context) -> dict[str, Any]:
    """What a new version changed in this response: shown until the respondents save a
    page or dismiss it (GET pages write nothing)."""
    notice = ctx.response.version_notice if ctx.response is not None else None
    return {"version_notice": notice, "version_reasons": DROP_REASONS}


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
    if ctx.past_deadline:
        kept = keep_after_deadline(ctx.action.number, sec["code"])
        return _render_locked(ctx, sec, kept=kept)
    if not ctx.editable:
        return _render_locked(ctx, sec)
    before = _visible_sections(ctx, *ctx.stored)
    parsed, outcome = _save(ctx, sec, form)
    if outcome.saved:
        publishing.take_notice(ctx.response)  # seen: a page was saved under the new version
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
    _say_which_sections_changed(ctx, before, outcome)
    target = _next_target(ctx, sec, outcome)
    if target is None:
        flash(_("Your draft was saved."), "success")
        return redirect(url_for(".section", action=ctx.action.number, section=sec["code"]))
    if _half_rated(ctx, sec, outcome.values):
        # Leaving a table half rated: saved, but said here, not first at the review page.
        flash(_("Your answers were saved. A table on this page is not finished."), "warning")
        return redirect(
            url_for(".section", action=ctx.action.number, section=sec["code"], then=target)
            + "#unfinished"
        )
    return redirect(_target_url(ctx, target))


def _visible_sections(ctx: Context, values: dict[str, Any], other: dict[str, str]) -> list[Any]:
    return [s.section for s in progress.section_statuses(ctx.defn, values, other)]


def _say_which_sections_changed(ctx: Context, before: list[Any], outcome: pages.PageSave) -> None:
    """The section counter counts the sections shown; when an answer adds or removes one,
    say so, so that "Section 3 of 5" after "of 4" is no surprise."""
    after = _visible_sections(ctx, outcome.values, outcome.other)
    lang = page_lang()
    added = [pick(s["title"], lang) for s in after if s not in before]
    gone = [pick(s["title"], lang) for s in before if s not in after]
    messages = (
        (
            added,
            lambda n, **kw: ngettext(
                "Because of your answers, %(num)d section was added: %(titles)s. "
                "There are now %(total)s sections.",
                "Because of your answers, %(num)d sections were added: %(titles)s. "
                "There are now %(total)s sections.",
                n,
                **kw,
            ),
        ),
        (
            gone,
            lambda n, **kw: ngettext(
                "Because of your answers, %(num)d section no longer applies: %(titles)s. "
                "There are now %(total)s sections.",
                "Because of your answers, %(num)d sections no longer apply: %(titles)s. "
                "There are now %(total)s sections.",
                n,
                **kw,
            ),
        ),
    )
    for titles, message in messages:
        if titles:
            flash(message(len(titles), titles=", ".join(titles), total=len(after)), "info")


def _half_rated(ctx: Context, sec: dict[str, Any], values: dict[str, Any]) -> list[dict[str, Any]]:
    """The tables (matrices) on this section with some rows rated but not all: fine in a
    draft, refused at submission ("Rate every row of this table")."""
    shown = codec.visible_codes(ctx.defn, values)
    result = []
    for q in sec["questions"]:
        rated = len(values.get(q["code"]) or {}) if q["type"] == "matrix" else 0
        if q["code"] in shown and 0 < rated < len(q["items"]):
            result.append({"q": q, "rated": rated, "rows": len(q["items"])})
    return result


def _next_target(ctx: Context, sec: dict[str, Any], outcome: pages.PageSave) -> str | None:
    """Where the button pressed leads: a section code, "__review" or "__overview"; None
    to stay ("Save draft")."""
    visible = [s.code for s in progress.section_statuses(ctx.defn, outcome.values, outcome.other)]
    order = [s["code"] for s in ctx.defn.sections]
    here = order.index(sec["code"])
    goto = request.form.get("goto", "")
    nav = request.form.get("nav", "save")
    if goto == "__review" or nav == "review":
        return "__review"
    if goto == "__overview":
        return "__overview"
    if goto in visible:
        return goto
    if nav == "next":
        later = [c for c in visible if order.index(c) > here]
        return later[0] if later else "__review"
    if nav == "prev":
        earlier = [c for c in visible if order.index(c) < here]
        return earlier[-1] if earlier else "__overview"
    return None


def _target_url(ctx: Context, target: str) -> str:
    action = ctx.action.number
    if target == "__review":
        return url_for(".review", action=action)
    if target == "__overview" or ctx.section(target) is None:
        return url_for(".overview", action=action)
    return url_for(".section", action=action, section=target)


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
        **_version_notice(ctx),
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
        unfinished=_half_rated(ctx, sec, page.values),
        then_url=_target_url(ctx, request.args["then"]) if request.args.get("then") else None,
        is_first=number == 1,
        is_last=number == len(visible),
        known=known_values(sec, page.values, shown),
        differences=differences,
        conflict=outcome.conflict if outcome is not None and not outcome.saved else None,
        general_comments=general,
        review_event=progress.last_review(ctx.response) if ctx.response else None,
        countries=country_groups(page_lang()),
    )
    return html, status


def deadline_message(ctx: Context) -> str:
    """Why nothing can be saved once the deadline has passed."""
    deadline = ctx.deadline
    return _(
        "The deadline passed at the end of %(day)s (%(zone)s time): answers can no longer "
        "be saved or submitted.",
        day=format_date(deadline.day, "long") if deadline.day else "",
        zone=deadline.time_zone,
    )


def _render_locked(ctx: Context, sec: dict[str, Any], kept: bool = False):
    """A page posted after the questionnaire was submitted or closed, or after its
    deadline: nothing can be saved, so show what the person typed, for them to copy (and,
    after the deadline, say that it is kept)."""
    parsed = codec.parse_form(ctx.defn, request.form, _codes(sec))
    lang = page_lang()
    typed = [
        (q, codec.display(q, parsed.values[q["code"]], parsed.other.get(q["code"]), lang))
        for q in sec["questions"]
        if q["code"] in parsed.values
    ]
    return render_template(
        "respond/locked.html",
        ctx=ctx,
        sec=sec,
        typed=typed,
        kept=kept,
        deadline_message=deadline_message(ctx) if ctx.past_deadline else None,
    ), 409


@bp.route("/<int:action>/autosave", methods=["POST"])
@allowed(authz.can_respond, anonymous=logged_out)
def autosave(action: int):
    ctx = load_context(action, current_user)
    form = PageForm()
    sec = ctx.section(form.section.data or "")
    if sec is None or not form.validate_on_submit():
        message = _("Not saved: this page is out of date. Reload it.")
        return jsonify(ok=False, message=message), 400
    if ctx.past_deadline:
        kept = keep_after_deadline(action, sec["code"])
        message = deadline_message(ctx)
        if kept:
            message += " " + _("What you typed on this page is kept.")
        return jsonify(ok=False, locked=True, deadline=True, message=message), 409
    if not ctx.editable:
        message = _(
            "Not saved: this questionnaire was submitted or closed and can no longer be changed."
        )
        return jsonify(ok=False, locked=True, message=message), 409
    parsed, outcome = _save(ctx, sec, form)
    saved_at = ctx.response.updated_at if ctx.response is not None else None
    # Written before the commit: the reader's time zone comes from their account, which
    # the commit expires (reading it afterwards would open a second transaction).
    saved_at_text = format_clock(saved_at) if saved_at else None
    db.session.commit()
    if not outcome.saved:
        conflict = outcome.conflict
        message = _(
            "Not saved: %(name)s saved this questionnaire at %(time)s. Press “Save draft” "
            "to compare your answers with theirs.",
            name=conflict.by if conflict else _("a colleague"),
            time=format_clock(conflict.at) if conflict and conflict.at else "",
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
        saved_at_text=saved_at_text,
        errors=len(parsed.errors),
        merged=bool(outcome.merged_theirs),
    )


@bp.route("/<int:action>/version-notice/dismiss", methods=["POST"])
@allowed(authz.can_respond, anonymous=logged_out)
def dismiss_version_notice(action: int):
    """The respondents have read what the new version changed in their answers."""
    ctx = load_context(action, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if publishing.take_notice(ctx.response) is not None:
        db.session.commit()
    return redirect(url_for(".overview", action=action))


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
        formdata=None,
        lock_version=str(ctx.response.lock_version if ctx.response else 0),
        quote_consent=(ctx.response.quote_consent if ctx.response else None) or "none",
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
    if ctx.past_deadline:
        flash(deadline_message(ctx) + " " + _("Your saved answers are kept."), "warning")
        return redirect(url_for(".overview", action=action))
    if not ctx.editable:
        flash(_("This questionnaire is closed and can no longer be submitted."), "warning")
        return redirect(url_for(".overview", action=action))
    resubmitted = response.state == ResponseState.RETURNED
    try:
        done = response_service.submit(
            db.session,
            response,
            user=current_user,
            expected_lock=as_int(form.lock_version.data),
            quote_consent=form.consent(),
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
        messages.submitted(db.session, response, current_user._get_current_object(), resubmitted)
    db.session.commit()
    return redirect(url_for(".receipt", action=action))


SUBMITTED_STATES = (ResponseState.SUBMITTED, ResponseState.ACCEPTED, ResponseState.REJECTED)


@bp.route("/<int:action>/copy.<any(pdf, csv):fmt>")
@allowed(authz.can_respond, anonymous=logged_out)
def copy_download(action: int, fmt: str):
    """The organisation's submitted answers as PDF or CSV (?lang=de: in that language)."""
    ctx = load_context(action, current_user)
    if ctx.response is None or ctx.response.state not in SUBMITTED_STATES:
        abort(404)  # nothing submitted: nothing to copy
    return copy.download(db.session, ctx.response, fmt, request.args.get("lang"))


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
