"""Exports of an action's responses (CSV, XLSX, codebook) for leaders, admins and
coordinators."""

from flask import Blueprint

bp = Blueprint("exports", __name__)

from . import routes  # noqa: E402, F401
