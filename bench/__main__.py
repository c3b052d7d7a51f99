"""Run every benchmark module in bench/ that defines ``main()``, in name order.

Each reports ratios against a baseline measured in the same process or on the same
server, never absolute pass/fail timings.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    names = sys.argv[1:] or sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    failed = 0
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n### {name}: {(module.__doc__ or '').strip().splitlines()[0]}")
        failed += int(bool(module.main()))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
