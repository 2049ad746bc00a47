"""Checks on values taken from URLs and request bodies before they reach a query."""

from __future__ import annotations

import re

from flask import abort, request

# NUL, which PostgreSQL rejects in text parameters, and lone UTF-16 surrogates,
# which cannot be encoded as UTF-8. No stored code contains either.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# NOTE: every <int:...> route names a row of a 32-bit INTEGER column, so larger
# numbers cannot exist. A route over a BIGINT id must raise this bound.
MAX_PATH_INTEGER = 2**31 - 1


def storable(text: str) -> bool:
    """Return whether ``text`` can be sent as a query parameter on every backend."""
    return _UNSTORABLE.search(text) is None


def _can_exist(value: object) -> bool:
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, int):
        return abs(value) <= MAX_PATH_INTEGER
    return True


def reject_unstorable_arguments() -> None:
    """Abort with 404 when a path segment or query parameter cannot name a row.

    Without this check the database driver raises on such a value, so the
    request ends in a 500: PostgreSQL rejects NUL and integers past the column
    type, and SQLite rejects integers past 64 bits.
    """
    values = list((request.view_args or {}).values())
    values += [value for _name, value in request.args.items(multi=True)]
    if not all(_can_exist(value) for value in values):
        abort(404)
