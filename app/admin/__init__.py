from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import audit, imports, invite_import, mail, people, routes  # noqa: E402,F401
