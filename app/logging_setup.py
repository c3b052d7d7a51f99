"""Request ids and one log line per request, as plain text (the default) or, with
``LOG_FORMAT=json``, as one JSON object per line for log collectors."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import inspect
from sqlalchemy.exc import NoInspectionAvailable

_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Single-use link tokens must not end up in logs.
_SECRET_PATH = re.compile(r"^(/invite/|/password/reset/)[^/]+")
LOG_FORMATS = ("text", "json")


def loggable_path(path: str) -> str:
    return _SECRET_PATH.sub(r"\1[redacted]", path)


class RequestIdFilter(logging.Filter):
    """Puts the request id, and the signed-in account's id once known, on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        if not hasattr(record, "user_id"):
            record.user_id = _user_id() if has_request_context() else None
        return True


def _user_id() -> int | None:
    # Flask-Login keeps the request's account in g once something asked for it. Its
    # primary key is read from the identity map: never a query from inside a log call
    # (the database may be what failed).
    try:
        state = inspect(g.get("_login_user"))
    except NoInspectionAvailable:  # nobody signed in (anonymous user, or not asked)
        return None
    return state.identity[0] if state.identity else None


def make_formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        # python-json-logger: the fields named here, then every ``extra`` of the call.
        return JsonFormatter(
            "{asctime}{levelname}{name}{message}{request_id}{user_id}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )
    return logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")


def configure_logging(app: Flask) -> None:
    log_format = str(app.config.get("LOG_FORMAT", "text")).lower()
    if log_format not in LOG_FORMATS:
        raise RuntimeError(
            f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}"
        )
    handler = logging.StreamHandler()
    handler.setFormatter(make_formatter(log_format))
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("tympanum")
    logger.handlers[:] = [handler]
    logger.setLevel(app.config["LOG_LEVEL"])
    logger.propagate = False
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(app.config["LOG_LEVEL"])

    @app.before_request
    def _start_request() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID_OK.match(incoming) else uuid.uuid4().hex[:16]
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        started = g.get("request_started")
        duration_ms = (time.perf_counter() - started) * 1000 if started else 0.0
        response.headers["X-Request-ID"] = g.get("request_id", "-")
        path = loggable_path(request.path)
        logging.getLogger("tympanum.request").info(
            "%s %s %s %.1fms",
            request.method,
            path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": path,
                "route": request.url_rule.rule if request.url_rule else None,
                "status": response.status_code,
                "duration_ms": round(duration_ms, 1),
                "user_id": _user_id(),
            },
        )
        return response
