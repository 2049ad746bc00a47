"""Administration pages: accounts, agencies, periods and counters."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.db import new_session
from survey.models import Agency, Counter, Period, StaffUser
from tests.factories import form_fields


def _post(client: FlaskClient, url: str, **data: str):
    fields = form_fields(client.get(url).get_data(as_text=True))
    fields.update(data)
    return client.post(url, data=fields)


def _agency_id(app: Flask, code: str) -> int:
    with new_session(app) as db:
        found = db.scalar(select(Agency.id).where(Agency.code == code))
        assert found is not None
        return found


def test_create_agency_user(app: Flask, staff_client) -> None:
    admin = staff_client("admin")
    response = _post(
        admin,
        "/staff/admin/users/new",
        email="New.User@example.test",
        display_name="Nguyễn Văn A",
        password="a long enough password",
        role="agency",
        agency=str(_agency_id(app, "STP")),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with new_session(app) as db:
        user = db.scalar(
            select(StaffUser).where(StaffUser.email == "new.user@example.test")
        )
        assert user is not None
        assert user.role == "agency"
        assert user.agency_id == _agency_id(app, "STP")


def test_agency_role_needs_agency(app: Flask, staff_client) -> None:
    admin = staff_client("admin")
    response = _post(
        admin,
        "/staff/admin/users/new",
        email="noagency@example.test",
        password="a long enough password",
        role="agency",
        agency="",
    )
    assert response.status_code == 200
    assert "Cán bộ cơ quan cần chọn một cơ quan." in response.get_data(as_text=True)
    with new_session(app) as db:
        assert (
            db.scalar(
                select(StaffUser).where(StaffUser.email == "noagency@example.test")
            )
            is None
        )


def test_admin_cannot_demote_self(app: Flask, staff_client) -> None:
    admin = staff_client("admin")
    url = f"/staff/admin/users/{admin.staff_user_id}"
    response = _post(admin, url, role="viewer", active="y")
    assert response.status_code == 200
    with new_session(app) as db:
        assert db.get(StaffUser, admin.staff_user_id).role == "admin"


def test_period_overlap_rejected(app: Flask, staff_client) -> None:
    admin = staff_client("admin")
    response = _post(
        admin,
        "/staff/admin/periods/new",
        code="Q2-2025",
        name="Quý 2/2025",
        starts_on="2025-04-01",
        ends_on="2025-06-30",
    )
    assert response.status_code == 200
    assert "trùng thời gian với kỳ 2025" in response.get_data(as_text=True)
    created = _post(
        admin,
        "/staff/admin/periods/new",
        code="2030",
        name="Năm 2030",
        starts_on="2030-01-01",
        ends_on="2030-12-31",
    )
    assert created.status_code == 302
    with new_session(app) as db:
        assert db.scalar(select(Period).where(Period.code == "2030")) is not None


def test_period_edit_keeps_own_dates(app: Flask, staff_client) -> None:
    admin = staff_client("admin")
    with new_session(app) as db:
        period = db.scalar(select(Period).where(Period.code == "2026"))
        assert period is not None
    response = _post(admin, f"/staff/admin/periods/{period.id}", name="Năm 2026 (sửa)")
    assert response.status_code == 302
    with new_session(app) as db:
        assert db.get(Period, period.id).name == "Năm 2026 (sửa)"


def test_agency_edit(app: Flask, staff_client) -> None:
    admin = staff_client("admin")
    response = _post(
        admin,
        "/staff/admin/agencies/STP",
        name="Sở Tư pháp tỉnh",
        valid_to="2025-06-30",
    )
    assert response.status_code == 302
    with new_session(app) as db:
        agency = db.scalar(select(Agency).where(Agency.code == "STP"))
        assert agency.name == "Sở Tư pháp tỉnh"
        assert agency.valid_to.isoformat() == "2025-06-30"
    bad = _post(admin, "/staff/admin/agencies/STP", valid_to="2000-01-01")
    assert bad.status_code == 200


def test_counter_create_and_duplicate(app: Flask, staff_client) -> None:
    admin = staff_client("admin")
    agency = str(_agency_id(app, "SNV"))
    first = _post(
        admin,
        "/staff/admin/counters/new",
        agency=agency,
        code="9",
        name="Quầy 9",
        active="y",
    )
    assert first.status_code == 302
    again = _post(
        admin, "/staff/admin/counters/new", agency=agency, code="9", name="Quầy 9b"
    )
    assert again.status_code == 200
    with new_session(app) as db:
        found = db.scalars(
            select(Counter).where(Counter.agency_id == int(agency), Counter.code == "9")
        ).all()
        assert [counter.name for counter in found] == ["Quầy 9"]
