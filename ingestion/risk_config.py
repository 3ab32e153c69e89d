"""Risk configuration: concentration limits, the withdrawal shock and the health thresholds.

It is the `risk:` section of the usd1inv configuration (see `ingestion.config.Config`); errors
name their key (`risk.concentration_limits[2].max_share`). ``load_risk_config`` rewrites
`raw.registry_concentration_limits`, `raw.registry_withdrawal_shock` and
`raw.registry_health_thresholds` from it (``ingestion.registry.load_registry`` calls it in the
registry's transaction), which the dbt marts `concentration` and `inventory_health` read.

```yaml
risk:
  concentration_limits:
    - {dimension: network, max_share: "0.80"}            # no value: default of the dimension
    - {dimension: network, value: bnb, max_share: "0.30"}  # a value: that one only (wins)
    - {dimension: custody_provider, value: fireblocks, max_share: "0.50"}
    - {dimension: location, value: "0x…", max_amount: "1000000", entity: acme-pay}
  withdrawal_shock: {share_of_client_balance: "0.20"}    # or {amount: "500000"}
  health:
    open_break_count: {warn_above: 0, alert_above: 5}
    max_single_key_balance: {warn_above: "1000000"}     # a single key (eoa) above 1M warns
```

A rule applies to one dimension (`location`: a location_id, `custody_provider`, `network`);
with `value` it is specific, without it the default of the dimension; with `entity` it binds
that entity only. Precedence, most specific first: entity + value, value, entity default,
default. `max_share` caps the exposure as a share of the entity's total balance that day,
`max_amount` in token units; with both, the lower cap applies.

Every number is a decimal (write it quoted to keep it exact); nothing here is a float.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

import duckdb
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

if TYPE_CHECKING:  # pragma: no cover
    from ingestion.config import Config

Dimension = Literal["location", "custody_provider", "network"]
ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")

# the health signals, in the order health_reasons lists them, with their default thresholds
# (warn_above, alert_above): a signal warns when its value is above warn_above and alerts when
# above alert_above; null = that level is not checked.
HEALTH_SIGNALS: dict[str, tuple[Decimal | None, Decimal | None]] = {
    "open_break_count": (Decimal(0), Decimal(5)),
    "oldest_break_age_days": (Decimal(1), Decimal(7)),
    "unexplained_break_amount": (Decimal(0), Decimal(10000)),
    "concentration_breach_count": (Decimal(0), None),
    "max_transfer_latency_seconds": (Decimal(3600), Decimal(86400)),
    "pending_share": (Decimal("0.10"), Decimal("0.50")),
    "unknown_control_balance": (Decimal(0), Decimal(1000)),
    "stress_shortfall": (None, Decimal(0)),
    # who controls the wallets (marts.wallet_control): the largest balance of an own wallet held
    # by a single key (not checked unless configured: set warn_above to the amount a single key
    # may hold), wallets whose signers / threshold / kind changed that day, Safes that one
    # signature can move, and wallets whose registry claim (wallets[].control) the chain denies
    "max_single_key_balance": (None, None),
    "control_change_count": (Decimal(0), None),
    "single_signer_safe_count": (Decimal(0), None),
    "control_mismatch_count": (Decimal(0), None),
}

DDL = """
create schema if not exists raw;
-- risk.concentration_limits: one row per rule (rule_index = its position in the list)
create table if not exists raw.registry_concentration_limits (
    rule_index integer not null primary key,
    entity varchar,
    dimension varchar not null,
    dimension_value varchar,
    max_share decimal(38, 18),
    max_amount decimal(38, 18),
    limit_source varchar not null
);
-- risk.withdrawal_shock: zero rows (none configured) or one
create table if not exists raw.registry_withdrawal_shock (
    share_of_client_balance decimal(38, 18),
    amount decimal(38, 18)
);
-- risk.health: one row per health signal (defaults filled in)
create table if not exists raw.registry_health_thresholds (
    signal varchar not null primary key,
    warn_above decimal(38, 18),
    alert_above decimal(38, 18)
);
"""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _exact(value: object) -> object:
    """Numbers stay exact: a YAML float (0.8) is read through its shortest text ('0.8')."""
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


class ConcentrationLimit(_Strict):
    dimension: Dimension
    value: str | None = Field(
        default=None,
        min_length=1,
        description="the location_id, custody provider or network; omitted = the default rule",
    )
    entity: str | None = Field(default=None, description="bind the rule to one entity only")
    max_share: Decimal | None = Field(
        default=None, gt=0, le=1, max_digits=38, decimal_places=18,
        description="largest share of the entity's total balance (0 < share <= 1)",
    )  # fmt: skip
    max_amount: Decimal | None = Field(
        default=None, ge=0, max_digits=38, decimal_places=18,
        description="largest exposure in token units",
    )  # fmt: skip

    _exact = field_validator("max_share", "max_amount", mode="before")(_exact)

    @field_validator("value")
    @classmethod
    def _value(cls, value: str | None) -> str | None:
        # location ids of wallets are lower-case addresses in the marts
        if value is not None and ADDRESS_RE.match(value):
            return value.lower()
        return value

    @model_validator(mode="after")
    def _a_cap(self) -> ConcentrationLimit:
        if self.max_share is None and self.max_amount is None:
            raise ValueError("give max_share (a share of the entity total) or max_amount")
        return self

    @property
    def limit_source(self) -> str:
        rule = f"{self.dimension}:{self.value}" if self.value is not None else "default"
        return f"{self.entity}/{rule}" if self.entity else rule


class WithdrawalShock(_Strict):
    """The withdrawals a stress test assumes in one day: a share of client balances, or a
    fixed amount in token units (exactly one)."""

    share_of_client_balance: Decimal | None = Field(
        default=None, gt=0, le=1, max_digits=38, decimal_places=18
    )
    amount: Decimal | None = Field(default=None, gt=0, max_digits=38, decimal_places=18)

    _exact = field_validator("share_of_client_balance", "amount", mode="before")(_exact)

    @model_validator(mode="after")
    def _exactly_one(self) -> WithdrawalShock:
        if (self.share_of_client_balance is None) == (self.amount is None):
            raise ValueError("give exactly one of share_of_client_balance or amount")
        return self


class Threshold(_Strict):
    warn_above: Decimal | None = Field(default=None, ge=0, max_digits=38, decimal_places=18)
    alert_above: Decimal | None = Field(default=None, ge=0, max_digits=38, decimal_places=18)

    _exact = field_validator("warn_above", "alert_above", mode="before")(_exact)

    @model_validator(mode="after")
    def _ordered(self) -> Threshold:
        if (
            self.warn_above is not None
            and self.alert_above is not None
            and self.warn_above > self.alert_above
        ):
            raise ValueError(
                f"warn_above ({self.warn_above}) must not be above alert_above ({self.alert_above})"
            )
        return self


def _default(signal: str):
    warn, alert = HEALTH_SIGNALS[signal]
    return Field(default_factory=lambda: Threshold(warn_above=warn, alert_above=alert))


class HealthThresholds(_Strict):
    """inventory_health.health_status: 'alert' when a signal is above its alert_above, else
    'warn' when one is above its warn_above, else 'ok'. A key given replaces both levels of
    that signal (omit a level, or set it null, not to check it)."""

    open_break_count: Threshold = _default("open_break_count")
    oldest_break_age_days: Threshold = _default("oldest_break_age_days")
    unexplained_break_amount: Threshold = _default("unexplained_break_amount")
    concentration_breach_count: Threshold = _default("concentration_breach_count")
    max_transfer_latency_seconds: Threshold = _default("max_transfer_latency_seconds")
    pending_share: Threshold = _default("pending_share")
    unknown_control_balance: Threshold = _default("unknown_control_balance")
    stress_shortfall: Threshold = _default("stress_shortfall")
    max_single_key_balance: Threshold = _default("max_single_key_balance")
    control_change_count: Threshold = _default("control_change_count")
    single_signer_safe_count: Threshold = _default("single_signer_safe_count")
    control_mismatch_count: Threshold = _default("control_mismatch_count")

    def rows(self) -> list[tuple[str, Decimal | None, Decimal | None]]:
        return [
            (signal, getattr(self, signal).warn_above, getattr(self, signal).alert_above)
            for signal in HEALTH_SIGNALS
        ]


class RiskConfig(_Strict):
    concentration_limits: list[ConcentrationLimit] = []
    withdrawal_shock: WithdrawalShock | None = None
    health: HealthThresholds = HealthThresholds()

    def check_references(self, entities: list[str], networks: list[str]) -> None:
        """Rules name configured entities and networks; no two rules share a scope."""
        seen: dict[tuple[str | None, str, str | None], int] = {}
        for i, rule in enumerate(self.concentration_limits):
            key = f"risk.concentration_limits[{i}]"
            if rule.entity is not None and rule.entity not in entities:
                raise ValueError(
                    f"{key}.entity: {rule.entity!r} is not a configured entity (known: {entities})"
                )
            if rule.dimension == "network" and rule.value not in (None, *networks):
                raise ValueError(
                    f"{key}.value: {rule.value!r} is not a configured network (known: {networks})"
                )
            scope = (rule.entity, rule.dimension, rule.value)
            if scope in seen:
                raise ValueError(
                    f"{key}: same dimension, value and entity as "
                    f"risk.concentration_limits[{seen[scope]}] ({rule.limit_source})"
                )
            seen[scope] = i


def load_risk_config(con: duckdb.DuckDBPyConnection, config: Config) -> dict[str, int]:
    """Replace raw.registry_concentration_limits, raw.registry_withdrawal_shock and
    raw.registry_health_thresholds from the configuration (in the caller's transaction when
    there is one); return row counts."""
    risk = config.risk
    limits = [
        (
            i,
            rule.entity,
            rule.dimension,
            rule.value,
            rule.max_share,
            rule.max_amount,
            rule.limit_source,
        )
        for i, rule in enumerate(risk.concentration_limits)
    ]
    shock = risk.withdrawal_shock
    shocks = [(shock.share_of_client_balance, shock.amount)] if shock else []
    thresholds = risk.health.rows()
    con.execute(DDL)
    for table, rows, width in (
        ("raw.registry_concentration_limits", limits, 7),
        ("raw.registry_withdrawal_shock", shocks, 2),
        ("raw.registry_health_thresholds", thresholds, 3),
    ):
        con.execute(f"delete from {table}")
        if rows:
            placeholders = ", ".join(["?"] * width)
            con.executemany(f"insert into {table} values ({placeholders})", rows)
    return {
        "concentration_limits": len(limits),
        "withdrawal_shock": len(shocks),
        "health_thresholds": len(thresholds),
    }
