"""The demo's off-chain files, written consistently with what happened on the demo chain.

After the scenario is played, ``drop_demo_files`` reads every USD1 Transfer from the first
network's node and writes into the landing folders what an operator would receive:

* **Fireblocks** month-end vault listings of the issuance vault (``partner`` in the scenario:
  the issuer mints into it, the operator withdraws to ``ops-hot``);
* **Kraken** monthly ledger exports of the trading account (its deposit address receives
  ``ops-hot`` payments on chain); USD1 is sold for USD mid-month (two legs, fee on the USD leg);
* the **internal ledger** (monthly exports): client liabilities per customer from the on-chain
  customer deposits and withdrawals, and the operator's custody and exchange accounts and its
  ``ops-hot`` wallet (every on-chain movement, with its tx hash);
* **CoinGecko** and **CoinMarketCap** daily USD1 prices near 1.0000.

Deliberate faults, for the marts and checks to find:
* the October Fireblocks statement misses October's last vault withdrawal (balance too high);
* a Kraken withdrawal on the last day of October is still in transit at month end: booked in
  the exchange and the ledger (its ``ops-hot`` leg with the tx hash the venue reported), on
  chain early in November (the scenario's exchange-withdrawal transfer from the Kraken address
  to ``ops-hot``), so the reconciliation must *explain* it, not report a break;
* the August Fireblocks statement is dropped twice (the second copy renamed): a duplicate;
* the September Fireblocks statement comes first wrong, then corrected (supersedes);
* one Kraken export is malformed (a cut-off last line): quarantined whole;
* an ``ops-hot`` withdrawal booked in the ledger two days before the end never went on chain
  (marts.transaction_matches lists it unmatched_ledger; onchain_vs_ledger breaks at ops-hot).

Exchange positions (issue #15): ``kraken-otc``'s two Kraken exports (its first two months, the
first one running 5 days into the second) start mid-history: 200 USD1 were held before the
first row, so only the running balance gives its position; the overlap counts once. The
``coinbase-retail`` transaction history has no running balance: its position rolls from the
configured opening balance (usd1inv.yml). Both move USD1 only between the venue's own wallets
(Kraken ``transfer``) or as small sends and receives, so no trade enters the valuation.

Every file's modification time is set to when it would have been dropped, so corrections order
the same way on every run, and the bytes are deterministic: a rerun adds nothing.
"""

from __future__ import annotations

import json
import logging
import os
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from web3 import Web3

from demo.scenario import TRANSFER_TOPIC, demo_address
from ingestion.config import Config

log = logging.getLogger(__name__)

ZERO = "0x" + "0" * 40
DEMO_PSEUDONYM_KEY = "usd1inv-demo-pseudonym-key-not-a-secret"  # demo only: real keys are secret
VAULT_ID = "7"
FIREBLOCKS_ASSET = "USD1_ERC20"
PLANTED_WITHDRAWAL = Decimal("4321.09")  # the ledger withdrawal that never went on chain


@dataclass(frozen=True)
class ChainTransfer:
    block_number: int
    block_time: datetime
    tx_hash: str
    log_index: int
    from_address: str
    to_address: str
    amount_raw: int


def read_token_transfers(w3: Web3, token: str) -> list[ChainTransfer]:
    """Every Transfer log of ``token`` on the node, with block times, in chain order."""
    call = w3.provider.make_request
    logs = call(
        "eth_getLogs",
        [{"fromBlock": "0x0", "toBlock": "latest", "address": token, "topics": [TRANSFER_TOPIC]}],
    )["result"]
    times: dict[int, datetime] = {}
    out = []
    for entry in logs:
        if len(entry["topics"]) != 3:
            continue
        number = int(entry["blockNumber"], 16)
        if number not in times:
            block = call("eth_getBlockByNumber", [hex(number), False])["result"]
            times[number] = datetime.fromtimestamp(int(block["timestamp"], 16), UTC)
        out.append(
            ChainTransfer(
                block_number=number,
                block_time=times[number],
                tx_hash=entry["transactionHash"].lower(),
                log_index=int(entry["logIndex"], 16),
                from_address="0x" + entry["topics"][1][-40:].lower(),
                to_address="0x" + entry["topics"][2][-40:].lower(),
                amount_raw=int(entry["data"], 16),
            )
        )
    return sorted(out, key=lambda t: (t.block_number, t.log_index))


