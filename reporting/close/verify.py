"""Replay a closed period (`usd1inv verify`): re-derive its figures from what it was built on.

Each check gives one finding, `ok` or `MISMATCH`, with a line a person can act on:
- **snapshot**: every table the close stored against its sha256 and row count, and the close's
  content hash over all of them (`audit.closed_periods`);
- **file**: every source file the close recorded (its `source_files` table: name and sha256)
  is in the landing folders with the same bytes (found by hash, so a moved file still counts);
- **parse**: each loaded file, re-parsed by its adapter, gives the rows and statement key the
  close recorded, and the same row count and totals as its rows in `raw` (the rows the marts
  were built from);
- **figure**: where a file states a balance at the period end (a custodian or exchange
  balances statement as of the last local day), it equals the snapshot's closing balance of
  that account;
- **block** and **wallet**: at each network's pinned cut-off block, the node's block hash is
  the pinned one and `balanceOf` of every registered wallet equals the snapshot's closing
  balance for that wallet and network.

The comparisons (`check_*`) are pure functions over small records; `read_chain` is the only
code that talks to a node, `read_closed` the only one that reads the warehouse (read-only).
Nothing is written and nothing is rebuilt: an auditor with the warehouse file, the landing
files and an RPC node can run it. RPC URLs come from the environment and are never printed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, localcontext
from pathlib import Path

import duckdb

from ingestion.config import Config, ConfigError
from ingestion.files.landing import scan
from ingestion.files.problems import FileRejected
from ingestion.files.values import EXACT
from ingestion.retention import removed_files
from ingestion.secrets import redact, register_secret
from reporting.close.closing import ClosedPeriod, CloseError, current_close
from reporting.close.periods import Period
from reporting.close.snapshot import StoredTable, Table, content_hash, read_stored_tables

BALANCE_OF = "0x70a08231"  # balanceOf(address)
LOADED = ("loaded", "superseded")  # files whose rows are in raw
# per raw table: the columns whose sums stand for a file's figures
TOTAL_COLUMNS = {
    "custodian_balances": ("balance",),
    "custodian_movements": ("amount",),
    "exchange_entries": ("amount", "fee"),
    "exchange_balances": ("balance",),
    "ledger_entries": ("amount",),
    "prices": ("price_usd",),
}


@dataclass(frozen=True)
class Finding:
    check: str  # snapshot | file | parse | figure | block | wallet
    ok: bool
    message: str

    def line(self) -> str:
        return f"{'ok' if self.ok else 'MISMATCH':8} {self.check:8} {self.message}"


@dataclass
class Verification:
    close: ClosedPeriod
    findings: list[Finding] = field(default_factory=list)

    @property
    def mismatches(self) -> list[Finding]:
        return [f for f in self.findings if not f.ok]

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _text(value: Decimal) -> str:
    """A token amount's exact text, without trailing zeros."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# ---- snapshot ---------------------------------------------------------------------------------
def check_snapshot(close: ClosedPeriod, stored: list[StoredTable]) -> list[Finding]:
    """Each stored table against its recorded sha256 and row count, then the content hash."""
    findings = []
    for s in stored:
        name, rows = s.table.name, len(s.table.rows)
        where = f"audit.close_snapshot_{name} of {close.close_id}"
        if s.intact:
            findings.append(Finding("snapshot", True, f"{where}: {rows} rows, sha256 matches"))
        else:
            findings.append(
                Finding(
                    "snapshot",
                    False,
                    f"{where}: altered since the close ({rows} rows now, {s.row_count} "
                    f"recorded; sha256 recorded {s.sha256[:12]})",
                )
            )
    recomputed = content_hash({s.table.name: s.table for s in stored})
    ok = recomputed == close.content_hash
    findings.append(
        Finding(
            "snapshot",
            ok,
            f"content hash of {close.close_id}: "
            + (
                f"{recomputed} matches"
                if ok
                else f"recomputed {recomputed}, recorded {close.content_hash}"
            ),
        )
    )
    return findings


