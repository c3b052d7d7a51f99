"""`flask questionnaires ...`: definition files and versions."""

from __future__ import annotations

import sys
from datetime import date

import click
from sqlalchemy import select

from ..definitions.schema import schema_json
from ..definitions.validate import validate_file
from ..extensions import db
from ..models import (
    Action,
    Questionnaire,
)
from ..services import audit
from ..services.questionnaires import versions as questionnaire_service
from .base import Group, fail


@click.group("questionnaires", cls=Group)
def questionnaires_group() -> None:
    """Validate, import, publish, export and compare questionnaire definitions."""


def _action_questionnaire(number: int) -> Questionnaire:
    questionnaire = questionnaire_service.questionnaire_for_action(db.session, number)
    if questionnaire is None:
        fail(f"Action {number} has no questionnaire yet: import its definition file first.")
    return questionnaire


@questionnaires_group.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
def questionnaires_validate(paths: tuple[str, ...]) -> None:
    """Check definition files; lists every error (exit 1 when any)."""
    failed = 0
    for path in paths:
        result = validate_file(path)
        if result.ok and result.definition is not None:
            questions = sum(len(s["questions"]) for s in result.definition["sections"])
            click.echo(
                f"{path}: OK ({len(result.definition['sections'])} sections, {questions} questions)"
            )
        else:
            failed += 1
            for error in result.errors:
                click.echo(str(error), err=True)
    if failed:
        click.echo(f"{failed} of {len(paths)} file(s) have errors.", err=True)
        sys.exit(1)


@questionnaires_group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--publish", "publish_now", is_flag=True, help="Publish each imported draft at once.")
def questionnaires_import(paths: tuple[str, ...], publish_now: bool) -> None:
    """Import definition files as drafts (all or nothing)."""
    results = [validate_file(path) for path in paths]
    errors = [error for result in results for error in result.errors]
    if errors:
        for error in errors:
            click.echo(str(error), err=True)
        click.echo("Nothing imported: fix the errors above first.", err=True)
        sys.exit(1)
    try:
        for result in results:
            outcome = questionnaire_service.import_definition(db.session, result)
            click.echo(outcome.message)
            audit.record(
                db.session,
                "questionnaire.imported",
                actor="cli",
                obj=outcome.version,
                status=outcome.status,
            )
            if publish_now and outcome.status != "unchanged":
                version = questionnaire_service.publish(db.session, outcome.version.questionnaire)
                audit.record(
                    db.session,
                    "questionnaire.published",
                    actor="cli",
                    obj=version,
                    number=version.number,
                )
                click.echo(
                    f"action {version.questionnaire.action.number}: "
                    f"version {version.number} published"
                )
    except questionnaire_service.QuestionnaireError as error:
        db.session.rollback()
        fail(str(error))
    db.session.commit()


@questionnaires_group.command("publish")
@click.argument("action", type=int)
def questionnaires_publish(action: int) -> None:
    """Publish the draft of ACTION's questionnaire."""
    questionnaire = _action_questionnaire(action)
    try:
        version = questionnaire_service.publish(db.session, questionnaire)
    except questionnaire_service.QuestionnaireError as error:
        db.session.rollback()
        fail(str(error))
    audit.record(
        db.session, "questionnaire.published", actor="cli", obj=version, number=version.number
    )
    db.session.commit()
    click.echo(f"Action {action}: version {version.number} published.")


@questionnaires_group.command("export")
@click.argument("action", type=int)
@click.option(
    "--version", "number", type=int, help="Version number (default: published, else draft)."
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=True), help="File (default: stdout)."
)
def questionnaires_export(action: int, number: int | None, output: str | None) -> None:
    """Write a version back as a definition file."""
    questionnaire = _action_questionnaire(action)
    if number is None:
        version = questionnaire_service.published_version(
            db.session, questionnaire
        ) or questionnaire_service.draft_version(db.session, questionnaire)
    else:
        version = next((v for v in questionnaire.versions if v.number == number), None)
    if version is None:
        numbers = ", ".join(str(v.number) for v in questionnaire.versions) or "none"
        fail(f"Action {action} has no version {number}; versions: {numbers}.")
    text = questionnaire_service.export_yaml(version)
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"Wrote version {version.number} of action {action} to {output}.")
    else:
        click.echo(text, nl=False)


@questionnaires_group.command("list")
def questionnaires_list() -> None:
    """The questionnaires with their versions."""
    rows = db.session.scalars(
        select(Questionnaire).join(Questionnaire.action).order_by(Action.number)
    ).all()
    if not rows:
        click.echo("No questionnaires yet: run `flask --app wsgi seed`.")
        return
    for questionnaire in rows:
        versions = ", ".join(f"v{v.number} {v.status.value}" for v in questionnaire.versions)
        state = "open" if questionnaire.is_open else "closed"
        click.echo(
            f"{questionnaire.action.number:>2}  {questionnaire.code:<32} {state:<7} {versions}"
        )


@questionnaires_group.command("diff")
@click.argument("action", type=int)
def questionnaires_diff(action: int) -> None:
    """What the draft changes against the published version."""
    questionnaire = _action_questionnaire(action)
    draft = questionnaire_service.draft_version(db.session, questionnaire)
    published = questionnaire_service.published_version(db.session, questionnaire)
    if draft is None:
        fail(f"Action {action} has no draft: import an edited definition file first.")
    if published is None:
        click.echo(
            f"Action {action} has no published version: the whole draft (v{draft.number}) is new."
        )
        return
    diff = questionnaire_service.diff_definitions(published.definition, draft.definition)
    click.echo(f"Draft v{draft.number} against published v{published.number}:")
    for line in diff.lines() or ["no changes"]:
        click.echo(f"  {line}")


@questionnaires_group.command("open")
@click.argument("action", type=int)
def questionnaires_open(action: int) -> None:
    """Open ACTION's questionnaire: respondents can answer and submit."""
    questionnaire = _action_questionnaire(action)
    changed = questionnaire_service.set_open(db.session, questionnaire, True, actor="cli")
    db.session.commit()
    click.echo(f"Action {action}: questionnaire {'opened' if changed else 'was already open'}.")


@questionnaires_group.command("close")
@click.argument("action", type=int)
def questionnaires_close(action: int) -> None:
    """Close ACTION's questionnaire: respondents can read but not change their answers."""
    questionnaire = _action_questionnaire(action)
    changed = questionnaire_service.set_open(db.session, questionnaire, False, actor="cli")
    db.session.commit()
    click.echo(f"Action {action}: questionnaire {'closed' if changed else 'was already closed'}.")


@questionnaires_group.command("deadline")
@click.argument("action", type=int)
@click.argument("day", metavar="YYYY-MM-DD|none")
def questionnaires_deadline(action: int, day: str) -> None:
    """Set the deadline of ACTION's questionnaire, or remove it with "none"."""
    if day.strip().lower() == "none":
        deadline = None
    else:
        try:
            deadline = date.fromisoformat(day.strip())
        except ValueError:
            fail(f"{day!r} is not a date: give it as YYYY-MM-DD (e.g. 2026-12-31), or 'none'.")
    questionnaire = _action_questionnaire(action)
    questionnaire_service.set_deadline(db.session, questionnaire, deadline, actor="cli")
    db.session.commit()
    if deadline is None:
        click.echo(f"Action {action}: no deadline.")
    else:
        click.echo(f"Action {action}: deadline {deadline.isoformat()}.")


@questionnaires_group.command("schema")
def questionnaires_schema() -> None:
    """Print the JSON Schema of definition files."""
    click.echo(schema_json())
