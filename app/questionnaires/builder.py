"""The questionnaire builder: start a draft and edit it in the browser, part by part, with
plain forms (move up/down buttons, no script needed). Admins edit every action's draft,
leaders the drafts of the actions they lead; coordinators read and preview. Every write
names the draft revision its page showed: a stale one gets the conflict page."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from .. import authz
from ..authz import allowed
from ..countries import country_groups
from ..definitions.answers import format_number, word
from ..definitions.model import Definition
from ..definitions.schema import LANGUAGES, QUESTION_TYPES
from ..extensions import db
from ..loaders import get_editable_questionnaire_or_404, get_questionnaire_or_404
from ..models import Questionnaire, QuestionnaireVersion, Theme, VersionStatus
from ..respond.page import question_views
from ..services.questionnaires import builder as service
from ..services.questionnaires import editing
from ..services.questionnaires import versions as versions_service
from . import bp, builder_input
from .builder_forms import (
    TYPE_LABELS,
    AddQuestionForm,
    AddSectionForm,
    MoveForm,
    RevisionForm,
    StartForm,
)
from .builder_presenters import (
    describe,
    earlier_questions,
    errors_by_field,
    fid,
    marked_lines,
    part_yaml,
    place,
)

Edit = Callable[[dict[str, Any]], dict[str, Any]]
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch", "fr": "Français", "it": "Italiano"}


@bp.app_template_filter("fid")
def _fid(name: str) -> str:
    return fid(name)


@bp.app_template_filter("as_typed")
def _as_typed(value: Any) -> str:
    """A number as people write it (100, not 100.0); anything else (a draft may hold
    text where a number belongs) as it was typed; None as nothing."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(Decimal(str(value)))
    return str(value)


def _draft(questionnaire: Questionnaire) -> QuestionnaireVersion | None:
    return versions_service.draft_version(db.session, questionnaire)


def _draft_or_start(number: int):
    questionnaire = get_editable_questionnaire_or_404(number, current_user)
    return questionnaire, _draft(questionnaire)


def _fragment() -> bool:
    """A write sent by the page script (``?fragment=1``): answered with the overview's
    draft part (``builder?fragment=1``), which the script puts in place of its own."""
    return request.args.get("fragment") == "1"


def _overview_url(number: int, anchor: str | None = None) -> str:
    if _fragment():
        return url_for("questionnaires.builder", number=number, fragment=1)
    return url_for("questionnaires.builder", number=number, _anchor=anchor)


def _position() -> int | None:
    """The index a dragged section or question is dropped at (the page script sends it)."""
    try:
        return int(request.form.get("position", ""))
    except ValueError:
        return None


def _themes() -> list[Theme]:
    return list(db.session.scalars(select(Theme).order_by(Theme.position)))


def _problems(number: int, draft: QuestionnaireVersion):
    return [place(number, draft.definition, e) for e in service.problems(draft)]


def _common(questionnaire: Questionnaire, draft: QuestionnaireVersion | None) -> dict[str, Any]:
    return {
        "questionnaire": questionnaire,
        "action": questionnaire.action,
        "draft": draft,
        "languages": LANGUAGES,
        "language_names": LANGUAGE_NAMES,
        "type_labels": TYPE_LABELS,
        "themes": _themes(),
    }


# --- the overview --------------------------------------------------------------------------


@bp.route("/<int:number>/builder")
@allowed(authz.can_read_questionnaires)
def builder(number: int):
    """The draft's structure, its problems, coverage and translation status (or how to
    start one)."""
    questionnaire = get_questionnaire_or_404(number, current_user)
    draft = _draft(questionnaire)
    can_edit = authz.can_edit_draft(current_user, questionnaire.action)
    published = versions_service.published_version(db.session, questionnaire)
    if draft is None:
        return render_template(
            "questionnaires/builder/start.html",
            **_common(questionnaire, None),
            can_edit=can_edit,
            published=published,
            form=_start_form(questionnaire),
            copyable=_copyable(questionnaire),
        )
    definition = draft.definition
    problems = _problems(number, draft)
    revision = RevisionForm(revision=str(draft.revision))
    return render_template(
        "questionnaires/builder/_draft.html"
        if _fragment()
        else "questionnaires/builder/overview.html",
        **_common(questionnaire, draft),
        can_edit=can_edit,
        published=published,
        definition=definition,
        problems=problems,
        coverage=service.coverage(definition, published.definition if published else None),
        statuses=service.translation_status(definition),
        form=revision,
        add_section=AddSectionForm(revision=str(draft.revision), formdata=None),
        add_question=AddQuestionForm(revision=str(draft.revision), formdata=None),
        move=MoveForm(revision=str(draft.revision)),
        fixed=service.published_codes(db.session, questionnaire),
        copyable=_copyable(questionnaire),
        describe=lambda cond: describe(Definition(definition), cond, "en"),
    )


