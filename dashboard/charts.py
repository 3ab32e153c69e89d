"""Chart specs for the dashboard: pure functions from query results to Altair (Vega-Lite) charts.

Each function takes a polars frame as the pages query it (exact DECIMAL amounts, dates) and
returns a chart, or None when there is nothing to draw; the pages only pass it to
`st.altair_chart`. Nothing here touches Streamlit or the snapshot, so the specs are checked in
unit tests (`chart.to_dict()`: data, titles, the limit rule, the colours).

Amounts become floats for drawing only: the tables beside each chart and their downloads keep
the exact decimals. Days are sent as ISO strings (`2026-10-31`) on a UTC scale and labelled
`%Y-%m-%d`, so an axis never reads "Mon 31 … October" and a browser's time zone cannot shift a
day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

import altair as alt
import pandas as pd
import polars as pl

UNITS = "token units"
DAY_TITLE = "day (end of, reporting time zone)"
DAY_FORMAT = "%Y-%m-%d"
SHORT_RANGE_DAYS = 14  # up to this many days, a tick on every day
# client and operating must never look alike: orange against teal, both readable on white
OWNERSHIP_COLOURS = {"client": "#d95f02", "operating": "#1b9e77"}
AGE_BUCKETS = ("0-1", "2-7", "8-30", ">30")
AVAILABILITY = ("available", "pending_in", "pending_out", "frozen", "locked")
AVAILABILITY_COLOURS = {
    "available": "#1b9e77",
    "pending_in": "#7570b3",
    "pending_out": "#e7298a",
    "frozen": "#d95f02",
    "locked": "#666666",
}
LIMIT_COLOUR = "#c0392b"
BAND_COLOUR = "#c0392b"
MAX_BARS = 25  # an exposure chart shows the largest positions; the table beside it has all


def plot_frame(df: pl.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The rows to draw as a pandas frame (Streamlit sends it to the browser as Arrow, and
    Altair does not validate it value by value as it does inline JSON rows): amounts as floats,
    days as ISO text, in one vectorised pass."""
    if columns is not None:
        df = df.select(columns)
    converted = []
    for name, dtype in df.schema.items():
        if isinstance(dtype, pl.Decimal) or dtype.is_numeric():
            converted.append(pl.col(name).cast(pl.Float64))
        elif dtype == pl.Date:
            converted.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif isinstance(dtype, pl.Datetime):
            converted.append(pl.col(name).dt.strftime("%Y-%m-%dT%H:%M:%S%z"))
        else:
            converted.append(pl.col(name))
    return df.select(converted).to_pandas()


def _day_axis(
    days: Iterable[str] = (),
    field: str = "as_of_date",
    title: str = DAY_TITLE,
    time_unit: str | None = None,
) -> alt.X:
    """A day axis labelled YYYY-MM-DD. A UTC scale formats its labels in UTC (Streamlit's Vega
    ignores formatType "utc"), so a browser's time zone cannot move a day. A range of a few
    days gets a tick on each day and nowhere else (Vega would put ticks every few hours and
    repeat the date on each)."""
    distinct = sorted(set(days))
    axis = alt.Axis(format=DAY_FORMAT, labelAngle=-30)
    if 0 < len(distinct) <= SHORT_RANGE_DAYS:
        axis = alt.Axis(format=DAY_FORMAT, labelAngle=-30, values=[_utc_day(d) for d in distinct])
    if time_unit:  # bars: each spans its day
        return alt.X(f"{field}:T", timeUnit=time_unit, title=title, axis=axis)
    return alt.X(f"{field}:T", title=title, scale=alt.Scale(type="utc"), axis=axis)


def _utc_day(day: str) -> alt.DateTime:
    """A day's UTC midnight (how Vega reads an ISO date), as a tick value Vega labels
    (epoch milliseconds are not labelled by Streamlit's Vega)."""
    value = date.fromisoformat(day[:10])
    return alt.DateTime(year=value.year, month=value.month, date=value.day, utc=True)


def _day_tooltip(field: str = "as_of_date", title: str = "day") -> alt.Tooltip:
    # the ISO text itself: a browser's time zone cannot move it
    return alt.Tooltip(f"{field}:N", title=title)


def _colour(field: str, title: str, colours: dict[str, str] | None = None) -> alt.Color:
    if colours:
        scale = alt.Scale(domain=list(colours), range=list(colours.values()))
        return alt.Color(f"{field}:N", title=title, scale=scale)
    return alt.Color(f"{field}:N", title=title, scale=alt.Scale(scheme="tableau10"))


