"""An organisation's own benchmark: its theme scores on an accepted response beside the
Partnership's and comparable organisations' figures (issue 18)."""

from flask import Blueprint

bp = Blueprint("benchmark", __name__)

from . import routes  # noqa: E402,F401
