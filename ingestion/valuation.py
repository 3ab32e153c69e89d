"""Valuation configuration: the principal market's price sources, the cost method and the
measurement-basis policies (DESIGN.md, "Measurement basis: a policy, not a constant").

It is the `valuation:` section of the usd1inv configuration (see `ingestion.config.Config`);
errors name their key (`valuation.policies[1].basis`). ``load_valuation_config`` rewrites
`raw.valuation_price_sources`, `raw.valuation_policies` and `raw.valuation_cost_methods` from
it, which the dbt models `stg_prices__price_sources`, `stg_prices__valuation_policies` and
`stg_prices__cost_methods` read.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

import duckdb
from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:  # pragma: no cover
    from ingestion.config import Config

Basis = Literal["fair_value", "cost_less_impairment", "cash_equivalent"]
CostMethod = Literal["weighted_average", "fifo"]

DDL = """
create schema if not exists raw;
-- the order in which price sources are tried per asset (1 = the principal market)
create table if not exists raw.valuation_price_sources (
    asset varchar not null,
    source varchar not null,
    priority integer not null,
    primary key (asset, source)
);
-- measurement basis per asset and entity from an effective date (valuation.policies)
create table if not exists raw.valuation_policies (
    asset varchar not null,
    entity varchar not null,
    basis varchar not null,
    effective_date date not null,
    note varchar,
    primary key (asset, entity, effective_date)
);
-- the cost method of each configured entity (valuation.cost_method, cost_method_by_entity)
create table if not exists raw.valuation_cost_methods (
    entity varchar not null primary key,
    cost_method varchar not null
);
"""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Policy(_Strict):
    """From `effective_date` on (a local day), `entity` measures `asset` on `basis`."""

    asset: str = Field(min_length=1)
    entity: str
    basis: Basis
    effective_date: date
    note: str = Field(default="", description="printed in the close pack beside the basis")


class ValuationConfig(_Strict):
    price_sources: list[str] = Field(
        default_factory=list,
        description="fallback order of price sources after files.prices.principal_source "
        "(sources not listed follow in files.prices.series order)",
    )
    cost_method: CostMethod = Field(
        default="weighted_average",
        description="how units leave an entity's cost pool: weighted_average (moving average) "
        "or fifo (first in, first out, by acquisition lot)",
    )
    cost_method_by_entity: dict[str, CostMethod] = Field(
        default_factory=dict, description="entity id -> cost method, overriding cost_method"
    )
    depeg_band_bps: Decimal = Field(
        default=Decimal(50),
        gt=0,
        description="|depeg_bps| above this is reported by the fair_value quality suite",
    )
    policies: list[Policy] = []

    @field_validator("price_sources")
    @classmethod
    def _unique_sources(cls, value: list[str]) -> list[str]:
        dupes = sorted({v for v in value if value.count(v) > 1})
        if dupes:
            raise ValueError(f"duplicate sources {dupes}")
        return value

    def check_references(
        self, entities: list[str], series: list[tuple[str, str]], principal: str | None
    ) -> None:
        """Policies name configured entities and priced assets; sources have a price series."""
        sources = sorted({source for source, _ in series})
        assets = sorted({asset for _, asset in series})
        for i, source in enumerate(self.price_sources):
            if source not in sources:
                raise ValueError(
                    f"valuation.price_sources[{i}]: {source!r} has no files.prices.series "
                    f"(known: {sources})"
                )
        if principal in self.price_sources and self.price_sources[0] != principal:
            raise ValueError(
                f"valuation.price_sources: the principal source {principal!r} "
                "(files.prices.principal_source) must come first"
            )
        for entity in self.cost_method_by_entity:
            if entity not in entities:
                raise ValueError(
                    f"valuation.cost_method_by_entity.{entity}: not a configured entity "
                    f"(known: {entities})"
                )
        seen: set[tuple[str, str, date]] = set()
        for i, policy in enumerate(self.policies):
            if policy.entity not in entities:
                raise ValueError(
                    f"valuation.policies[{i}].entity: {policy.entity!r} is not a configured "
                    f"entity (known: {entities})"
                )
            if assets and policy.asset not in assets:
                raise ValueError(
                    f"valuation.policies[{i}].asset: {policy.asset!r} has no price series "
                    f"(known: {assets})"
                )
            key = (policy.asset, policy.entity, policy.effective_date)
            if key in seen:
                raise ValueError(
                    f"valuation.policies[{i}].effective_date: a second policy for "
                    f"{policy.asset}/{policy.entity} from {policy.effective_date}"
                )
            seen.add(key)

    def cost_methods(self, entities: list[str]) -> list[tuple[str, str]]:
        """(entity, cost_method) for every configured entity."""
        return [(e, self.cost_method_by_entity.get(e, self.cost_method)) for e in entities]

    def price_source_order(
        self, series: list[tuple[str, str]], principal: str | None
    ) -> list[tuple[str, str, int]]:
        """(asset, source, priority) rows: the principal first, then `price_sources`, then the
        remaining series in configuration order."""
        rows: list[tuple[str, str, int]] = []
        for asset in dict.fromkeys(a for _, a in series):
            available = [s for s, a in series if a == asset]
            order = [principal] if principal in available else []
            order += [s for s in self.price_sources if s in available and s not in order]
            order += [s for s in available if s not in order]
            rows += [(asset, source, i + 1) for i, source in enumerate(order)]
        return rows


def load_valuation_config(con: duckdb.DuckDBPyConnection, config: Config) -> int:
    """Replace raw.valuation_price_sources, raw.valuation_policies and
    raw.valuation_cost_methods from the configuration (in the caller's transaction when there
    is one); return the number of policies."""
    prices = config.files.prices
    series = [(s.source, s.asset) for s in prices.series]
    order = config.valuation.price_source_order(series, prices.principal_source)
    policies = [
        (p.asset, p.entity, p.basis, p.effective_date, p.note) for p in config.valuation.policies
    ]
    con.execute(DDL)
    con.execute("delete from raw.valuation_price_sources")
    con.execute("delete from raw.valuation_policies")
    con.execute("delete from raw.valuation_cost_methods")
    con.executemany(
        "insert into raw.valuation_cost_methods values (?, ?)",
        config.valuation.cost_methods([e.id for e in config.entities]),
    )
    if order:
        con.executemany("insert into raw.valuation_price_sources values (?, ?, ?)", order)
    if policies:
        con.executemany("insert into raw.valuation_policies values (?, ?, ?, ?, ?)", policies)
    return len(policies)
