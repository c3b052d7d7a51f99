"""Administration: users and organisations (read-only lists for now)."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..authz import role_required
from ..extensions import db
from ..models import Organisation, Role, User
from . import bp


@bp.route("/users")
@role_required(Role.ADMIN, Role.COORDINATOR)
def users():
    rows = db.session.scalars(
        select(User)
        .options(selectinload(User.led_actions), selectinload(User.organisation))
        .order_by(User.role, User.email)
    ).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/organisations")
@role_required(Role.ADMIN, Role.COORDINATOR)
def organisations():
    rows = db.session.scalars(
        select(Organisation).options(selectinload(Organisation.actions)).order_by(Organisation.name)
    ).all()
    return render_template("admin/organisations.html", organisations=rows)
