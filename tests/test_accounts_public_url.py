"""Links in e-mails come from PUBLIC_URL, never from the request (security issue 14, item 1).

The attack: ask for a password reset with ``Host: evil.example`` (or, behind a proxy,
``X-Forwarded-Host: evil.example``), and the victim's e-mail carries a link to
evil.example with a working reset token in it. Requests naming a host that is not the
site's are refused; the proxy's X-Forwarded-Host is not trusted; and every link in every
e-mail is built from PUBLIC_URL, whatever host the request named.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from app import create_app
from app.extensions import db
from app.urls import external_url, normalise_public_url, trusted_hosts
from config import TestingConfig
from tests.conftest import Client, login
from tests.review_helpers import make_response, publish_example

ROOT = Path(__file__).resolve().parent.parent
URL_RE = re.compile(r"https?://[^\s<>\"]+")
EVIL = "evil.example"
PUBLIC = "https://tympanum.example.eu"


def links_in(messages) -> list[str]:
    return [url for message in messages for url in URL_RE.findall(message.get_content())]


# --- a forged Host ---------------------------------------------------------------------


def test_a_reset_request_naming_another_host_is_refused(client, users, mail_server):
    """The issue's reproduction: GET the form, then POST it, both with Host: evil.example."""
    base = f"http://{EVIL}"
    page = client.get("/password/forgot", base_url=base)
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "does not answer to that address" in html and "http://localhost" in html
    assert EVIL not in html
    posted = client.post(
        "/password/forgot", data={"email": "respondent_a@example.org"}, base_url=base
    )
    assert posted.status_code == 400
    assert mail_server.messages == []


@pytest.mark.parametrize(
    "host", [EVIL, f"{EVIL}:80", f"localhost.{EVIL}", "", "localhost@evil.example"]
)
def test_foreign_hosts_get_a_400_page_not_a_500(client, host):
    response = client.get("/login", headers={"Host": host}, query_string={"lang": "de"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    # A plain page (the layout's styles would be asked of that host too) in the reader's
    # language, whose one link leads to the site's real address.
    assert '<html lang="de">' in html and "Ihre Adresse ist http://localhost." in html
    assert re.findall(r'href="([^"]*)"', html) == ["http://localhost/"]
    api = client.get("/api/v1/me", headers={"Host": host})
    assert api.status_code == 400 and api.json["status"] == 400


def test_a_trusted_alias_still_gets_links_on_the_public_url(app, client, users, mail_server):
    """Even a host the site answers to (here an alias listed in TRUSTED_HOSTS) never makes
    it into a link: links are built from PUBLIC_URL."""
    app.config["TRUSTED_HOSTS"] = ["localhost", EVIL]
    base = f"http://{EVIL}"
    page = client.get("/password/forgot", base_url=base).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/password/forgot",
        data={"email": "respondent_a@example.org", "csrf_token": token},
        base_url=base,
    )
    assert response.status_code == 302
    (message,) = mail_server.wait_for(1)
    (link,) = links_in([message])
    assert link.startswith("http://localhost/password/reset/"), link


# --- behind a reverse proxy ------------------------------------------------------------


@pytest.fixture
def proxied(app, mail_server) -> Iterator[Flask]:
    """The app as production runs it: behind one proxy, PUBLIC_URL on https, cookies
    secure, only the public host trusted (same database as ``app``)."""
    behind = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        TRUSTED_PROXIES=1,
        PUBLIC_URL=PUBLIC,
        TRUST_LOOPBACK_HOSTS=False,
        SESSION_COOKIE_SECURE=True,
        MAIL_SERVER=app.config["MAIL_SERVER"],
        MAIL_PORT=app.config["MAIL_PORT"],
    )
    behind.test_client_class = Client
    mail_server.app = behind  # its worker writes the links on its PUBLIC_URL
    yield behind
    with behind.app_context():
        db.engine.dispose()  # its own pool: close it, or PostgreSQL connections leak


def _through_proxy(forwarded_host: str, referer_host: str) -> dict[str, str]:
    return {
        "X-Forwarded-For": "203.0.113.9",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": forwarded_host,
        "Referer": f"https://{referer_host}/password/forgot",
    }


