from flask import Blueprint

bp = Blueprint("account", __name__)

from . import routes, sessions  # noqa: E402,F401
