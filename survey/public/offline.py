"""The kiosk's service worker, which lets a kiosk page reload without a network.

The worker is served from ``/kiosk/`` rather than ``/static/`` because a
worker's scope cannot be above the folder of its script. Its cache name carries
a digest of the static files it keeps, so a deployment that changes any of them
ships a worker with another name. The browser then installs the new worker, and
the new worker deletes the old cache.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Response, current_app, make_response, render_template, url_for
from flask.sansio.app import App

# Static files of the kiosk survey page, as its templates load them.
KIOSK_ASSETS = ("survey.css", "steps.js", "kiosk.js", "kiosk-queue.js")
CACHE_PREFIX = "survey-kiosk-"
EXTENSION = "survey.kiosk_cache"


def assets_digest(static_folder: Path, names: tuple[str, ...] = KIOSK_ASSETS) -> str:
    """Return a short SHA-256 digest of the named static files, names included."""
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode("utf-8") + b"\0")
        digest.update((static_folder / name).read_bytes())
    return digest.hexdigest()[:16]


def init_app(app: App) -> None:
    """Compute the worker's cache name once, when the app is built."""
    static_folder = Path(app.static_folder or "")
    app.extensions[EXTENSION] = CACHE_PREFIX + assets_digest(static_folder)


def service_worker() -> Response:
    """Render the worker script with its cache name and the URLs it keeps."""
    script = render_template(
        "public/kiosk-service-worker.js",
        cache_name=current_app.extensions[EXTENSION],
        cache_prefix=CACHE_PREFIX,
        assets=[url_for("static", filename=name) for name in KIOSK_ASSETS],
    )
    response = make_response(script)
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    # The browser checks for a new worker at every kiosk page load. With
    # no-cache that check reaches the server, so a deployment takes effect at once.
    response.headers["Cache-Control"] = "no-cache"
    return response