def balance_over_time(
    df: pl.DataFrame, dimension: str, title: str | None = None
) -> alt.Chart | None:
    """Balance at the end of each day, one bar per day stacked by `dimension` (location_type,
    network, ownership, ...).

    `df`: as_of_date, <dimension>, balance (one row per day and value)."""
    if df.is_empty():
        return None
    label = title or dimension.replace("_", " ")
    colours = OWNERSHIP_COLOURS if dimension == "ownership" else None
    frame = plot_frame(df, ["as_of_date", dimension, "balance"])
    return (
        alt.Chart(frame, title=f"Balance by {label} ({UNITS})")
        .mark_bar()
        .encode(
            x=_day_axis(frame["as_of_date"], time_unit="utcyearmonthdate"),
            y=alt.Y(
                "balance:Q", title=f"balance ({UNITS})", stack="zero", axis=alt.Axis(format="~s")
            ),
            color=_colour(dimension, label, colours),
            order=alt.Order(f"{dimension}:N"),
            tooltip=[
                _day_tooltip(),
                alt.Tooltip(f"{dimension}:N", title=label),
                alt.Tooltip("balance:Q", title=f"balance ({UNITS})", format=",.2f"),
            ],
        )
    )


def availability_over_time(df: pl.DataFrame) -> alt.Chart | None:
    """Available, pending in/out, frozen and locked at the end of each day, one line each.

    `df`: as_of_date and any of available, pending_in, pending_out, frozen, locked."""
    measures = [m for m in AVAILABILITY if m in df.columns]
    if df.is_empty() or not measures:
        return None
    long = df.select("as_of_date", *measures).unpivot(
        index="as_of_date", on=measures, variable_name="measure", value_name="amount"
    )
    colours = {m: AVAILABILITY_COLOURS[m] for m in measures}
    return (
        alt.Chart(
            plot_frame(long),
            title=f"Available, pending and frozen ({UNITS})",
        )
        .mark_line(point=True)
        .encode(
            x=_day_axis(d.isoformat() for d in long["as_of_date"].unique().to_list()),
            y=alt.Y("amount:Q", title=f"amount ({UNITS})", axis=alt.Axis(format="~s")),
            color=_colour("measure", "measure", colours),
            tooltip=[
                _day_tooltip(),
                alt.Tooltip("measure:N"),
                alt.Tooltip("amount:Q", title=f"amount ({UNITS})", format=",.2f"),
            ],
        )
    )


def exposure_bars(
    df: pl.DataFrame, dimension: str, max_bars: int = MAX_BARS
) -> alt.LayerChart | None:
    """Exposure per value of one concentration dimension as bars, the configured limit as a
    red rule on each bar that has one.

    `df`: marts.concentration rows of one day and dimension: dimension_value, balance,
    limit_amount (null: no limit), status (and entity when several)."""
    if df.is_empty():
        return None
    top = df.sort("balance", descending=True, nulls_last=True).head(max_bars)
    label_expr = pl.col("dimension_value").cast(pl.String)
    if "entity" in top.columns and top["entity"].n_unique() > 1:
        label_expr = label_expr + pl.lit(" (") + pl.col("entity") + pl.lit(")")
    top = top.with_columns(label_expr.alias("label"))
    keep = ["label", "balance", "limit_amount", "status"]
    frame = plot_frame(top, [c for c in keep if c in top.columns])
    base = alt.Chart(
        frame,
        title=f"Exposure per {dimension.replace('_', ' ')} against its limit ({UNITS})",
    )
    # largest first, in the data's order (one sort for both layers)
    y = alt.Y("label:N", title=dimension.replace("_", " "), sort=None)
    bars = base.mark_bar(color="#4c78a8").encode(
        x=alt.X("balance:Q", title=f"exposure ({UNITS})", axis=alt.Axis(format="~s")),
        y=y,
        tooltip=[
            alt.Tooltip("label:N", title=dimension.replace("_", " ")),
            alt.Tooltip("balance:Q", title=f"exposure ({UNITS})", format=",.2f"),
            alt.Tooltip("limit_amount:Q", title=f"limit ({UNITS})", format=",.2f"),
            alt.Tooltip("status:N"),
        ],
    )
    limit = (
        base.transform_filter("isValid(datum.limit_amount) && isFinite(datum.limit_amount)")
        .mark_tick(color=LIMIT_COLOUR, thickness=3, size=24)
        .encode(
            x=alt.X("limit_amount:Q"),
            y=alt.Y("label:N", sort=None),
            tooltip=[alt.Tooltip("limit_amount:Q", title=f"limit ({UNITS})", format=",.2f")],
        )
    )
    return alt.layer(bars, limit).properties(height=alt.Step(28))


def breaks_by_age(df: pl.DataFrame) -> alt.Chart:
    """Open breaks per age bucket (0-1, 2-7, 8-30, >30 days), every bucket shown even when 0.

    `df`: age_bucket, breaks (counts per bucket; missing buckets count 0)."""
    counts = {r["age_bucket"]: int(r["breaks"] or 0) for r in df.iter_rows(named=True)}
    rows = [{"age_bucket": b, "breaks": counts.get(b, 0)} for b in AGE_BUCKETS]
    return (
        alt.Chart(alt.Data(values=rows), title="Open breaks by age (days)")
        .mark_bar(color="#c0392b")
        .encode(
            x=alt.X("age_bucket:O", title="age (days since the break opened)", sort=AGE_BUCKETS),
            y=alt.Y("breaks:Q", title="open breaks (count)", axis=alt.Axis(format="d")),
            tooltip=[alt.Tooltip("age_bucket:O", title="age (days)"), alt.Tooltip("breaks:Q")],
        )
    )


