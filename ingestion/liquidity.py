"""Liquidity horizons: when each holding can be spent, and when it can be cash.

It is the `liquidity:` section of the usd1inv configuration (see `ingestion.config.Config`);
errors name their key (`liquidity.withdrawals[1].cutoff_local`).

```yaml
liquidity:
  calendar: {country: US, subdivision: NY}   # bank holidays (the `holidays` package)
  wallet_move_hours: {cold: 48, buffer: 4}   # by wallet purpose; the rest keep the defaults
  default_withdrawal_hours: 24               # a custodian / exchange not listed below
  withdrawals:
    - {provider: fireblocks, hours: 2, opens_local: "09:00", cutoff_local: "16:00"}
    - {provider: kraken, hours: 1, business_days_only: false}   # 24/7
  redemption: {settlement_business_days: 1, cutoff_local: "15:00", settles_local: "17:00"}
```

For every local day `d` of the build, the holdings are looked at as of the end of `d` (the
start of `d + 1` in the reporting time zone, `as_of_at`). A holding's **token_ready_at** is
when it sits in a wallet the operator can pay from: a hot / omnibus / payout wallet now, another
wallet after its purpose's move time (on-chain moves run every day, calendar hours), a
custodian or exchange account after its withdrawal time, counted from the request: inside the
provider's window (`opens_local` to `cutoff_local` of a business day) at once, else from the
next window's opening; `business_days_only: false` means a provider that pays out at any time.
Its **usd_ready_at** is when the issuer's redemption of those tokens is cash: requested at
token_ready_at, before the issuer's cut-off of a business day it settles
`settlement_business_days` business days later, else counted from the next business day, at
`settles_local` of the settlement day. Business days are Monday to Friday without the
calendar's bank holidays.

The horizons of a day are 1 hour and 24 hours after as_of_at, and the end of the third business
day after `d`. ``load_liquidity_config`` writes the schedule (`raw.registry_liquidity_schedule`:
one row per day and channel), the horizons (`raw.registry_liquidity_horizons`) and the
calendar (`raw.registry_business_days`) for the configured start date to today plus a margin;
the dbt mart `liquidity_horizons` sums the available balances that are ready within each.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import duckdb
import holidays
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

if TYPE_CHECKING:  # pragma: no cover
    from ingestion.config import Config

# hours to move tokens from a wallet of this purpose to one that pays out (on-chain, any day)
DEFAULT_MOVE_HOURS: dict[str, Decimal] = {
    "hot": Decimal(0),
    "omnibus": Decimal(0),
    "payout": Decimal(0),
    "deposit": Decimal(1),
    "buffer": Decimal(4),
    "treasury": Decimal(24),
    "cold": Decimal(48),
    "other": Decimal(24),
}
HORIZONS = ("1h", "24h", "3_business_days")
MARGIN_DAYS = 40  # the schedule runs this far past today: a horizon ends within it

DDL = """
create schema if not exists raw;
-- liquidity: business days of the configured calendar (Mon-Fri without bank holidays)
create table if not exists raw.registry_business_days (
    calendar_date date not null primary key,
    is_business_day boolean not null,
    holiday_name varchar
);
-- liquidity: per local day and channel, when its holdings are spendable tokens and cash
create table if not exists raw.registry_liquidity_schedule (
    as_of_date date not null,
    channel_kind varchar not null,      -- wallet_purpose | provider | default_provider
    channel_key varchar not null,       -- the purpose, the provider, or '*'
    as_of_at timestamptz not null,
    token_ready_at timestamptz not null,
    usd_ready_at timestamptz not null,
    primary key (as_of_date, channel_kind, channel_key)
);
-- liquidity: per local day, the end of each horizon
create table if not exists raw.registry_liquidity_horizons (
    as_of_date date not null,
    horizon varchar not null,           -- 1h | 24h | 3_business_days
    horizon_end_at timestamptz not null,
    primary key (as_of_date, horizon)
);
"""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _hours(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("expected a number of hours, got a boolean")
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _clock(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):  # YAML reads 16:00 as 960
        return time(value // 60, value % 60)
    return value


class Calendar(_Strict):
    country: str = Field(default="US", description="ISO country code of the bank calendar")
    subdivision: str | None = Field(default=None, description="state / province, e.g. NY")

    @model_validator(mode="after")
    def _known(self) -> Calendar:
        try:
            holidays.country_holidays(self.country, subdiv=self.subdivision, years=2026)
        except (NotImplementedError, KeyError) as exc:
            raise ValueError(
                f"no bank holiday calendar for country {self.country!r} subdivision "
                f"{self.subdivision!r} in the holidays package"
            ) from exc
        return self


class Withdrawal(_Strict):
    provider: str = Field(min_length=1, description="custodian or exchange (custody_provider)")
    hours: Decimal = Field(ge=0, description="from the request to the tokens in our wallet")
    opens_local: time = time(9, 0)
    cutoff_local: time = time(16, 0)
    business_days_only: bool = True

    _hours = field_validator("hours", mode="before")(_hours)
    _clock = field_validator("opens_local", "cutoff_local", mode="before")(_clock)

    @model_validator(mode="after")
    def _window(self) -> Withdrawal:
        if self.business_days_only and self.cutoff_local <= self.opens_local:
            raise ValueError("cutoff_local must be after opens_local")
        return self


class Redemption(_Strict):
    settlement_business_days: int = Field(default=1, ge=0, le=10)
    cutoff_local: time = time(15, 0)
    settles_local: time = time(17, 0)

    _clock = field_validator("cutoff_local", "settles_local", mode="before")(_clock)


class LiquidityConfig(_Strict):
    calendar: Calendar = Calendar()
    wallet_move_hours: dict[str, Decimal] = {}
    default_withdrawal_hours: Decimal = Field(default=Decimal(24), ge=0)
    withdrawals: list[Withdrawal] = []
    redemption: Redemption = Redemption()

    _hours = field_validator("default_withdrawal_hours", mode="before")(_hours)

    @field_validator("wallet_move_hours", mode="before")
    @classmethod
    def _moves(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        unknown = sorted(set(value) - set(DEFAULT_MOVE_HOURS))
        if unknown:
            raise ValueError(
                f"unknown wallet purposes {unknown} (known: {list(DEFAULT_MOVE_HOURS)})"
            )
        out = {k: _hours(v) for k, v in value.items()}
        for k, v in out.items():
            if Decimal(str(v)) < 0:
                raise ValueError(f"{k}: hours must be >= 0")
        return out

    @model_validator(mode="after")
    def _unique(self) -> LiquidityConfig:
        names = [w.provider for w in self.withdrawals]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"withdrawals: provider listed twice {dupes}")
        return self

    @property
    def move_hours(self) -> dict[str, Decimal]:
        return {**DEFAULT_MOVE_HOURS, **self.wallet_move_hours}


class BusinessCalendar:
    """Business days of one bank calendar (Monday to Friday without its holidays)."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar

    @cached_property
    def _holidays(self) -> holidays.HolidayBase:
        return holidays.country_holidays(self.calendar.country, subdiv=self.calendar.subdivision)

    def holiday(self, day: date) -> str | None:
        return self._holidays.get(day)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and self.holiday(day) is None

    def next_business_day(self, day: date) -> date:
        """`day` itself when it is one, else the first business day after it."""
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def add_business_days(self, day: date, n: int) -> date:
        """The n-th business day after the business day `day` (n = 0: `day`)."""
        day = self.next_business_day(day)
        for _ in range(n):
            day = self.next_business_day(day + timedelta(days=1))
        return day