def _copyable(questionnaire: Questionnaire) -> list[tuple[int, QuestionnaireVersion]]:
    """Other actions' published versions whose sections may be copied."""
    out = []
    for other in db.session.scalars(select(Questionnaire)):
        version = versions_service.published_version(db.session, other)
        if version is not None:
            out.append((other.action.number, version))
    return sorted(out, key=lambda pair: pair[0])


def _start_form(questionnaire: Questionnaire) -> StartForm:
    form = StartForm()
    form.sections.choices = [
        SelectChoice(f"{n}:{s['code']}", s["code"])
        for n, version in _copyable(questionnaire)
        for s in version.definition["sections"]
    ]
    return form


@bp.route("/<int:number>/builder/start", methods=["POST"])
@allowed(authz.can_build_questionnaires)
def builder_start(number: int):
    questionnaire = get_editable_questionnaire_or_404(number, current_user)
    form = _start_form(questionnaire)
    if not form.validate_on_submit():
        flash(_("Choose where the draft starts from."), "error")
        return redirect(_overview_url(number))
    copies = []
    if form.source.data == "copy":
        by_action = dict(_copyable(questionnaire))
        for n, version in by_action.items():
            codes = [v.split(":", 1)[1] for v in form.sections.data if v.startswith(f"{n}:")]
            if codes:
                copies.append((version, codes))
    try:
        service.start_draft(
            db.session,
            questionnaire,
            source=form.source.data,
            copies=copies,
            user=current_user,
            ip=_ip(),
        )
    except versions_service.QuestionnaireError as error:
        db.session.rollback()
        flash(_("No draft started: %(why)s.", why=error), "error")
        return redirect(_overview_url(number))
    db.session.commit()
    flash(
        _("The draft is started. Nothing changes for respondents until it is published."), "success"
    )
    return redirect(_overview_url(number))


def _revision_form(draft: QuestionnaireVersion) -> RevisionForm:
    """The page's form: shown, it carries the draft's revision; posted, only the one the
    page sent (none posted is a stale write, never the current revision)."""
    form = RevisionForm()
    if not form.is_submitted():
        form.revision.data = str(draft.revision)
    return form


def _ip() -> str:
    return request.remote_addr or ""


# --- writing ---------------------------------------------------------------------------------


def _write(
    questionnaire: Questionnaire,
    draft: QuestionnaireVersion,
    form: RevisionForm,
    edit: Edit,
    *,
    change: str,
    part: tuple[str, str],
    next_url: Callable[[dict[str, Any]], str],
    details: dict[str, Any] | None = None,
):
    """Apply ``edit`` to the draft if it is still at the form's revision, save, audit,
    redirect; else the conflict page, with both versions of ``part`` (kind, code)."""
    number = questionnaire.action.number
    revision = form.revision_number()
    try:
        service.ensure_current(draft, revision)
        changed = edit(draft.definition)
        saved = service.save(
            db.session,
            draft,
            changed,
            revision=revision,
            user=current_user,
            change=change,
            ip=_ip(),
            part=f"{part[0]} {part[1]}",
            **(details or {}),
        )
    except service.DraftConflict:
        db.session.rollback()
        return _conflict(questionnaire, draft, edit, part, change)
    except (editing.EditError, versions_service.QuestionnaireError) as error:
        db.session.rollback()
        flash(_("Not saved: %(why)s.", why=error), "error")
        return redirect(_overview_url(number))
    db.session.commit()
    if saved.errors:
        flash(
            _(
                "Saved. The draft has %(n)s problem(s): it can be published once they are fixed.",
                n=len(saved.errors),
            ),
            "warning",
        )
    else:
        flash(_("Saved."), "success")
    return redirect(_overview_url(number) if _fragment() else next_url(changed))