# ---- files ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RecordedFile:
    """A source file as the close recorded it (its `source_files` snapshot table)."""

    source: str
    file_name: str
    sha256: str
    status: str
    rows_loaded: int
    statement_key: str | None = None


@dataclass(frozen=True)
class FoundFile:
    """A file in a landing folder now: its source, path inside the folder, sha256."""

    source: str
    name: str
    sha256: str
    path: Path | None = None


def check_files(
    recorded: list[RecordedFile],
    found: list[FoundFile],
    removed: dict[str, datetime] | None = None,
    raw_figures: dict[str, FileFigures] | None = None,
) -> list[Finding]:
    """Each recorded file present with the same sha256 (under any name); a file of the same
    source and name with other bytes is a changed file, none at all a missing one. A file
    whose bytes the retention policy removed (audit.retention_log) is not missing: its hash
    stays recorded and its rows in raw must still be the rows the close loaded."""
    by_hash = {f.sha256: f for f in found}
    by_name = {(f.source, Path(f.name).name): f for f in found}
    removed, raw_figures = removed or {}, raw_figures or {}
    findings = []
    for r in recorded:
        what = f"{r.source}/{r.file_name} ({r.status})"
        if (hit := by_hash.get(r.sha256)) is not None:
            moved = "" if Path(hit.name).name == r.file_name else f", now named {hit.name}"
            findings.append(Finding("file", True, f"{what}: sha256 {r.sha256[:12]} present{moved}"))
        elif r.sha256 in removed:
            kept = raw_figures.get(r.sha256)
            rows = kept.rows if kept is not None else 0
            expected = r.rows_loaded if r.status in LOADED else rows
            findings.append(
                Finding(
                    "file",
                    rows == expected,
                    f"{what}: bytes removed by the retention policy on "
                    f"{removed[r.sha256]:%Y-%m-%d}; sha256 {r.sha256[:12]} recorded, "
                    f"{rows} of its {expected} loaded row(s) kept in raw",
                )
            )
        elif (same := by_name.get((r.source, r.file_name))) is not None:
            findings.append(
                Finding(
                    "file",
                    False,
                    f"{what}: the file's bytes changed: sha256 {same.sha256} now, "
                    f"{r.sha256} recorded at the close",
                )
            )
        else:
            findings.append(
                Finding(
                    "file",
                    False,
                    f"{what}: missing: no file with sha256 {r.sha256} in the landing folder "
                    f"{r.source}/",
                )
            )
    return findings


@dataclass(frozen=True)
class StatementBalance:
    """One balance a statement file states: an account's asset as of a time."""

    account_id: str
    asset: str
    as_of: datetime
    balance: Decimal


@dataclass(frozen=True)
class FileFigures:
    """A file's figures: its rows and, per column, their sum (exact); a balances file's
    stated balances."""

    rows: int
    totals: dict[str, Decimal]
    statement_key: str | None = None
    balances: tuple[StatementBalance, ...] = ()


def figures_of(rows: list[dict], columns: Iterable[str], statement_key: str | None) -> FileFigures:
    """The figures of parsed rows: their count and the exact sum of each column."""
    totals = {}
    with localcontext(EXACT):
        for column in columns:
            values = [Decimal(str(r[column])) for r in rows if r.get(column) is not None]
            totals[column] = sum(values, Decimal(0))
    balances = tuple(
        StatementBalance(r["account_id"], r["asset"], r["as_of"], Decimal(str(r["balance"])))
        for r in rows
        if {"account_id", "asset", "as_of", "balance"} <= r.keys() and r["balance"] is not None
    )
    return FileFigures(len(rows), totals, statement_key, balances)


