"""Every route of the app, requested by each role and by an anonymous client.

``ACCESS`` lists who may reach each endpoint. A route missing from it fails
``test_every_route_has_an_access_row``: add a row when you add a route. A row
is an ``Access``: the set of roles that may reach the endpoint (``ALL``,
``STAFF`` or ``ADMIN`` below), and optionally ``missing_ok`` when the
fixtures hold no object for its URL, so that 404 counts as reached.

Prefix rows (``PREFIX_ACCESS``) cover whole blueprints that are open to
everyone, such as ``public.`` and ``api.``; an explicit row wins.

URL parameters are filled from ``PARAMS`` by name, with per-endpoint values in
``ENDPOINT_PARAMS``. Agency staff of STP then request every staff route that
names an agency with another agency's values (``OTHER``) and must get 403 or
404 and none of that agency's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule

from survey.db import new_session
from survey.models import Agency, Counter, Period, StaffUser
from tests.factories import form_fields

ROLES = ("anonymous", "admin", "agency", "viewer")
ALL = frozenset(ROLES)
STAFF = frozenset({"admin", "agency", "viewer"})
ADMIN = frozenset({"admin"})


@dataclass(frozen=True)
class Access:
    roles: frozenset[str]
    # The fixtures have no object for this URL (e.g. no survey round), so a
    # 404 for an allowed role still proves the access check let it through.
    missing_ok: bool = False


ACCESS: dict[str, Access] = {
    "static": Access(ALL),
    "ops.health": Access(ALL),
    # Staff area: sign-in is open; sign-out is tested in test_sessions.py.
    "staff.login": Access(ALL),
    "staff.dashboard": Access(STAFF),
    "staff.agency_page": Access(STAFF),
    "staff_admin.users": Access(ADMIN),
    "staff_admin.user_new": Access(ADMIN),
    "staff_admin.user_edit": Access(ADMIN),
    "staff_admin.agencies": Access(ADMIN),
    "staff_admin.agency_edit": Access(ADMIN),
    "staff_admin.periods": Access(ADMIN),
    "staff_admin.period_new": Access(ADMIN),
    "staff_admin.period_edit": Access(ADMIN),
    "staff_admin.counters": Access(ADMIN),
    "staff_admin.counter_new": Access(ADMIN),
    "staff_admin.counter_edit": Access(ADMIN),
    # Kiosk enrolment and survey-round invitations: public, reached by token
    # or invitation code, which the fixtures do not hold.
    "integrity.enrol_form": Access(ALL, missing_ok=True),
    "integrity.enrol": Access(ALL, missing_ok=True),
    # Review of flagged responses: administrators only.
    "integrity.review": Access(ADMIN),
    "integrity.review_change": Access(ADMIN),
    "rounds.enter_code": Access(ALL),
    "rounds.answer": Access(ALL, missing_ok=True),
    "rounds.thanks": Access(ALL),
    # Survey rounds in the staff area; the fixtures hold no round.
    "rounds_staff.index": Access(STAFF),
    "rounds_staff.create": Access(ADMIN),
    "rounds_staff.detail": Access(STAFF, missing_ok=True),
    "rounds_staff.indices": Access(STAFF, missing_ok=True),
    "rounds_staff.rule": Access(ADMIN, missing_ok=True),
    "rounds_staff.target": Access(ADMIN, missing_ok=True),
    "rounds_staff.upload_frame": Access(ADMIN, missing_ok=True),
    "rounds_staff.run_draw": Access(ADMIN, missing_ok=True),
    "rounds_staff.status": Access(ADMIN, missing_ok=True),
    "rounds_staff.release": Access(ADMIN, missing_ok=True),
    "rounds_staff.letters_pdf": Access(ADMIN, missing_ok=True),
    "rounds_staff.invitations_csv": Access(ADMIN, missing_ok=True),
    # Counter-rating summaries: aggregates, so every staff role; agency staff
    # see their own units only.
    "counter_ratings.overview": Access(STAFF),
    "counter_ratings.unit": Access(STAFF),
    "counter_ratings.unit_pdf": Access(STAFF),
    # Exports: index tables are aggregates (every staff role); raw responses
    # and the paper import are for administrators and agency staff.
    "exports.index": Access(STAFF),
    "exports.indices": Access(STAFF),
    "exports.responses": Access(frozenset({"admin", "agency"})),
    "exports.import_paper": Access(frozenset({"admin", "agency"})),
    # Reports: the province report for administrators and viewers, an agency's
    # report for whoever may see that agency. Blank paper forms and paper entry
    # for administrators and agency staff; the paper form names its agency in
    # the query string, which the walk leaves out, hence 404.
    "reports.index": Access(STAFF),
    "reports.province_report": Access(frozenset({"admin", "viewer"})),
    "reports.agency_report": Access(STAFF),
    "reports.paper_form": Access(frozenset({"admin", "agency"}), missing_ok=True),
    "reports.paper_entry": Access(frozenset({"admin", "agency"})),
}

# Endpoints whose access has a dedicated test instead of the walk below.
SEPARATE = {
    "staff.logout": "test_sessions.py: sign-out as each role and anonymous",
}

PREFIX_ACCESS: dict[str, Access] = {
    "public.": Access(ALL),
    "api.": Access(ALL),
}


def expected_access(endpoint: str) -> Access | None:
    if endpoint in ACCESS:
        return ACCESS[endpoint]
    for prefix, access in PREFIX_ACCESS.items():
        if endpoint.startswith(prefix):
            return access
    return None


# The agency whose staff walk the routes, and another agency they may not see.
OWN_AGENCY = "STP"
OTHER_AGENCY = "SNV"


def _param_values(app: Flask, agency_code: str) -> dict[str, Any]:
    with new_session(app) as db:
        agency = db.scalar(select(Agency).where(Agency.code == agency_code))
        assert agency is not None
        counter = db.scalar(select(Counter).where(Counter.agency_id == agency.id))
        assert counter is not None, f"agency {agency_code} has no counter"
        period = db.scalar(select(Period).order_by(Period.id))
        assert period is not None
        user_id = db.scalar(select(StaffUser.id).order_by(StaffUser.id))
        return {
            "code": agency.code,
            "agency_code": agency.code,
            "counter_code": counter.code,
            "counter_id": counter.id,
            "period_id": period.id,
            "user_id": user_id,
            "key": "sipas-2017",
            "version": 1,
            "filename": "survey.css",
            "token": "no-such-token",
        }


# Parameter names whose values point at one agency's data.
AGENCY_PARAMS = {"code", "agency_code", "counter_code", "counter_id"}

# Values for endpoints (or endpoint prefixes ending in ".") whose parameter
# means something else than in _param_values.
ENDPOINT_PARAMS: dict[str, dict[str, Any]] = {
    "rounds_staff.": {"code": "NO-SUCH-ROUND"},
    "rounds.answer": {"code": "NO-SUCH-INVITATION"},
    "reports.": {"period_code": "2021"},
}


def endpoint_params(endpoint: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, values in ENDPOINT_PARAMS.items():
        if endpoint == key or (key.endswith(".") and endpoint.startswith(key)):
            found.update(values)
    return found


def _build(rule: Rule, values: dict[str, Any]) -> str:
    arguments = {}
    own = endpoint_params(rule.endpoint)
    for name in rule.arguments:
        if name in own:
            arguments[name] = own[name]
        elif name in values:
            arguments[name] = values[name]
        else:
            pytest.fail(
                f"route {rule.rule} ({rule.endpoint}) has the parameter <{name}>: "
                "add a value for it to _param_values or ENDPOINT_PARAMS in "
                "tests/staff/test_route_access.py"
            )
    path = rule.build(arguments, append_unknown=False)
    assert path is not None
    return path[1]


def _methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def _outcome(response: Any) -> str:
    """Classify a response as "ok", "login", "forbidden" or "missing"."""
    if response.status_code == 401:
        return "login"
    if response.status_code in (301, 302, 303, 307, 308):
        location = urlsplit(response.headers.get("Location", ""))
        if location.path == "/staff/login":
            return "login"
    if response.status_code == 403:
        return "forbidden"
    if response.status_code == 404:
        return "missing"
    return "ok"


def _csrf_token(client: FlaskClient) -> str:
    page = client.get("/staff/login", follow_redirects=True)
    token = form_fields(page.get_data(as_text=True)).get("csrf_token")
    assert token, "no csrf_token field on the sign-in page or the dashboard"
    return token


def _request(client: FlaskClient, method: str, url: str, token: str) -> Any:
    if method == "GET":
        response = client.get(url)
    else:
        response = client.open(url, method=method, data={"csrf_token": token})
    # Read the body and close the response, so that a streamed file is closed.
    response.get_data()
    response.close()
    return response


@pytest.fixture
def clients(app: Flask, staff_client) -> dict[str, FlaskClient]:
    return {
        "anonymous": app.test_client(),
        "admin": staff_client("admin"),
        "agency": staff_client("agency", OWN_AGENCY),
        "viewer": staff_client("viewer"),
    }


def test_every_route_has_an_access_row(app: Flask) -> None:
    missing = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if expected_access(rule.endpoint) is None and rule.endpoint not in SEPARATE
    ]
    assert not missing, (
        "no expected access for these endpoints: add a row for each to ACCESS in "
        f"tests/staff/test_route_access.py: {sorted(set(missing))}"
    )


def _check_rule(
    rule: Rule,
    clients: dict[str, FlaskClient],
    tokens: dict[str, str],
    values: dict[str, Any],
) -> list[str]:
    access = expected_access(rule.endpoint)
    assert access is not None
    url = _build(rule, values)
    problems = []
    for method in _methods(rule):
        outcomes = {
            role: _outcome(_request(client, method, url, tokens[role]))
            for role, client in clients.items()
        }
        if access.roles == ALL:
            # A public route responds to everyone alike (a kiosk page may refuse an
            # unenrolled device, an API call may lack parameters), and never
            # asks for a staff sign-in.
            for role, outcome in outcomes.items():
                if outcome != outcomes["anonymous"] or outcome == "login":
                    problems.append(
                        f"{role} {method} {url}: got {outcome}, anonymous got "
                        f"{outcomes['anonymous']}; public routes answer all alike"
                    )
            continue
        for role, outcome in outcomes.items():
            problems.extend(_judge(access, role, method, url, outcome))
    return problems


def _judge(access: Access, role: str, method: str, url: str, outcome: str) -> list[str]:
    allowed = role in access.roles
    reached = outcome == "ok" or (access.missing_ok and outcome == "missing")
    if allowed and not reached:
        return [f"{role} {method} {url}: expected access, got {outcome}"]
    if allowed:
        return []
    if role == "anonymous":
        if outcome == "login":
            return []
        return [f"anonymous {method} {url}: expected the sign-in page, got {outcome}"]
    if outcome not in ("forbidden", "missing"):
        return [f"{role} {method} {url}: expected 403 or 404, got {outcome}"]
    return []


def test_routes_by_role(app: Flask, clients: dict[str, FlaskClient]) -> None:
    values = _param_values(app, OWN_AGENCY)
    tokens = {role: _csrf_token(client) for role, client in clients.items()}
    problems: list[str] = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SEPARATE or expected_access(rule.endpoint) is None:
            continue
        problems.extend(_check_rule(rule, clients, tokens, values))
    assert not problems, "\n".join(problems)


def test_other_agency_ids_denied(app: Flask, clients: dict[str, FlaskClient]) -> None:
    """Agency staff who put another agency's code or id in a URL get no data."""
    other = _param_values(app, OTHER_AGENCY)
    own = _param_values(app, OWN_AGENCY)
    with new_session(app) as db:
        other_name = db.scalar(select(Agency.name).where(Agency.code == OTHER_AGENCY))
    assert other_name
    client = clients["agency"]
    token = _csrf_token(client)
    checked = []
    for rule in app.url_map.iter_rules():
        access = expected_access(rule.endpoint)
        if access is None or "anonymous" in access.roles:
            continue
        names = set(rule.arguments) - set(endpoint_params(rule.endpoint))
        if not AGENCY_PARAMS & names:
            continue
        url = _build(rule, {**own, **{k: other[k] for k in AGENCY_PARAMS}})
        for method in _methods(rule):
            response = _request(client, method, url, token)
            checked.append(url)
            assert response.status_code in (403, 404), f"{method} {url}"
            assert other_name not in response.get_data(as_text=True), f"{method} {url}"
    assert "/staff/agencies/SNV" in checked


def test_agency_page_of_own_agency(clients: dict[str, FlaskClient]) -> None:
    response = clients["agency"].get(f"/staff/agencies/{OWN_AGENCY}")
    assert response.status_code == 200
    assert "Sở Tư pháp" in response.get_data(as_text=True)
