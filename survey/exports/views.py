"""Staff pages: download exports and import typed-in paper questionnaires.

Every staff role may download index tables (aggregates). Raw responses, which
hold free text, are for administrators and agency staff only, and agency staff
get only their own agency and its sub-units. The same rule holds for imports.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_file,
    stream_with_context,
)
from flask_babel import gettext as _
from sqlalchemy import select

from survey.db import get_session, new_session
from survey.errors import error_response
from survey.exports import bp
from survey.exports.importer import ImportRejected, import_table, rows_summary
from survey.exports.reader import RowProblem, read_table
from survey.exports.service import open_export
from survey.exports.source import ExportRequestError, ResponseFilter, make_filter
from survey.exports.tables import index_csv, index_rows, index_xlsx
from survey.exports.writers import (
    MEDIA_TYPES,
    ExportTooLarge,
    csv_chunks,
    write_sav,
    write_xlsx,
)
from survey.models import Agency, Period, QuestionnaireVersion
from survey.staff.access import current_staff, roles_required, visible_agency_ids

log = logging.getLogger(__name__)

RAW_ROLES = ("admin", "agency")
STAFF_ROLES = ("admin", "agency", "viewer")
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
# Seconds a checked import file waits for confirmation before it is deleted.
PREVIEW_SECONDS = 24 * 3600
# Problems shown on the import page; the rest are counted.
SHOWN_PROBLEMS = 500


def _choices() -> dict[str, Any]:
    session = get_session()
    visible = visible_agency_ids(session)
    agencies = session.scalars(
        select(Agency).where(Agency.kind != "province").order_by(Agency.code)
    ).all()
    return {
        "periods": session.scalars(select(Period).order_by(Period.code)).all(),
        "agencies": [a for a in agencies if visible is None or a.id in visible],
        "questionnaires": sorted(
            set(session.scalars(select(QuestionnaireVersion.key)))
        ),
        "default_questionnaire": current_app.config["DEFAULT_QUESTIONNAIRE"],
    }


@bp.get("/")
@roles_required(*STAFF_ROLES)
def index() -> str:
    user = current_staff()
    raw_allowed = user is not None and user.role in RAW_ROLES
    return render_template("exports/index.html", raw_allowed=raw_allowed, **_choices())


def _filter_from_request() -> ResponseFilter:
    session = get_session()
    visible = visible_agency_ids(session)
    agency_code = request.args.get("agency") or None
    if agency_code and visible is not None:
        agency_id = session.scalar(select(Agency.id).where(Agency.code == agency_code))
        if agency_id is None or agency_id not in visible:
            abort(403)
    key = (
        request.args.get("questionnaire") or current_app.config["DEFAULT_QUESTIONNAIRE"]
    )
    return make_filter(
        session, key, request.args.get("period") or None, agency_code, visible
    )


def _file_name(response_filter: ResponseFilter, kind: str) -> str:
    parts = ["phieu", response_filter.questionnaire]
    parts += [
        p for p in (response_filter.period_code, response_filter.agency_code) if p
    ]
    return "-".join(re.sub(r"[^A-Za-z0-9-]", "", part) for part in parts) + f".{kind}"


@bp.get("/responses")
@roles_required(*RAW_ROLES)
def responses() -> Any:
    """Stream the responses of the filter in the requested format."""
    kind = request.args.get("format", "csv")
    if kind not in MEDIA_TYPES:
        return error_response(
            400, _("Định dạng %(kind)s không hợp lệ.", kind=kind[:10])
        )
    try:
        response_filter = _filter_from_request()
    except ExportRequestError as error:
        return error_response(404, str(error))
    user = current_staff()
    log.info(
        "export requested: format=%s questionnaire=%s period=%s agency=%s user=%s",
        kind,
        response_filter.questionnaire,
        response_filter.period_code,
        response_filter.agency_code,
        user.id if user else None,
    )
    name = _file_name(response_filter, kind)
    if kind == "csv":
        return Response(
            stream_with_context(_csv_stream(response_filter)),
            mimetype=MEDIA_TYPES["csv"],
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return _file_download(response_filter, kind, name)


def _csv_stream(response_filter: ResponseFilter) -> Iterator[bytes]:
    config = current_app.config
    with new_session() as session:
        export = open_export(
            session, response_filter, config["TIMEZONE"], config["EXPORT_CHUNK_ROWS"]
        )
        yield from csv_chunks(export)


def _file_download(response_filter: ResponseFilter, kind: str, name: str) -> Any:
    """Write XLSX or SPSS to a temporary file, then send it from disk."""
    import tempfile

    config = current_app.config
    # send_file closes the file once the response is sent.
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    with new_session() as session:
        export = open_export(
            session, response_filter, config["TIMEZONE"], config["EXPORT_CHUNK_ROWS"]
        )
        try:
            if kind == "xlsx":
                write_xlsx(export, handle, config["EXPORT_XLSX_SHEET_ROWS"])
            else:
                _write_sav_to(export, handle, config["EXPORT_SAV_MAX_ROWS"])
        except ExportTooLarge as error:
            handle.close()
            return error_response(413, str(error))
    handle.seek(0)
    return send_file(
        handle, mimetype=MEDIA_TYPES[kind], as_attachment=True, download_name=name
    )


def _write_sav_to(export: Any, handle: Any, max_rows: int) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "export.sav"
        write_sav(export, path, max_rows)
        handle.write(path.read_bytes())


@bp.get("/indices")
@roles_required(*STAFF_ROLES)
def indices() -> Any:
    """Send the index table of a period; agency staff get their own rows only."""
    from survey.indices import service

    kind = request.args.get("format", "csv")
    period = request.args.get("period")
    if kind not in ("csv", "xlsx"):
        return error_response(
            400, _("Định dạng %(kind)s không hợp lệ.", kind=kind[:10])
        )
    if not period:
        return error_response(400, _("Hãy chọn kỳ khảo sát."))
    key = (
        request.args.get("questionnaire") or current_app.config["DEFAULT_QUESTIONNAIRE"]
    )
    session = get_session()
    try:
        table_request = service.prepare(session, period, (), key)
    except service.IndexRequestError as error:
        return error_response(404, str(error))
    table = service.index_table(session, table_request)
    visible = visible_agency_ids(session)
    codes = None
    if visible is not None:
        codes = set(session.scalars(select(Agency.code).where(Agency.id.in_(visible))))
    heading, rows = index_rows(table, codes)
    name = f"chi-so-{re.sub(r'[^A-Za-z0-9-]', '', period)}.{kind}"
    if kind == "csv":
        data = index_csv(heading, rows)
    else:
        buffer = io.BytesIO()
        index_xlsx(heading, rows, bool(table.synthetic), buffer)
        data = buffer.getvalue()
    return send_file(
        io.BytesIO(data),
        mimetype=MEDIA_TYPES[kind],
        as_attachment=True,
        download_name=name,
    )


def _upload_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _remove_stale_previews(directory: Path) -> None:
    """Delete checked files that were never confirmed within PREVIEW_SECONDS."""
    limit = time.time() - PREVIEW_SECONDS
    for path in directory.glob("*"):
        if path.suffix in (".csv", ".xlsx") and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            log.info("unconfirmed import preview removed: %s", path.name)


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*RAW_ROLES)
def import_paper() -> Any:
    """Upload a file and see its problems (preview), then confirm to store it."""
    if request.method == "GET":
        return render_template("exports/import.html")
    request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]
    token = request.form.get("token", "")
    if token:
        return _confirm(token)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template(
            "exports/import.html", error=_("Hãy chọn một tệp CSV hoặc XLSX.")
        ), 400
    name = upload.filename
    if not name.lower().endswith((".csv", ".xlsx")):
        return render_template(
            "exports/import.html", error=_("Chỉ nhận tệp .csv hoặc .xlsx.")
        ), 400
    data = upload.read()
    outcome = _run_import(name, data, dry_run=True)
    if outcome["problems"]:
        return render_template("exports/import.html", **outcome), 422
    _remove_stale_previews(_upload_dir())
    token = secrets.token_hex(16)
    suffix = ".xlsx" if name.lower().endswith(".xlsx") else ".csv"
    (_upload_dir() / f"{token}{suffix}").write_bytes(data)
    return render_template("exports/import.html", token=token, **outcome)


def _confirm(token: str) -> Any:
    if not _TOKEN.match(token):
        abort(404)
    found = [
        p for p in _upload_dir().glob(f"{token}.*") if p.suffix in (".csv", ".xlsx")
    ]
    if not found:
        return render_template(
            "exports/import.html",
            error=_("Tệp đã xem trước không còn; hãy tải lên lại."),
        ), 404
    path = found[0]
    outcome = _run_import(path.name, path.read_bytes(), dry_run=False)
    path.unlink(missing_ok=True)
    status = 422 if outcome["problems"] else 200
    return render_template(
        "exports/import.html", done=not outcome["problems"], **outcome
    ), status


def _run_import(name: str, data: bytes, dry_run: bool) -> dict[str, Any]:
    config = current_app.config
    table = read_table(name, data)
    session = get_session()
    problems: list[RowProblem] = _invisible_rows(table)
    summary = None
    if not problems:
        try:
            report = import_table(
                session,
                table,
                zone=config["TIMEZONE"],
                text_limit=config["TEXT_MAX_LENGTH"],
                dry_run=dry_run,
            )
            summary = rows_summary(report)
        except ImportRejected as rejected:
            problems = rejected.problems
    return {
        "problems": [str(p) for p in problems[:SHOWN_PROBLEMS]],
        "hidden_problems": max(0, len(problems) - SHOWN_PROBLEMS),
        "summary": summary,
    }


def _invisible_rows(table: Any) -> list[RowProblem]:
    """Return a problem for each row of an agency the user may not see."""
    session = get_session()
    visible = visible_agency_ids(session)
    if visible is None:
        return []
    codes = set(session.scalars(select(Agency.code).where(Agency.id.in_(visible))))
    return [
        RowProblem(
            row.line,
            "agency_code",
            _("Tài khoản này chỉ được nhập phiếu của cơ quan mình."),
            row.sheet,
        )
        for row in table.rows
        if row.cells.get("agency_code") not in codes
    ]
