"""`flask users ...`: accounts."""

from __future__ import annotations

import sys

import click
from sqlalchemy import select

from ..extensions import db
from ..models import (
    Action,
    Organisation,
    Role,
    User,
)
from ..services import audit
from ..services.people import accounts
from .base import Group, fail


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
        user = accounts.create_user(
            db.session,
            email,
            role=role,
            display_name=display_name,
            password=password,
            organisation=organisation,
            actions=actions,
        )
    except accounts.UserError as error:
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


@users_group.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_set_password(email: str, password_stdin: bool) -> None:
    """Set an account's password (prompts unless --password-stdin), for example a demo
    account's forgotten one. The account's sessions and reset links end; audited."""
    user = accounts.get_by_email(db.session, email)
    if user is None:
        fail(f"No account for {email}; see `flask --app wsgi users list`.")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        accounts.set_password(db.session, user, password)
    except accounts.UserError as error:
        db.session.rollback()
        fail(str(error))
    audit.record(db.session, "password.set", actor="cli", obj=user)
    db.session.commit()
    click.echo(f"Set a new password for {user.email}; its sessions have ended.")


@users_group.command("deactivate")
@click.argument("email")
def users_deactivate(email: str) -> None:
    """Deactivate an account: its sessions, links and API tokens end."""
    user = accounts.get_by_email(db.session, email)
    if user is None:
        fail(f"No account for {email}.")
    accounts.deactivate(db.session, user)  # sessions, links and API tokens end
    audit.record(db.session, "user.deactivated", actor="cli", obj=user)
    db.session.commit()
    click.echo(f"Deactivated {user.email}.")
