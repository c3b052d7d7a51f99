"""Questionnaire pages: the 11 questionnaires, their versions, questions, options,
conditions and theme weights (read by admins, coordinators and the action's leaders), and
their administration (admins): upload a definition as a draft, preview it, see its diff,
publish it, open and close, set a deadline, send reminders."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import authz
from ..authz import allowed
from ..definitions.answers import clean_text, word
from ..definitions.model import definition_of
from ..definitions.validate import validate_text
from ..extensions import db
from ..forms import EmptyForm
from ..i18n import format_day
from ..loaders import get_questionnaire_or_404, get_version_or_404
from ..models import (
    Action,
    AuditEntry,
    Question,
    Questionnaire,
    ResponseState,
    Theme,
)
from ..services import audit
from ..services.questionnaires import versions as service
from ..services.questionnaires.versions import Diff
from ..services.responding import reminders as reminder_service
from ..services.responding import responses as response_service
from ..urls import external_url
from . import bp
from .forms import DeadlineForm, PublishForm, UploadForm
from .presenters import describe_condition


@bp.route("/")
@allowed(authz.can_read_questionnaires)
def index():
    """Every action the user may read, with its questionnaire (or none yet)."""
    actions = [
        a
        for a in db.session.scalars(select(Action).order_by(Action.number))
        if authz.can_view_action(current_user, a)
    ]
    by_action = {
        q.action_id: q
        for q in db.session.scalars(
            select(Questionnaire).options(selectinload(Questionnaire.versions))
        )
    }
    visible = [by_action[a.id] for a in actions if a.id in by_action]
    counts = dict(
        db.session.execute(
            select(Question.version_id, func.count(Question.id)).group_by(Question.version_id)
        ).all()
    )
    return render_template(
        "questionnaires/index.html",
        rows=[(a, by_action.get(a.id)) for a in actions],
        counts=counts,
        response_counts=response_service.counts_by_state(db.session, [q.id for q in visible]),
        states=list(ResponseState),
        can_manage=authz.can_manage_questionnaires(current_user),
    )


@bp.route("/<int:number>")
@bp.route("/<int:number>/v<int:version_number>")
@allowed(authz.can_read_questionnaires)
def show(number: int, version_number: int | None = None):
    version = get_version_or_404(number, version_number, current_user)
    themes = {t.key: t for t in db.session.scalars(select(Theme).order_by(Theme.position))}
    definition = definition_of(version)
    fed = sorted(
        {key for q in definition.questions() for key in _theme_keys(q)},
        key=lambda k: themes[k].position,
    )
    return render_template(
        "questionnaires/show.html",
        version=version,
        questionnaire=version.questionnaire,
        definition=definition,
        themes=themes,
        fed=fed,
        describe_condition=describe_condition,
    )


def _theme_keys(question: dict) -> set[str]:
    keys = set(question.get("themes", {}))
    for item in question.get("items", []):
        keys |= set(item.get("themes", {}))
    return keys


# --- administration (admins change; coordinators and the action's leaders read) -----------


def _ip() -> str:
    return request.remote_addr or ""


def _manage_url(number: int, anchor: str | None = None) -> str:
    return url_for("questionnaires.manage", number=number, _anchor=anchor)


def diff_groups(diff: Diff) -> dict[str, list[str]]:
    """The diff's lines grouped by their sign: added (+), removed (-), changed (~)."""
    groups: dict[str, list[str]] = {"added": [], "removed": [], "changed": []}
    names = {"+": "added", "-": "removed", "~": "changed"}
    for line in diff.lines():
        groups[names[line[0]]].append(line[2:])
    return groups


