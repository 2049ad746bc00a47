"""The OpenAPI 3.1 document of the API, served at /api/v1/openapi.json.

Routes of other modules add their paths to PATHS at import time.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify

from survey.api import bp

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "message"],
            "properties": {
                "status": {"type": "integer"},
                "message": {"type": "string"},
                "problems": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "item": {"type": ["string", "null"]},
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                        },
                    },
                },
            },
        }
    },
}


def error_responses(*statuses: int) -> dict[str, Any]:
    return {
        str(status): {
            "description": "Lỗi, kèm thông báo tiếng Việt",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
            },
        }
        for status in statuses
    }


def json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }


ANSWER_VALUE = {
    "oneOf": [
        {"type": "integer", "description": "Giá trị lựa chọn trên thang đo"},
        {
            "type": "string",
            "description": "'na' (Không áp dụng), số dạng chuỗi, hoặc văn bản",
        },
        {
            "type": "array",
            "items": {"type": "integer"},
            "description": "Câu nhiều lựa chọn",
        },
    ]
}

PATHS: dict[str, Any] = {
    "/agencies": {
        "get": {
            "summary": "List the agencies that take part in the survey today",
            "responses": {"200": json_response("Agencies", {"type": "object"})},
        }
    },
    "/questionnaires": {
        "get": {
            "summary": "List stored questionnaire versions",
            "responses": {"200": json_response("Versions", {"type": "object"})},
        }
    },
    "/questionnaires/{key}/{version}": {
        "get": {
            "summary": "Fetch one questionnaire version with its full definition",
            "parameters": [
                {
                    "name": "key",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                },
                {
                    "name": "version",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer"},
                },
            ],
            "responses": {
                "200": json_response("The definition", {"type": "object"}),
                **error_responses(404),
            },
        }
    },
    "/agencies/{code}/responses": {
        "post": {
            "summary": "Submit one response; a repeated submission_id adds nothing",
            "parameters": [
                {
                    "name": "code",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                }
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/Submission"}
                    }
                },
            },
            "responses": {
                "201": json_response(
                    "Stored", {"$ref": "#/components/schemas/Receipt"}
                ),
                "200": json_response(
                    "Already stored under this submission_id with the same answers",
                    {"$ref": "#/components/schemas/Receipt"},
                ),
                **error_responses(400, 404, 409, 413, 415, 422),
            },
        }
    },
    "/counts": {
        "get": {
            "summary": "Count stored responses per agency in a period",
            "parameters": [
                {
                    "name": "period",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string"},
                }
            ],
            "responses": {
                "200": json_response("Counts", {"type": "object"}),
                **error_responses(404),
            },
        }
    },
}

SCHEMAS: dict[str, Any] = {
    "Error": ERROR,
    "Submission": {
        "type": "object",
        "required": ["submission_id", "questionnaire", "version", "answers"],
        "additionalProperties": False,
        "properties": {
            "submission_id": {"type": "string", "format": "uuid"},
            "questionnaire": {"type": "string", "example": "sipas-2017"},
            "version": {"type": "integer", "minimum": 1},
            "channel": {
                "type": "string",
                "enum": ["online", "kiosk"],
                "default": "online",
            },
            "counter": {"type": "string"},
            "captured_at": {
                "type": "string",
                "format": "date-time",
                "description": (
                    "Lúc người dân gửi phiếu, theo đồng hồ máy gửi. Không có chứng "
                    "thực kiosk: lùi tối đa ONLINE_CAPTURE_MAX_MINUTES phút, quá thì "
                    "422. Từ kiosk đã đăng ký: phiếu xếp hàng quá "
                    "KIOSK_QUEUE_MAX_HOURS giờ được tính theo lúc nhận."
                ),
            },
            "answers": {"type": "object", "additionalProperties": ANSWER_VALUE},
        },
    },
    "Receipt": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "submission_id": {"type": "string", "format": "uuid"},
            "received_at": {"type": "string", "format": "date-time"},
            "created": {"type": "boolean"},
        },
    },
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Khảo sát sự hài lòng (SIPAS) API",
            "version": "1",
            "description": "Danh sách cơ quan, phiếu khảo sát, gửi phiếu và số phiếu.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    }


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(document())
