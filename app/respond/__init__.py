"""The respondent's pages: "My questionnaires", filling in, saving, reviewing, submitting."""

from flask import Blueprint

bp = Blueprint("respond", __name__)

from . import filters, routes  # noqa: E402,F401
