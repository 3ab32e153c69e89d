"""Static SVG charts for the PDF summary: balance by location type over the period, and
open breaks by age. Plain SVG text, computed in Decimal: the same snapshot draws the same bytes.
Every chart names its axes with their units (`axis_titles`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from html import escape

from reporting.close.snapshot import Table

WIDTH, HEIGHT = Decimal(640), Decimal(260)
LEFT, RIGHT, TOP, BOTTOM = Decimal(100), Decimal(150), Decimal(20), Decimal(52)
COLOURS = ("#1f5f99", "#d9822b", "#3a9a5b", "#a03e6a", "#6c5ba7", "#7f7f7f")
# the PDF's pinned font family (its @font-face rules name the files: reporting/close/pdf.py)
FONT_FAMILY = "USD1 Pack Sans"
AGE_BUCKETS = (("0-1 days", 0, 1), ("2-7 days", 2, 7), ("8-30 days", 8, 30), ("31+ days", 31, None))


def _n(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1'))}"


def _svg(body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{FONT_FAMILY}" font-size="10">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def axis_titles(x_title: str, y_title: str) -> list[str]:
    """The x axis title under the plot, the y axis title turned along the left edge."""
    middle_x = LEFT + (WIDTH - LEFT - RIGHT) / 2
    middle_y = TOP + (HEIGHT - TOP - BOTTOM) / 2
    return [
        f'<text class="axis-title" x="{_n(middle_x)}" y="{HEIGHT - 6}" text-anchor="middle" '
        f'font-weight="bold">{escape(x_title)}</text>',
        f'<text class="axis-title" x="14" y="{_n(middle_y)}" text-anchor="middle" '
        f'font-weight="bold" transform="rotate(-90 14 {_n(middle_y)})">{escape(y_title)}</text>',
    ]


def _empty(title: str, text: str) -> str:
    return _svg([f'<text x="20" y="40">{escape(text)}</text>'], title)


def _amount_label(value: Decimal) -> str:
    return f"{value.quantize(Decimal(1)):,}"


def balance_by_location_type(daily: Table | None) -> str:
    """One line per location type: the summed balance at the end of each local day."""
    title = "Balance by location type"
    if daily is None or not daily.rows:
        return _empty(title, "no daily inventory for this period")
    series: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in daily.dicts():
        series[row["location_type"]][row["as_of_date"]] += row["balance"] or Decimal(0)
    days = sorted({d for s in series.values() for d in s})
    top = max((v for s in series.values() for v in s.values()), default=Decimal(0))
    top = top if top > 0 else Decimal(1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(days) - 1, 1)

    def y(value: Decimal) -> Decimal:
        return TOP + plot_h - plot_h * value / top

    body = [
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
        'stroke="#333"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#333"/>',
    ]
    for fraction in (Decimal(0), Decimal("0.5"), Decimal(1)):
        body.append(
            f'<text x="{LEFT - 6}" y="{_n(y(top * fraction) + 3)}" text-anchor="end">'
            f"{_amount_label(top * fraction)}</text>"
        )
    body.append(f'<text x="{LEFT}" y="{HEIGHT - 26}">{days[0]}</text>')
    body.append(f'<text x="{LEFT + plot_w}" y="{HEIGHT - 26}" text-anchor="end">{days[-1]}</text>')
    assets = ", ".join(sorted({str(r.get("asset") or "") for r in daily.dicts()} - {""}))
    unit = f"token units, {assets}" if assets else "token units"
    body += axis_titles("Local day (end of day, reporting time zone)", f"Balance ({unit})")
    for i, (kind, values) in enumerate(sorted(series.items())):
        colour = COLOURS[i % len(COLOURS)]
        points = " ".join(
            f"{_n(LEFT + step * j)},{_n(y(values.get(day, Decimal(0))))}"
            for j, day in enumerate(days)
        )
        body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        legend_y = TOP + 14 * i + 6
        body.append(
            f'<rect x="{WIDTH - RIGHT + 12}" y="{legend_y - 8}" width="10" height="10" '
            f'fill="{colour}"/><text x="{WIDTH - RIGHT + 26}" y="{legend_y}">{escape(kind)}</text>'
        )
    return _svg(body, title)


def breaks_by_age(breaks: list[dict]) -> str:
    """Open breaks counted in age buckets (days since the break opened)."""
    title = "Breaks by age"
    if not breaks:
        return _empty(title, "no open breaks at the period end")
    counts = []
    for label, low, high in AGE_BUCKETS:
        ages = [b.get("break_age_days") or 0 for b in breaks]
        counts.append((label, sum(1 for a in ages if a >= low and (high is None or a <= high))))
    top = max(c for _, c in counts) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(counts)
    body = [
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
        'stroke="#333"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#333"/>',
        f'<text x="{LEFT - 6}" y="{TOP + plot_h + 3}" text-anchor="end">0</text>',
        f'<text x="{LEFT - 6}" y="{TOP + 3}" text-anchor="end">{top}</text>',
    ]
    body += axis_titles("Age of the open break (days since it opened)", "Open breaks (count)")
    for i, (label, count) in enumerate(counts):
        height = plot_h * Decimal(count) / Decimal(top)
        x = LEFT + slot * i + slot / 4
        body.append(
            f'<rect x="{_n(x)}" y="{_n(TOP + plot_h - height)}" width="{_n(slot / 2)}" '
            f'height="{_n(height)}" fill="{COLOURS[0]}"/>'
            f'<text x="{_n(x + slot / 4)}" y="{_n(TOP + plot_h - height - 4)}" '
            f'text-anchor="middle">{count}</text>'
            f'<text x="{_n(x + slot / 4)}" y="{HEIGHT - 34}" text-anchor="middle">{label}</text>'
        )
    return _svg(body, title)
