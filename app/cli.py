"""Command-line interface: click groups named by noun, thin wrappers over services."""

from __future__ import annotations

import json
import secrets
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

import click
from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from .definitions.schema import schema_json
from .definitions.validate import validate_file
from .extensions import db
from .models import (
    Action,
    Organisation,
    OrgKind,
    Questionnaire,
    ResponseState,
    Role,
    SizeBand,
    User,
    utcnow,
)
from .services import accounts, aggregation, audit, demo, results_export, tokens, users
from .services import questionnaires as questionnaire_service
from .services.framework import seed_framework


class CommandError(click.ClickException):
    """Printed as one line ("Error: ..."), exit code 2; never a traceback."""

    exit_code = 2


def fail(message: str) -> NoReturn:
    raise CommandError(message)


class Command(click.Command):
    """Bad arguments and an unmigrated database give one line of error, not a traceback."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as error:
            raise CommandError(error.format_message()) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OperationalError as error:
            db.session.rollback()
            if "no such table" in str(error.orig) or "does not exist" in str(error.orig):
                fail("The database is not set up: run `flask --app wsgi db upgrade` first.")
            fail(f"The database is unavailable: {error.orig}")


class Group(click.Group):
    command_class = Command
    group_class = type


def register_cli(app: Flask) -> None:
    from .admin.cli import organisations_group

    app.cli.add_command(seed_command)
    app.cli.add_command(users_group)
    app.cli.add_command(demo_group)
    app.cli.add_command(questionnaires_group)
    from flask_migrate.cli import db as db_group

    if "backup" not in db_group.commands:
        db_group.add_command(db_backup)
        db_group.add_command(db_restore)
    app.cli.add_command(gdpr_group)
    app.cli.add_command(organisations_group)

    from .exports.cli import export_group

    app.cli.add_command(export_group)
    app.cli.add_command(results_group)


@click.command("seed", cls=Command)
def seed_command() -> None:
    """Load the framework (themes, perspectives, pillars, actions); safe to run again."""
    report = seed_framework(db.session)
    db.session.commit()
    if report.changed:
        click.echo(
            f"Framework: {len(report.created)} created, {len(report.updated)} updated "
            f"({', '.join((report.created + report.updated)[:6])}"
            f"{', ...' if len(report.created + report.updated) > 6 else ''})."
        )
    else:
        click.echo("Framework: up to date.")
    from .services import seeding

    for line in seeding.run_extra_seeds(db.session):
        click.echo(line)
    db.session.commit()


@click.group("users", cls=Group)
def users_group() -> None:
    """Manage accounts."""


@users_group.command("create")
@click.argument("email")
@click.option(
    "--role", required=True, type=click.Choice([r.value for r in Role]), help="The account's role."
)
@click.option("--org", "org_name", help="Organisation name (respondents).")
@click.option("--action", "action_numbers", multiple=True, type=int, help="Action number (repeat).")
@click.option("--name", "display_name", help="Display name (default: from the e-mail).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_create(
    email: str,
    role: str,
    org_name: str | None,
    action_numbers: tuple[int, ...],
    display_name: str | None,
    password_stdin: bool,
) -> None:
    """Create an account (prompts for the password unless --password-stdin)."""
    organisation = None
    if org_name:
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == org_name))
        if organisation is None:
            fail(f"No organisation named {org_name!r}; see `flask --app wsgi users list`.")
    actions = []
    for number in action_numbers:
        action = db.session.scalar(select(Action).where(Action.number == number))
        if action is None:
            fail(f"No action number {number}: actions are 1 to 11 (run `flask --app wsgi seed`).")
        actions.append(action)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = users.create_user(
            db.session,
            email,
            role=role,
            display_name=display_name,
            password=password,
            organisation=organisation,
            actions=actions,
        )
    except users.UserError as error:
        db.session.rollback()
        fail(str(error))
    audit.record(db.session, "user.created", actor="cli", obj=user, role=role)
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}.")


@users_group.command("list")
def users_list() -> None:
    """List accounts: e-mail, role, organisation, actions, active."""
    rows = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    if not rows:
        click.echo("No accounts yet.")
        return
    for user in rows:
        actions = ",".join(str(n) for n in sorted(user.led_action_numbers)) or "-"
        org = user.organisation.name if user.organisation else "-"
        state = "active" if user.active else "inactive"
        click.echo(f"{user.email:<40} {user.role:<12} {org:<30} {actions:<10} {state}")


@users_group.command("deactivate")
@click.argument("email")
def users_deactivate(email: str) -> None:
    """Deactivate an account and end its sessions."""
    user = users.get_by_email(db.session, email)
    if user is None:
        fail(f"No account for {email}.")
    users.deactivate(user)
    tokens.revoke_all(db.session, user)  # pending invitation or reset links stop working
    audit.record(db.session, "user.deactivated", actor="cli", obj=user)
    db.session.commit()
    click.echo(f"Deactivated {user.email}.")


@click.group("demo", cls=Group)
def demo_group() -> None:
    """Demo data for trying the platform out."""


DEMO_ORGS = [
    ("City of Leipzig", OrgKind.CITY, "DE", SizeBand.LARGE, [1, 2, 4, 6, 8, 11]),
    ("Comune di Mantova", OrgKind.CITY, "IT", SizeBand.SMALL, [1, 3, 5, 7, 9, 10]),
    ("Ville de Lille", OrgKind.CITY, "FR", SizeBand.LARGE, [2, 4, 6, 9, 11]),
]


@demo_group.command("accounts")
def demo_accounts() -> None:
    """Create demo organisations and one account per role, when no account exists yet.

    The passwords are random and printed once.
    """
    if db.session.scalar(select(func.count(User.id))):
        click.echo("Accounts exist already; no demo accounts created.")
        return
    actions = {a.number: a for a in db.session.scalars(select(Action))}
    if len(actions) < 11:
        fail("The framework is not loaded: run `flask --app wsgi seed` first.")
    orgs = []
    for name, kind, country, size, numbers in DEMO_ORGS:
        org = db.session.scalar(select(Organisation).where(Organisation.name == name))
        if org is None:
            org = Organisation(name=name, kind=kind, country=country, size_band=size)
            org.actions = [actions[n] for n in numbers]
            db.session.add(org)
        orgs.append(org)
    db.session.flush()
    specs = [
        ("admin@example.org", "Ada Admin", Role.ADMIN, None, []),
        ("coordinator@example.org", "Cora Coordinator", Role.COORDINATOR, None, []),
        ("leader@example.org", "Leo Leader (actions 1, 2)", Role.LEADER, None, [1, 2]),
        ("respondent@example.org", "Rita Respondent (Leipzig)", Role.RESPONDENT, orgs[0], []),
        ("colleague@example.org", "Carl Colleague (Leipzig)", Role.RESPONDENT, orgs[0], []),
        ("mantova@example.org", "Marta Mantova", Role.RESPONDENT, orgs[1], []),
    ]
    lines = []
    for email, name, role, org, numbers in specs:
        password = secrets.token_urlsafe(9)
        users.create_user(
            db.session,
            email,
            role=role,
            display_name=name,
            password=password,
            organisation=org,
            actions=[actions[n] for n in numbers],
        )
        lines.append(f"  {role.value:<12} {email:<26} {password}")
    audit.record(db.session, "demo.accounts", actor="cli", count=len(specs))
    db.session.commit()
    click.echo("")
    click.echo("Demo accounts (these passwords are shown only this once):")
    for line in lines:
        click.echo(line)
    click.echo("")


@demo_group.command("responses")
@click.option(
    "--count", type=click.IntRange(1, 1_000_000), required=True, help="How many responses."
)
@click.option("--seed", type=int, help="Random seed, for the same data again.")
@click.option(
    "--state",
    type=click.Choice([s.value for s in ResponseState]),
    help="Put every response in this state (default: a realistic mix, most accepted).",
)
def demo_responses(count: int, seed: int | None, state: str | None) -> None:
    """Make COUNT varied, plausible responses to the published questionnaires, from
    generated organisations across the 27 EU Member States (valid answers, conditions
    respected, review history recorded)."""
    started = time.perf_counter()
    done = 0
    try:
        with click.progressbar(length=count, label="Making responses") as bar:
            for made in demo.generate_responses(db.session, count, seed=seed, state=state):
                db.session.commit()
                bar.update(made - done)
                done = made
    except demo.DemoError as error:
        db.session.rollback()
        fail(str(error))
    elapsed = time.perf_counter() - started
    audit.record(
        db.session, "demo.responses", actor="cli", count=count, seed=seed, state=state or "mix"
    )
    db.session.commit()
    click.echo(f"Made {done} responses in {elapsed:.1f} s ({done / max(elapsed, 1e-9):.0f}/s).")


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
        if result.ok:
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
                    f"action {result.definition['action']}: version {version.number} published"
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


@click.command("backup", cls=Command)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def db_backup(path: Path) -> None:
    """Back up the SQLite database to PATH while the app runs (PostgreSQL: use pg_dump)."""
    from .services.backup import BackupError, backup_sqlite

    with click.progressbar(length=100, label="Backing up", file=sys.stderr) as bar:
        done = [0]

        def progress(copied: int, total: int) -> None:
            percent = int(copied * 100 / total) if total else 100
            bar.update(percent - done[0])
            done[0] = percent

        try:
            pages = backup_sqlite(db.engine, path, progress)
        except BackupError as error:
            fail(str(error))
    click.echo(f"Backed up {pages} pages to {path}.")


@click.command("restore", cls=Command)
@click.argument("path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def db_restore(path: Path, yes: bool) -> None:
    """Replace the SQLite database's content with the backup at PATH."""
    from .services.backup import BackupError, restore_sqlite

    if not yes:
        click.confirm(f"Replace everything in {db.engine.url.database} with {path}?", abort=True)
    try:
        restore_sqlite(db.engine, path)
    except BackupError as error:
        fail(str(error))
    click.echo(f"Restored the database from {path}.")