def test_x_forwarded_host_is_not_trusted(proxied, users, mail_server):
    """The proxy sets Host itself; X-Forwarded-Host (which nginx passes on from the
    client) changes nothing: not the CSRF origin check, not the link."""
    client = proxied.test_client()
    base = "https://tympanum.example.eu"
    assert client.get("/password/forgot", base_url=base).status_code == 200
    page = client.get("/password/forgot", base_url=base).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = {"email": "respondent_a@example.org", "csrf_token": token}
    # The attacker's request: X-Forwarded-Host and a Referer to match it.
    forged = client.post(
        "/password/forgot", data=form, base_url=base, headers=_through_proxy(EVIL, EVIL)
    )
    assert forged.status_code == 400  # the Referer is not this site's
    assert mail_server.messages == []
    # With this site's Referer the form goes through; the link is on PUBLIC_URL.
    sent = client.post(
        "/password/forgot",
        data=form,
        base_url=base,
        headers=_through_proxy(EVIL, "tympanum.example.eu"),
    )
    assert sent.status_code == 302
    (message,) = mail_server.wait_for(1)
    (link,) = links_in([message])
    assert link.startswith(f"{PUBLIC}/password/reset/"), link


def test_behind_the_proxy_only_the_public_host_is_answered(proxied):
    client = proxied.test_client()
    assert client.get("/login", base_url=PUBLIC).status_code == 200
    assert client.get("/login", base_url="https://localhost").status_code == 400
    assert client.get("/login", base_url="https://app1.internal:8000").status_code == 400


def test_the_client_address_and_scheme_still_come_from_the_proxy(proxied, db):
    from sqlalchemy import select

    from app.models import AuditEntry

    client = proxied.test_client()
    page = client.get("/login", base_url=PUBLIC).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        data={"email": "x@example.org", "password": "wrong password!", "csrf_token": token},
        base_url="http://tympanum.example.eu",  # http between proxy and app
        headers={
            "X-Forwarded-For": "203.0.113.9",
            "X-Forwarded-Proto": "https",
            "Referer": f"{PUBLIC}/login",
        },
    )
    assert response.status_code == 200
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.event == "login.failure")).one()
    assert entry.ip == "203.0.113.9"


# --- every e-mail ----------------------------------------------------------------------


class AliasClient(Client):
    """A browser that reaches the site by another name it answers to (127.0.0.1)."""

    def open(self, *args, **kwargs):
        if args and isinstance(args[0], str):
            kwargs.setdefault("base_url", "http://127.0.0.1:8080")
        return super().open(*args, **kwargs)


@pytest.fixture
def alias(app) -> AliasClient:
    return AliasClient(app, app.response_class, use_cookies=True)


def _log_in(alias, users, name):
    assert login(alias, users[name].email).status_code == 302


def _invite(alias, users, orgs, email: str, name: str, action: str) -> None:
    _log_in(alias, users, "admin")
    form = {
        "email": email,
        "display_name": name,
        "role": "respondent",
        "organisation": str(orgs["A"].id),
        "actions": [action],
    }
    assert alias.post_form("/admin/users/invite", form).status_code == 200


def _invitation(alias, users, orgs, db):
    _invite(alias, users, orgs, "new@example.org", "New", "1")
    return "/invite/"


def _actions_added(alias, users, orgs, db):
    _invite(alias, users, orgs, "respondent_a@example.org", "Respondent A", "3")
    return "/"


def _admin_reset(alias, users, orgs, db):
    _log_in(alias, users, "admin")
    url = f"/admin/users/{users['leader1'].id}"
    assert alias.post_form(f"{url}/send-reset", page=f"{url}/account").status_code == 200
    return "/password/reset/"


def _forgotten_password(alias, users, orgs, db):
    assert alias.post_form("/password/forgot", {"email": "leader1@example.org"}).status_code == 302
    return "/password/reset/"


def _review_decision(alias, users, orgs, db):
    response = make_response(publish_example(1), orgs["B"], respondent=users["respondent_b"])
    _log_in(alias, users, "leader1")
    page = alias.get(f"/review/{response.id}").get_data(as_text=True)
    lock = re.search(r'name="lock_version" type="hidden" value="(\d+)"', page).group(1)
    posted = alias.post_form(
        f"/review/{response.id}", {"decision": "accept", "lock_version": lock, "comment": ""}
    )
    assert posted.status_code == 302
    return "/"


