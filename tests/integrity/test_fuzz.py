"""Arbitrary JSON and form bodies never make the server fail (no 5xx)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import api_body, form_post_data

FIELDS = [
    "submission_id",
    "questionnaire",
    "version",
    "channel",
    "counter",
    "captured_at",
    "answers",
    "started_at",
    "receipt_code",
    "contact_opt_in",
    "contact",
    "TC1",
    "KQ1",
    "YK1",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=5
        )
    ),
    max_leaves=12,
)
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(body=json_values)
def test_arbitrary_json_no_5xx(client, body):
    reply = client.post(
        "/api/v1/agencies/STP/responses",
        data=json.dumps(body),
        content_type="application/json",
    )
    assert reply.status_code < 500, reply.get_data(as_text=True)[:300]


@SETTINGS
@given(changes=st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=5))
def test_mutated_valid_json_no_5xx(client, changes):
    body = api_body()
    body.update(changes)
    reply = client.post("/api/v1/agencies/STP/responses", json=body)
    assert reply.status_code < 500, reply.get_data(as_text=True)[:300]


@pytest.fixture
def base_form(client):
    return form_post_data(client, "/s/STP")


@SETTINGS
@given(
    changes=st.dictionaries(
        st.sampled_from(FIELDS) | st.text(max_size=8),
        st.text(max_size=60) | st.lists(st.text(max_size=10), max_size=3),
        max_size=6,
    )
)
def test_mutated_form_no_5xx(client, base_form, changes):
    data = {**base_form, **changes}
    reply = client.post("/s/STP", data=data)
    assert reply.status_code < 500, reply.get_data(as_text=True)[:300]
