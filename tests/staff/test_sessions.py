"""Server-side staff sessions: revocation, renewal, time-outs, CSRF and headers."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from survey.db import new_session, utcnow
from survey.models import Period, StaffSession, StaffUser
from survey.staff import accounts
from tests.conftest import STAFF_PASSWORD
from tests.factories import form_fields


def _token(client: FlaskClient, url: str = "/staff/") -> str:
    page = client.get(url, follow_redirects=True)
    token = form_fields(page.get_data(as_text=True)).get("csrf_token")
    assert token
    return token


def _copy(app: Flask, client: FlaskClient) -> FlaskClient:
    """Return a second client carrying the same session cookie, like a stolen copy."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def _signed_in(client: FlaskClient) -> bool:
    response = client.get("/staff/")
    return response.status_code == 200


def test_sign_out_revokes_copied_cookie(app: Flask, staff_client) -> None:
    client = staff_client("viewer")
    thief = _copy(app, client)
    assert _signed_in(thief)
    response = client.post("/staff/logout", data={"csrf_token": _token(client)})
    assert response.status_code == 302
    assert _signed_in(client) is False
    assert _signed_in(thief) is False
    with new_session(app) as db:
        rows = db.scalars(
            select(StaffSession).where(StaffSession.user_id == client.staff_user_id)
        ).all()
    assert len(rows) == 1
    assert rows[0].revoked_at is not None


