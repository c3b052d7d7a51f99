"""deploy/: the HAProxy configuration parses and its 503 page is a well-formed response.

No load and no timing here: the topology itself runs in `python -m bench bench_topology`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def test_shed_page_is_a_complete_response_with_retry_after():
    raw = (DEPLOY / "errors" / "503.http").read_bytes()
    head, body = raw.split(b"\r\n\r\n", 1)
    lines = head.decode("ascii").split("\r\n")
    assert lines[0] == "HTTP/1.1 503 Service Unavailable"
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert headers["Retry-After"].isdigit()
    assert headers["Content-Type"].startswith("text/html")
    assert int(headers["Content-Length"]) == len(body)
    # HAProxy refuses error files larger than a buffer (tune.bufsize, 16 kB).
    assert len(raw) < 16000
    text = body.decode("utf-8")
    assert "still in your browser" in text
    assert re.search(r'<html lang="en">', text)


def test_haproxy_config_has_the_bounds_the_docs_promise():
    config = (DEPLOY / "haproxy.cfg").read_text()
    for line in (
        "timeout queue",
        "option redispatch",
        "retry-on conn-failure empty-response",
        "http-request disable-l7-retry unless METH_GET || METH_HEAD",
        "http-request reject unless public_host",
        "option forwardfor",
        "errorfile 503 errors/503.http",
        "uri /healthz",
    ):
        assert line in config


def test_logins_queue_apart_from_pages():
    """POST /login and the password forms go to their own backend (same servers, few
    places, a short queue), so a login burst never takes the page requests' places."""
    config = (DEPLOY / "haproxy.cfg").read_text()
    assert "use_backend logins if METH_POST password_form" in config
    assert "acl password_form path /login" in config
    assert "acl password_form path_beg /password/ /invite/" in config
    logins = config.split("backend logins", 1)[1]
    assert 'maxconn "${TYMPANUM_LOGIN_MAXCONN}"' in logins
    assert "timeout queue" in logins
    assert "track app/app1" in logins and "track app/app2" in logins


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is not installed")
def test_haproxy_accepts_the_config():
    result = subprocess.run(
        ["haproxy", "-c", "-q", "-f", str(DEPLOY / "haproxy.cfg")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_proxy_lets_through_every_body_the_app_takes():
    """HAProxy's body limits are the app's: a respondent's page up to
    RESPOND_MAX_CONTENT_LENGTH reaches the app (which keeps what was typed), everything
    else up to MAX_CONTENT_LENGTH."""
    from config import Config

    config = (DEPLOY / "haproxy.cfg").read_text()
    limits = {
        int(n) for n in re.findall(r"deny deny_status 413 if .*content-length\) gt (\d+)", config)
    }
    assert limits == {Config.MAX_CONTENT_LENGTH, Config.RESPOND_MAX_CONTENT_LENGTH}
    assert re.search(rf"!respondent_page .*gt {Config.MAX_CONTENT_LENGTH}", config), (
        "the 2 MiB limit must spare respondents' pages"
    )
    assert "acl respondent_page path_beg /respond/" in config
