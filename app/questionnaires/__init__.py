from flask import Blueprint

bp = Blueprint("questionnaires", __name__)

from . import builder, routes  # noqa: E402,F401
