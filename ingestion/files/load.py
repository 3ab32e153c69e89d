"""Load landed files into `raw`, each file whole or not at all, recorded in `audit.files`.

For each file, in one transaction:
- **duplicate**: its sha256 was seen before (under any name) -> recorded, nothing loaded;
- **quarantined**: the adapter rejected it -> every problem goes to `audit.quarantine`
  (file, row, column, value, reason), no row reaches `raw`;
- **loaded** / **superseded**: its rows are appended to `raw.<table>` with provenance. If a file
  with the same statement key (source, account(s), as-of or period) is already loaded, the one
  dropped later (file modification time, then sha256) is current and the other is marked
  `superseded` with `superseded_by`; both stay in `raw` and in `audit.files`, so the outcome
  does not depend on the order files are processed in.
Rows in = rows loaded + rows quarantined for every file. A file already recorded under the
same path and content is skipped: loading the same folder twice changes nothing.

Nothing in one file stops the load (issue #14): any error while reading, parsing, checking or
inserting it rolls back only its transaction and quarantines it with the real error; so do a
symbolic link, a name that is not UTF-8 or holds control characters, and a file larger than
``files.max_file_bytes`` (not read). Integer values are range-checked against their column
type before the insert. A quarantined file is recorded, so it is not retried until its bytes
change. Only a configuration error (``ConfigError``) stops the load.

Internal-ledger files (``STREAMS``) are never read whole (issue #14): they are read, checked
and parsed in chunks of rows, staged in a Parquet file beside the warehouse and inserted by one
statement in their one transaction, with the same outcome, problems and rows as the whole-file
path of the other adapters (bench/README.md has the figures).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import localcontext
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ingestion.config import Config, ConfigError
from ingestion.files.adapters import ParseContext, Parsed
from ingestion.files.custodians import (
    anchorage,
    bitgo,
    canonical,
    coinbase_prime,
    copper,
    fireblocks,
    fordefi,
)
from ingestion.files.exchanges import (
    balances,
    binance,
    bitstamp,
    coinbase,
    coinbase_exchange,
    gemini,
    kraken,
    mapped,
    okx,
)
from ingestion.files.landing import LandedFile, scan
from ingestion.files.ledger import internal
from ingestion.files.prices import coingecko, coinmarketcap
from ingestion.files.problems import (
    MAX_PROBLEMS,
    CellError,
    FileRejected,
    Problem,
    RowErrors,
)
from ingestion.files.pseudonymise import pseudonymiser
from ingestion.files.schema import TABLES
from ingestion.files.text import check_encoding, decode
from ingestion.files.values import EXACT, INTEGER_RANGES, parse_int
from ingestion.valuation import load_valuation_config
from ingestion.warehouse import record_load

log = logging.getLogger(__name__)

PARSERS: dict[str, Callable[[bytes, ParseContext], Parsed]] = {
    "fireblocks": fireblocks.parse,
    "bitgo": bitgo.parse,
    "coinbase_prime": coinbase_prime.parse,
    "canonical_custodian": canonical.parse,
    "kraken": kraken.parse,
    "coinbase": coinbase.parse,
    "binance": binance.parse,
    "bitstamp": bitstamp.parse,
    "gemini": gemini.parse,
    "okx": okx.parse,
    "coinbase_exchange": coinbase_exchange.parse,
    "mapped_exchange": mapped.parse,
    "canonical_balances": balances.parse,
    "anchorage": anchorage.parse,
    "copper": copper.parse,
    "fordefi": fordefi.parse,
    "internal_ledger": internal.parse,
    "coingecko": coingecko.parse,
    "coinmarketcap": coinmarketcap.parse,
}
# adapters that read a file row by row and hand it over in chunks, staged in Parquet and
# inserted by one statement (issue #14): memory stays bounded whatever the file's size
STREAMS = {"internal_ledger": internal.stream}
# columns whose values are personal data: never copied into a quarantine report
PERSONAL_COLUMNS = {"internal_ledger": internal.PERSONAL, "fordefi": fordefi.PERSONAL}
REDACTED = "<personal data, not stored>"
# beside the warehouse: a streamed file's rows, staged in Parquet until its one insert
STAGING_FOLDER = ".file-load-staging"


@dataclass
class FileOutcome:
    path: str
    sha256: str
    source: str
    status: str  # loaded | duplicate | superseded | quarantined | seen | failed (not recorded)
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    statement_key: str | None = None
    superseded: list[str] = field(default_factory=list)  # sha256s this file replaced
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{Path(self.path).name} [{self.source}]: {self.status}, rows in {self.rows_in}, "
            f"loaded {self.rows_loaded}, quarantined {self.rows_quarantined}"
        )
        if self.problems:
            text += f"; first problem: {self.problems[0]}"
        return text


def _dropped_at_key(dropped_at: datetime, sha256: str) -> tuple:
    return (dropped_at, sha256)


class FileLoader:
    """Loads landed files for one configuration into one warehouse connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, config: Config, load_id: str) -> None:
        self.con = con
        self.config = config
        self.load_id = load_id
        self._pseudonymise: Callable[[str], str] | None = None

    def pseudonymise(self) -> Callable[[str], str]:
        if self._pseudonymise is None:
            self._pseudonymise = pseudonymiser(self.config.files.pseudonym_key_env)
        return self._pseudonymise

    # ---- one file --------------------------------------------------------------------------
    def load(self, landed: LandedFile) -> FileOutcome:
        """Load one file; whatever goes wrong with it quarantines it and only it."""
        path = shown_path(landed.path)
        outcome = FileOutcome(
            path=path, sha256=landed.sha256, source=landed.source.name, status="seen"
        )
        try:
            return self._load(landed, outcome)
        except ConfigError:
            raise  # the configuration is wrong, not the file: stop and say so, retry later
        except Exception as exc:  # the real error, recorded; the next file still loads
            log.exception("loading %s failed", path)
            self._rollback_quietly()
            problem = Problem(0, "", None, f"could not be loaded: {_error_text(exc)}")
            try:
                return self._quarantine(landed, outcome, b"", FileRejected([problem]))
            except Exception:  # the warehouse itself refuses: say so and go on
                log.exception("could not record %s as quarantined", path)
                self._rollback_quietly()
                outcome.status = "failed"
                outcome.problems = [problem.describe(Path(path).name)]
                return outcome

    def _rollback_quietly(self) -> None:
        with contextlib.suppress(duckdb.Error):  # no transaction was open
            self.con.execute("rollback")

    def _load(self, landed: LandedFile, outcome: FileOutcome) -> FileOutcome:
        path = outcome.path
        src = landed.source
        known = self.con.execute(
            "select path, status from audit.files where sha256 = ? order by loaded_at, path",
            [landed.sha256],
        ).fetchall()
        if any(p == path for p, _ in known):
            return outcome  # this very file was recorded before: nothing to do
        refused = landed.refused or name_problem(landed.path)
        if refused is None and landed.size_bytes > self.config.files.max_file_bytes:
            refused = (
                f"{landed.size_bytes} bytes is larger than the limit of "
                f"{self.config.files.max_file_bytes} bytes (files.max_file_bytes); not read"
            )
        if refused is not None:
            problem = Problem(0, "", None, refused)
            return self._quarantine(landed, outcome, b"", FileRejected([problem]))
        if src.adapter in STREAMS:
            return self._load_stream(landed, outcome, known)
        data = landed.path.read_bytes()
        if known:
            outcome.status = "duplicate"
            self._record(landed, outcome, data, duplicate_of=known[0][0])
            return outcome
        ctx = ParseContext(self.config, src, landed.path)
        if src.kind == "ledger":
            ctx.pseudonymise = self.pseudonymise()  # fails clearly if the key is not set
        try:
            with localcontext(EXACT):  # sums and checks on amounts never round
                parsed = PARSERS[src.adapter](data, ctx)
        except FileRejected as rejected:
            return self._quarantine(landed, outcome, data, rejected)
        except Exception as exc:  # an adapter bug must not take the other files down
            log.exception("adapter %s failed on %s", src.adapter, landed.path.name)
            problem = Problem(0, "", None, f"adapter error {type(exc).__name__}: {exc}")
            return self._quarantine(landed, outcome, data, FileRejected([problem]))
        return self._load_rows(landed, outcome, data, parsed)

    def _quarantine(
        self,
        landed: LandedFile,
        outcome: FileOutcome,
        data: bytes,
        rejected: FileRejected,
        *,
        encoding: str | None = None,
    ) -> FileOutcome:
        outcome.status = "quarantined"
        outcome.rows_in = rejected.rows_in
        outcome.rows_quarantined = rejected.rows_in
        outcome.rows_loaded = 0
        name = Path(outcome.path).name
        outcome.problems = [p.describe(name) for p in rejected.problems]
        personal = PERSONAL_COLUMNS.get(landed.source.adapter, set())
        now = datetime.now(UTC)
        rows = {}
        for p in rejected.problems:
            key = (f"row {p.row}" if p.row else "file", p.column)
            if key in rows:
                continue
            value = REDACTED if p.column in personal and p.value is not None else p.value
            rows[key] = (
                f"file:{landed.source.kind}",
                f"{landed.sha256}",
                key[0],
                p.column,
                value,
                p.describe(name) if p.row else f"{name}: {p.reason}",
                self.load_id,
                now,
            )
        self.con.execute("begin transaction")
        try:
            self.con.executemany(
                "insert or ignore into audit.quarantine values (?, ?, ?, ?, ?, ?, ?, ?)",
                list(rows.values()),
            )
            self._record(
                landed,
                outcome,
                data,
                encoding=encoding,
                message="; ".join(outcome.problems[:5]),
            )
            self._load_log(landed, outcome)
            self.con.execute("commit")
        except Exception:
            self._rollback_quietly()
            raise
        log.warning("%s", outcome.summary())
        return outcome

    def _load_rows(
        self, landed: LandedFile, outcome: FileOutcome, data: bytes, parsed: Parsed
    ) -> FileOutcome:
        outcome.rows_in = parsed.rows_in
        outcome.rows_loaded = len(parsed.rows)
        outcome.statement_key = parsed.statement_key
        assert outcome.rows_loaded == outcome.rows_in, "an adapter dropped rows"
        superseded_by, older = self._supersession(landed, parsed.statement_key)
        outcome.status = "superseded" if superseded_by else "loaded"
        problems = check_rows(parsed)
        if problems:
            rejected = FileRejected(problems, parsed.rows_in)
            return self._quarantine(landed, _reset(outcome), data, rejected)
        self.con.execute("begin transaction")
        try:
            self._insert(parsed, landed)
            if not superseded_by and older:
                self._supersede(landed, outcome, older)
            self._record(
                landed,
                outcome,
                data,
                superseded_by=superseded_by,
                raw_table=parsed.table,
                message="; ".join(parsed.notes) or None,
            )
            self._load_log(landed, outcome)
            self.con.execute("commit")
        except Exception as exc:  # only this file's transaction is undone
            self._rollback_quietly()
            rejected = _refused(outcome, exc, parsed.rows_in)
            return self._quarantine(landed, _reset(outcome), data, rejected)
        log.info("%s", outcome.summary())
        return outcome

    def _supersession(self, landed: LandedFile, statement_key: str) -> tuple[str | None, list]:
        """The loaded file that supersedes this one, if any, and those this one supersedes."""
        current = self.con.execute(
            "select sha256, dropped_at from audit.files "
            "where statement_key = ? and status = 'loaded' and source = ?",
            [statement_key, landed.source.name],
        ).fetchall()
        superseded_by = None
        mine = _dropped_at_key(landed.dropped_at, landed.sha256)
        newer = [sha for sha, at in current if _dropped_at_key(at, sha) > mine]
        older = [sha for sha, at in current if _dropped_at_key(at, sha) < mine]
        if newer:
            superseded_by = max(newer, key=lambda s: dict(current)[s])
        return superseded_by, older

    def _load_stream(
        self, landed: LandedFile, outcome: FileOutcome, known: list[tuple[str, str]]
    ) -> FileOutcome:
        """``_load`` of a streamed file: its rows are checked and inserted chunk by chunk in its
        one transaction, and the file is still loaded whole or quarantined whole, with the
        problems and outcome the whole-file path gives (issue #14)."""
        src = landed.source
        try:
            encoding = check_encoding(landed.path)
        except FileRejected as rejected:
            if known:
                outcome.status = "duplicate"
                self._record(landed, outcome, b"", duplicate_of=known[0][0])
                return outcome
            return self._quarantine(landed, outcome, b"", rejected)
        recorded = encoding if landed.size_bytes else None  # as `_record` says of no bytes
        if known:
            outcome.status = "duplicate"
            self._record(landed, outcome, b"", encoding=recorded, duplicate_of=known[0][0])
            return outcome
        ctx = ParseContext(self.config, src, landed.path)
        if src.kind == "ledger":
            ctx.pseudonymise = self.pseudonymise()  # fails clearly if the key is not set
        state = internal.StreamState()
        chunks = STREAMS[src.adapter](landed.path, encoding, ctx, state)
        checked: list[Problem] = []  # check_rows problems, in row order
        with staging_folder(self.config) as folder:
            staged = folder / "rows.parquet"
            writer: pq.ParquetWriter | None = None
            names: list[str] = []
            staged_rows = 0
            try:
                while True:
                    try:
                        with localcontext(EXACT):  # sums and checks on amounts never round
                            rows = next(chunks, None)
                    except FileRejected as rejected:
                        return self._quarantine(landed, outcome, b"", rejected, encoding=recorded)
                    except Exception as exc:  # an adapter bug must not take the other files down
                        log.exception("adapter %s failed on %s", src.adapter, landed.path.name)
                        problem = Problem(0, "", None, f"adapter error {type(exc).__name__}: {exc}")
                        rejected = FileRejected([problem])
                        return self._quarantine(landed, outcome, b"", rejected, encoding=recorded)
                    if rows is None:
                        break
                    chunk = Parsed(state.table, rows, "", 0)
                    if len(checked) < MAX_PROBLEMS:
                        checked.extend(check_rows(chunk))
                    if checked:
                        continue  # the file will be quarantined: read on for its rows and problems
                    names, arrow = self._arrow_rows(chunk, landed)
                    if writer is None:
                        writer = pq.ParquetWriter(staged, arrow.schema)
                    writer.write_table(arrow)
                    staged_rows += len(rows)
            finally:
                if writer is not None:
                    writer.close()
            outcome.rows_in = state.rows_in
            outcome.statement_key = state.statement_key
            if checked:
                rejected = FileRejected(checked, state.rows_in)
                return self._quarantine(landed, _reset(outcome), b"", rejected, encoding=recorded)
            assert staged_rows == state.rows_in, "an adapter dropped rows"
            self.con.execute("begin transaction")
            try:
                if staged_rows:
                    # one insert of every row from the staged file: DuckDB writes its row groups
                    # to the database file as they fill instead of holding the transaction's
                    # rows in memory (bench/README.md: loading one large ledger export)
                    self._insert_from(
                        state.table,
                        names,
                        f"read_parquet({_sql_text(staged)})",
                        statement_key=state.statement_key,
                    )
                outcome.rows_loaded = staged_rows
                superseded_by, older = self._supersession(landed, state.statement_key)
                outcome.status = "superseded" if superseded_by else "loaded"
                if not superseded_by and older:
                    self._supersede(landed, outcome, older)
                self._record(
                    landed,
                    outcome,
                    b"",
                    encoding=recorded,
                    superseded_by=superseded_by,
                    raw_table=state.table,
                )
                self._load_log(landed, outcome)
                self.con.execute("commit")
            except Exception as exc:  # only this file's transaction is undone
                self._rollback_quietly()
                rejected = _refused(outcome, exc, state.rows_in)
                return self._quarantine(landed, _reset(outcome), b"", rejected, encoding=recorded)
        log.info("%s", outcome.summary())
        return outcome

    def _insert(self, parsed: Parsed, landed: LandedFile) -> None:
        """Append the rows through Arrow, every value as text, cast by DuckDB (exact)."""
        if not parsed.rows:
            return
        names, arrow = self._arrow_rows(parsed, landed)
        self.con.register("incoming_file_rows", arrow)
        try:
            self._insert_from(parsed.table, names, "incoming_file_rows")
        finally:
            self.con.unregister("incoming_file_rows")

    def _arrow_rows(self, parsed: Parsed, landed: LandedFile) -> tuple[list[str], pa.Table]:
        """The rows with their provenance as an Arrow table of text columns."""
        columns = [name for name, _ in TABLES[parsed.table]]
        common = {
            "source": landed.source.name,
            "adapter": landed.source.adapter,
            "statement_key": parsed.statement_key,
            "file_path": str(landed.path),
            "file_sha256": landed.sha256,
            "load_id": self.load_id,
        }
        names = [*columns, "statement_key", "file_path", "file_sha256", "row_number", "load_id"]
        arrays = {}
        for name in names:
            values = []
            for row in parsed.rows:
                value = row.get(name, common.get(name))
                values.append(_text(value))
            arrays[name] = pa.array(values, type=pa.string())
        return names, pa.table(arrays)

    def _insert_from(
        self, table: str, names: list[str], relation: str, *, statement_key: str | None = None
    ) -> None:
        """``insert into raw.<table>`` from a relation of text columns, each cast to its type;
        ``statement_key``, when given, replaces the relation's (known once a file is read)."""
        types = dict(TABLES[table])
        params: list[object] = []
        selected = []
        for n in names:
            if n == "row_number":
                selected.append("cast(row_number as integer)")
            elif n == "statement_key" and statement_key is not None:
                selected.append("cast(? as varchar)")
                params.append(statement_key)
            else:
                selected.append(f"cast({n} as {types.get(n, 'varchar').replace(' not null', '')})")
        self.con.execute(
            f"insert into raw.{table} ({', '.join(names)}) "
            f"select {', '.join(selected)} from {relation}",
            params,
        )

    def _supersede(self, landed: LandedFile, outcome: FileOutcome, older: list[str]) -> None:
        """The files this one replaces (same statement key, dropped earlier) become superseded."""
        self.con.execute(
            "update audit.files set status = 'superseded', superseded_by = ? "
            "where sha256 in (select unnest(?)) and status = 'loaded'",
            [landed.sha256, older],
        )
        outcome.superseded = older

    def _record(
        self,
        landed: LandedFile,
        outcome: FileOutcome,
        data: bytes,
        *,
        duplicate_of: str | None = None,
        superseded_by: str | None = None,
        raw_table: str | None = None,
        message: str | None = None,
        encoding: str | None = None,
    ) -> None:
        if data:
            try:
                encoding = decode(data).encoding
            except FileRejected:
                encoding = None
        self.con.execute(
            "insert into audit.files values "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                landed.sha256,
                outcome.path,
                Path(outcome.path).name,
                landed.size_bytes,
                landed.dropped_at,
                landed.source.name,
                landed.source.kind,
                landed.source.adapter,
                encoding,
                outcome.statement_key,
                outcome.status,
                duplicate_of,
                superseded_by,
                raw_table,
                outcome.rows_in,
                outcome.rows_loaded,
                outcome.rows_quarantined,
                self.load_id,
                datetime.now(UTC),
                message,
            ],
        )

    def _load_log(self, landed: LandedFile, outcome: FileOutcome) -> None:
        record_load(
            self.con,
            load_id=self.load_id,
            source=f"file:{landed.source.kind}",
            source_ref=f"{landed.source.name}:{landed.sha256}",
            started_at=datetime.now(UTC),
            rows_in=outcome.rows_in,
            rows_loaded=outcome.rows_loaded,
            rows_quarantined=outcome.rows_quarantined,
            message=outcome.summary(),
            status=outcome.status,
        )


