"""Published results (issue 18): the latest snapshot's pages, open to anyone without
login, and the admin's page to publish a new snapshot."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from . import routes  # noqa: E402,F401
