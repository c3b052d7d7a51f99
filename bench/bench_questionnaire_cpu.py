"""In-process CPU per completed questionnaire: the closed-loop flow, without a server.

The same flow as bench_topology's closed loop (bench/respondent_client.py's
``autosave_and_submit``: open the first section, autosave every section, submit, read the
receipt), driven through the Flask test client in production settings (Argon2id, the
production template cache), on a scratch SQLite database (``FLOW_DATABASE=postgresql``:
a scratch PostgreSQL database; the database server's own CPU is then not counted). It
reports the app's CPU time per completed questionnaire and per request kind, with the
statements each kind runs, against a static file in the same process: the app's own
cost, free of the load generator, the proxy and the machine's other work, so that two
versions of the code can be compared in one sitting (run it in each checkout).

``FLOW_QUESTIONNAIRES`` (default 120) respondents, one questionnaire each, round-robin
over the 11 actions, after 11 not counted (templates and definitions loaded); ``FLOW_PROFILE=1`` adds the 25 functions with the most CPU of their
own (cProfile), and ``FLOW_PROFILE_FILE=PATH`` keeps the whole profile;
``FLOW_SHOW_SQL=1`` prints the statements of each request kind (its first after the
warm-up).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import random
import statistics
import time
from collections import defaultdict
from urllib.parse import urlencode

from sqlalchemy import event

from bench.bench_load import PASSWORD, prepare_people
from bench.respondent_client import Session, autosave_and_submit, hidden_fields, load_definitions
from bench.server import flask, scratch_database, server_env

COUNT = int(os.environ.get("FLOW_QUESTIONNAIRES", "120"))
DATABASE = os.environ.get("FLOW_DATABASE", "sqlite")
PROFILE = os.environ.get("FLOW_PROFILE") == "1"
SHOW_SQL = os.environ.get("FLOW_SHOW_SQL") == "1"  # each request kind's statements, once
SHOWN: set[str] = set()
PUBLIC = "http://localhost"  # the test client's host
WARM = 11  # one questionnaire per action first, not counted: templates and definitions load


class TestClientSession(Session):
    """respondent_client's Session over the Flask test client instead of a socket; each
    request's CPU time and statements are recorded under its label."""

    def __init__(self, client, cpu: dict, statements: list[str], counts: dict) -> None:
        super().__init__(PUBLIC)
        self.client, self.cpu, self.statements, self.counts = client, cpu, statements, counts

    def request(self, label, method, path, form=None, accept="text/html"):
        headers = {"Accept": accept}
        data = None
        if form is not None:
            data = urlencode(form)
            headers["Origin"] = PUBLIC
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.statements.clear()
        started = time.process_time()
        response = self.client.open(path, method=method, data=data, headers=headers)
        text = response.get_data(as_text=True)
        self.cpu[label].append(time.process_time() - started)
        self.counts[label].append(len(self.statements))
        if SHOW_SQL and label not in SHOWN:
            SHOWN.add(label)
            print(f"-- {label}: {len(self.statements)} statements")
            for sql in self.statements:
                print("   ", " ".join(sql.split())[:200])
        return response.status_code, response.headers.get("Location", ""), text


def main() -> int:
    from app import create_app
    from app.extensions import db
    from config import ProductionConfig

    load_definitions()
    with scratch_database(DATABASE) as url:
        env = server_env(url, 0)
        flask(env, "db", "upgrade")
        flask(env, "seed")
        emails = prepare_people(url, COUNT + WARM)
        env["PUBLIC_URL"] = PUBLIC
        os.environ.update(env)  # what the app servers of bench_load get (production)
        app = create_app(
            ProductionConfig,
            SQLALCHEMY_DATABASE_URI=url,
            SECRET_KEY=env["SECRET_KEY"],
            PUBLIC_URL=PUBLIC,
            RATELIMIT_STORAGE_URI=env["RATELIMIT_STORAGE_URI"],
            LOGIN_RATE_LIMIT="100000 per minute",
            SESSION_COOKIE_SECURE=False,
            REMEMBER_COOKIE_SECURE=False,
        )
        statements: list[str] = []
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        cpu: dict[str, list[float]] = defaultdict(list)
        counts: dict[str, list[int]] = defaultdict(list)
        static = []
        client = app.test_client()
        for _ in range(200):
            started = time.process_time()
            client.get("/static/img/logo.svg").close()
            static.append(time.process_time() - started)
        profiler = cProfile.Profile() if PROFILE else None
        done = 0
        flow_cpu = 0.0
        for index, email in enumerate(emails):
            if index == WARM:  # warmed up: count from here
                SHOWN.clear()
                cpu.clear()
                counts.clear()
                done, flow_cpu = 0, 0.0
            client = app.test_client()
            page = client.get("/login").get_data(as_text=True)
            token = hidden_fields(page)["csrf_token"]
            logged = client.post(
                "/login", data={"csrf_token": token, "email": email, "password": PASSWORD}
            )
            assert logged.status_code == 302, logged.status_code
            session = TestClientSession(client, cpu, statements, counts)
            action = index % 11 + 1
            started = time.process_time()
            if profiler and index >= WARM:
                profiler.enable()
            reference, _rows = autosave_and_submit(session, action, random.Random(index))
            if profiler:
                profiler.disable()
            flow_cpu += time.process_time() - started
            done += reference is not None
        with app.app_context():
            db.engine.dispose()
    base = statistics.median(static) * 1000
    print(
        f"  {done} of {len(emails) - WARM} questionnaires completed on {DATABASE}; "
        f"static file (baseline) {base:.2f} ms CPU"
    )
    print(
        f"  {'request':<14} {'count':>6} {'CPU ms p50':>11} {'mean':>7} {'x static':>9} {'SQL':>5}"
    )
    for label, values in sorted(cpu.items()):
        p50, mean = statistics.median(values) * 1000, statistics.fmean(values) * 1000
        sql = statistics.median(counts[label])
        print(
            f"  {label:<14} {len(values):>6} {p50:>11.2f} {mean:>7.2f} {p50 / base:>9.1f} {sql:>5.0f}"
        )
    per = flow_cpu / done * 1000 if done else float("nan")
    print(
        f"  app CPU per completed questionnaire: {per:.1f} ms = {per / base:.0f}x the static "
        f"file (open, autosave every section, submit, receipt; the login left out)"
    )
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        if os.environ.get("FLOW_PROFILE_FILE"):  # for pstats or snakeviz
            profiler.dump_stats(os.environ["FLOW_PROFILE_FILE"])
        print(out.getvalue())
    return 0 if done == len(emails) - WARM else 1


if __name__ == "__main__":
    raise SystemExit(main())
