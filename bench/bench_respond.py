"""In-process cost of a respondent's requests (autosave, section page, review page)
against a static file, with the statements each runs: the hot path, without a server.

Runs on a scratch SQLite database through the Flask test client, so it measures the
app's own work (no gunicorn, no network, no load generator). Figures are CPU time per
request and the ratio to the static file measured in the same process. RESPOND_ROUNDS
(default 300) per request; RESPOND_SHOW_SQL=1 prints the statements each one runs.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time

from sqlalchemy import event
from werkzeug.datastructures import MultiDict

from bench.bench_load import PASSWORD, prepare_people
from bench.respondent_client import (
    _by_question,
    _section_answers,
    answer_form,
    definition,
    hidden_fields,
)
from bench.server import flask, server_env

ROUNDS = int(os.environ.get("RESPOND_ROUNDS", "300"))
SHOW_SQL = os.environ.get("RESPOND_SHOW_SQL") == "1"  # print each request's statements


def main() -> int:
    from app import create_app
    from app.extensions import db
    from config import TestingConfig

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        env = server_env(url, 0)
        flask(env, "db", "upgrade")
        flask(env, "seed")
        emails = prepare_people(url, 1)
        app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
        statements: list[str] = []
        with app.app_context():
            event.listen(
                db.engine, "before_cursor_execute", lambda *args: statements.append(args[2])
            )
        client = app.test_client()
        token = hidden_fields(client.get("/login").get_data(as_text=True))["csrf_token"]
        client.post("/login", data={"csrf_token": token, "email": emails[0], "password": PASSWORD})

        defn = definition(1)
        section = defn.sections[1]["code"]
        page = client.get(f"/respond/1/section/{section}")
        state = hidden_fields(page.get_data(as_text=True))

        def autosave(index: int):
            fields, _values = answer_form(defn, random.Random(index))
            answers = _section_answers(defn.sections[1], _by_question(fields))
            form = MultiDict(
                [
                    ("csrf_token", state["csrf_token"]),
                    ("lock_version", state["lock_version"]),
                    ("base", state.get("base", "")),
                    ("section", section),
                    *answers,
                ]
            )
            response = client.post(
                "/respond/1/autosave", data=form, headers={"Accept": "application/json"}
            )
            body = response.get_json()
            state.update(
                csrf_token=body["csrf_token"],
                lock_version=str(body["lock_version"]),
                base=body["base"],
            )
            return response

        cases = {
            "GET static file (baseline)": lambda _i: client.get("/static/img/logo.svg"),
            "POST autosave": autosave,
            "GET section page": lambda _i: client.get(f"/respond/1/section/{section}"),
            "GET review page": lambda _i: client.get("/respond/1/review"),
        }
        results = {}
        for name, call in cases.items():
            call(-1)  # warm: templates compiled, definition parsed
            statements.clear()
            call(-2)
            count = len(statements)
            if SHOW_SQL:
                print(f"-- {name}: {count} statements")
                for sql in statements:
                    print("   ", " ".join(sql.split())[:300])
            samples = []
            for index in range(ROUNDS):
                started = time.process_time()
                response = call(index)
                samples.append((time.process_time() - started) * 1000)
                assert response.status_code == 200, (name, response.status_code)
            results[name] = (statistics.median(samples), count)
        with app.app_context():
            db.engine.dispose()
    base = results["GET static file (baseline)"][0]
    print(f"{'request':<28} {'CPU ms (median)':>16} {'x static':>9} {'statements':>11}")
    for name, (ms, count) in results.items():
        print(f"{name:<28} {ms:16.2f} {ms / base:9.1f} {count:11d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
