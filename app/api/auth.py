"""API authentication: ``Authorization: Bearer tymp_...`` only. The session cookie (and
Flask-Login's remember cookie) are ignored on /api/ paths, so the API needs no CSRF."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Flask, Request, Response, abort, g, jsonify, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter.util import get_remote_address

from ..extensions import db, login_manager
from ..models import User
from ..services.people import api_tokens

API_PREFIX = "/api/"


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIX)


class ApiSessionInterface(SecureCookieSessionInterface):
    """The usual signed-cookie session, except on API paths: there every request starts
    with an empty session that is never saved, whatever cookie the client sends."""

    def open_session(self, app: Flask, request: Request) -> Any:
        if is_api_path(request.path):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if is_api_path(request.path):
            return
        super().save_session(app, session, response)


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def rate_limit_key() -> str:
    """One rate-limit bucket per token (a hash of it), or per address without one."""
    secret = bearer_secret()
    if secret:
        return "api-token:" + hashlib.sha256(secret.encode("utf-8")).hexdigest()[:32]
    return "api-address:" + (get_remote_address() or "")


def unauthorized(message: str, invalid: bool) -> Response:
    body = {"error": "Unauthorized", "message": message, "status": 401}
    body["request_id"] = g.get("request_id", "")
    response = jsonify(body)
    response.status_code = 401
    challenge = 'Bearer realm="tympanum"'
    if invalid:
        challenge += ', error="invalid_token"'
    response.headers["WWW-Authenticate"] = challenge
    return response


def authenticate_request() -> None:
    """Set ``g.api_user`` from the bearer token, or stop the request with a 401."""
    g._login_user = login_manager.anonymous_user()  # never the session's user
    secret = bearer_secret()
    if secret is None:
        abort(
            unauthorized(
                "Send a personal API token: Authorization: Bearer tymp_... "
                "(create one on the API tokens page).",
                invalid=False,
            )
        )
    token = api_tokens.authenticate(db.session, secret)
    if token is None:
        abort(
            unauthorized(
                "This token is unknown or revoked, or its account is inactive.", invalid=True
            )
        )
    g.api_user = token.user
    if api_tokens.touch(token):
        db.session.commit()


def api_user() -> User:
    return g.api_user
