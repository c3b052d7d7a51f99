"""Questionnaire pages: the 11 questionnaires, their versions, questions, options,
conditions and theme weights (read by admins, coordinators and the action's leaders), and
their administration (admins): upload a definition as a draft, preview it, see its diff,
publish it, open and close, set a deadline, send reminders."""

from __future__ import annotations

from pathlib import Path

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import authz
from ..authz import allowed
from ..definitions.answers import clean_text, word
from ..definitions.model import definition_of
from ..definitions.validate import validate_text
from ..definitions.xlsform import to_xlsform, validate_xlsform
from ..extensions import db
from ..forms import EmptyForm
from ..i18n import format_day
from ..loaders import (
    get_publishable_questionnaire_or_404,
    get_questionnaire_or_404,
    get_version_or_404,
)
from ..models import (
    Action,
    AuditEntry,
    Question,
    Questionnaire,
    ResponseState,
    Theme,
    utcnow,
)
from ..services import audit
from ..services.mailing import schedule as schedule_service
from ..services.questionnaires import publishing
from ..services.questionnaires import versions as service
from ..services.responding import deadlines as deadline_service
from ..services.responding import reminders as reminder_service
from ..services.responding import responses as response_service
from . import bp
from .deadlines import extension_form
from .forms import DeadlineForm, PublishForm, ReminderScheduleForm, UploadForm
from .presenters import (
    DROP_REASONS,
    change_field,
    change_value,
    describe_condition,
    entry_title,
)


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
    if version.problems:
        return _to_builder(number)
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


def _to_builder(number: int):
    """A draft kept with problems is shown where they are listed: the builder."""
    flash(_("The draft has problems: the builder lists them and shows the rest."), "warning")
    return redirect(url_for("questionnaires.builder", number=number))


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
        diff = service.diff_definitions(published.definition, draft.definition)
    deadline_form = DeadlineForm(
        deadline=questionnaire.deadline,
        time_zone=questionnaire.time_zone,
        close_at_deadline=questionnaire.close_at_deadline,
    )
    schedule = schedule_service.schedule_of(db.session, questionnaire)
    schedule_form = ReminderScheduleForm(
        days_before=", ".join(str(d) for d in schedule.steps) if schedule else "",
        returned_after=schedule.returned_after_days if schedule else None,
    )
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
        can_publish=authz.can_publish_draft(current_user, questionnaire.action),
        deadline_form=deadline_form,
        schedule=schedule,
        schedule_form=schedule_form,
        button_form=EmptyForm(),
        deadline=deadline_service.deadline_for(questionnaire),
        is_open=deadline_service.is_open(questionnaire),
        extensions=deadline_service.extensions(db.session, questionnaire),
        extension_form=extension_form(questionnaire) if questionnaire.deadline else None,
    )


@bp.route("/<int:number>/v<int:version_number>.yaml")
@allowed(authz.can_read_questionnaires)
def download(number: int, version_number: int):
    """A version (or the draft) as a definition file: edit it and upload it as the next
    draft (export then import is a round trip)."""
    version = get_version_or_404(number, version_number, current_user)
    filename = f"{version.questionnaire.code}_v{version.number}.yaml"
    return Response(
        service.export_yaml(version),
        mimetype="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/<int:number>/v<int:version_number>.xlsx")
