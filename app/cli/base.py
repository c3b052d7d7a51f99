"""What the command groups share: one-line errors with exit code 2 (never a traceback),
a day typed YYYY-MM-DD, and the group class every command group uses."""

from __future__ import annotations

from datetime import date
from typing import Any, NoReturn

import click
from sqlalchemy.exc import OperationalError

from ..days import parse_day
from ..extensions import db


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


class Day(click.ParamType):
    """A day written YYYY-MM-DD (0001-01-01 to 9999-12-31), as a ``date``."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, date):
            return value
        try:
            return parse_day(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date written YYYY-MM-DD, e.g. 2026-11-27.", param, ctx)


DAY = Day()


class Group(click.Group):
    command_class = Command
    group_class = type
