"""Error pages and JSON errors: a clear Vietnamese message, never a bare status line."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def _messages() -> dict[int, str]:
    return {
        400: _("Yêu cầu không hợp lệ."),
        403: _("Bạn không có quyền xem trang này."),
        404: _("Không tìm thấy trang hoặc dữ liệu được yêu cầu."),
        405: _("Phương thức này không được hỗ trợ tại địa chỉ này."),
        409: _("Yêu cầu xung đột với dữ liệu đã lưu."),
        413: _("Dữ liệu gửi lên quá lớn."),
        415: _("Định dạng dữ liệu không được hỗ trợ."),
        429: _("Quá nhiều yêu cầu. Vui lòng thử lại sau ít phút."),
        500: _("Máy chủ gặp lỗi. Câu trả lời chưa được lưu, vui lòng thử lại."),
        503: _("Hệ thống tạm thời không phục vụ được. Vui lòng thử lại sau ít phút."),
    }


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None, **extra: object):
    message = message or _messages().get(status, _("Đã có lỗi xảy ra."))
    if wants_json():
        body = {"error": {"status": status, "message": message, **extra}}
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message), status


def _http_error(error: HTTPException):
    status = error.code or 500
    body, status = error_response(status)
    response = make_response(body, status)
    if status == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _server_error(error: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)