@click.group("gdpr", cls=Group)
def gdpr_group() -> None:
    """Personal data: export, erasure, retention purge."""


def _account(email: str) -> User:
    user = users.get_by_email(db.session, email)
    if user is None:
        fail(f"No account for {email}; see `flask --app wsgi users list`.")
    return user


@gdpr_group.command("export")
@click.argument("email")
def gdpr_export(email: str) -> None:
    """Print everything held about one person, as JSON."""
    user = _account(email)
    data = accounts.personal_data(db.session, user)
    audit.record(db.session, "personal_data.exported", actor="cli", obj=user)
    db.session.commit()
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@gdpr_group.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def gdpr_erase(email: str, yes: bool) -> None:
    """Erase one person's data (their organisation's answers stay)."""
    user = _account(email)
    if not yes:
        click.confirm(
            f"Erase the personal data of {user.email} ({user.display_name})? This cannot be undone",
            abort=True,
        )
    try:
        accounts.erase_user(db.session, user, None, actor="cli")
    except users.UserError as error:
        db.session.rollback()
        fail(str(error))
    db.session.commit()
    click.echo(f"Erased the personal data of {email} (account #{user.id}).")


@gdpr_group.command("purge")
@click.option(
    "--months",
    type=click.IntRange(min=1),
    help="Age of submitted responses to pseudonymise (default: RETENTION_MONTHS).",
)
@click.option("--dry-run", is_flag=True, help="Report what would change; change nothing.")
def gdpr_purge(months: int | None, dry_run: bool) -> None:
    """Pseudonymise old submitted responses and erase people inactive since."""
    months = months or current_app.config["RETENTION_MONTHS"]
    report = accounts.purge_retention(db.session, months, utcnow(), dry_run, actor="cli")
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "would be" if dry_run else "were"
    click.echo(
        f"Responses submitted before {report.cutoff:%Y-%m-%d} ({months} months ago), "
        "submitted, accepted or rejected:"
    )
    click.echo(
        f"  {len(report.responses)} {verb} pseudonymised "
        f"({report.links} links to people removed)"
        + (f": {', '.join(report.responses[:10])}" if report.responses else "")
        + (", ..." if len(report.responses) > 10 else "")
    )
    click.echo(f"  {len(report.users)} accounts with no activity since {verb} erased")
    for user_id, email in report.users:
        click.echo(f"    #{user_id} {email}")
    for line in report.skipped:
        click.echo(f"  not erased: {line}")
    if dry_run:
        click.echo("Dry run: nothing was changed.")