def _last_reminders(questionnaire: Questionnaire) -> AuditEntry | None:
    return db.session.scalar(
        select(AuditEntry)
        .where(
            AuditEntry.event == "reminders.sent",
            AuditEntry.object_type == "questionnaire",
            AuditEntry.object_id == str(questionnaire.id),
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )


@bp.route("/<int:number>/manage")
@allowed(authz.can_read_questionnaires)
def manage(number: int):
    questionnaire = get_questionnaire_or_404(number, current_user)
    published = service.published_version(db.session, questionnaire)
    draft = service.draft_version(db.session, questionnaire)
    diff = None
    if draft is not None and published is not None:
        diff = diff_groups(service.diff_definitions(published.definition, draft.definition))
    deadline_form = DeadlineForm(deadline=questionnaire.deadline)
    return render_template(
        "questionnaires/manage.html",
        questionnaire=questionnaire,
        action=questionnaire.action,
        published=published,
        draft=draft,
        diff=diff,
        counts=response_service.counts_by_state(db.session, [questionnaire.id]).get(
            questionnaire.id, {}
        ),
        states=list(ResponseState),
        targets=reminder_service.reminder_targets(db.session, questionnaire)
        if published is not None
        else [],
        last_reminders=_last_reminders(questionnaire),
        can_manage=authz.can_manage_questionnaires(current_user),
        publish_form=PublishForm(),
        deadline_form=deadline_form,
        button_form=EmptyForm(),
    )


@bp.route("/upload", methods=["GET", "POST"])
@allowed(authz.can_manage_questionnaires)
def upload():
    form = UploadForm()
    errors: list[str] = []
    if form.validate_on_submit():
        filename = clean_text(Path(form.file.data.filename or "").name)[:200] or "definition.yaml"
        try:
            text = form.file.data.read().decode("utf-8")
        except UnicodeDecodeError:
            text = None
            errors = [
                f"{filename}: the file is not UTF-8 text: save it as UTF-8 and upload it again"
            ]
        if text is not None:
            result = validate_text(text, filename)
            errors = [str(error) for error in result.errors]
            if result.ok:
                try:
                    outcome = service.import_definition(db.session, result, user=current_user)
                except service.QuestionnaireError as error:
                    db.session.rollback()
                    errors = [f"{filename}: {error}"]
                else:
                    number = outcome.version.questionnaire.action.number
                    if outcome.status == "unchanged":
                        db.session.rollback()
                        flash(_("Nothing changed: %(message)s.", message=outcome.message), "info")
                        return redirect(_manage_url(number))
                    audit.record(
                        db.session,
                        "questionnaire.uploaded",
                        user=current_user,
                        obj=outcome.version,
                        ip=_ip(),
                        action=number,
                        number=outcome.version.number,
                        status=outcome.status,
                        filename=filename,
                    )
                    db.session.commit()
                    flash(
                        _(
                            "Draft version %(n)s of action %(action)s saved: check the preview "
                            "and the changes, then publish it.",
                            n=outcome.version.number,
                            action=number,
                        ),
                        "success",
                    )
                    return redirect(_manage_url(number, "draft"))
    status = 400 if errors or form.errors else 200
    return render_template("questionnaires/upload.html", form=form, errors=errors), status


@bp.route("/<int:number>/v<int:version_number>/preview")
@allowed(authz.can_read_questionnaires)
def preview(number: int, version_number: int):
    version = get_version_or_404(number, version_number, current_user)
    return render_template(
        "questionnaires/preview.html",
        version=version,
        questionnaire=version.questionnaire,
        definition=definition_of(version),
        describe_condition=describe_condition,
        word=word,
    )


@bp.route("/<int:number>/publish", methods=["POST"])
@allowed(authz.can_manage_questionnaires)
def publish(number: int):
    questionnaire = get_questionnaire_or_404(number, current_user)
    form = PublishForm()
    if not form.validate_on_submit():
        flash(_("Not published: tick the box to confirm you want to publish the draft."), "error")
        return redirect(_manage_url(number, "draft"))
    try:
        version = service.publish(db.session, questionnaire, user=current_user)
    except service.QuestionnaireError as error:
        db.session.rollback()
        flash(_("Not published: %(why)s.", why=error), "error")
        return redirect(_manage_url(number))
    audit.record(
        db.session,
        "questionnaire.published",
        user=current_user,
        obj=version,
        ip=_ip(),
        action=number,
        number=version.number,
    )
    db.session.commit()
    flash(
        _("Version %(n)s is published: respondents answer it from now on.", n=version.number),
        "success",
    )
    return redirect(_manage_url(number))


@bp.route("/<int:number>/open", methods=["POST"], endpoint="open")
@allowed(authz.can_manage_questionnaires)
def open_questionnaire(number: int):
    return _set_open(number, True)


@bp.route("/<int:number>/close", methods=["POST"], endpoint="close")
@allowed(authz.can_manage_questionnaires)
def close_questionnaire(number: int):
    return _set_open(number, False)


def _set_open(number: int, opening: bool):
    questionnaire = get_questionnaire_or_404(number, current_user)
    if EmptyForm().validate_on_submit():
        if service.set_open(db.session, questionnaire, opening, user=current_user, ip=_ip()):
            db.session.commit()
        if opening:
            flash(_("The questionnaire is open: respondents can answer and submit."), "success")
        else:
            flash(
                _("The questionnaire is closed: respondents can read but not change it."),
                "success",
            )
    return redirect(_manage_url(number, "status"))


@bp.route("/<int:number>/deadline", methods=["POST"])
@allowed(authz.can_manage_questionnaires)
def deadline(number: int):
    questionnaire = get_questionnaire_or_404(number, current_user)
    form = DeadlineForm()
    if not form.validate_on_submit():
        flash(
            _("The deadline was not changed: enter a date as YYYY-MM-DD, or leave it empty."),
            "error",
        )
        return redirect(_manage_url(number, "status"))
    if service.set_deadline(
        db.session, questionnaire, form.deadline.data, user=current_user, ip=_ip()
    ):
        db.session.commit()
    if form.deadline.data:
        flash(_("Deadline set to %(day)s.", day=format_day(form.deadline.data)), "success")
        if form.deadline.data < date.today():
            flash(_("That day has passed: check the date if this was not intended."), "warning")
    else:
        flash(_("The questionnaire has no deadline now."), "success")
    return redirect(_manage_url(number, "status"))


@bp.route("/<int:number>/reminders", methods=["POST"])
@allowed(authz.can_manage_questionnaires)
def reminders(number: int):
    questionnaire = get_questionnaire_or_404(number, current_user)
    if not EmptyForm().validate_on_submit():
        return redirect(_manage_url(number, "reminders"))
    try:
        report = reminder_service.send_reminders(
            db.session,
            questionnaire,
            user=current_user,
            link=external_url("main.index"),
            ip=_ip(),
        )
    except service.QuestionnaireError as error:
        db.session.rollback()
        flash(_("No reminders sent: %(why)s.", why=error), "error")
        return redirect(_manage_url(number, "reminders"))
    db.session.commit()
    flash(
        _(
            "Reminders sent to %(people)s people at %(orgs)s organisations.",
            people=report.people,
            orgs=len(report.reminded),
        ),
        "success" if report.reminded else "info",
    )
    if report.without_recipients:
        flash(
            _(
                "Not reminded, no active respondent: %(names)s.",
                names=", ".join(t.organisation.name for t in report.without_recipients),
            ),
            "warning",
        )
    if report.failed:
        flash(_("Sending failed for: %(emails)s.", emails=", ".join(report.failed)), "error")
    return redirect(_manage_url(number, "reminders"))
