"""Gzip for the static files of the public pages.

Only /static/ is compressed, because static files carry no secret. The survey
pages carry an anti-forgery token and, after a rejected post, the respondent's
answers, so compressing them over HTTPS would open them to BREACH-style length
attacks.
"""

from __future__ import annotations

import gzip

from flask import Response, current_app, request

# Below this size gzip saves a few hundred bytes at most.
MIN_SIZE = 1024


def gzip_static(response: Response) -> Response:
    """Compress a full static-file response when the client accepts gzip."""
    static = current_app.static_url_path or "/static"
    if (
        not request.path.startswith(static + "/")
        or response.status_code != 200
        or "gzip" not in request.headers.get("Accept-Encoding", "")
        or "Content-Encoding" in response.headers
    ):
        return response
    response.direct_passthrough = False
    body = response.get_data()
    if len(body) < MIN_SIZE:
        return response
    response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    # The validator belongs to the uncompressed file, so it is only weak here.
    etag, _weak = response.get_etag()
    if etag:
        response.set_etag(etag, weak=True)
    response.vary.add("Accept-Encoding")
    return response