def age_bucket(days: int | None) -> str | None:
    """The age bucket of a break open `days` days (the register's buckets)."""
    if days is None:
        return None
    if days <= 1:
        return "0-1"
    if days <= 7:
        return "2-7"
    if days <= 30:
        return "8-30"
    return ">30"


def breaks_over_time(df: pl.DataFrame) -> alt.Chart | None:
    """Locations in break per day and comparison: steps and points (a count holds from one
    statement day to the next; it does not slope between them).

    `df`: as_of_date, comparison, break."""
    if df.is_empty():
        return None
    frame = plot_frame(df, ["as_of_date", "comparison", "break"])
    return (
        alt.Chart(frame, title="Locations in break per day")
        .mark_line(interpolate="step-after", point=True)
        .encode(
            x=_day_axis(frame["as_of_date"]),
            y=alt.Y(
                "break:Q",
                title="locations in break (count)",
                axis=alt.Axis(format="d", tickMinStep=1),
            ),
            color=_colour("comparison", "comparison"),
            tooltip=[
                _day_tooltip(),
                alt.Tooltip("comparison:N"),
                alt.Tooltip("break:Q", title="locations in break", format=",d"),
            ],
        )
    )


def depeg_over_time(
    df: pl.DataFrame, band_bps: Decimal | int, date_column: str = "period_end_date"
) -> alt.LayerChart | None:
    """Depeg (bps from $1) per day and price source, with the configured band (+/- band_bps)
    shaded and its edges drawn as dashed rules.

    `df`: <date_column>, price_source, depeg_bps."""
    if df.is_empty():
        return None
    frame = plot_frame(df, [date_column, "price_source", "depeg_bps"])
    band = float(Decimal(band_bps))
    base = alt.Chart(frame)
    area = (
        alt.Chart(
            alt.Data(values=[{"low": -band, "high": band}]),
        )
        .mark_rect(color=BAND_COLOUR, opacity=0.08)
        .encode(y=alt.Y("low:Q"), y2=alt.Y2("high:Q"))
    )
    edges = (
        alt.Chart(alt.Data(values=[{"edge": -band}, {"edge": band}]))
        .mark_rule(color=BAND_COLOUR, strokeDash=[6, 4])
        .encode(y=alt.Y("edge:Q"), tooltip=[alt.Tooltip("edge:Q", title="band (bps)")])
    )
    lines = base.mark_line(point=True).encode(
        x=_day_axis(
            frame[date_column],
            date_column,
            "day (price at the end of, reporting time zone)",
        ),
        y=alt.Y("depeg_bps:Q", title="depeg (basis points from $1)"),
        color=_colour("price_source", "price source"),
        tooltip=[
            _day_tooltip(date_column),
            alt.Tooltip("price_source:N", title="price source"),
            alt.Tooltip("depeg_bps:Q", title="depeg (bps)", format=",.4f"),
        ],
    )
    return alt.layer(area, edges, lines).properties(
        title=f"Depeg over time (bps), band +/-{Decimal(band_bps).normalize():f} bps"
    )


def coverage_over_time(df: pl.DataFrame) -> alt.LayerChart | None:
    """Client-asset coverage (client holdings / client liabilities) per day with the 100 % line.

    `df`: as_of_date, client_holdings, client_liabilities; days without liabilities are left
    out (no ratio). The ratio is computed in Decimal, then drawn."""
    rows = []
    for row in df.iter_rows(named=True):
        liabilities = row["client_liabilities"]
        if not liabilities:
            continue
        ratio = Decimal(row["client_holdings"] or 0) / Decimal(liabilities)
        rows.append({"as_of_date": row["as_of_date"].isoformat(), "coverage": float(ratio)})
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    line = (
        alt.Chart(frame)
        .mark_line(
            point=alt.OverlayMarkDef(color=OWNERSHIP_COLOURS["client"]),
            color=OWNERSHIP_COLOURS["client"],
        )
        .encode(
            x=_day_axis(frame["as_of_date"]),
            y=alt.Y(
                "coverage:Q",
                title="coverage (%)",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(zero=False),
            ),
            tooltip=[_day_tooltip(), alt.Tooltip("coverage:Q", format=".4%")],
        )
    )
    full = (
        alt.Chart(alt.Data(values=[{"full": 1.0}]))
        .mark_rule(color=LIMIT_COLOUR, strokeDash=[6, 4])
        .encode(y=alt.Y("full:Q"), tooltip=[alt.Tooltip("full:Q", title="100 %", format="%")])
    )
    return alt.layer(line, full).properties(
        title="Client-asset coverage over time (client holdings / liabilities, 100 % line)"
    )


def layer_names(chart: alt.TopLevelMixin) -> list[str]:
    """The marks of a chart (its layers'), e.g. ['bar', 'tick']: for tests and captions."""
    spec = chart.to_dict()
    layers: Iterable[dict] = spec.get("layer", [spec])
    marks = []
    for layer in layers:
        mark = layer.get("mark")
        marks.append(mark["type"] if isinstance(mark, dict) else mark)
    return marks