def _find(definition: dict[str, Any], kind: str, code: str) -> Any:
    try:
        if kind == "section":
            return editing.find_section(definition, code)[1]
        if kind == "question":
            return editing.find_question(definition, code)[2]
    except editing.EditError:
        return None
    return {k: definition.get(k) for k in ("title", "introduction")}


def _conflict(questionnaire, draft, edit: Edit, part: tuple[str, str], change: str):
    db.session.refresh(draft)
    current = draft.definition
    theirs = _find(current, *part)
    try:
        yours = _find(edit(current), *part)
    except editing.EditError:
        yours = None
    resend = [
        (key, value)
        for key, value in request.form.items(multi=True)
        if key not in ("csrf_token", "revision")
    ]
    html = render_template(
        "questionnaires/builder/conflict.html",
        **_common(questionnaire, draft),
        resend=resend if yours is not None else None,
        form=RevisionForm(revision=str(draft.revision), formdata=None),
        kind=part[0],
        code=part[1],
        change=change,
        theirs=marked_lines(part_yaml(theirs), part_yaml(yours)),
        yours=marked_lines(part_yaml(yours), part_yaml(theirs)),
    )
    return html, 409


# --- the questionnaire's texts -----------------------------------------------------------


@bp.route("/<int:number>/builder/settings", methods=["GET", "POST"])
@allowed(authz.can_build_questionnaires)
def builder_settings(number: int):
    questionnaire, draft = _draft_or_start(number)
    if draft is None:
        return redirect(_overview_url(number))
    form = _revision_form(draft)
    if form.validate_on_submit():
        title = builder_input.text(request.form, "title")
        intro = builder_input.text(request.form, "introduction")
        return _write(
            questionnaire,
            draft,
            form,
            lambda d: editing.set_texts(d, title, intro),
            change="title and introduction",
            part=("questionnaire", ""),
            next_url=lambda _d: _overview_url(number),
        )
    problems = [p for p in _problems(number, draft) if p.where == "questionnaire"]
    return render_template(
        "questionnaires/builder/settings.html",
        **_common(questionnaire, draft),
        form=form,
        definition=draft.definition,
        problems=problems,
        errors=errors_by_field(problems),
    )


# --- sections ----------------------------------------------------------------------------------


@bp.route("/<int:number>/builder/copy", methods=["POST"])
@allowed(authz.can_build_questionnaires)
def builder_copy_sections(number: int):
    """Copy sections of other actions' published questionnaires into the draft (codes
    kept; a clashing question code is reported by the validator)."""
    questionnaire, draft = _draft_or_start(number)
    form = RevisionForm()
    chosen = request.form.getlist("sections")
    if draft is None or not form.validate_on_submit() or not chosen:
        flash(_("Choose the sections to copy."), "error")
        return redirect(_overview_url(number, "copy"))
    copies = [
        (version, [v.split(":", 1)[1] for v in chosen if v.startswith(f"{n}:")])
        for n, version in _copyable(questionnaire)
    ]

    def edit(d: dict[str, Any]) -> dict[str, Any]:
        for version, codes in copies:
            if codes:
                d = editing.copy_sections(d, version.definition, codes)
        return d

    return _write(
        questionnaire,
        draft,
        form,
        edit,
        change="sections copied: " + ", ".join(chosen),
        part=("questionnaire", ""),
        next_url=lambda _d: _overview_url(number, "structure"),
    )


@bp.route("/<int:number>/builder/sections", methods=["POST"])
@allowed(authz.can_build_questionnaires)
def builder_add_section(number: int):
    questionnaire, draft = _draft_or_start(number)
    form = AddSectionForm()
    if draft is None or not form.validate_on_submit():
        flash(_("Give the new section a title."), "error")
        return redirect(_overview_url(number, "add-section"))
    title = form.title.data.strip()
    return _write(
        questionnaire,
        draft,
        form,
        lambda d: editing.add_section(d, title)[0],
        change=f"section added: {title}",
        part=("section", ""),
        next_url=lambda d: _overview_url(number, f"section-{d['sections'][-1]['code']}"),
    )


