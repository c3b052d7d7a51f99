"""The read-only JSON API under /api/v1 (blueprint ``api``, personal tokens, no cookies)
and the page where people manage their tokens (blueprint ``api_tokens``, /api-tokens)."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app

bp = Blueprint("api", __name__)
tokens_bp = Blueprint("api_tokens", __name__)

from . import routes, tokens  # noqa: E402, F401
from .auth import ApiSessionInterface, rate_limit_key  # noqa: E402


def init_app(app: Flask) -> None:
    """Register both blueprints: the API without cookies or CSRF, rate-limited per token."""
    from ..extensions import csrf, limiter

    app.session_interface = ApiSessionInterface()
    csrf.exempt(bp)
    limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=rate_limit_key)(bp)
    app.register_blueprint(bp, url_prefix="/api/v1")
    app.register_blueprint(tokens_bp)