def _duration(hours: Decimal) -> timedelta:
    return timedelta(microseconds=int(hours * 3_600_000_000))


def _at(day: date, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz).astimezone(ZoneInfo("UTC"))


def day_end(day: date, tz: ZoneInfo) -> datetime:
    """The end of a local day: the start of the next one, in UTC."""
    return _at(day + timedelta(days=1), time(0), tz)


def withdrawal_ready(
    request: datetime, rule: Withdrawal | None, default_hours: Decimal, cal: BusinessCalendar, tz
) -> datetime:
    """When tokens requested out of a custodian / exchange at `request` are in our wallet."""
    if rule is None:
        return request + _duration(default_hours)
    hours = _duration(rule.hours)
    if not rule.business_days_only:
        return request + hours
    local = request.astimezone(tz)
    day = local.date()
    if cal.is_business_day(day) and local.time() < rule.cutoff_local:
        start = max(request, _at(day, rule.opens_local, tz))
    else:
        start = _at(cal.next_business_day(day + timedelta(days=1)), rule.opens_local, tz)
    return start + hours


def redemption_ready(
    tokens_at: datetime, redemption: Redemption, cal: BusinessCalendar, tz: ZoneInfo
) -> datetime:
    """When the issuer's redemption of tokens sent at `tokens_at` is cash in the bank."""
    local = tokens_at.astimezone(tz)
    day = local.date()
    if not (cal.is_business_day(day) and local.time() < redemption.cutoff_local):
        day = cal.next_business_day(day + timedelta(days=1))
    settles = cal.add_business_days(day, redemption.settlement_business_days)
    return _at(settles, redemption.settles_local, tz)