@contextlib.contextmanager
def staging_folder(config: Config) -> Iterator[Path]:
    """A folder of its own beside the warehouse for one streamed file's staged rows, removed
    after; what a killed load left there is removed by the next ``load_files``."""
    root = config.warehouse_path.parent / STAGING_FOLDER
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root) as folder:
        yield Path(folder)


def _sql_text(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def shown_path(path: Path) -> str:
    """The path as text that any database and log can hold: bytes that are not UTF-8 are
    shown as ``\\xff`` escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def name_problem(path: Path) -> str | None:
    """Why a file's name cannot be taken, if it cannot: not UTF-8, or control characters."""
    try:
        text = os.fsencode(path).decode("utf-8")
    except UnicodeDecodeError:
        return "the file name (or its folder's) is not valid UTF-8; rename it"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return "the file name (or its folder's) holds control characters; rename it"
    return None


def _refused(outcome: FileOutcome, exc: Exception, rows_in: int) -> FileRejected:
    """The warehouse refused a file's rows (its transaction is rolled back): the real error."""
    log.warning("inserting %s failed: %s", outcome.path, _error_text(exc))
    problem = Problem(0, "", None, f"the warehouse refused the rows: {_error_text(exc)}")
    return FileRejected([problem], rows_in)


def _error_text(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text[:300]


def _reset(outcome: FileOutcome) -> FileOutcome:
    outcome.rows_loaded = 0
    outcome.superseded = []
    return outcome


def check_rows(parsed: Parsed) -> list[Problem]:
    """Every value fits its column before the insert: integers in range, text valid Unicode."""
    types = {name: kind.replace(" not null", "") for name, kind in TABLES[parsed.table]}
    errors = RowErrors()
    for index, row in enumerate(parsed.rows, start=1):
        n = row.get("row_number", index)
        for name, value in row.items():
            kind = types.get(name)
            if kind in INTEGER_RANGES and value is not None:
                try:
                    parse_int(value, kind)
                except CellError as exc:
                    errors.add(n, name, str(value)[:60], str(exc))
            elif isinstance(value, str):
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    errors.add(n, name, None, "not valid Unicode text (a lone surrogate)")
    return errors.problems


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime reached the loader")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def load_registry_accounts(con: duckdb.DuckDBPyConnection, config: Config) -> int:
    """Replace raw.registry_accounts, raw.registry_opening_balances and
    raw.registry_price_sources from the configuration, and the valuation tables
    (ingestion.valuation.load_valuation_config) with them."""
    files = config.files
    rows = [
        (a.id, "custodian", a.provider, a.external_id, a.entity, a.ownership, a.network,
         a.purpose, a.address, a.id)
        for a in files.custodian_accounts
    ] + [
        (a.id, "exchange", a.venue, a.external_id, a.entity, a.ownership, a.network, a.purpose,
         a.address, a.id)
        for a in files.exchange_accounts
    ] + [
        (a.id, "ledger", None, None, a.entity, a.owner_type, None, None, None, a.location_id)
        for a in files.ledger_accounts
    ]  # fmt: skip
    openings = [
        (a.id, o.asset, o.as_of, str(o.amount), o.source)
        for a in files.exchange_accounts
        for o in a.opening_balances
    ]
    prices = [
        (s.source, s.asset, s.source == files.prices.principal_source) for s in files.prices.series
    ]
    prices = sorted(set(prices))
    con.execute("begin transaction")
    try:
        con.execute("delete from raw.registry_accounts")
        con.execute("delete from raw.registry_price_sources")
        con.execute("delete from raw.registry_opening_balances")
        if openings:  # the amount as text, cast by DuckDB: exact
            con.executemany(
                "insert into raw.registry_opening_balances "
                "values (?, ?, ?, cast(? as decimal(38, 18)), ?)",
                openings,
            )
        if rows:
            con.executemany(
                "insert into raw.registry_accounts values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
            )
        if prices:
            con.executemany("insert into raw.registry_price_sources values (?, ?, ?)", prices)
        load_valuation_config(con, config)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return len(rows)


def load_files(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    load_id: str,
    *,
    kinds: tuple[str, ...] | None = None,
    paths: Iterable[str | Path] | None = None,
) -> list[FileOutcome]:
    """Load the given files (default: everything in the landing folders of ``kinds``).

    Files are processed in (drop time, path) order; a path outside every configured landing
    folder is an error.
    """
    from ingestion.files.landing import landed_file, source_for_path

    if paths is None:
        landed = scan(config, kinds)
    else:
        landed = []
        for p in paths:
            path = Path(p)
            source = source_for_path(config, path)
            if source is None:
                raise ValueError(f"{path}: not inside a configured landing folder")
            if kinds is not None and source.kind not in kinds:
                continue
            landed.append(landed_file(source, path))
    landed.sort(key=lambda f: (f.dropped_at, str(f.path)))
    # staged rows a killed load left behind (one load at a time holds the warehouse's lock)
    shutil.rmtree(config.warehouse_path.parent / STAGING_FOLDER, ignore_errors=True)
    loader = FileLoader(con, config, load_id)
    return [loader.load(f) for f in landed]
