"""Commands `survey kiosk issue|list|revoke` and `survey purge`."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from survey.agencies.queries import agency_by_code, counter_by_code
from survey.db import new_session, utcnow
from survey.integrity import bp, kiosks
from survey.integrity.purge import purge
from survey.models import Kiosk

kiosk_group = AppGroup("kiosk", help="Register, list and revoke kiosks.")
bp.cli.add_command(kiosk_group)


@kiosk_group.command("issue")
@click.option("--agency", "agency_code", required=True, help="Agency code, e.g. STP.")
@click.option("--counter", "counter_code", required=True, help="Counter code.")
@click.option("--label", default="", help="A name staff use for the device.")
@click.option(
    "--base-url",
    default="http://127.0.0.1:5000",
    show_default=True,
    help="Address of this server as the kiosk reaches it.",
)
def issue_command(
    agency_code: str, counter_code: str, label: str, base_url: str
) -> None:
    """Register a kiosk and print its one-time enrolment link."""
    hours = current_app.config["KIOSK_ENROLMENT_HOURS"]
    with new_session() as session:
        agency = agency_by_code(session, agency_code)
        if agency is None:
            raise click.BadParameter(
                f"no agency with code {agency_code!r}", param_hint="--agency"
            )
        counter = counter_by_code(session, agency, counter_code)
        if counter is None:
            raise click.BadParameter(
                f"no open counter {counter_code!r} at {agency_code}",
                param_hint="--counter",
            )
        issued = kiosks.issue(
            session,
            agency,
            counter,
            valid_for=timedelta(hours=hours),
            actor="cli",
            label=label,
        )
    link = f"{base_url.rstrip('/')}/kiosk/enrol/{issued.enrolment_token}"
    click.echo(
        f"kiosk {issued.kiosk_id} registered for {agency_code} counter {counter_code}"
    )
    click.echo(f"open this link once on the kiosk, before {_local(issued.expires_at)}:")
    click.echo(link)


@kiosk_group.command("list")
def list_command() -> None:
    """List registered kiosks and their state."""
    with new_session() as session:
        for kiosk in session.scalars(select(Kiosk).order_by(Kiosk.id)):
            if kiosk.revoked_at is not None:
                state = f"revoked {_local(kiosk.revoked_at)}"
            elif kiosk.credential_hash is None:
                state = "waiting for enrolment"
            else:
                state = f"enrolled {_local(kiosk.enrolled_at)}"
            click.echo(
                f"{kiosk.id}\t{kiosk.agency.code}\t{kiosk.counter.code}\t{kiosk.label}\t{state}"
            )


@kiosk_group.command("revoke")
@click.argument("kiosk_id", type=int)
def revoke_command(kiosk_id: int) -> None:
    """Revoke kiosk KIOSK_ID: its credential stops working at once."""
    with new_session() as session:
        kiosk = session.get(Kiosk, kiosk_id)
        if kiosk is None:
            raise click.BadParameter(
                f"no kiosk with id {kiosk_id}", param_hint="KIOSK_ID"
            )
        kiosks.revoke(session, kiosk, actor="cli")
    click.echo(f"kiosk {kiosk_id} revoked")


@bp.cli.command("purge")
def purge_command() -> None:
    """Delete receipt-code hashes and contact details past their retention."""
    config = current_app.config
    now = utcnow()
    with new_session() as session:
        result = purge(
            session,
            now=now,
            today=now.astimezone(ZoneInfo(config["TIMEZONE"])).date(),
            receipt_days=config["RECEIPT_CODE_RETENTION_DAYS"],
            actor="cli",
        )
    click.echo(
        f"deleted {result.receipt_codes} receipt-code hashes and "
        f"{result.contact_details} contact details"
    )


def _local(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
