"""The read-only JSON API under /api/v1 (blueprint ``api``, personal tokens, no cookies)
and the page where people manage their tokens (blueprint ``api_tokens``, /api-tokens)."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app

from ..database import writes_on_get
from ..extensions import csrf, limiter

bp = writes_on_get(Blueprint("api", __name__))  # a token's last use is recorded
tokens_bp = Blueprint("api_tokens", __name__)

from . import routes, tokens  # noqa: E402, F401
from .auth import ApiSessionInterface, rate_limit_key  # noqa: E402

# Once, at import: the extensions keep these per blueprint name, across apps.
csrf.exempt(bp)  # no cookies are read on the API, so there is nothing to forge
limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=rate_limit_key)(bp)


def init_app(app: Flask) -> None:
    """Register both blueprints; API paths get a session that ignores cookies."""
    app.session_interface = ApiSessionInterface()
    app.register_blueprint(bp, url_prefix="/api/v1")
    app.register_blueprint(tokens_bp)