def test_sign_out_anonymous_goes_to_sign_in(app: Flask) -> None:
    client = app.test_client()
    response = client.post("/staff/logout", data={"csrf_token": _token(client)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/login")


@pytest.mark.parametrize("role", ["admin", "agency", "viewer"])
def test_sign_out_each_role(staff_client, role: str) -> None:
    client = staff_client(role, "STP" if role == "agency" else None)
    client.post("/staff/logout", data={"csrf_token": _token(client)})
    assert _signed_in(client) is False


def test_role_change_revokes_copied_cookie(app: Flask, staff_client) -> None:
    admin = staff_client("admin")
    victim = staff_client("agency", "STP")
    thief = _copy(app, victim)
    assert _signed_in(thief)
    url = f"/staff/admin/users/{victim.staff_user_id}"
    data = form_fields(admin.get(url).get_data(as_text=True))
    data.update(role="viewer", agency="", active="y", display_name="")
    response = admin.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _signed_in(victim) is False
    assert _signed_in(thief) is False
    with new_session(app) as db:
        user = db.get(StaffUser, victim.staff_user_id)
        assert user is not None
        assert user.role == "viewer"
        assert user.agency_id is None


def test_password_change_and_deactivation_revoke(app: Flask, staff_client) -> None:
    first = staff_client("viewer")
    second = staff_client("viewer")
    with new_session(app) as db, app.test_request_context():
        one = db.get(StaffUser, first.staff_user_id)
        two = db.get(StaffUser, second.staff_user_id)
        accounts.set_password(db, one, "another long password", 12, actor_id=None)
        accounts.set_active(db, two, False, actor_id=None)
    assert _signed_in(first) is False
    assert _signed_in(second) is False


def test_sign_in_renews_session(app: Flask, staff_client) -> None:
    """A cookie set before sign-in (session fixation) never becomes signed in."""
    staff_client("viewer")  # another account, so the table is not empty
    client = app.test_client()
    token_before = _token(client, "/staff/login")
    planted = client.get_cookie("session").value
    with new_session(app) as db, app.test_request_context():
        accounts.create_user(
            db, email="fixed@example.test", password=STAFF_PASSWORD, role="viewer"
        )
    response = client.post(
        "/staff/login",
        data={
            "csrf_token": token_before,
            "email": "fixed@example.test",
            "password": STAFF_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert client.get_cookie("session").value != planted
    attacker = app.test_client()
    attacker.set_cookie("session", planted)
    assert _signed_in(attacker) is False
    # The anti-forgery token of the anonymous session is not valid any more.
    assert _token(client) != token_before


def test_cookie_flags(app: Flask, staff_client) -> None:
    client = app.test_client()
    with new_session(app) as db, app.test_request_context():
        accounts.create_user(
            db, email="flags@example.test", password=STAFF_PASSWORD, role="viewer"
        )
    response = client.post(
        "/staff/login",
        data={
            "csrf_token": _token(client, "/staff/login"),
            "email": "flags@example.test",
            "password": STAFF_PASSWORD,
        },
    )
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" in header
    assert app.config["SESSION_COOKIE_SECURE"] is True


def _age(app: Flask, user_id: int, **shift: timedelta) -> None:
    now = utcnow()
    values = {column: now - delta for column, delta in shift.items()}
    with new_session(app) as db:
        db.execute(
            update(StaffSession).where(StaffSession.user_id == user_id).values(**values)
        )
        db.commit()


def test_idle_timeout(app: Flask, staff_client) -> None:
    client = staff_client("viewer")
    _age(app, client.staff_user_id, last_seen_at=timedelta(minutes=29))
    assert _signed_in(client)
    client2 = staff_client("viewer")
    _age(app, client2.staff_user_id, last_seen_at=timedelta(minutes=31))
    assert _signed_in(client2) is False
    with new_session(app) as db:
        row = db.scalar(
            select(StaffSession).where(StaffSession.user_id == client2.staff_user_id)
        )
        assert row is not None
        assert row.revoked_at is not None


def test_absolute_timeout(app: Flask, staff_client) -> None:
    client = staff_client("viewer")
    # Active a moment ago, but signed in 12 hours and a minute ago.
    _age(
        app,
        client.staff_user_id,
        created_at=timedelta(hours=12, minutes=1),
        last_seen_at=timedelta(seconds=5),
    )
    assert _signed_in(client) is False


def test_csrf_is_enabled_in_tests(app: Flask) -> None:
    assert app.config.get("WTF_CSRF_ENABLED", True) is True


def test_post_without_csrf_rejected(app: Flask, staff_client) -> None:
    admin = staff_client("admin")
    with new_session(app) as db:
        periods_before = len(db.scalars(select(Period)).all())
    created = admin.post(
        "/staff/admin/periods/new",
        data={
            "code": "X1",
            "name": "x",
            "starts_on": "2040-01-01",
            "ends_on": "2040-12-31",
        },
    )
    assert created.status_code == 400
    with new_session(app) as db:
        assert len(db.scalars(select(Period)).all()) == periods_before
    signed_out = admin.post("/staff/logout")
    assert signed_out.status_code == 400
    assert _signed_in(admin)
    anonymous = app.test_client()
    login = anonymous.post(
        "/staff/login", data={"email": "a@example.test", "password": "x"}
    )
    assert login.status_code == 400


def test_staff_page_headers(app: Flask, staff_client) -> None:
    client = staff_client("viewer")
    for url in ("/staff/", "/staff/login"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store"
        policy = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy
        assert "http:" not in policy
        assert "https:" not in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_password_stored_as_argon2id(app: Flask, staff_client) -> None:
    client = staff_client("viewer")
    with new_session(app) as db:
        user = db.get(StaffUser, client.staff_user_id)
        assert user is not None
        assert user.password_hash.startswith("$argon2id$")
        assert STAFF_PASSWORD not in user.password_hash


def test_logs_hold_no_email_or_password(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with new_session(app) as db, app.test_request_context():
        accounts.create_user(
            db,
            email="secret.person@example.test",
            password=STAFF_PASSWORD,
            role="viewer",
        )
    client = app.test_client()
    token = _token(client, "/staff/login")
    for password in ("wrong password!", STAFF_PASSWORD):
        client.post(
            "/staff/login",
            data={
                "csrf_token": token,
                "email": "secret.person@example.test",
                "password": password,
            },
        )
    text = caplog.text
    assert "signed in" in text
    assert "sign-in failed" in text
    assert "secret.person" not in text
    assert STAFF_PASSWORD not in text
    assert "wrong password" not in text


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "/s/STP"],
)
def test_next_stays_in_staff_area(app: Flask, target: str) -> None:
    with new_session(app) as db, app.test_request_context():
        accounts.create_user(
            db, email="next@example.test", password=STAFF_PASSWORD, role="viewer"
        )
    client = app.test_client()
    response = client.post(
        "/staff/login",
        query_string={"next": target},
        data={
            "csrf_token": _token(client, "/staff/login"),
            "email": "next@example.test",
            "password": STAFF_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"


def test_next_inside_staff_area_followed(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/staff/admin/periods")
    assert response.status_code == 302
    assert "next=" in response.headers["Location"]