@bp.route("/<int:number>/builder/sections/<code>", methods=["GET", "POST"])
@allowed(authz.can_build_questionnaires)
def builder_section(number: int, code: str):
    questionnaire, draft = _draft_or_start(number)
    if draft is None:
        return redirect(_overview_url(number))
    section = _find(draft.definition, "section", code)
    if section is None:
        flash(_("That section is not in the draft any more."), "error")
        return redirect(_overview_url(number))
    form = _revision_form(draft)
    if form.validate_on_submit():
        posted = request.form
        new_code = (posted.get("code") or "").strip() or code
        title = builder_input.text(posted, "title")
        intro = builder_input.text(posted, "intro")
        show_if = builder_input.condition(posted, "show_if", section.get("show_if"))
        return _write(
            questionnaire,
            draft,
            form,
            lambda d: editing.update_section(
                d, code, new_code=new_code, title=title, intro=intro, show_if=show_if
            ),
            change=f"section {code} edited",
            part=("section", code),
            details={
                "fields": editing.changed_keys(
                    {k: v for k, v in section.items() if k != "questions"},
                    {"code": new_code, "title": title, "intro": intro}
                    | ({"show_if": show_if} if show_if else {}),
                )
            },
            next_url=lambda _d: url_for(
                "questionnaires.builder_section", number=number, code=new_code
            ),
        )
    problems = [p for p in _problems(number, draft) if p.where == f"section {code}"]
    combine, rows, editable = builder_input.condition_rows(section.get("show_if"))
    return render_template(
        "questionnaires/builder/section.html",
        **_common(questionnaire, draft),
        form=form,
        section=section,
        problems=problems,
        errors=errors_by_field(problems),
        condition=_condition_context(draft.definition, section.get("show_if"), None, code),
    )


def _condition_context(definition, cond, question: str | None, section: str | None):
    combine, rows, editable = builder_input.condition_rows(cond)
    return {
        "combine": combine,
        "rows": rows + [{"question": "", "op": "equals", "values": []}],
        "editable": editable,
        "described": describe(Definition(definition), cond, "en") if cond else "",
        "earlier": earlier_questions(definition, question, section),
        "operators": builder_input.OPERATORS,
    }


@bp.route("/<int:number>/builder/sections/<code>/<op>", methods=["POST"])
@allowed(authz.can_build_questionnaires)
def builder_section_op(number: int, code: str, op: str):
    questionnaire, draft = _draft_or_start(number)
    form = MoveForm()
    position = _position()
    edits: dict[str, Edit] = {
        "up": lambda d: editing.move_section(d, code, -1),
        "down": lambda d: editing.move_section(d, code, 1),
        "remove": lambda d: editing.remove_section(d, code),
    }
    if position is not None:  # dragged (the page script): to that place
        edits["move"] = lambda d: editing.move_section_to(d, code, position)
    if draft is None or op not in edits or not form.validate_on_submit():
        return redirect(_overview_url(number))
    return _write(
        questionnaire,
        draft,
        form,
        edits[op],
        change=f"section {code}: {op}"
        + (f" to place {position + 1}" if op == "move" and position is not None else ""),
        part=("section", code),
        next_url=lambda _d: _overview_url(
            number, "structure" if op == "remove" else f"section-{code}"
        ),
    )


# --- questions -----------------------------------------------------------------------------


@bp.route("/<int:number>/builder/sections/<code>/questions", methods=["POST"])
@allowed(authz.can_build_questionnaires)
def builder_add_question(number: int, code: str):
    questionnaire, draft = _draft_or_start(number)
    form = AddQuestionForm()
    if draft is None or not form.validate_on_submit() or form.qtype.data not in QUESTION_TYPES:
        flash(_("Choose a type and write the question to add it."), "error")
        return redirect(_overview_url(number, f"section-{code}"))
    label, qtype = form.label.data.strip(), form.qtype.data
    added: list[str] = []

    def edit(d: dict[str, Any]) -> dict[str, Any]:
        changed, new_code = editing.add_question(d, code, qtype, label)
        added.append(new_code)
        return changed

    return _write(
        questionnaire,
        draft,
        form,
        edit,
        change=f"question added to section {code}: {label}",
        part=("section", code),
        next_url=lambda _d: url_for(
            "questionnaires.builder_question", number=number, code=added[-1]
        ),
    )