def check_statements(
    statements: list[tuple[RecordedFile, StatementBalance]],
    closing: dict[str, Decimal],
    period_end: date,
    tz: tzinfo,
    assets: set[str],
) -> list[Finding]:
    """The balances statement files state on the period's last local day (the latest per
    account and asset, from current files) against the snapshot's closing balance of that
    account: the figure the close took from them."""
    latest: dict[tuple[str, str], tuple[RecordedFile, StatementBalance]] = {}
    for recorded, b in statements:
        if recorded.status != "loaded" or b.asset not in assets:
            continue
        if b.as_of.astimezone(tz).date() != period_end:
            continue
        key = (b.account_id, b.asset)
        if key not in latest or latest[key][1].as_of < b.as_of:
            latest[key] = (recorded, b)
    findings = []
    for (account, asset), (recorded, b) in sorted(latest.items()):
        stated = (
            f"statement {recorded.source}/{recorded.file_name}: {account} {asset} as of "
            f"{b.as_of.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
        )
        expected = closing.get(account)
        if expected is None:
            findings.append(
                Finding("figure", False, f"{stated}: {_text(b.balance)}, no snapshot row")
            )
        elif expected == b.balance:
            findings.append(
                Finding("figure", True, f"{stated}: {_text(b.balance)} = closing balance")
            )
        else:
            findings.append(
                Finding(
                    "figure",
                    False,
                    f"{stated}: {_text(b.balance)} in the file, closing balance "
                    f"{_text(expected)} in the snapshot, difference "
                    f"{_text(expected - b.balance)}",
                )
            )
    return findings


def check_parsed(
    recorded: RecordedFile, parsed: FileFigures, loaded: FileFigures | None
) -> list[Finding]:
    """A re-parsed file against what the close recorded of it and its rows in raw."""
    what = f"{recorded.source}/{recorded.file_name}"
    problems = []
    if parsed.rows != recorded.rows_loaded:
        problems.append(f"{parsed.rows} rows parsed, {recorded.rows_loaded} recorded as loaded")
    if recorded.statement_key is not None and parsed.statement_key != recorded.statement_key:
        problems.append(
            f"statement key {parsed.statement_key!r}, recorded {recorded.statement_key!r}"
        )
    if loaded is None:
        problems.append("no rows of this file in raw")
    else:
        if loaded.rows != parsed.rows:
            problems.append(f"{parsed.rows} rows parsed, {loaded.rows} in raw")
        for column, total in sorted(parsed.totals.items()):
            in_raw = loaded.totals.get(column)
            if in_raw is None or in_raw != total:
                problems.append(
                    f"sum of {column} {_text(total)} parsed, "
                    f"{'-' if in_raw is None else _text(in_raw)} in raw"
                )
    if problems:
        return [Finding("parse", False, f"{what}: " + "; ".join(problems))]
    sums = ", ".join(f"{c} {_text(v)}" for c, v in sorted(parsed.totals.items()))
    return [Finding("parse", True, f"{what}: {parsed.rows} rows re-parsed, sums {sums} as in raw")]


# ---- chain ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CutoffBlock:
    network: str
    chain_id: int
    block_number: int
    block_hash: str | None


@dataclass(frozen=True)
class WalletExpectation:
    """A registered wallet and the snapshot's closing balance for it (None: no snapshot row)."""

    network: str
    address: str
    label: str
    closing_balance: Decimal | None


@dataclass(frozen=True)
class ChainReading:
    """What a node says at a block: its chain id, the block's hash, each balanceOf (raw)."""

    chain_id: int
    block_hash: str | None
    balances_raw: dict[str, int]


def to_units(raw: int, decimals: int) -> Decimal:
    """Base units to token units, exact."""
    return Decimal(raw).scaleb(-decimals)


