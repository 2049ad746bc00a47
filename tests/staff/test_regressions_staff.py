"""Hostile URLs in the staff area: 404 for values no row can have, never a 500."""

from __future__ import annotations

import pytest

# Each URL once failed inside the database driver: NUL in a text parameter
# on PostgreSQL, or an id past the INTEGER column on either backend.
URLS = [
    "/staff/agencies/%00",
    "/staff/?period=%00",
    "/staff/counter-ratings/%00",
    "/staff/counter-ratings/%00.pdf",
    "/staff/exports/responses?agency=%00",
    "/staff/exports/responses?questionnaire=%00",
    "/staff/exports/indices?period=%00",
    "/staff/reports/%00/agency/STP.pdf",
    "/staff/reports/2021-Q4/agency/%00.pdf",
    "/staff/reports/paper/%00",
    "/staff/rounds/%00",
    "/staff/admin/agencies/%00",
    "/staff/admin/users/99999999999999999999",
    "/staff/admin/counters/2147483648",
    "/staff/admin/periods/99999999999999999999",
]


@pytest.mark.parametrize("url", URLS)
def test_unstorable_value_not_found(staff_client, url: str) -> None:
    admin = staff_client("admin")

    reply = admin.get(url)

    assert reply.status_code == 404


def test_agency_staff_nul_not_found(staff_client) -> None:
    agency = staff_client("agency", "STP")

    reply = agency.get("/staff/exports/responses?agency=STP%00")

    assert reply.status_code == 404
