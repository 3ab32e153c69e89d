"""How a network's token exposes issuer freezes: the optional `freeze:` block of its `token:`.

Stablecoin issuers can freeze an address (USDC `blacklist`, USDT `addBlackList`): the address can
no longer move its tokens. The token then has a view function `name(address) returns (bool)`
that says whether an address is frozen (USDC `isBlacklisted(address)`, USDT
`isBlackListed(address)`, others `isFrozen(address)`) and events that change it (USDC
`Blacklisted(address)` / `UnBlacklisted(address)`, USDT `AddedBlackList(address)` /
`RemovedBlackList(address)`)::

    token:
      address: "0x…"
      freeze:
        view: "isBlacklisted(address)"
        frozen_events: ["Blacklisted(address)"]
        unfrozen_events: ["UnBlacklisted(address)"]

The view is read at every day end for every own wallet and every configured counterparty
(ingestion/onchain/freezes.py) and is the source of truth; the events are named so that a
person (and a later loader) can tell when it changed. No `freeze:` block: the token has no
freeze, nothing is read and nothing is frozen. Errors name the key
(`networks[0].token.freeze.view`).
"""

from __future__ import annotations

import re

from eth_utils import function_signature_to_4byte_selector, keccak
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# one identifier taking one address: `isBlacklisted(address)`
SIGNATURE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\(address\)$")


def _signature(value: object, what: str, example: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a {what} signature like {example!r}, got {value!r}")
    compact = re.sub(r"\s+", "", value)
    if not SIGNATURE_RE.match(compact):
        raise ValueError(
            f"expected a {what} signature taking one address, like {example!r} (name and "
            f"parameter types only, no 'indexed' or parameter names), got {value!r}"
        )
    return compact


class FreezeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    view: str = Field(
        description="view function `name(address) returns (bool)`: true while the address "
        "is frozen, e.g. isBlacklisted(address)"
    )
    frozen_events: list[str] = Field(
        default=[], description="events that freeze an address, e.g. Blacklisted(address)"
    )
    unfrozen_events: list[str] = Field(
        default=[], description="events that unfreeze an address, e.g. UnBlacklisted(address)"
    )

    @field_validator("view", mode="before")
    @classmethod
    def _view(cls, value: object) -> str:
        return _signature(value, "view function", "isBlacklisted(address)")

    @field_validator("frozen_events", "unfrozen_events", mode="before")
    @classmethod
    def _events(cls, value: object) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise ValueError(f"expected a list of event signatures, got {value!r}")
        return [_signature(v, "event", "Blacklisted(address)") for v in value]

    @model_validator(mode="after")
    def _distinct(self) -> FreezeConfig:
        for name, events in (
            ("frozen_events", self.frozen_events),
            ("unfrozen_events", self.unfrozen_events),
        ):
            dupes = sorted({e for e in events if events.count(e) > 1})
            if dupes:
                raise ValueError(f"{name}: listed twice: {dupes}")
        both = sorted(set(self.frozen_events) & set(self.unfrozen_events))
        if both:
            raise ValueError(
                f"frozen_events and unfrozen_events both list {both}: an event either "
                "freezes or unfreezes"
            )
        return self

    @property
    def view_selector(self) -> str:
        """The view's 4-byte selector, 0x-prefixed."""
        return "0x" + function_signature_to_4byte_selector(self.view).hex()

    def event_topics(self) -> dict[str, bool]:
        """topic0 (0x-prefixed keccak of the signature) -> True for a freeze, False for an
        unfreeze."""
        topics = {"0x" + keccak(text=e).hex(): True for e in self.frozen_events}
        topics.update({"0x" + keccak(text=e).hex(): False for e in self.unfrozen_events})
        return topics