def check_chain(
    cutoff: CutoffBlock,
    wallets: list[WalletExpectation],
    reading: ChainReading,
    *,
    decimals: int,
    symbol: str,
) -> list[Finding]:
    """The node's chain and block at the pinned cut-off, then each wallet's balanceOf against
    the snapshot's closing balance for that wallet and network."""
    where = f"{cutoff.network} block {cutoff.block_number}"
    findings = []
    if reading.chain_id != cutoff.chain_id:
        findings.append(
            Finding(
                "block",
                False,
                f"{where}: the node's chain id is {reading.chain_id}, the close's "
                f"{cutoff.chain_id}: wrong node",
            )
        )
    elif cutoff.block_hash and (reading.block_hash or "").lower() != cutoff.block_hash.lower():
        findings.append(
            Finding(
                "block",
                False,
                f"{where}: hash {reading.block_hash} on the node, {cutoff.block_hash} pinned "
                "at the close (a reorg or another chain)",
            )
        )
    else:
        findings.append(Finding("block", True, f"{where}: hash {cutoff.block_hash} as pinned"))
    for w in wallets:
        expected = w.closing_balance if w.closing_balance is not None else Decimal(0)
        note = "" if w.closing_balance is not None else " (no snapshot row: 0)"
        name = f"wallet {w.label} {w.address} on {w.network} at block {cutoff.block_number}"
        raw = reading.balances_raw.get(w.address)
        if raw is None:
            findings.append(Finding("wallet", False, f"{name}: no balanceOf read from the node"))
            continue
        actual = to_units(raw, decimals)
        if actual == expected:
            findings.append(
                Finding("wallet", True, f"{name}: {_text(actual)} {symbol} as closed{note}")
            )
        else:
            findings.append(
                Finding(
                    "wallet",
                    False,
                    f"{name}: expected {_text(expected)} {symbol} (snapshot closing "
                    f"balance{note}), actual {_text(actual)} {symbol} (balanceOf on chain), "
                    f"difference {_text(actual - expected)}",
                )
            )
    return findings


def read_chain(url: str, token_address: str, addresses: list[str], block: int) -> ChainReading:
    """balanceOf of each address at `block` via web3, with the chain id and the block's hash."""
    from web3 import HTTPProvider, Web3

    register_secret(url)  # web3 and urllib3 log the URL at debug level
    w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": 30}))
    token = Web3.to_checksum_address(token_address)
    balances = {}
    for address in addresses:
        data = BALANCE_OF + "0" * 24 + address.lower().removeprefix("0x")
        result = bytes(w3.eth.call({"to": token, "data": data}, block_identifier=block))
        balances[address] = int.from_bytes(result, "big") if result else 0
    header = w3.eth.get_block(block)
    return ChainReading(int(w3.eth.chain_id), header["hash"].to_0x_hex(), balances)


# ---- reading the close ------------------------------------------------------------------------
@dataclass(frozen=True)
class Closed:
    """What `verify` reads from the warehouse (read-only) for one closed period."""

    close: ClosedPeriod
    stored: list[StoredTable]
    raw_figures: dict[str, FileFigures]  # by file sha256: its rows in raw
    removed: dict[str, datetime] = field(default_factory=dict)  # sha256 -> retention removal

    def table(self, name: str) -> Table | None:
        return next((s.table for s in self.stored if s.table.name == name), None)


def _raw_figures(con: duckdb.DuckDBPyConnection, hashes: list[str]) -> dict[str, FileFigures]:
    figures: dict[str, FileFigures] = {}
    for table, columns in TOTAL_COLUMNS.items():
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'raw' and table_name = ?",
            [table],
        ).fetchone()[0]
        if not exists:
            continue
        sums = ", ".join(f"sum({c})" for c in columns)
        for sha, rows, *totals in con.execute(
            f"select file_sha256, count(*), {sums} from raw.{table} "
            "where file_sha256 in (select unnest(?)) group by file_sha256",
            [hashes],
        ).fetchall():
            sums_by_column = zip(columns, totals, strict=True)
            figures[sha] = FileFigures(rows, {c: t or Decimal(0) for c, t in sums_by_column})
    return figures


