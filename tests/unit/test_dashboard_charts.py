"""The chart specs of dashboard/charts.py: data, titles with units, ISO day axes, the limit
rule, the depeg band, the 100 % line, distinct client/operating colours, step interpolation."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import polars as pl
import pytest

from dashboard import charts

D = Decimal
DAYS = [date(2026, 10, 30), date(2026, 10, 31)]


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def _mark(layer: dict) -> dict:
    mark = layer["mark"]
    return mark if isinstance(mark, dict) else {"type": mark}


def _values(layer: dict, spec: dict | None = None) -> list[dict]:
    """The rows a layer draws: inline, or a named dataset of the top-level spec (a frame)."""
    data = layer.get("data") or spec["data"]
    if "values" in data:
        return data["values"]
    return (spec or layer)["datasets"][data["name"]]


def _utc_day(day: date) -> dict:
    return {"year": day.year, "month": day.month, "date": day.day, "utc": True}


def _assert_iso_day_axis(x: dict, days: list[date] = DAYS) -> None:
    """Labelled YYYY-MM-DD in UTC (a UTC scale, or a UTC time unit); a short range has one
    tick per day, at its UTC midnight, and no other."""
    assert x["type"] == "temporal"
    assert x["axis"]["format"] == "%Y-%m-%d"
    assert x.get("scale", {}).get("type") == "utc" or x["timeUnit"].startswith("utc")
    assert x["axis"]["values"] == [_utc_day(d) for d in days]
    assert x["title"].startswith("day")


def test_balance_over_time_is_stacked_by_the_dimension_with_iso_days_and_units():
    df = pl.DataFrame(
        {
            "as_of_date": [DAYS[0], DAYS[0], DAYS[1]],
            "location_type": ["wallet", "custodian", "wallet"],
            "balance": [D("100.5"), D("7"), D("1234567.25")],
        }
    )
    spec = charts.balance_over_time(df, "location_type").to_dict()
    assert _values(spec) == [
        {"as_of_date": "2026-10-30", "location_type": "wallet", "balance": 100.5},
        {"as_of_date": "2026-10-30", "location_type": "custodian", "balance": 7.0},
        {"as_of_date": "2026-10-31", "location_type": "wallet", "balance": 1234567.25},
    ]
    enc = spec["encoding"]
    _assert_iso_day_axis(enc["x"])
    assert enc["x"]["timeUnit"] == "utcyearmonthdate"  # a bar spans its day
    assert enc["y"]["stack"] == "zero"
    assert "token units" in enc["y"]["title"]
    assert enc["color"]["field"] == "location_type"
    assert _mark(spec)["type"] == "bar"
    assert "location type" in spec["title"]


def test_client_and_operating_get_distinct_fixed_colours():
    df = pl.DataFrame(
        {"as_of_date": DAYS, "ownership": ["client", "operating"], "balance": [D(1), D(2)]}
    )
    scale = charts.balance_over_time(df, "ownership").to_dict()["encoding"]["color"]["scale"]
    colours = dict(zip(scale["domain"], scale["range"], strict=True))
    assert set(colours) == {"client", "operating"}
    client, operating = (
        tuple(int(colours[k][i : i + 2], 16) for i in (1, 3, 5)) for k in ("client", "operating")
    )
    # far apart in RGB (two near-identical blues differ by < 60)
    assert sum(abs(a - b) for a, b in zip(client, operating, strict=True)) > 200


def test_availability_draws_each_measure_as_its_own_series():
    df = pl.DataFrame(
        {
            "as_of_date": DAYS,
            "available": [D("10"), D("8.5")],
            "pending_in": [D(0), D(1)],
            "pending_out": [D("0.5"), D(0)],
            "frozen": [D(2), D(3)],
            "locked": [D(0), D(0)],
        }
    )
    spec = charts.availability_over_time(df).to_dict()
    values = _values(spec)
    assert len(values) == 10
    assert {"as_of_date": "2026-10-31", "measure": "frozen", "amount": 3.0} in values
    assert spec["encoding"]["color"]["scale"]["domain"] == list(charts.AVAILABILITY)
    _assert_iso_day_axis(spec["encoding"]["x"])
    assert "token units" in spec["encoding"]["y"]["title"]


def test_exposure_bars_draw_the_configured_limit_on_each_bar_that_has_one():
    df = pl.DataFrame(
        {
            "entity": ["acme", "acme", "acme"],
            "dimension_value": ["0xaaa", "0xbbb", "self"],
            "balance": [D(900), D(100), D(50)],
            "limit_amount": [D(500), D(500), None],
            "status": ["breach", "within_limit", "no_limit"],
        }
    )
    chart = charts.exposure_bars(df, "location")
    assert charts.layer_names(chart) == ["bar", "tick"]
    spec = chart.to_dict()
    values = _values(spec, spec)
    assert [(v["label"], v["balance"], v["limit_amount"]) for v in values] == [
        ("0xaaa", 900.0, 500.0),
        ("0xbbb", 100.0, 500.0),
        ("self", 50.0, None),
    ]
    bars, limit = _layers(spec)
    assert bars["encoding"]["x"]["field"] == "balance"
    assert "token units" in bars["encoding"]["x"]["title"]
    assert limit["encoding"]["x"]["field"] == "limit_amount"
    assert _mark(limit)["color"] == charts.LIMIT_COLOUR
    assert limit["transform"] == [
        {"filter": "isValid(datum.limit_amount) && isFinite(datum.limit_amount)"}
    ]


def test_exposure_bars_keep_the_largest_and_name_the_entity_when_several():
    df = pl.DataFrame(
        {
            "entity": ["acme", "beta", "acme"],
            "dimension_value": ["a", "b", "c"],
            "balance": [D(1), D(3), D(2)],
            "limit_amount": [None, None, None],
            "status": ["no_limit"] * 3,
        }
    )
    spec = charts.exposure_bars(df, "network", max_bars=2).to_dict()
    assert [v["label"] for v in _values(spec, spec)] == ["b (beta)", "c (acme)"]


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(0, "0-1"), (1, "0-1"), (2, "2-7"), (7, "2-7"), (8, "8-30"), (30, "8-30"), (31, ">30")],
)
def test_age_buckets_match_the_register(days, bucket):
    assert charts.age_bucket(days) == bucket


def test_breaks_by_age_shows_every_bucket_in_order():
    df = pl.DataFrame({"age_bucket": [">30", "0-1"], "breaks": [1, 2]})
    spec = charts.breaks_by_age(df).to_dict()
    assert _values(spec) == [
        {"age_bucket": "0-1", "breaks": 2},
        {"age_bucket": "2-7", "breaks": 0},
        {"age_bucket": "8-30", "breaks": 0},
        {"age_bucket": ">30", "breaks": 1},
    ]
    assert spec["encoding"]["x"]["sort"] == list(charts.AGE_BUCKETS)
    assert "days" in spec["encoding"]["x"]["title"]
    assert "count" in spec["encoding"]["y"]["title"]


def test_break_history_steps_between_statement_days_instead_of_sloping():
    df = pl.DataFrame(
        {"as_of_date": DAYS, "comparison": ["custodian_vs_ledger"] * 2, "break": [1, 0]}
    )
    spec = charts.breaks_over_time(df).to_dict()
    mark = _mark(spec)
    assert mark["interpolate"] == "step-after"
    assert mark["point"] is True
    assert len(_values(spec)) == 2
    _assert_iso_day_axis(spec["encoding"]["x"])


def test_depeg_chart_shades_the_configured_band_and_labels_days_iso():
    df = pl.DataFrame(
        {
            "period_end_date": [date(2026, 9, 30), date(2026, 10, 31)],
            "price_source": ["coingecko", "coingecko"],
            "depeg_bps": [D("-2"), D("1.5")],
        }
    )
    chart = charts.depeg_over_time(df, D(50))
    assert charts.layer_names(chart) == ["rect", "rule", "line"]
    spec = chart.to_dict()
    band, edges, line = _layers(spec)
    assert _values(band, spec) == [{"low": -50.0, "high": 50.0}]
    assert sorted(v["edge"] for v in _values(edges, spec)) == [-50.0, 50.0]
    assert _values(line, spec) == [
        {"period_end_date": "2026-09-30", "price_source": "coingecko", "depeg_bps": -2.0},
        {"period_end_date": "2026-10-31", "price_source": "coingecko", "depeg_bps": 1.5},
    ]
    _assert_iso_day_axis(line["encoding"]["x"], [date(2026, 9, 30), date(2026, 10, 31)])
    assert "basis points" in line["encoding"]["y"]["title"]
    assert "50 bps" in chart.to_dict()["title"]


def test_coverage_ratio_is_exact_then_drawn_with_the_100_percent_line():
    df = pl.DataFrame(
        {
            "as_of_date": [date(2026, 10, 29), *DAYS],
            "client_holdings": [D(5), D("100.5"), D("1234567.25")],
            "client_liabilities": [D(0), D(100), D(1234600)],
        }
    )
    chart = charts.coverage_over_time(df)
    spec = chart.to_dict()
    line, full = _layers(spec)
    # a day without liabilities has no ratio: left out
    assert _values(line, spec) == [
        {"as_of_date": "2026-10-30", "coverage": 1.005},
        {"as_of_date": "2026-10-31", "coverage": float(D("1234567.25") / D(1234600))},
    ]
    assert _values(full, spec) == [{"full": 1.0}]
    assert _mark(full)["type"] == "rule"
    assert line["encoding"]["y"]["axis"]["format"] == "%"
    assert "%" in line["encoding"]["y"]["title"]


def test_a_long_range_leaves_the_ticks_to_vega_but_keeps_iso_labels():
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(60)]
    df = pl.DataFrame({"as_of_date": days, "network": ["ethereum"] * 60, "balance": [D(1)] * 60})
    x = charts.balance_over_time(df, "network").to_dict()["encoding"]["x"]
    assert "values" not in x["axis"]
    assert x["axis"]["format"] == "%Y-%m-%d"


def test_nothing_to_draw_gives_no_chart():
    empty = pl.DataFrame(
        {"as_of_date": [], "network": [], "balance": []},
        schema={"as_of_date": pl.Date, "network": pl.String, "balance": pl.Decimal(38, 18)},
    )
    assert charts.balance_over_time(empty, "network") is None
    assert charts.availability_over_time(empty) is None
    no_liabilities = pl.DataFrame(
        {"as_of_date": DAYS, "client_holdings": [D(1), D(2)], "client_liabilities": [D(0), None]}
    )
    assert charts.coverage_over_time(no_liabilities) is None