@bp.route("/<int:number>/builder/questions/<code>", methods=["GET", "POST"])
@allowed(authz.can_build_questionnaires)
def builder_question(number: int, code: str):
    questionnaire, draft = _draft_or_start(number)
    if draft is None:
        return redirect(_overview_url(number))
    question = _find(draft.definition, "question", code)
    if question is None:
        flash(_("That question is not in the draft any more."), "error")
        return redirect(_overview_url(number))
    fixed = code in service.published_codes(db.session, questionnaire)
    form = _revision_form(draft)
    if form.validate_on_submit():
        posted = builder_input.question(request.form, question, fixed)
        new_code = posted["code"]
        return _write(
            questionnaire,
            draft,
            form,
            lambda d: editing.rename_question(
                editing.replace_question(d, code, posted), code, new_code
            ),
            change=f"question {code} edited",
            part=("question", code),
            details={"fields": editing.changed_keys(question, posted)},
            next_url=lambda _d: url_for(
                "questionnaires.builder_question", number=number, code=new_code
            ),
        )
    problems = [p for p in _problems(number, draft) if p.where == f"question {code}"]
    section = editing.find_section(
        draft.definition,
        draft.definition["sections"][editing.find_question(draft.definition, code)[0]]["code"],
    )[1]
    combine, rows, editable = builder_input.condition_rows(question.get("show_if"))
    return render_template(
        "questionnaires/builder/question.html",
        **_common(questionnaire, draft),
        form=form,
        q=question,
        section=section,
        fixed=fixed,
        problems=problems,
        errors=errors_by_field(problems),
        condition=_condition_context(draft.definition, question.get("show_if"), code, None),
        extra=builder_input.EXTRA_ROWS,
    )


@bp.route("/<int:number>/builder/questions/<code>/<op>", methods=["POST"])
@allowed(authz.can_build_questionnaires)
def builder_question_op(number: int, code: str, op: str):
    questionnaire, draft = _draft_or_start(number)
    form = MoveForm()
    target = request.form.get("to", "")
    position = _position()
    edits: dict[str, Edit] = {
        "up": lambda d: editing.move_question(d, code, -1),
        "down": lambda d: editing.move_question(d, code, 1),
        "duplicate": lambda d: editing.duplicate_question(d, code)[0],
        "remove": lambda d: editing.remove_question(d, code),
        "move": lambda d: editing.move_question_to(d, code, target, position),
    }
    if draft is None or op not in edits or not form.validate_on_submit():
        return redirect(_overview_url(number))
    return _write(
        questionnaire,
        draft,
        form,
        edits[op],
        change=f"question {code}: {op}"
        + (f" to section {target}" if op == "move" else "")
        + (f", place {position + 1}" if op == "move" and position is not None else ""),
        part=("question", code),
        next_url=lambda _d: _overview_url(number, "structure" if op == "remove" else f"q-{code}"),
    )


# --- preview ---------------------------------------------------------------------------------


def _preview_views(section: dict[str, Any]):
    """The section's questions as the respondent pages show them, every one shown at
    first; a section's condition joins each question's, so the page script shows and
    hides them live as answers are tried."""
    questions = []
    for q in section["questions"]:
        conditions = [c for c in (section.get("show_if"), q.get("show_if")) if c]
        if len(conditions) == 2:
            q = {**q, "show_if": {"all": conditions}}
        elif conditions:
            q = {**q, "show_if": conditions[0]}
        questions.append(q)
    shown = {q["code"] for q in questions}
    return question_views({**section, "questions": questions}, shown, {}, {})


@bp.route("/<int:number>/builder/preview")
@allowed(authz.can_read_questionnaires)
def builder_preview(number: int):
    """The draft exactly as respondents see it, in one language (?lang=de)."""
    questionnaire = get_questionnaire_or_404(number, current_user)
    draft = _draft(questionnaire)
    version = draft or versions_service.published_version(db.session, questionnaire)
    if version is None:
        return redirect(_overview_url(number))
    lang = request.args.get("lang", "en")
    lang = lang if lang in LANGUAGES else "en"
    definition = Definition(version.definition)
    problems = service.problems(version) if version.status == VersionStatus.DRAFT else []
    with force_locale(lang):
        sections = [(s, _preview_views(s)) for s in definition.sections]
        return render_template(
            "questionnaires/builder/preview.html",
            **_common(questionnaire, draft),
            version=version,
            definition=definition,
            sections=sections,
            lang=lang,
            problems=problems,
            countries=country_groups(lang),
            word=word,
            describe=lambda cond: describe(definition, cond, lang),
        )
