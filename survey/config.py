"""The one catalogue of settings: defaults here, overridden by environment variables.

Each setting named ``X`` below can be set with the variable ``SURVEY_X``; a test
passes a dict to ``create_app`` instead.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

# The checkout that contains questionnaires/, agencies/ and templates/.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    # SQLAlchemy URL. Empty means SQLite in the instance folder.
    "DATABASE_URL": "",
    # Signs sessions and anti-forgery tokens. Empty means a random key kept in
    # the instance folder, so that sessions survive a restart.
    "SECRET_KEY": "",
    # The zone in which periods, quarters and days are counted.
    "TIMEZONE": "Asia/Ho_Chi_Minh",
    # Connections each server process keeps open to PostgreSQL, the extra ones it
    # may open under load, and the seconds a request waits for a free one.
    "DB_POOL_SIZE": 5,
    "DB_MAX_OVERFLOW": 10,
    "DB_POOL_TIMEOUT": 10,
    # Seconds to wait for PostgreSQL to accept a connection before giving up.
    "DB_CONNECT_TIMEOUT": 3,
    # Shared store for rate limits across processes; empty keeps them in memory.
    "REDIS_URL": "",
    # Reverse proxies in front of the app servers whose X-Forwarded-For and
    # X-Forwarded-Proto are trusted (0: none, the app faces clients directly).
    "PROXY_COUNT": 0,
    "QUESTIONNAIRE_DIR": str(PROJECT_ROOT / "questionnaires"),
    "AGENCY_FILE": str(PROJECT_ROOT / "agencies" / "binh-dinh-2021.yaml"),
    # Questionnaire a public survey page shows when the link names none.
    "DEFAULT_QUESTIONNAIRE": "sipas-2017",
    # Largest request body accepted, in bytes.
    "MAX_CONTENT_LENGTH": 64 * 1024,
    # Seconds without a touch after which a kiosk returns to its start page.
    "KIOSK_IDLE_SECONDS": 90,
    # Seconds the kiosk's thank-you page stays before the next respondent.
    "KIOSK_THANKS_SECONDS": 8,
    # The last seconds of KIOSK_IDLE_SECONDS during which the kiosk shows a
    # countdown before it clears the form. WCAG 2.2.1 asks for at least 20
    # seconds to extend a time limit with a simple action.
    "KIOSK_COUNTDOWN_SECONDS": 20,
    # Characters kept of one free-text answer; longer text is rejected.
    "TEXT_MAX_LENGTH": 2000,
    # Send the session cookie over HTTPS only. Browsers also accept such a cookie
    # from http://127.0.0.1 and http://localhost; set SURVEY_SESSION_COOKIE_SECURE=0
    # only for a plain-HTTP test server reached under another name.
    "SESSION_COOKIE_SECURE": True,
    # Browsers send the session cookie on top-level links from other sites but
    # not on their form posts or embedded requests.
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Minutes without a request after which a staff sign-in ends.
    "STAFF_IDLE_MINUTES": 30,
    # Hours after sign-in at which a staff session ends, however active.
    "STAFF_ABSOLUTE_HOURS": 12,
    # Failed sign-ins allowed per account, and sign-in attempts per client
    # address, in the limits library's notation ("N per M minutes").
    "STAFF_LOGIN_LIMIT_ACCOUNT": "5 per 15 minutes",
    "STAFF_LOGIN_LIMIT_ADDRESS": "30 per 15 minutes",
    # Prefix of the rate-limit keys in the shared store.
    "RATELIMIT_KEY_PREFIX": "survey",
    # Argon2id cost of staff password hashes: passes, memory in KiB, lanes. The
    # defaults are argon2-cffi's (RFC 9106's second recommended option); a
    # stored hash with other costs is rehashed at the next sign-in.
    "STAFF_ARGON2_TIME_COST": 3,
    "STAFF_ARGON2_MEMORY_KIB": 65536,
    "STAFF_ARGON2_PARALLELISM": 4,
    # Shortest staff password accepted, in characters.
    "STAFF_PASSWORD_MIN_LENGTH": 12,
    # Key of the HMAC under which receipt codes (mã hồ sơ) are stored. Empty
    # derives one from SECRET_KEY; changing it forgets every stored code.
    "RECEIPT_CODE_KEY": "",
    # Days a receipt-code hash is kept to refuse a second response for the same
    # dossier; `survey purge` deletes older ones. A local choice, not a rule.
    "RECEIPT_CODE_RETENTION_DAYS": 365,
    # Days optional contact details are kept after the respondent opted in.
    "CONTACT_RETENTION_DAYS": 90,
    # Per registered kiosk: seconds required between two responses, and the
    # maximum responses per hour. Over the limit the kiosk gets 429 and retries.
    "KIOSK_MIN_GAP_SECONDS": 5,
    "KIOSK_MAX_PER_HOUR": 120,
    # Phone and web responses per client address, in the limits library's
    # notation. One address may hide many people on a shared network.
    "PHONE_LIMIT_ADDRESS": "10 per minute;60 per hour",
    # Hours a response from an enrolled kiosk may wait in its queue: an older
    # capture time is replaced by the arrival time, so the response counts in
    # the current period rather than in one already reported.
    "KIOSK_QUEUE_MAX_HOURS": 168,
    # Minutes a capture time sent through the API without a kiosk credential
    # may lie in the past. Such a client has no queue, so an older one is
    # rejected: it would move the response into a past period.
    "ONLINE_CAPTURE_MAX_MINUTES": 60,
    # Turns the per-kiosk and per-address submission limits on or off.
    "SUBMISSION_LIMITS_ENABLED": True,
    # A response completed this many seconds after the form was shown is
    # flagged as too fast. An estimate for a 20-30 item form, not a standard.
    "FORM_MIN_SECONDS": 30,
    # Flag a response that gives the same value to every scale item, when it
    # answers at least this many scale items; 0 turns the rule off.
    "STRAIGHT_LINING_MIN_ITEMS": 5,
    # A kiosk's responses captured in the last 10 minutes are flagged as a burst
    # above max(KIOSK_BURST_MIN, KIOSK_BURST_FACTOR x its mean per 10 minutes
    # over the previous 7 days).
    "KIOSK_BURST_MIN": 20,
    "KIOSK_BURST_FACTOR": 5,
    # Hours a kiosk enrolment link stays valid after `survey kiosk issue`.
    "KIOSK_ENROLMENT_HOURS": 24,
    # Who collects the responses and where respondents exercise their rights,
    # as the privacy notice before the first question names them.
    "DATA_CONTROLLER_NAME": "Sở Nội vụ",
    "DATA_CONTROLLER_CONTACT": "",
    # Seconds a client is asked to wait (Retry-After header) when the database is down.
    "DB_RETRY_AFTER_SECONDS": 10,
    # Key of the questionnaire whose responses are counter ratings.
    "COUNTER_RATING_QUESTIONNAIRE": "counter-rating",
    # Points of each indicator option, as "option value:points"; the maximum of an
    # indicator is its highest points (9 indicators × 2 = 18 with the shipped form).
    "COUNTER_RATING_POINTS": ["2:2", "1:1", "0:0"],
    # Rating bands as "minimum percent:label", highest first, the last one at 0.
    # Unconfirmed defaults: no official banding of counter ratings was found.
    "COUNTER_RATING_BANDS": ["90:Tốt", "70:Đạt", "0:Chưa đạt"],
    # What the bands apply to: "satisfaction" (the satisfaction ratio) or
    # "score" (the total score in percent of its maximum).
    "COUNTER_RATING_BAND_BASIS": "satisfaction",
    # Responses read per query while an export streams; memory grows with it.
    "EXPORT_CHUNK_ROWS": 2000,
    # Data rows per XLSX sheet before the export starts another sheet (Excel
    # holds 1,048,576 rows per sheet, one of them the heading).
    "EXPORT_XLSX_SHEET_ROWS": 1_048_575,
    # Largest SPSS export in responses: the .sav writer holds the whole table
    # in memory (an estimate of 1-2 KB per response with the shipped forms).
    "EXPORT_SAV_MAX_ROWS": 300_000,
    # Largest spreadsheet accepted by the paper import page, in bytes.
    "IMPORT_MAX_BYTES": 10 * 1024 * 1024,
    # Body named on printed reports and paper forms as their issuer.
    "REPORT_ISSUER": "Sở Nội vụ",
    # Name printed in the report footer as "Người lập: …"; empty prints none.
    "REPORT_PREPARED_BY": "",
    # Free-text comments quoted in a report, most recent first; 0 quotes none.
    "REPORT_COMMENTS": 30,
    # Address of this site encoded in the QR code of paper forms, e.g.
    # https://khaosat.example.vn; empty uses the address of the staff request,
    # or http://localhost:5000 on the command line.
    "PUBLIC_BASE_URL": "",
    # Key from which invitation codes and their stored hashes are derived; empty
    # uses SECRET_KEY. Changing it during a round invalidates every printed code.
    "INVITATION_KEY": "",
    # Public address of this site as printed on invitation letters and QR codes.
    "INVITATION_BASE_URL": "http://127.0.0.1:5000",
    # Largest sampling-frame upload accepted on the staff pages, in bytes.
    "ROUND_FRAME_MAX_BYTES": 50 * 1024 * 1024,
    # Sender named at the top of invitation letters.
    "ROUND_LETTER_SENDER": "Sở Nội vụ tỉnh Bình Định",
    "BABEL_DEFAULT_LOCALE": "vi",
    "LANGUAGES": ["vi", "en"],
}


def _coerce(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, list):
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Return the defaults with every ``SURVEY_*`` variable applied."""
    environ = dict(os.environ if environ is None else environ)
    settings = dict(DEFAULTS)
    for name, default in DEFAULTS.items():
        raw = environ.get(f"SURVEY_{name}")
        if raw is not None:
            try:
                settings[name] = _coerce(raw, default)
            except ValueError as error:
                expected = type(default).__name__
                raise ValueError(
                    f"SURVEY_{name}={raw!r} is invalid: expected {expected}"
                ) from error
    return settings


def finish(settings: dict[str, Any], instance_path: Path) -> dict[str, Any]:
    """Fill in the settings whose defaults depend on the instance folder."""
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{instance_path / 'survey.sqlite3'}"
    if not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = _instance_secret(instance_path)
    return settings


def _instance_secret(instance_path: Path) -> str:
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
