"""Security headers on every response.

Caching follows one rule: static files (the same for everyone, revalidated by their
ETag) are the only responses a browser or proxy may keep. Everything else the app
answers is ``Cache-Control: no-store``: pages, CSV and XLSX exports, the audit log's CSV,
personal-data downloads, API responses and error pages may hold answers or personal
data, or carry a form's security token, and a public page looks the same to the cache.
"""

from __future__ import annotations

from flask import Flask, Response, request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'; frame-ancestors 'none'"
)


def register_security(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint != "static" or response.status_code >= 400:
            headers["Cache-Control"] = "no-store"
        return response
