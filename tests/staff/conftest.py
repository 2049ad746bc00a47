from __future__ import annotations

import pytest
from flask import Flask


@pytest.fixture(autouse=True)
def cheap_password_hashing(app: Flask) -> None:
    """Use cheap Argon2id costs in the accounts these tests create directly."""
    app.config.update(
        STAFF_ARGON2_TIME_COST=1,
        STAFF_ARGON2_MEMORY_KIB=1024,
        STAFF_ARGON2_PARALLELISM=1,
    )