def read_closed(warehouse: Path, period: Period) -> Closed:
    """The period's close in force, its stored snapshot and the raw figures of its files."""
    if not Path(warehouse).exists():
        raise CloseError(f"warehouse {Path(warehouse).name} not found: nothing to verify")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        close = current_close(con, period)
        if close is None:
            raise CloseError(f"period {period.name} is not closed: nothing to verify")
        stored = read_stored_tables(con, close.close_id)
        files = next((s.table for s in stored if s.table.name == "source_files"), None)
        hashes = [r["sha256"] for r in files.dicts()] if files else []
        return Closed(close, stored, _raw_figures(con, hashes), removed_files(con))
    finally:
        con.close()


def recorded_files(table: Table | None) -> list[RecordedFile]:
    if table is None:
        return []
    return [
        RecordedFile(
            r["source"],
            r["file_name"],
            r["sha256"],
            r["status"],
            int(r.get("rows_loaded") or 0),
            r.get("statement_key"),
        )
        for r in table.dicts()
    ]


def found_files(config: Config) -> list[FoundFile]:
    """Every file in the configured landing folders now, with its sha256."""
    return [
        FoundFile(
            f.source.name,
            f.path.relative_to(config.landing_dir / f.source.name).as_posix(),
            f.sha256,
            f.path,
        )
        for f in scan(config)
        if f.refused is None
    ]


def reparse(config: Config, recorded: RecordedFile, found: FoundFile) -> FileFigures:
    """Parse a landed file again with its source's adapter, as the load did."""
    from ingestion.files.adapters import ParseContext
    from ingestion.files.load import PARSERS

    source = next((s for s in config.files.sources if s.name == recorded.source), None)
    if source is None:
        raise ConfigError(f"files.sources: no source named {recorded.source!r} any more")
    ctx = ParseContext(config, source, found.path)
    if source.kind == "ledger":
        # customer pseudonyms are not compared: no key is needed to replay the figures
        ctx.pseudonymise = lambda customer: "<pseudonym>"
    with localcontext(EXACT):
        parsed = PARSERS[source.adapter](found.path.read_bytes(), ctx)
    return figures_of(parsed.rows, TOTAL_COLUMNS.get(parsed.table, ()), parsed.statement_key)


def check_reparsed(
    config: Config,
    recorded: list[RecordedFile],
    found: list[FoundFile],
    closed: Closed,
    period: Period,
) -> list[Finding]:
    """Each loaded file re-parsed against its record and raw rows; then the balances the
    statements state at the period end against the snapshot's closing balances."""
    by_hash = {f.sha256: f for f in found}
    findings = []
    statements = []
    for r in recorded:
        hit = by_hash.get(r.sha256)
        if r.status not in LOADED or hit is None or hit.path is None:
            continue  # not loaded (duplicate, quarantined) or missing: said by check_files
        try:
            parsed = reparse(config, r, hit)
        except Exception as exc:  # rejected, or its source is gone: say so, go on
            reason = (  # the place and reason, never the value (it may be personal data)
                "; ".join(f"row {p.row} {p.column}: {p.reason}" for p in exc.problems[:3])
                if isinstance(exc, FileRejected)
                else str(exc)
            )
            findings.append(
                Finding(
                    "parse",
                    False,
                    f"{r.source}/{r.file_name}: does not parse now: "
                    f"{type(exc).__name__}: {reason[:300]}",
                )
            )
            continue
        findings.extend(check_parsed(r, parsed, closed.raw_figures.get(r.sha256)))
        statements += [(r, b) for b in parsed.balances]
    assets = {n.token.symbol for n in config.networks}
    closing = closing_balances(closed.table("inventory_rollforward"))
    findings += check_statements(statements, closing, period.end_date, config.tz, assets)
    return findings


