"""Wide CSV export of 100,000 responses (25 questions) against a plain SQL join.

Measures the export (in a subprocess: total time, time to first byte, peak RSS growth)
against two baselines on the same SQLite file: Python's sqlite3 running the equivalent
join and writing it with csv.writer, and the sqlite3 command line with -csv (when
installed). Targets (issue 6): at least half the baseline's speed, RSS growth < 60 MB.
BENCH_RESPONSES overrides the count (default 100000).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESPONSES = int(os.environ.get("BENCH_RESPONSES", "100000"))
JOIN = """
SELECT r.id, r.reference, o.name, o.kind, o.country, o.size_band, r.state,
       r.submitted_at, r.accepted_at, v.number, q.code, a.item, a.value, a.other_text
FROM responses r
JOIN organisations o ON o.id = r.organisation_id
JOIN questionnaire_versions v ON v.id = r.version_id
JOIN answers a ON a.response_id = r.id
JOIN questions q ON q.id = a.question_id
WHERE r.questionnaire_id = 1 AND r.state = 'accepted'
ORDER BY r.id, a.question_id, a.item
"""


def vm_hwm_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def build(db_path: str) -> None:
    from app import create_app
    from app.definitions.validate import validate_text
    from app.extensions import db
    from app.services.questionnaires import versions
    from app.services.questionnaires.framework import seed_framework
    from bench.export_data import definition_yaml, generate
    from config import TestingConfig

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{db_path}")
    with app.app_context():
        db.create_all()
        seed_framework(db.session)
        result = validate_text(definition_yaml())
        assert result.ok, result.errors
        outcome = versions.import_definition(db.session, result)
        version = versions.publish(db.session, outcome.version.questionnaire)
        db.session.commit()
        ids = (version.questionnaire_id, version.id)
        db.engine.dispose()
    generate(db_path, *ids, RESPONSES)


def child(db_path: str) -> None:
    """Run the export as the web page does (the service's byte stream) into /dev/null."""
    from app import create_app
    from app.extensions import db
    from app.models import Action
    from app.services import exports
    from config import TestingConfig

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{db_path}")
    with app.app_context():
        action = db.session.get(Action, 1)
        before = vm_hwm_kb()
        start = time.perf_counter()
        catalogue = exports.prepare(db.session, action)
        db.session.rollback()
        first_byte = None
        size = 0
        with open(os.devnull, "wb") as sink:
            for chunk in exports.csv_stream(db.engine, catalogue, exports.ExportOptions()):
                if first_byte is None:
                    first_byte = time.perf_counter() - start
                size += len(chunk)
                sink.write(chunk)
        total = time.perf_counter() - start
        after = vm_hwm_kb()
        db.engine.dispose()
    print(
        json.dumps(
            {
                "total": total,
                "ttfb": first_byte,
                "hwm_before": before,
                "hwm_after": after,
                "bytes": size,
            }
        )
    )


def python_baseline(db_path: str) -> tuple[float, float]:
    start = time.perf_counter()
    conn = sqlite3.connect(db_path)
    first = None
    try:
        with open(os.devnull, "w", newline="") as sink:
            writer = csv.writer(sink)
            cursor = conn.execute(JOIN)
            writer.writerow([d[0] for d in cursor.description])
            for row in cursor:
                if first is None:
                    first = time.perf_counter() - start
                writer.writerow(row)
    finally:
        conn.close()
    return time.perf_counter() - start, first or 0.0


def cli_baseline(db_path: str) -> float | None:
    binary = shutil.which("sqlite3")
    if binary is None:
        return None
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        subprocess.run([binary, "-csv", "-header", db_path, JOIN], stdout=sink, check=True)
    return time.perf_counter() - start


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return f"{os.cpu_count()} CPUs ({cpu}), {mem_kb / 1024 / 1024:.0f} GiB memory"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        db_path = f"{tmp}/bench.db"
        started = time.perf_counter()
        build(db_path)
        print(f"machine: {machine()}")
        print(
            f"generated {RESPONSES:,} responses in {time.perf_counter() - started:.1f} s "
            f"({Path(db_path).stat().st_size / 1e6:.0f} MB)"
        )
        base_total, base_first = python_baseline(db_path)
        cli_total = cli_baseline(db_path)
        run = subprocess.run(
            [sys.executable, "-m", "bench.bench_export", "--child", db_path],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(run.stdout.strip().splitlines()[-1])
    growth_mb = (result["hwm_after"] - result["hwm_before"]) / 1024
    print(f"{'run':<34} {'total s':>8} {'first byte s':>13}")
    print(f"{'baseline: python sqlite3 + csv':<34} {base_total:8.2f} {base_first:13.3f}")
    if cli_total is not None:
        print(f"{'baseline: sqlite3 -csv (CLI)':<34} {cli_total:8.2f} {'':>13}")
    print(f"{'tympanum wide CSV export':<34} {result['total']:8.2f} {result['ttfb']:13.3f}")
    speed = base_total / result["total"]
    print(f"speed vs python baseline: {speed:.2f}x (target >= 0.5)")
    if cli_total is not None:
        print(f"speed vs sqlite3 CLI: {cli_total / result['total']:.2f}x")
    print(
        f"peak RSS: {result['hwm_before'] / 1024:.0f} MB before the export, "
        f"{result['hwm_after'] / 1024:.0f} MB after: growth {growth_mb:.1f} MB (target < 60)"
    )
    print(f"output: {result['bytes'] / 1e6:.0f} MB of CSV")
    return 0 if speed >= 0.5 and growth_mb < 60 else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        sys.exit(main())
