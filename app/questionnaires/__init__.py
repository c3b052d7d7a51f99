from flask import Blueprint

bp = Blueprint("questionnaires", __name__)

from . import builder, deadlines, routes  # noqa: E402,F401
