"""The OpenAPI document is valid and names every API route."""

from __future__ import annotations

import re

from openapi_spec_validator import validate


def test_document_is_valid_openapi(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)


def test_document_lists_every_api_route(app, client):
    paths = set(client.get("/api/v1/openapi.json").get_json()["paths"])
    for rule in app.url_map.iter_rules():
        if (
            not rule.rule.startswith("/api/v1/")
            or rule.endpoint == "api.openapi_document"
        ):
            continue
        path = re.sub(
            r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1")
        )
        assert path in paths, f"{rule.rule} is missing from survey/api/openapi.py PATHS"