def _reminder(alias, users, orgs, db):
    publish_example(1)
    _log_in(alias, users, "admin")
    posted = alias.post_form("/questionnaires/1/reminders", page="/questionnaires/1/manage")
    assert posted.status_code == 302
    return "/"


@pytest.mark.parametrize(
    "flow",
    [_invitation, _actions_added, _admin_reset, _forgotten_password, _review_decision, _reminder],
)
def test_every_e_mail_links_to_the_public_url(alias, users, orgs, db, mail_server, flow):
    path = flow(alias, users, orgs, db)
    messages = mail_server.wait_for(1)
    links = links_in(messages)
    assert links, [m.get_content() for m in messages]
    assert all(link.startswith("http://localhost/") for link in links), links
    assert any(link.startswith(f"http://localhost{path}") for link in links), links


# --- the helpers -----------------------------------------------------------------------


def test_external_url_uses_the_public_url_with_its_path(app):
    app.config["PUBLIC_URL"] = "https://example.eu/tympanum"
    with app.test_request_context("/", base_url=f"http://{EVIL}"):
        assert external_url("auth.reset_password", token="abc") == (
            "https://example.eu/tympanum/password/reset/abc"
        )
    assert external_url("main.index") == "https://example.eu/tympanum/"  # no request


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        ("https://Tympanum.Example.eu/", "https://tympanum.example.eu"),
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
        ("https://example.eu/sub/path/", "https://example.eu/sub/path"),
    ],
)
def test_public_url_is_normalised(given, normalised):
    assert normalise_public_url(given) == normalised


@pytest.mark.parametrize(
    "bad",
    [
        "tympanum.example.eu",
        "ftp://example.eu",
        "https://",
        "https://example.eu/?x=1",
        "https://user:pw@example.eu",
        "https://example.eu:port",
    ],
)
def test_a_bad_public_url_stops_the_app_with_a_clear_message(bad):
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://", PUBLIC_URL=bad)


def test_trusted_hosts_default_to_the_public_host():
    production = {"PUBLIC_URL": PUBLIC, "TRUSTED_HOSTS": None, "TRUST_LOOPBACK_HOSTS": False}
    assert trusted_hosts(production) == ["tympanum.example.eu"]
    assert trusted_hosts({**production, "TRUSTED_HOSTS": ["a.example", ".b.example"]}) == [
        "a.example",
        ".b.example",
    ]
    development = {
        **production,
        "PUBLIC_URL": "http://127.0.0.1:5000",
        "TRUST_LOOPBACK_HOSTS": True,
    }
    assert trusted_hosts(development) == ["127.0.0.1", "localhost"]


def test_production_refuses_to_start_without_public_url(monkeypatch, tmp_path):
    from config import ProductionConfig

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/prod.db")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    with pytest.raises(RuntimeError, match="PUBLIC_URL is not set"):
        create_app(ProductionConfig)


# Building an absolute URL from the request is how the reset link reached evil.example.
REQUEST_URL_PATTERNS = re.compile(
    r"\b_external\s*=\s*True|\burl_root\b|\bhost_url\b|\brequest\.host\b|x_host\s*=\s*[^0]"
)
# Reviewed uses: the autosave's same-origin check compares a Referer with the request's
# own (trusted) host and builds nothing from it.
ALLOWED = {("app/respond/stash.py", "urlsplit(source).netloc == request.host")}


def test_no_code_builds_urls_from_the_request():
    found = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        for line in path.read_text(encoding="utf-8").splitlines():
            if REQUEST_URL_PATTERNS.search(line) and not any(
                relative == file and snippet in line for file, snippet in ALLOWED
            ):
                found.append(f"{relative}: {line.strip()}")
    for path in sorted((ROOT / "templates").rglob("*.*")):
        text = path.read_text(encoding="utf-8")
        if REQUEST_URL_PATTERNS.search(text) or "request.url" in text:
            found.append(path.relative_to(ROOT).as_posix())
    assert not found, "build absolute URLs with app.urls.external_url:\n" + "\n".join(found)
