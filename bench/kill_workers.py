"""Send 1,000 responses through gunicorn and PostgreSQL while a worker is killed
every half second; check that each acknowledged submission is stored once.

Run from the repository root: .venv/bin/python bench/kill_workers.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import POSTGRES_URL  # noqa: E402
from tests.integrity.kill_harness import drop_schema, prepare_schema, run  # noqa: E402

TOTAL = 1000


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        url = prepare_schema(POSTGRES_URL, Path(folder))
        try:
            result = run(url, TOTAL, deadline=170.0)
        finally:
            drop_schema(POSTGRES_URL, url)
    duplicates = len(result.stored) - len(set(result.stored))
    extra = set(result.stored) - result.acknowledged
    missing = result.acknowledged - set(result.stored)
    print(
        f"sent {TOTAL}, acknowledged {len(result.acknowledged)}, "
        f"stored {len(result.stored)}, duplicates {duplicates}, "
        f"not acknowledged but stored {len(extra)}, acknowledged but missing "
        f"{len(missing)}, workers killed {result.kills}, retries {result.retries}, "
        f"{result.seconds:.0f} s"
    )
    ok = (
        len(result.acknowledged) == TOTAL
        and not duplicates
        and not extra
        and not missing
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