def horizon_ends(day: date, cal: BusinessCalendar, tz: ZoneInfo) -> dict[str, datetime]:
    as_of = day_end(day, tz)
    third = cal.add_business_days(day + timedelta(days=1), 2)  # 1st, 2nd, 3rd after `day`
    return {
        "1h": as_of + timedelta(hours=1),
        "24h": as_of + timedelta(hours=24),
        "3_business_days": day_end(third, tz),
    }


def schedule(
    liquidity: LiquidityConfig, day: date, tz: ZoneInfo, cal: BusinessCalendar
) -> list[tuple]:
    """(as_of_date, channel_kind, channel_key, as_of_at, token_ready_at, usd_ready_at) rows."""
    as_of = day_end(day, tz)
    rows = []

    def add(kind: str, key: str, ready: datetime) -> None:
        usd = redemption_ready(ready, liquidity.redemption, cal, tz)
        rows.append((day, kind, key, as_of, ready, usd))

    for purpose, hours in liquidity.move_hours.items():
        add("wallet_purpose", purpose, as_of + _duration(hours))
    for rule in liquidity.withdrawals:
        add("provider", rule.provider, withdrawal_ready(as_of, rule, Decimal(0), cal, tz))
    default = withdrawal_ready(as_of, None, liquidity.default_withdrawal_hours, cal, tz)
    add("default_provider", "*", default)
    return rows


def load_liquidity_config(
    con: duckdb.DuckDBPyConnection, config: Config, today: date | None = None
) -> dict[str, int]:
    """Rewrite the calendar, schedule and horizons for start_date .. today + MARGIN_DAYS;
    return the rows written per table."""
    today = max(today or datetime.now(config.tz).date(), config.start_date)
    return write_schedule(con, config.liquidity, config.tz, config.start_date, today)


def write_schedule(
    con: duckdb.DuckDBPyConnection,
    liquidity: LiquidityConfig,
    tz: ZoneInfo,
    start: date,
    through: date,
) -> dict[str, int]:
    """The calendar, schedule and horizons of the days start - 7 .. through (+ a margin for
    the horizons' ends), replacing what the tables held."""
    con.execute(DDL)
    cal = BusinessCalendar(liquidity.calendar)
    first = start - timedelta(days=7)
    last = through + timedelta(days=MARGIN_DAYS)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    span = days[: -MARGIN_DAYS // 2]  # horizons of the last days end within the calendar
    calendar = [(d, cal.is_business_day(d), cal.holiday(d)) for d in days]
    rows = [row for d in span for row in schedule(liquidity, d, tz, cal)]
    horizons = [(d, h, end) for d in span for h, end in horizon_ends(d, cal, tz).items()]
    _replace(con, "raw.registry_business_days", calendar, BUSINESS_DAYS_SCHEMA)
    _replace(con, "raw.registry_liquidity_schedule", rows, SCHEDULE_SCHEMA)
    _replace(con, "raw.registry_liquidity_horizons", horizons, HORIZONS_SCHEMA)
    return {
        "business_days": len(calendar),
        "liquidity_schedule": len(rows),
        "liquidity_horizons": len(horizons),
    }


BUSINESS_DAYS_SCHEMA = pa.schema(
    [("calendar_date", pa.date32()), ("is_business_day", pa.bool_()), ("holiday_name", pa.string())]
)
_UTC = pa.timestamp("us", tz="UTC")
SCHEDULE_SCHEMA = pa.schema(
    [
        ("as_of_date", pa.date32()),
        ("channel_kind", pa.string()),
        ("channel_key", pa.string()),
        ("as_of_at", _UTC),
        ("token_ready_at", _UTC),
        ("usd_ready_at", _UTC),
    ]
)
HORIZONS_SCHEMA = pa.schema(
    [("as_of_date", pa.date32()), ("horizon", pa.string()), ("horizon_end_at", _UTC)]
)


def _replace(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple], schema) -> None:
    """Replace the table's rows with `rows` in one insert (thousands of rows: no executemany)."""
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in schema]
    data = pa.table(
        [pa.array(list(c), type=f.type) for c, f in zip(columns, schema, strict=True)],
        schema=schema,
    )
    con.execute(f"delete from {table}")
    con.register("liquidity_rows", data)
    try:
        con.execute(f"insert into {table} select * from liquidity_rows")
    finally:
        con.unregister("liquidity_rows")
