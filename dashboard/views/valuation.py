"""Valuation: fair value per period end under the configured basis, price, source, depeg."""

from __future__ import annotations

from dashboard.snapshot import Snapshot
from dashboard.views.common import Filters, needs, show_table


def render(snapshot: Snapshot, filters: Filters) -> None:
    if not needs(snapshot, "marts.fair_value", "Valuation"):
        return
    df = snapshot.query("select * from marts.fair_value order by period_end_date desc")
    show_table(df, "fair_value", "fair-value")
