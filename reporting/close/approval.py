"""Approval (sign-off) of a close by a second person.

The close records who prepared it (`closed_by`). An approval is an event appended to
`audit.close_events` (event `approve`, the approver as actor), never an update: the close in
force must exist, the approver must not be its preparer, and a close is approved once (a second
approval changes nothing and says so). A reopen starts a new close id, which needs its own
approval.

The close's stored files are the record and stay untouched: the approval stores one more file,
`usd1-close-<period>-approved.pdf`, the PDF with its sign-off block filled in, as a new revision
in `audit.close_pack_files` (reporting/close/packfiles.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from reporting.close.closing import ClosedPeriod, CloseError
from reporting.close.pdf import Approval

APPROVE_EVENT = "approve"


def approved_name(base_name: str) -> str:
    return f"{base_name}-approved.pdf"


def approval_of(con: duckdb.DuckDBPyConnection, close_id: str) -> Approval | None:
    """The recorded approval of a close (the first one), or None."""
    row = con.execute(
        "select actor, event_at from audit.close_events where close_id = ? and event = ? "
        "order by event_at limit 1",
        [close_id, APPROVE_EVENT],
    ).fetchone()
    return Approval(row[0], row[1].astimezone(UTC)) if row else None


def same_user(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def check_approver(closed: ClosedPeriod, approver: str) -> str:
    """The approver's name, or CloseError if it is empty or the close's preparer."""
    approver = (approver or "").strip()
    if not approver:
        raise CloseError("--approve needs an approver: pass --by NAME (or set USD1INV_USER)")
    if same_user(approver, closed.closed_by):
        raise CloseError(
            f"approval refused: {approver} prepared (closed) {closed.close_id}; the approval "
            "must come from another user (run it as that user, or pass --by NAME)"
        )
    return approver


def approval_time(now: datetime | None) -> datetime:
    """Approval times are stored to the second, as the sign-off block shows them."""
    return (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