@click.group("results", cls=Group)
def results_group() -> None:
    """The aggregated results: the five recommendation themes."""


def _day(value: datetime | None) -> Any:
    return value.date() if value else None


@results_group.command("themes")
@click.option(
    "--by",
    "by",
    multiple=True,
    type=click.Choice([*aggregation.DIMENSIONS, "all"]),
    help="Break each theme down by this dimension (repeat, or 'all').",
)
@click.option(
    "--state",
    type=click.Choice(["accepted", "submitted"]),
    default="accepted",
    show_default=True,
    help="accepted: accepted responses only; submitted: accepted and submitted ones.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.option("--action", "actions", multiple=True, type=click.IntRange(1, 11))
@click.option("--kind", "kinds", multiple=True, type=click.Choice([k.value for k in OrgKind]))
@click.option("--country", "countries", multiple=True, help="ISO code, e.g. DE (repeat).")
@click.option(
    "--size",
    "sizes",
    multiple=True,
    type=click.Choice([*[s.value for s in SizeBand], aggregation.NO_SIZE]),
)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Submitted on or after.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Submitted on or before.")
def results_themes(
    by: tuple[str, ...],
    state: str,
    fmt: str,
    actions: tuple[int, ...],
    kinds: tuple[str, ...],
    countries: tuple[str, ...],
    sizes: tuple[str, ...],
    since: datetime | None,
    until: datetime | None,
) -> None:
    """The five themes' scores (0-100), n, standard deviation and 95% interval."""
    filters = aggregation.Filters(
        include_submitted=state == "submitted",
        actions=actions,
        kinds=kinds,
        countries=tuple(c.strip().upper() for c in countries),
        sizes=sizes,
        submitted_from=_day(since),
        submitted_to=_day(until),
    )
    dimensions = aggregation.DIMENSIONS if "all" in by else tuple(dict.fromkeys(by))
    session = db.session
    session.connection(execution_options={"sqlite_deferred": True})  # read only
    scores = aggregation.theme_scores(session, filters)
    breakdowns = [aggregation.breakdown(session, filters, d) for d in dimensions]
    db.session.rollback()
    if fmt == "json":
        click.echo(
            json.dumps(
                results_export.figures_json(scores, breakdowns), indent=2, ensure_ascii=False
            )
        )
    elif fmt == "csv":
        click.echo(results_export.to_csv(results_export.figure_rows(scores, breakdowns)), nl=False)
    else:
        click.echo(results_export.figures_table(scores, breakdowns))
