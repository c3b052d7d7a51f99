"""Faults under load: kill -9 of gunicorn (SQLite and PostgreSQL), and a PostgreSQL
restart. Every acknowledged submission must survive, complete; nothing half-written;
requests during a database outage get 503 (never 500) and the app recovers by itself."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter

from bench.bench_load import CLIENTS, USERS_PER_CLIENT, prepare_people, run_clients, verify
from bench.server import Gunicorn, flask, free_port, scratch_database, server_env

LOAD_SECONDS = float(os.environ.get("FAULT_SECONDS", "24"))


def _health(base: str) -> int:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=3) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def _load_in_background(base: str, emails: list[str], results: dict) -> threading.Thread:
    def run() -> None:
        results["samples"], results["acks"] = run_clients("paced", base, LOAD_SECONDS, 0.05, emails)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def kill_and_restart(kind: str) -> bool:
    print(f"\n## kill -9 of gunicorn under load ({kind})")
    with scratch_database(kind) as url:
        env = server_env(url, free_port())
        flask(env, "db", "upgrade")
        flask(env, "seed")
        emails = prepare_people(url, CLIENTS * USERS_PER_CLIENT)
        server = Gunicorn(env)
        server.start()
        results: dict = {}
        thread = _load_in_background(server.base, emails, results)
        time.sleep(LOAD_SECONDS / 3)
        server.kill_hard()
        print("  killed master and workers (SIGKILL)")
        time.sleep(1.0)
        server.start()
        print("  restarted")
        thread.join()
        server.stop()
        check = verify(url, results["acks"])
    statuses = Counter(s.status if not s.error else s.error for s in results["samples"])
    print(f"  requests: {dict(statuses)}")
    print(f"  database check: {check}")
    ok = (
        check["lost"]
        == check["incomplete"]
        == check["duplicated"]
        == check["submitted_without_answers"]
        == 0
    )
    ok = ok and not any(isinstance(k, int) and k >= 500 and k != 503 for k in statuses)
    print(
        f"  [{'PASS' if ok else 'FAIL'}] every acknowledged submission present and complete; nothing half-written"
    )
    return ok


def postgres_restart() -> bool:
    print("\n## PostgreSQL restart under load")
    cluster = subprocess.run(
        ["ls", "/etc/postgresql"], capture_output=True, text=True
    ).stdout.split()[0]
    with scratch_database("postgresql") as url:
        env = server_env(url, free_port())
        flask(env, "db", "upgrade")
        flask(env, "seed")
        emails = prepare_people(url, CLIENTS * USERS_PER_CLIENT)
        server = Gunicorn(env)
        server.start()
        results: dict = {}
        health: list[tuple[float, int]] = []
        stop = threading.Event()

        def poll() -> None:
            while not stop.is_set():
                health.append((time.monotonic(), _health(server.base)))
                time.sleep(0.25)

        poller = threading.Thread(target=poll)
        poller.start()
        thread = _load_in_background(server.base, emails, results)
        time.sleep(LOAD_SECONDS / 3)
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "stop", "-m", "fast"],
            check=True,
        )
        stopped = time.monotonic()
        print("  PostgreSQL stopped")
        time.sleep(3.0)
        restarting = time.monotonic()  # PostgreSQL may answer before `start` returns
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "start"], check=True
        )
        started = time.monotonic()
        print("  PostgreSQL started")
        thread.join()
        stop.set()
        poller.join()
        recovered = next((t for t, status in health if t > started and status == 200), None)
        during = Counter(status for t, status in health if stopped + 0.5 < t < restarting)
        server.stop()
        log = server.log_tail(10**8)
        check = verify(url, results["acks"])
    statuses = Counter(s.status if not s.error else s.error for s in results["samples"])
    print(f"  requests: {dict(statuses)}")
    escaped = log.count("Error handling request") + log.count("unhandled error")
    print(
        f"  server log: {log.count('database unavailable')} requests answered 503 "
        f"(database unavailable), {escaped} unhandled errors"
    )
    print(
        f"  /healthz while the database was down: {dict(during)}; back to 200 {'%.1f s after the restart' % (recovered - started) if recovered else 'never'}"
    )
    print(f"  database check: {check}")
    ok = (
        check["lost"]
        == check["incomplete"]
        == check["duplicated"]
        == check["submitted_without_answers"]
        == 0
    )
    ok = (
        ok
        and statuses.get(500, 0) == 0
        and escaped == 0
        and recovered is not None
        and set(during) <= {503}
    )
    print(
        f"  [{'PASS' if ok else 'FAIL'}] 503 during the outage, recovery without a restart, nothing acknowledged lost"
    )
    return ok


def main() -> int:
    """FAULTS picks some: kill-sqlite, kill-postgresql, restart-postgresql (default all)."""
    runs = {
        "kill-sqlite": lambda: kill_and_restart("sqlite"),
        "kill-postgresql": lambda: kill_and_restart("postgresql"),
        "restart-postgresql": postgres_restart,
    }
    wanted = os.environ.get("FAULTS", ",".join(runs)).split(",")
    results = [runs[name]() for name in wanted if name in runs]
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
