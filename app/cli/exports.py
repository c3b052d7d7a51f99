"""``flask --app wsgi export responses``: the exports of the web page, from the shell."""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from datetime import date
from typing import IO

import click
from sqlalchemy import select

from ..extensions import db
from ..models import Action, OrgKind
from ..services import audit, exports
from .base import DAY, Group, fail


@click.group("export", cls=Group)
def export_group() -> None:
    """Export responses (CSV, XLSX, codebook)."""


@export_group.command("responses")
@click.option("--action", "number", required=True, type=int, help="Action number (1 to 11).")
@click.option(
    "--layout",
    type=click.Choice([layout.value for layout in exports.Layout]),
    default="wide",
    show_default=True,
    help="wide: a row per response; long: a row per answer; codebook: the questions.",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice([f.value for f in exports.Format]),
    default="csv",
    show_default=True,
    help="xlsx: the workbook (wide table, codebook, about); needs --output.",
)
@click.option("--labels", is_flag=True, help="Answers as labels instead of codes.")
@click.option("--lang", type=click.Choice(exports.LANGUAGES), default="en", show_default=True)
@click.option("--delimiter", type=click.Choice(exports.DELIMITERS), default=",", show_default=True)
@click.option("--no-bom", is_flag=True, help="UTF-8 without the byte order mark Excel likes.")
@click.option("--indicators", is_flag=True, help="A 0/1 column per multiple-choice option.")
@click.option(
    "--state",
    type=click.Choice([s.value for s in exports.StateFilter]),
    default="accepted",
    show_default=True,
    help="accepted; submitted (awaiting review or accepted); all (every state but draft).",
)
@click.option(
    "--from",
    "submitted_from",
    type=DAY,
    help="Submitted on or after (UTC).",
)
@click.option("--to", "submitted_to", type=DAY, help="Submitted on or before (UTC).")
@click.option(
    "--kind",
    "org_kind",
    type=click.Choice([k.value for k in OrgKind]),
    help="Kind of organisation.",
)
@click.option("--country", help="Country of the organisation (ISO alpha-2, e.g. DE).")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=True), help="File (default: stdout)."
)
def export_responses(
    number: int,
    layout: str,
    file_format: str,
    labels: bool,
    lang: str,
    delimiter: str,
    no_bom: bool,
    indicators: bool,
    state: str,
    submitted_from: date | None,
    submitted_to: date | None,
    org_kind: str | None,
    country: str | None,
    output: str | None,
) -> None:
    """Write the responses to ACTION's questionnaire (stdout unless --output)."""
    action = db.session.scalar(select(Action).where(Action.number == number))
    if action is None:
        fail(f"No action number {number}: actions are 1 to 11 (run `flask --app wsgi seed`).")
    if file_format == "xlsx" and not output:
        fail("An XLSX workbook is binary: give a file with --output FILE.xlsx.")
    if country is not None and not (len(country.strip()) == 2 and country.strip().isalpha()):
        fail(f"--country {country!r} is not an ISO 3166-1 alpha-2 code such as DE or IT.")
    try:
        options = exports.ExportOptions(
            layout=exports.Layout(layout),
            format=exports.Format(file_format),
            labels=labels,
            lang=lang,
            delimiter=delimiter,
            bom=not no_bom,
            indicators=indicators,
            filters=exports.Filters(
                state=exports.StateFilter(state),
                submitted_from=submitted_from,
                submitted_to=submitted_to,
                org_kind=org_kind,
                country=country,
            ),
        )
    except exports.ExportOptionError as error:
        fail(str(error))
    catalogue = exports.prepare(db.session, action)
    if catalogue is None:
        fail(f"Action {number} has no questionnaire yet: import and publish its definition first.")
    label = exports.action_label(action)
    audit.record(
        db.session,
        "export.downloaded",
        actor="cli",
        obj=action,
        filename=output or "-",
        **options.describe(),
    )
    db.session.commit()
    engine = db.engine
    show_progress = output is not None and layout != "codebook" and sys.stderr.isatty()
    total = (
        exports.count(engine, catalogue.questionnaire_id, options.filters) if show_progress else 0
    )
    try:
        with ExitStack() as stack:
            progress = None
            if show_progress:
                bar = stack.enter_context(
                    click.progressbar(length=total, label="Exporting responses", file=sys.stderr)
                )
                progress = bar.update
            if file_format == "xlsx" and output is not None:
                rows = exports.write_xlsx(
                    engine,
                    catalogue,
                    options,
                    output,
                    action=label,
                    exported_by="cli",
                    progress=progress,
                )
            else:
                handle: IO[bytes] = (
                    stack.enter_context(open(output, "wb"))  # noqa: SIM115 - closed by the stack
                    if output
                    else sys.stdout.buffer
                )
                for chunk in exports.csv_stream(engine, catalogue, options, progress=progress):
                    handle.write(chunk)
                handle.flush()
                rows = None
    except BrokenPipeError:  # e.g. piped into `head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    except OSError as error:
        fail(f"Cannot write {output or 'to standard output'}: {error.strerror or error}.")
    if output:
        done = f"{rows} responses" if rows is not None else options.layout.value
        click.echo(f"Wrote {done} of action {number} to {output}.", err=True)


__all__ = ["export_group"]