@allowed(authz.can_read_questionnaires)
def download_xlsform(number: int, version_number: int):
    """A version (or the draft) as an XLSForm workbook, for ODK, KoboToolbox or a
    spreadsheet; upload it back as the next draft."""
    version = get_version_or_404(number, version_number, current_user)
    content, _report = to_xlsform(version.definition)
    filename = f"{version.questionnaire.code}_v{version.number}.xlsx"
    return Response(
        content,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/<int:number>/diff")
@allowed(authz.can_read_questionnaires)
def diff(number: int):
    """What one version changes against another (default: the draft against the
    published version), with old and new texts; ``?from=1&to=3`` picks the versions."""
    questionnaire = get_questionnaire_or_404(number, current_user)
    try:
        old, new = service.pair_to_compare(
            db.session,
            questionnaire,
            request.args.get("from", type=int),
            request.args.get("to", type=int),
        )
    except service.QuestionnaireError:
        abort(404)
    result = service.diff_definitions(old.definition, new.definition)
    if request.args.get("format") == "text":
        lines = [f"Action {number}: v{new.number} against v{old.number}", *result.lines()]
        return Response("\n".join(lines) + "\n", mimetype="text/plain")
    return render_template(
        "questionnaires/diff.html",
        action=questionnaire.action,
        versions=questionnaire.versions,
        old=old,
        new=new,
        diff=result,
        change_field=change_field,
        change_value=change_value,
        entry_title=entry_title,
    )


@bp.route("/upload", methods=["GET", "POST"])
@allowed(authz.can_manage_questionnaires)
def upload():
    form = UploadForm()
    errors: list[str] = []
    notes: list[str] = []
    if form.validate_on_submit():
        filename = clean_text(Path(form.file.data.filename or "").name)[:200] or "definition.yaml"
        result = None
        if filename.lower().endswith(".xlsx"):
            result, report = validate_xlsform(form.file.data.read(), filename)
            errors = [str(error) for error in result.errors]
            notes = report.notes
        else:
            try:
                text = form.file.data.read().decode("utf-8")
            except UnicodeDecodeError:
                errors = [
                    f"{filename}: the file is not UTF-8 text: save it as UTF-8 and upload it again"
                ]
            else:
                result = validate_text(text, filename)
                errors = [str(error) for error in result.errors]
        if result is not None:
            if result.ok:
                try:
                    outcome = service.import_definition(db.session, result, user=current_user)
                except service.QuestionnaireError as error:
                    db.session.rollback()
                    errors = [f"{filename}: {error}"]
                else:
                    number = outcome.version.questionnaire.action.number
                    for note in notes:
                        flash(_("Not imported from the workbook: %(note)s", note=note), "warning")
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
                        notes=notes,
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
    return render_template(
        "questionnaires/upload.html", form=form, errors=errors, notes=notes
    ), status


@bp.route("/<int:number>/v<int:version_number>/preview")
@allowed(authz.can_read_questionnaires)
def preview(number: int, version_number: int):
    version = get_version_or_404(number, version_number, current_user)
    if version.problems:
        return _to_builder(number)
    return render_template(
        "questionnaires/preview.html",
        version=version,
        questionnaire=version.questionnaire,
        definition=definition_of(version),
        describe_condition=describe_condition,
        word=word,
    )


@bp.route("/<int:number>/publish", methods=["GET", "POST"])
@allowed(authz.can_publish_questionnaires)
def publish(number: int):
    """The publish page: the draft's changes, what happens to the responses (pinned, or
    moved with the answers that cannot be kept), and the confirmation. Admins, and leaders
    an admin has let publish, on the actions they lead."""
    questionnaire = get_publishable_questionnaire_or_404(number, current_user)
    form = PublishForm()
    if request.method == "GET":
        try:
            plan = publishing.plan(db.session, questionnaire)
        except service.QuestionnaireError as error:
            flash(_("Nothing to publish: %(why)s.", why=error), "info")
            return redirect(_manage_url(number))
        return render_template(
            "questionnaires/publish.html",
            action=questionnaire.action,
            plan=plan,
            diff=plan.diff,
            form=form,
            change_field=change_field,
            change_value=change_value,
            entry_title=entry_title,
            reasons=DROP_REASONS,
        )
    if not form.validate_on_submit():
        flash(_("Not published: tick the box to confirm you want to publish the draft."), "error")
        return redirect(url_for("questionnaires.publish", number=number))
    try:
        outcome = publishing.publish(db.session, questionnaire, user=current_user)
    except service.QuestionnaireError as error:
        db.session.rollback()
        flash(_("Not published: %(why)s.", why=error), "error")
        return redirect(_manage_url(number))
    audit.record(
        db.session,
        "questionnaire.published",
        user=current_user,
        obj=outcome.draft,
        ip=_ip(),
        action=number,
        **publishing.audit_details(outcome),
    )
    db.session.commit()
    flash(
        _("Version %(n)s is published: respondents answer it from now on.", n=outcome.draft.number),
        "success",
    )
    if outcome.moves:
        flash(
            ngettext(
                "%(num)s response being filled in moved to the new version; its respondents will be told what changed.",
                "%(num)s responses being filled in moved to the new version; their respondents will be told what changed.",
                len(outcome.moves),
            ),
            "info",
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
        changed = False
        if opening and deadline_service.closed_automatically(questionnaire, utcnow()):
            # Opened by hand after closing itself: automatic closing is turned off.
            changed = deadline_service.set_rules(
                db.session,
                questionnaire,
                time_zone=questionnaire.time_zone,
                close_at_deadline=False,
                user=current_user,
                ip=_ip(),
            )
        if service.set_open(db.session, questionnaire, opening, user=current_user, ip=_ip()):
            changed = True
        if changed:
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
    changed = service.set_deadline(
        db.session, questionnaire, form.deadline.data, user=current_user, ip=_ip()
    )
    if deadline_service.set_rules(
        db.session,
        questionnaire,
        time_zone=form.time_zone.data or questionnaire.time_zone,
        close_at_deadline=bool(form.close_at_deadline.data),
        user=current_user,
        ip=_ip(),
    ):
        changed = True
    if changed:
        db.session.commit()
    if form.deadline.data:
        flash(
            _("Deadline set to %(day)s.", day=format_day(form.deadline.data))
            + " "
            + _(
                "Answers are taken until the end of that day, %(zone)s time.",
                zone=questionnaire.time_zone,
            ),
            "success",
        )
        if deadline_service.deadline_for(questionnaire).passed:
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
    return redirect(_manage_url(number, "reminders"))


@bp.route("/<int:number>/reminder-schedule", methods=["POST"])
@allowed(authz.can_manage_questionnaires)
def reminder_schedule(number: int):
    questionnaire = get_questionnaire_or_404(number, current_user)
    form = ReminderScheduleForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(_("The schedule was not changed: %(why)s", why=error), "error")
        return redirect(_manage_url(number, "reminders"))
    try:
        days = schedule_service.parse_days(form.days_before.data or "")
        changed = schedule_service.set_schedule(
            db.session, questionnaire, days, form.returned_after.data, user=current_user, ip=_ip()
        )
    except schedule_service.ScheduleError as error:
        db.session.rollback()
        flash(_("The schedule was not changed: %(why)s.", why=error), "error")
        return redirect(_manage_url(number, "reminders"))
    db.session.commit()
    if changed:
        flash(_("The reminder schedule is saved."), "success")
    return redirect(_manage_url(number, "reminders"))