def closing_balances(rollforward: Table | None) -> dict[str, Decimal]:
    """The snapshot's closing balance per location id (summed over its rows)."""
    closing: dict[str, Decimal] = {}
    for row in rollforward.dicts() if rollforward is not None else []:
        location = str(row["location_id"])
        closing[location] = closing.get(location, Decimal(0)) + row["closing_balance"]
    return closing


def wallet_expectations(
    config: Config, snapshot: Table | None, end_date: date, network: str
) -> list[WalletExpectation]:
    """Every registered wallet of the network with the snapshot's closing balance for it: the
    roll-forward's closing balance, else the daily inventory's balance on the period's last
    day. A snapshot wallet no longer in the configuration is checked too."""
    closing: dict[str, Decimal] = {}
    labels: dict[str, str] = {}
    for row in snapshot.dicts() if snapshot is not None else []:
        if row.get("network") != network or row.get("location_type") not in ("wallet", "contract"):
            continue
        if "as_of_date" in row and row["as_of_date"] != end_date:
            continue
        address = str(row["location_id"]).lower()
        value = row.get("closing_balance", row.get("balance"))
        closing[address] = closing.get(address, Decimal(0)) + (value or Decimal(0))
        labels.setdefault(address, str(row.get("location_label") or row.get("label") or "?"))
    wallets = [
        WalletExpectation(network, w.address, w.label, closing.get(w.address))
        for w in config.wallets_on(network)
    ]
    known = {w.address for w in wallets}
    wallets += [
        WalletExpectation(network, a, f"{labels[a]} (not in the configuration)", v)
        for a, v in sorted(closing.items())
        if a not in known
    ]
    return wallets


def cutoff_blocks(table: Table | None) -> list[CutoffBlock]:
    if table is None:
        return []
    return [
        CutoffBlock(r["network"], int(r["chain_id"]), int(r["block_number"]), r.get("block_hash"))
        for r in table.dicts()
    ]


ChainReader = Callable[[str, str, list[str], int], ChainReading]


def check_networks(
    config: Config, closed: Closed, period: Period, reader: ChainReader = read_chain
) -> list[Finding]:
    balances = closed.table("inventory_rollforward") or closed.table("inventory_daily")
    findings = []
    blocks = cutoff_blocks(closed.table("cutoff_blocks"))
    if not blocks:
        findings.append(Finding("block", False, "the snapshot pins no cut-off block"))
    for cutoff in blocks:
        network = next((n for n in config.networks if n.name == cutoff.network), None)
        if network is None:
            findings.append(
                Finding("block", False, f"{cutoff.network}: not a configured network any more")
            )
            continue
        wallets = wallet_expectations(config, balances, period.end_date, cutoff.network)
        try:
            reading = reader(
                network.rpc_url(),
                network.token.address,
                [w.address for w in wallets],
                cutoff.block_number,
            )
        except Exception as exc:  # the node is unreachable or refuses: say so, go on
            findings.append(
                Finding(
                    "block",
                    False,
                    f"{cutoff.network} block {cutoff.block_number}: could not read the node "
                    f"({network.rpc_url_env}): {type(exc).__name__}: {redact(str(exc))[:300]}",
                )
            )
            continue
        findings.extend(
            check_chain(
                cutoff,
                wallets,
                reading,
                decimals=network.token.decimals,
                symbol=network.token.symbol,
            )
        )
    return findings


def verify_period(config: Config, period: Period, reader: ChainReader = read_chain) -> Verification:
    """Every check of a closed period; raises CloseError when it is not closed."""
    closed = read_closed(config.warehouse_path, period)
    result = Verification(closed.close)
    result.findings += check_snapshot(closed.close, closed.stored)
    recorded = recorded_files(closed.table("source_files"))
    found = found_files(config)
    result.findings += check_files(recorded, found, closed.removed, closed.raw_figures)
    result.findings += check_reparsed(config, recorded, found, closed, period)
    result.findings += check_networks(config, closed, period, reader)
    return result
