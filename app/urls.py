"""URL helpers: the public address every absolute URL is built from, and safe redirects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from werkzeug.routing import IntegerConverter, MapAdapter

BIGGEST_ID = 2**63 - 1
# Outside production, the names a developer's own machine answers to are trusted too.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")


class BoundedIntConverter(IntegerConverter):
    """``<int:id>`` that answers 404 for numbers no database column can hold, instead of
    an overflow error deep in the driver."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", BIGGEST_ID)
        super().__init__(map, *args, **kwargs)


def is_safe_next(target: str | None) -> bool:
    """Only local paths may be redirect targets after login (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def normalise_public_url(value: str) -> str:
    """PUBLIC_URL as ``scheme://host[:port][/path]`` without a trailing slash; raises
    ValueError, saying what to write, when it is not such an address."""
    parts = urlsplit(value.strip())
    try:
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise ValueError(f"PUBLIC_URL={value!r} has an invalid port") from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username
        or parts.password
    ):
        raise ValueError(
            f"PUBLIC_URL={value!r} is not a public address: write it as "
            "https://host[:port][/path], e.g. https://tympanum.example.eu"
        )
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def trusted_hosts(config: Mapping[str, Any]) -> list[str]:
    """The host names requests may name: TRUSTED_HOSTS when set, else PUBLIC_URL's host
    (and, outside production, the loopback names)."""
    if config.get("TRUSTED_HOSTS"):
        return list(config["TRUSTED_HOSTS"])
    hosts = [urlsplit(config["PUBLIC_URL"]).hostname or ""]
    if config.get("TRUST_LOOPBACK_HOSTS"):
        hosts += [name for name in LOOPBACK_HOSTS if name not in hosts]
    return hosts


def public_adapter(app: Flask) -> MapAdapter:
    """The app's routes bound to PUBLIC_URL instead of to a request."""
    parts = urlsplit(app.config["PUBLIC_URL"])
    return app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of ``endpoint`` on PUBLIC_URL: for e-mails and anything else read
    outside the page. Never built from the request's Host or X-Forwarded-Host, which the
    client chooses (a reset link pointing at another site would hand it the token)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    app.inject_url_defaults(endpoint, values)
    return public_adapter(app).build(endpoint, values, force_external=True)