def _month_ends(start: date, end: date) -> list[date]:
    days, day = [], start
    while day <= end:
        nxt = day + timedelta(days=1)
        if nxt.month != day.month:
            days.append(day)
        day = nxt
    return days


def _months(start: date, end: date) -> list[tuple[date, date]]:
    """(first, last) local day of every month touching [start, end], clipped."""
    out, first = [], start
    while first <= end:
        nxt = (first.replace(day=1) + timedelta(days=32)).replace(day=1)
        out.append((first, min(nxt - timedelta(days=1), end)))
        first = nxt
    return out


class _Writer:
    def __init__(self, config: Config, transfers: list[ChainTransfer], end_date: date) -> None:
        self.config = config
        self.tz = config.tz
        self.start = config.start_date
        self.end = end_date
        self.transfers = transfers
        network = config.networks[0]
        self.unit = Decimal(10) ** network.token.decimals
        files = config.files
        self.vault = next(a for a in files.custodian_accounts if a.provider == "fireblocks")
        self.kraken = next(a for a in files.exchange_accounts if a.venue == "kraken")
        self.kraken_source = next(s for s in files.sources if s.account == self.kraken.id)
        self.fireblocks_source = next(s for s in files.sources if s.adapter == "fireblocks")
        self.ledger_source = next(s for s in files.sources if s.adapter == "internal_ledger")
        wallets = {w.label: w.address for w in config.wallets_on(network.name)}
        self.omnibus = wallets["omnibus-hot"]
        self.ops = wallets["ops-hot"]
        self.deposits = {a for label, a in wallets.items() if label.startswith("deposit-")}
        self.registry = set(wallets.values())
        self.network = network.name
        self.written: list[Path] = []
        self.customers: dict[str, str] = {}
        self.ops_hot_account = next(
            (a.id for a in files.ledger_accounts if a.location_id == self.ops), None
        )
        # the Kraken withdrawal's on-chain leg: the first transfer from the Kraken address to a
        # registry wallet after October (local); None when the chain has none
        october = next((d for d in _month_ends(self.start, self.end) if d.month == 10), None)
        self.kraken_return = next(
            (
                t
                for t in transfers
                if october is not None
                and t.from_address == self.kraken.address
                and t.to_address in self.registry
                and t.block_time > self.local_end(october)
            ),
            None,
        )

    # ---- helpers ---------------------------------------------------------------------------
    def tokens(self, raw: int) -> Decimal:
        return Decimal(raw) / self.unit

    def local_end(self, day: date) -> datetime:
        """Last second of a local day, in UTC."""
        return datetime.combine(day, time(23, 59, 59), tzinfo=self.tz).astimezone(UTC)

    def write(self, folder: str, name: str, data: bytes, dropped: datetime) -> Path:
        path = self.config.landing_dir / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
        stamp = dropped.timestamp()
        os.utime(path, (stamp, stamp))
        self.written.append(path)
        return path

    def customer(self, address: str) -> str:
        if address not in self.customers:
            self.customers[address] = f"CUST-{len(self.customers) + 1:04d}"
        return self.customers[address]

    # ---- Fireblocks --------------------------------------------------------------------------
    def vault_balance(self, at: datetime, skip: set[str] = frozenset()) -> int:
        address = self.vault.address
        total = 0
        for t in self.transfers:
            if t.block_time > at or t.tx_hash in skip:
                continue
            if t.to_address == address:
                total += t.amount_raw
            if t.from_address == address:
                total -= t.amount_raw
        return total

    def fireblocks_file(self, balance_raw: int, eth: str = "3.25") -> bytes:
        usd1 = str(self.tokens(balance_raw))
        wallets = [
            {
                "vaultId": VAULT_ID,
                "assetId": FIREBLOCKS_ASSET,
                "available": usd1,
                "total": usd1,
                "pending": "0",
                "staked": "0",
                "frozen": "0",
                "lockedAmount": "0",
            },
            {
                "vaultId": VAULT_ID,
                "assetId": "ETH",
                "available": eth,
                "total": eth,
                "pending": "0",
                "staked": "0",
                "frozen": "0",
                "lockedAmount": "0",
            },
        ]
        return (json.dumps({"assetWallets": wallets, "paging": {}}, indent=2) + "\n").encode()

    def write_fireblocks(self) -> None:
        folder = self.fireblocks_source.name
        ends = [d for d in _month_ends(self.start, self.end)]
        for i, day in enumerate(ends):
            as_of = self.local_end(day)
            name = f"vault_asset_wallets_{as_of.strftime('%Y%m%dT%H%M%SZ')}.json"
            dropped = as_of + timedelta(hours=9)
            balance = self.vault_balance(as_of)
            if i == len(ends) - 1:
                # fault: the statement misses the month's last withdrawal from the vault
                outs = [
                    t
                    for t in self.transfers
                    if t.from_address == self.vault.address
                    and t.block_time <= as_of
                    and t.block_time.astimezone(self.tz).month == day.month
                ]
                if outs:
                    balance = self.vault_balance(as_of, skip={outs[-1].tx_hash})
            if i == 1:
                # fault: a wrong first version (a pending credit counted), corrected a day later
                wrong = self.fireblocks_file(balance + 12_345 * int(self.unit))
                self.write(folder, name, wrong, dropped)
                corrected = name.replace(".json", "_corrected.json")
                self.write(
                    folder, corrected, self.fireblocks_file(balance), dropped + timedelta(days=1)
                )
                continue
            self.write(folder, name, self.fireblocks_file(balance), dropped)
            if i == 0:
                # fault: the same statement dropped again under another name
                copy = name.replace(".json", " (1).json")
                self.write(folder, copy, self.fireblocks_file(balance), dropped + timedelta(days=2))

    # ---- Kraken ------------------------------------------------------------------------------
    def kraken_entries(self) -> list[dict]:
        """Every Kraken ledger row (USD1 and ZUSD legs), in time order."""
        rng = random.Random(11)  # reproducible demo data, not security
        address = self.kraken.address
        events: list[tuple[datetime, str, dict]] = []
        for t in self.transfers:
            if t.to_address == address:
                credited = t.block_time + timedelta(minutes=4, seconds=rng.randint(0, 50))
                events.append(
                    (
                        credited,
                        "deposit",
                        {"amount": self.tokens(t.amount_raw), "seen": t.block_time},
                    )
                )
        for first, _last in _months(self.start, self.end):
            mid = datetime.combine(first.replace(day=15), time(14, 0), tzinfo=UTC)
            if self.start <= mid.date() <= self.end:
                events.append((mid, "sell", {"price": Decimal("0.9998")}))
        october_end = next((d for d in _month_ends(self.start, self.end) if d.month == 10), None)
        if october_end is not None:
            late = datetime.combine(october_end, time(23, 30), tzinfo=self.tz).astimezone(UTC)
            events.append((late, "withdraw", {"fraction": Decimal("0.3")}))
        events.sort(key=lambda e: e[0])
        rows, usd1, usd, n = [], Decimal(0), Decimal(0), 0

        def ids(prefix: str) -> str:
            nonlocal n
            n += 1
            return f"{prefix}{n:05d}-DEMO{n % 97:02d}-{n * 7919 % 1000000:06d}"

        for when, kind, data in events:
            if kind == "deposit":
                refid = ids("FT")
                rows.append(
                    {
                        "txid": "",
                        "refid": refid,
                        "time": data["seen"],
                        "type": "deposit",
                        "subclass": "stable_coin",
                        "asset": "USD1",
                        "amount": data["amount"],
                        "fee": Decimal(0),
                        "balance": None,
                    }
                )
                usd1 += data["amount"]
                rows.append(
                    {
                        "txid": ids("L"),
                        "refid": refid,
                        "time": when,
                        "type": "deposit",
                        "subclass": "stable_coin",
                        "asset": "USD1",
                        "amount": data["amount"],
                        "fee": Decimal(0),
                        "balance": usd1,
                    }
                )
            elif kind == "sell" and usd1 > 1000:
                sold = (usd1 * Decimal("0.4")).quantize(Decimal("0.01"))
                proceeds = (sold * data["price"]).quantize(Decimal("0.0001"))
                fee = (proceeds * Decimal("0.0002")).quantize(Decimal("0.0001"))
                refid = ids("T")
                usd1 -= sold
                rows.append(
                    {
                        "txid": ids("L"),
                        "refid": refid,
                        "time": when,
                        "type": "trade",
                        "subtype": "tradespot",
                        "subclass": "stable_coin",
                        "asset": "USD1",
                        "amount": -sold,
                        "fee": Decimal(0),
                        "balance": usd1,
                    }
                )
                usd += proceeds - fee
                rows.append(
                    {
                        "txid": ids("L"),
                        "refid": refid,
                        "time": when,
                        "type": "trade",
                        "subtype": "tradespot",
                        "subclass": "fiat",
                        "asset": "ZUSD",
                        "amount": proceeds,
                        "fee": fee,
                        "balance": usd,
                    }
                )
            elif kind == "withdraw" and usd1 > 1000:
                amount = (usd1 * data["fraction"]).quantize(Decimal("0.01"))
                if self.kraken_return is not None:
                    amount = self.tokens(self.kraken_return.amount_raw)
                fee = Decimal("1.00")
                usd1 -= amount + fee
                rows.append(
                    {
                        "txid": ids("L"),
                        "refid": ids("FT"),
                        "time": when,
                        "type": "withdrawal",
                        "subclass": "stable_coin",
                        "asset": "USD1",
                        "amount": -amount,
                        "fee": fee,
                        "balance": usd1,
                        "in_transit": True,
                    }
                )
        return rows

    @staticmethod
    def kraken_csv(rows: list[dict]) -> bytes:
        header = [
            "txid",
            "refid",
            "time",
            "type",
            "subtype",
            "aclass",
            "subclass",
            "asset",
            "wallet",
            "amount",
            "fee",
            "balance",
        ]
        lines = [",".join(f'"{h}"' for h in header)]
        for r in rows:
            places = 4 if r["asset"] == "ZUSD" else 8
            cells = [
                f'"{r["txid"]}"',
                f'"{r["refid"]}"',
                f'"{r["time"].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")}"',
                f'"{r["type"]}"',
                f'"{r.get("subtype", "")}"',
                '"currency"',
                f'"{r["subclass"]}"',
                f'"{r["asset"]}"',
                '"spot / main"',
                f"{r['amount']:.{places}f}",
                f"{r['fee']:.{places}f}",
                '""' if r["balance"] is None else f"{r['balance']:.{places}f}",
            ]
            lines.append(",".join(cells))
        return ("\r\n".join(lines) + "\r\n").encode()

    def write_kraken(self, rows: list[dict]) -> None:
        folder = self.kraken_source.name
        months = [
            (first, last, month)
            for first, last in _months(self.start, self.end)
            if (month := [r for r in rows if first <= r["time"].astimezone(self.tz).date() <= last])
        ]
        for first, last, month in months:
            name = f"ledgers_{first:%Y-%m}.csv"
            dropped = self.local_end(last) + timedelta(days=1, hours=3)
            data = self.kraken_csv(month)
            if first == months[-1][0]:
                # fault: an export cut off mid-line (a broken download), quarantined; the
                # complete export of the same month follows an hour later
                broken = data[: data.rstrip(b"\r\n").rfind(b",")] + b"\r\n"
                self.write(folder, f"ledgers_{first:%Y-%m}_partial.csv", broken, dropped)
                dropped += timedelta(hours=1)
            self.write(folder, name, data, dropped)

    # ---- internal ledger ---------------------------------------------------------------------
    def ledger_rows(self, kraken_rows: list[dict]) -> list[dict]:
        rows = []
        vault = self.vault.address
        for t in self.transfers:
            amount = self.tokens(t.amount_raw)
            base = {"posted_at": t.block_time, "tx_hash": t.tx_hash, "network": self.network}
            if t.to_address in self.deposits and t.from_address not in self.registry:
                rows.append(
                    {
                        **base,
                        "account_id": "client-liabilities",
                        "owner_type": "client",
                        "entry_type": "deposit",
                        "amount": amount,
                        "customer": self.customer(t.from_address),
                    }
                )
            elif t.from_address == self.omnibus and t.to_address not in self.registry:
                rows.append(
                    {
                        **base,
                        "account_id": "client-liabilities",
                        "owner_type": "client",
                        "entry_type": "withdrawal",
                        "amount": -amount,
                        "customer": self.customer(t.to_address),
                    }
                )
            if t.to_address == vault:
                kind = "mint" if t.from_address == ZERO else "deposit"
                rows.append(
                    {
                        **base,
                        "account_id": "custody-fireblocks",
                        "owner_type": "operating",
                        "entry_type": kind,
                        "amount": amount,
                    }
                )
            if t.from_address == vault:
                rows.append(
                    {
                        **base,
                        "account_id": "custody-fireblocks",
                        "owner_type": "operating",
                        "entry_type": "withdrawal",
                        "amount": -amount,
                    }
                )
            if t.to_address == self.kraken.address:
                rows.append(
                    {
                        **base,
                        "account_id": "exchange-kraken",
                        "owner_type": "operating",
                        "entry_type": "deposit",
                        "amount": amount,
                    }
                )
            ops_side = (t.to_address == self.ops) - (t.from_address == self.ops)
            returned = self.kraken_return is not None and t.tx_hash == self.kraken_return.tx_hash
            if self.ops_hot_account and ops_side and not returned:
                rows.append(
                    {
                        **base,
                        "account_id": self.ops_hot_account,
                        "owner_type": "operating",
                        "entry_type": "deposit" if ops_side > 0 else "withdrawal",
                        "amount": amount * ops_side,
                    }
                )
        for r in kraken_rows:
            if r["asset"] != "USD1" or not r["txid"] or r["type"] == "deposit":
                continue
            base = {"posted_at": r["time"], "network": self.network, "owner_type": "operating"}
            withdrawal = r["type"] != "trade"
            rows.append(
                {
                    **base,
                    "tx_hash": None,
                    "account_id": "exchange-kraken",
                    "entry_type": "withdrawal" if withdrawal else "trade",
                    "amount": r["amount"] if withdrawal else r["amount"] - r["fee"],
                }
            )
            if withdrawal and r["fee"]:
                rows.append(
                    {
                        **base,
                        "tx_hash": None,
                        "network": None,
                        "account_id": "exchange-kraken",
                        "entry_type": "fee",
                        "amount": -r["fee"],
                    }
                )
            if withdrawal and self.kraken_return is not None and self.ops_hot_account:
                # the receiving wallet's leg, booked with the withdrawal and the tx hash the
                # venue reported; the chain has it only after the month end
                rows.append(
                    {
                        **base,
                        "tx_hash": self.kraken_return.tx_hash,
                        "account_id": self.ops_hot_account,
                        "entry_type": "transfer",
                        "amount": -r["amount"],
                    }
                )
        planted = self.planted_ledger_withdrawal()
        if planted is not None:
            rows.append(planted)
        rows.sort(key=lambda r: (r["posted_at"], r["account_id"], r["amount"]))
        for i, r in enumerate(rows, start=1):
            r["entry_id"] = f"LE-{i:06d}"
        return rows

    def planted_ledger_withdrawal(self) -> dict | None:
        """Fault: an ops-hot withdrawal the ledger booked two days before the end that never
        went on chain (no tx hash, no transfer of its amount): unmatched_ledger in
        marts.transaction_matches, and the ledger is short of the chain (onchain_vs_ledger
        breaks at ops-hot) from that day on; still inside the matching window at the end."""
        if not self.ops_hot_account or (self.end - self.start).days < 7:
            return None
        day = self.end - timedelta(days=2)
        return {
            "posted_at": datetime.combine(day, time(15, 0), tzinfo=self.tz).astimezone(UTC),
            "tx_hash": None,
            "network": self.network,
            "account_id": self.ops_hot_account,
            "owner_type": "operating",
            "entry_type": "withdrawal",
            "amount": -PLANTED_WITHDRAWAL,
        }

    def write_ledger(self, rows: list[dict]) -> None:
        header = [
            "entry_id",
            "posted_at",
            "account_id",
            "owner_type",
            "entry_type",
            "asset",
            "amount",
            "customer_id",
            "customer_name",
            "customer_email",
            "counterparty_account_id",
            "network",
            "tx_hash",
            "memo",
        ]
        for first, last in _months(self.start, self.end):
            month = [r for r in rows if first <= r["posted_at"].astimezone(self.tz).date() <= last]
            lines = [",".join(header)]
            for r in month:
                customer = r.get("customer")
                number = customer.split("-")[1] if customer else ""
                lines.append(
                    ",".join(
                        [
                            r["entry_id"],
                            r["posted_at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                            r["account_id"],
                            r["owner_type"],
                            r["entry_type"],
                            "USD1",
                            str(r["amount"]),
                            customer or "",
                            f"Customer {number}" if customer else "",
                            f"customer{number}@example.com" if customer else "",
                            "",
                            r["network"] or "",
                            r["tx_hash"] or "",
                            "",
                        ]
                    )
                )
            name = f"ledger_export_{first:%Y-%m}.csv"
            self.write(
                self.ledger_source.name,
                name,
                ("\n".join(lines) + "\n").encode(),
                self.local_end(last) + timedelta(hours=2),
            )

    # ---- prices ------------------------------------------------------------------------------
    def write_prices(self) -> None:
        rng = random.Random(5)  # reproducible demo data, not security
        days = [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]
        gecko = ["snapped_at,price,market_cap,total_volume"]
        cmc = [
            "timeOpen;timeClose;timeHigh;timeLow;name;open;high;low;close;volume;marketCap;"
            "circulatingSupply;timestamp"
        ]
        for day in days:
            price = 1 + rng.uniform(-0.0004, 0.0004)  # a float, printed with its binary noise
            cap = 2_100_000_000 * price
            gecko.append(f"{day} 00:00:00 UTC,{price!r},{cap!r},{rng.uniform(5e5, 2e6)!r}")
            o, c = 1 + rng.uniform(-4e-4, 4e-4), 1 + rng.uniform(-4e-4, 4e-4)
            hi, lo = max(o, c) + 1e-4, min(o, c) - 1e-4
            stamp = f'"{day}T00:00:00.000Z";"{day}T23:59:59.999Z"'
            cmc.append(
                f'{stamp};"{day}T12:00:00.000Z";"{day}T03:00:00.000Z";2781;{o:.8f};{hi:.8f};'
                f"{lo:.8f};{c:.8f};{rng.uniform(5e5, 2e6):.2f};{cap:.2f};{cap:.0f};"
                f'"{day}T23:59:59.999Z"'
            )
        dropped = self.local_end(self.end) + timedelta(hours=1)
        self.write("coingecko", "usd1-usd-max.csv", ("\n".join(gecko) + "\n").encode(), dropped)
        body = ("\n".join(cmc) + "\n").encode()
        self.write(
            "coinmarketcap",
            "USD1_historical_data_coinmarketcap.csv",
            b"\xef\xbb\xbf" + body,
            dropped,
        )

    def write_kraken_otc(self) -> None:
        """kraken-otc: two Kraken exports of its first two months, overlapping by 5 days."""
        months = _months(self.start, self.end)[:2]
        if len(months) < 2:
            return
        source = next(s for s in self.config.files.sources if s.account == "kraken-otc")
        rows = _kraken_otc_rows(self.tz, months[0])
        second_start = months[1][0]
        overlap_end = second_start + timedelta(days=5)
        for first, last in ((months[0][0], overlap_end), (second_start, months[1][1])):
            window = [r for r in rows if first <= r["time"].date() <= last]
            name = f"otc_ledgers_{first:%Y-%m-%d}_{last:%Y-%m-%d}.csv"
            dropped = self.local_end(last) + timedelta(days=1, hours=2)
            self.write(source.name, name, self.kraken_csv(window), dropped)

    def write_coinbase_retail(self) -> None:
        """coinbase-retail: a Coinbase v4 transaction history, no running balance."""
        source = next(s for s in self.config.files.sources if s.account == "coinbase-retail")
        header = (
            "ID,Timestamp,Transaction Type,Asset,Quantity Transacted,Price Currency,"
            "Price at Transaction,Subtotal,Total (inclusive of fees and/or spread),"
            "Fees and/or Spread,Notes"
        )
        lines = ["Transactions", "User,Demo Operator,00000000-0000-0000-0000-000000000001", "",
                 header]  # fmt: skip
        for n, (day, kind, quantity) in enumerate(
            [(3, "Receive", "60"), (17, "Send", "-25.5"), (40, "Receive", "10.25")], start=1
        ):
            at = datetime.combine(self.start + timedelta(days=day), time(14), tzinfo=UTC)
            if at.date() > self.end:
                continue
            lines.append(
                f"cb-demo-{n:04d},{at:%Y-%m-%d %H:%M:%S} UTC,{kind},USD1,{quantity},USD,"
                f"$1.00,${abs(Decimal(quantity)):.2f},${abs(Decimal(quantity)):.2f},$0.00,"
                f"{kind} USD1"
            )
        dropped = self.local_end(self.end) + timedelta(hours=2)
        data = ("\n".join(lines) + "\n").encode()
        self.write(source.name, "coinbase_transactions.csv", data, dropped)


def _kraken_otc_rows(tz, first_month: tuple[date, date]) -> list[dict]:
    """kraken-otc's entries: transfers from and to the futures wallet, 200 USD1 held before."""
    first, _ = first_month
    usd1, rows = Decimal(200), []
    for n, (day, hour, amount) in enumerate(
        [(2, 10, "35.5"), (9, 15, "-20.25"), (20, 9, "12"), (33, 11, "-7.125"),
         (35, 16, "40"), (45, 10, "-15.5")],
        start=1,
    ):  # fmt: skip
        usd1 += Decimal(amount)
        rows.append(
            {
                "txid": f"LOTC{n:02d}-DEMO-{n * 7919:06d}",
                "refid": f"TOTC{n:02d}-DEMO-{n * 104729:07d}",
                "time": datetime.combine(first + timedelta(days=day), time(hour), tzinfo=tz),
                "type": "transfer",
                "subtype": "spotfromfutures" if Decimal(amount) > 0 else "spottofutures",
                "subclass": "stable_coin",
                "asset": "USD1",
                "amount": Decimal(amount),
                "fee": Decimal(0),
                "balance": usd1,
            }
        )
    return rows


def write_offchain_files(
    config: Config, transfers: list[ChainTransfer], end_date: date
) -> list[Path]:
    """Write every demo file into the landing folders; return their paths."""
    writer = _Writer(config, transfers, end_date)
    kraken_rows = writer.kraken_entries()
    writer.write_fireblocks()
    writer.write_kraken(kraken_rows)
    writer.write_ledger(writer.ledger_rows(kraken_rows))
    writer.write_prices()
    writer.write_kraken_otc()
    writer.write_coinbase_retail()
    return writer.written


def drop_demo_files(w3: Web3, config: Config, end_date: date) -> list[Path]:
    """Read the demo chain's transfers and drop the off-chain files (see the module doc)."""
    os.environ.setdefault(config.files.pseudonym_key_env, DEMO_PSEUDONYM_KEY)
    transfers = read_token_transfers(w3, config.networks[0].token.address)
    paths = write_offchain_files(config, transfers, end_date)
    log.info("demo files: %d files dropped into %s", len(paths), config.landing_dir)
    return paths


def demo_accounts() -> dict[str, str]:
    """The scenario addresses the demo configuration names as custodian / exchange accounts."""
    return {
        "fireblocks vault": demo_address("partner"),
        "kraken deposit": demo_address("vendor-07"),
    }
