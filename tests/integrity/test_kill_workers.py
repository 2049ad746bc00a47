"""Killed server workers lose and duplicate nothing: a short run (see bench/)."""

from __future__ import annotations

import pytest

from tests.conftest import BACKENDS, POSTGRES_URL
from tests.integrity.kill_harness import drop_schema, prepare_schema, run
from tests.integrity.support import sensitive_strings

pytestmark = pytest.mark.slow


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="needs PostgreSQL")
def test_killed_workers_store_each_ack_once(tmp_path):
    url = prepare_schema(POSTGRES_URL, tmp_path)
    try:
        # A kill every 0.1 s: the server stores a few hundred responses a
        # second, so a slower rhythm could end the run before the second kill.
        result = run(
            url, 300, kill_every=0.1, deadline=90, log_path=tmp_path / "gunicorn.log"
        )
    finally:
        stored_url = url
    try:
        assert len(result.acknowledged) == 300
        assert sorted(result.stored) == sorted(result.acknowledged)
        assert result.kills >= 5, f"only {result.kills} workers killed during the run"
        server_log = (tmp_path / "gunicorn.log").read_text(encoding="utf-8")
        for value in sensitive_strings():
            assert value not in server_log
    finally:
        drop_schema(POSTGRES_URL, stored_url)
