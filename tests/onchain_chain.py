"""A small token history on a real anvil node, block by block, for the on-chain tests.

`TokenChain` deploys the demo token (DemoUSD1, compiled offline by solc-js) at the configured
address with account 0 at nonce 0, and mines blocks at explicit timestamps holding mints and
transfers between addresses (impersonated, so no keys). With automine off every call to `mine`
makes exactly one block.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from eth_abi import encode as abi_encode
from web3 import Web3

from demo.scenario import GAS_DEPLOY, ISSUER, SEL_BURN, SEL_MINT, SEL_TRANSFER, _word
from demo.solidity import compile_contracts

GAS = 150_000


def local_ts(day: date, hour: int, tz: ZoneInfo, minute: int = 0) -> int:
    return int(datetime.combine(day, time(hour, minute), tzinfo=tz).timestamp())


class TokenChain:
    def __init__(self, w3: Web3, build_dir: Path, decimals: int = 6) -> None:
        self.provider = w3.provider
        self.build_dir = build_dir
        self.decimals = decimals
        self.token = ""
        self.pending = 0

    def call(self, method: str, params: list):
        response = self.provider.make_request(method, params)
        if "error" in response:
            raise RuntimeError(f"{method}: {response['error']}")
        return response["result"]

    def _send(self, sender: str, to: str | None, data: str, gas: int = GAS) -> None:
        tx = {"from": sender, "data": data, "gas": hex(gas), "value": "0x0"}
        if to is not None:
            tx["to"] = to
        self.call("eth_sendTransaction", [tx])
        self.pending += 1

    def fund(self, *addresses: str) -> None:
        for address in addresses:
            self.call("anvil_setBalance", [address, hex(10**21)])
            self.call("anvil_impersonateAccount", [address])

    def deploy(self, timestamp: int) -> str:
        self.call("evm_setAutomine", [False])
        contracts = compile_contracts(self.build_dir)
        args = abi_encode(
            ["string", "string", "uint8", "address"], ["Test USD1", "USD1", self.decimals, ISSUER]
        )
        self._send(ISSUER, None, contracts["DemoUSD1"]["bytecode"] + args.hex(), gas=GAS_DEPLOY)
        self.mine(timestamp)
        receipt = self.call("eth_getBlockReceipts", ["latest"])[0]
        self.token = receipt["contractAddress"].lower()
        return self.token

    def mint(self, to: str, amount: int) -> None:
        self._send(ISSUER, self.token, "0x" + SEL_MINT + _word(to) + _word(amount))

    def transfer(self, sender: str, to: str, amount: int) -> None:
        self._send(sender, self.token, "0x" + SEL_TRANSFER + _word(to) + _word(amount))

    def burn(self, holder: str, amount: int) -> None:
        self._send(holder, self.token, "0x" + SEL_BURN + _word(amount))

    def mine(self, timestamp: int) -> int:
        self.call("evm_mine", [timestamp])
        receipts = self.call("eth_getBlockReceipts", ["latest"])
        if len(receipts) != self.pending or any(r["status"] != "0x1" for r in receipts):
            raise RuntimeError(
                f"block at {timestamp}: {len(receipts)} receipts, {self.pending} sent"
            )
        self.pending = 0
        return self.head()

    def head(self) -> int:
        return int(self.call("eth_blockNumber", []), 16)

    def snapshot(self) -> str:
        return self.call("evm_snapshot", [])

    def revert(self, snapshot_id: str) -> None:
        if not self.call("evm_revert", [snapshot_id]):
            raise RuntimeError("evm_revert failed")

    def balance_of(self, address: str, block: int | str = "latest") -> int:
        data = "0x70a08231" + _word(address)
        tag = hex(block) if isinstance(block, int) else block
        return int(self.call("eth_call", [{"to": self.token, "data": data}, tag]), 16)


def play_three_days(chain: TokenChain, wallets: list[str], outsiders: list[str], first: date,
                    tz: ZoneInfo) -> list[int]:  # fmt: skip
    """Three local days of mints and transfers (several per block); returns the blocks."""
    unit = 10**chain.decimals
    chain.fund(*wallets, *outsiders)
    blocks = []
    a, b, c = wallets[:3]
    x, y = outsiders[:2]
    chain.mint(a, 1_000_000 * unit)
    chain.mint(x, 500_000 * unit)
    blocks.append(chain.mine(local_ts(first, 0, tz)))  # exactly local midnight
    for day_offset in range(3):
        day = first + timedelta(days=day_offset)
        for hour in (3, 9, 15, 21):
            chain.transfer(a, b, (1_000 + hour + 7 * day_offset) * unit + 17)
            chain.transfer(x, c, (250 + hour) * unit)
            if hour == 15:
                chain.transfer(b, y, 99 * unit + day_offset)
                chain.transfer(c, c, 1 * unit)  # to itself
            blocks.append(chain.mine(local_ts(day, hour, tz)))
    return blocks
