"""The chart of accounts the close pack's journal entries post to.

It is the `chart_of_accounts:` section of the usd1inv configuration (see
`ingestion.config.Config`): an account (code and name, as the operator's ERP knows them) per
role, a `default:` for every entity and per-entity overrides. Every role has a built-in default
(`DEFAULT_ACCOUNTS`), so a configuration without the section still closes; a section that
names an unknown role, an unknown entity, an empty code, one code with two names, or puts a
client-asset memo account on an own (balance-sheet) account is refused at load with the key
that is wrong. ``load_chart_of_accounts`` rewrites `raw.registry_chart_of_accounts` (one row
per entity and role), which a close snapshots with its other sources, so a pack re-rendered
years later posts to the accounts it was closed with.

Roles:
- digital_assets: the USD1 the entity owns, at cost (purchases, disposals, conversions, fees);
- fair_value_adjustment: the remeasurement of those holdings to their carrying amount (fair
  value, par or cost less impairment) against cost;
- cash: cash / USD settlement (paid to and received from the issuer, conversion proceeds);
- settlement_clearing: USD1 received from or paid to other parties (customers, vendors,
  partners), cleared against receivables and payables in the ERP;
- fees_expense, realized_gain_loss, unrealized_gain_loss, impairment: profit and loss;
- transition_adjustment: the cumulative effect of a change of measurement basis (equity);
- client_assets_safeguarded and safeguarding_liability: the off-balance-sheet memo pair for
  the clients' USD1 the entity safeguards (never in the entity's own totals).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

import duckdb
from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:  # pragma: no cover
    from ingestion.config import Config

Role = Literal[
    "digital_assets",
    "fair_value_adjustment",
    "cash",
    "settlement_clearing",
    "fees_expense",
    "realized_gain_loss",
    "unrealized_gain_loss",
    "impairment",
    "transition_adjustment",
    "client_assets_safeguarded",
    "safeguarding_liability",
]
MEMO_ROLES = ("client_assets_safeguarded", "safeguarding_liability")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")

# role -> (code, name): used for every role the configuration does not set
DEFAULT_ACCOUNTS: dict[str, tuple[str, str]] = {
    "digital_assets": ("1200", "Digital assets - stablecoins at cost"),
    "fair_value_adjustment": ("1250", "Digital assets - fair value adjustment"),
    "cash": ("1010", "Cash - USD settlement"),
    "settlement_clearing": ("1290", "Digital asset settlements clearing"),
    "fees_expense": ("6100", "Fees expense - digital asset transactions"),
    "realized_gain_loss": ("7000", "Realised gain / loss on digital assets"),
    "unrealized_gain_loss": ("7100", "Unrealised gain / loss on digital assets (fair value)"),
    "impairment": ("7200", "Impairment loss on digital assets"),
    "transition_adjustment": ("3900", "Retained earnings - change in measurement basis"),
    "client_assets_safeguarded": (
        "9100",
        "Client digital assets safeguarded (memo, off balance sheet)",
    ),
    "safeguarding_liability": (
        "9200",
        "Safeguarding obligation to clients (memo, off balance sheet)",
    ),
}

DDL = """
create schema if not exists raw;
-- the chart of accounts of the close pack's journal: one row per entity and role
create table if not exists raw.registry_chart_of_accounts (
    entity varchar not null,
    account_role varchar not null,
    account_code varchar not null,
    account_name varchar not null,
    is_memo boolean not null,
    primary key (entity, account_role)
);
"""


class Account(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(description="the account code (number) as the ERP knows it")
    name: str = Field(min_length=1, description="the account name as the ERP knows it")

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, value: object) -> str:
        text = str(value).strip() if isinstance(value, str | int) else value
        if not isinstance(text, str) or not CODE_RE.match(text):
            raise ValueError(
                "expected an account code: letters, digits and . _ : / - (e.g. '1200' or "
                f"'1200-01'), got {value!r}"
            )
        return text

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("expected the account's name, got only spaces")
        return value.strip()


class EntityAccounts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    entity: str
    accounts: dict[Role, Account] = Field(min_length=1)


class ChartOfAccounts(BaseModel):
    """Accounts per role: `default` for every entity, `entities` override per entity."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default: dict[Role, Account] = {}
    entities: list[EntityAccounts] = []

    def accounts_for(self, entity: str) -> dict[str, Account]:
        """Every role's account for one entity: its override, else the default, else the
        built-in default."""
        accounts = {role: Account(code=c, name=n) for role, (c, n) in DEFAULT_ACCOUNTS.items()}
        accounts.update(self.default)
        for override in self.entities:
            if override.entity == entity:
                accounts.update(override.accounts)
        return accounts

    def rows(self, entity_ids: list[str]) -> list[tuple[str, str, str, str, bool]]:
        """(entity, role, code, name, is_memo) for every entity and role, sorted."""
        return sorted(
            (entity, role, account.code, account.name, role in MEMO_ROLES)
            for entity in entity_ids
            for role, account in self.accounts_for(entity).items()
        )

    def check_references(self, entity_ids: list[str]) -> None:
        """Overrides name configured entities, once each; within an entity one code has one
        name, and the client memo accounts are not the entity's own accounts."""
        seen: set[str] = set()
        for i, override in enumerate(self.entities):
            key = f"chart_of_accounts.entities[{i}].entity"
            if override.entity not in entity_ids:
                raise ValueError(
                    f"{key}: {override.entity!r} is not a configured entity (known: {entity_ids})"
                )
            if override.entity in seen:
                raise ValueError(f"{key}: {override.entity!r} is listed twice")
            seen.add(override.entity)
        for entity in entity_ids:
            _check_entity_accounts(entity, self.accounts_for(entity))


def _check_entity_accounts(entity: str, accounts: dict[str, Account]) -> None:
    own = {accounts[r].code: r for r in sorted(accounts) if r not in MEMO_ROLES}
    memo = [accounts[r].code for r in MEMO_ROLES]
    for role in MEMO_ROLES:
        code = accounts[role].code
        if code in own:
            raise ValueError(
                f"chart_of_accounts ({entity}).{role}: code {code} is also the entity's own "
                f"account for {own[code]}; client assets are off balance sheet, give them "
                "their own memo accounts"
            )
    if memo[0] == memo[1]:
        raise ValueError(
            f"chart_of_accounts ({entity}): client_assets_safeguarded and "
            f"safeguarding_liability share the code {memo[0]}: a memo entry needs both sides"
        )
    names: dict[str, tuple[str, str]] = {}
    for role, account in sorted(accounts.items()):
        if account.code in names and names[account.code][1] != account.name:
            other, other_name = names[account.code]
            raise ValueError(
                f"chart_of_accounts ({entity}): account code {account.code} is named "
                f"{other_name!r} for {other} and {account.name!r} for {role}: one code, one name"
            )
        names.setdefault(account.code, (role, account.name))


def load_chart_of_accounts(con: duckdb.DuckDBPyConnection, config: Config) -> int:
    """Replace raw.registry_chart_of_accounts from the configuration (in the caller's
    transaction); return the number of rows."""
    rows = config.chart_of_accounts.rows([e.id for e in config.entities])
    con.execute(DDL)
    con.execute("delete from raw.registry_chart_of_accounts")
    con.executemany("insert into raw.registry_chart_of_accounts values (?, ?, ?, ?, ?)", rows)
    return len(rows)
