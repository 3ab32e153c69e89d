"""The dashboard fixture plus what the drill-down reads: marts.location_movements, break ids in
the register, and marts.transaction_matches, with numbers checked by hand.

Wallet A (ethereum) on 2026-10-31: 1,000.5 in from the allow-listed "Coinbase deposit" (tx
0x…01, final), 4 out to an unknown address (tx 0x…02, not final: the day's pending_out 4),
and the ledger's two entries for them: per source in 2,001 (1,000.5 + 1,000.5), out 8, net
1,993. On 2026-10-30 A has one transfer in of 100.5.
Break brk-vault-1 (custodian_vs_ledger at fb-vault-1, opened 2026-10-30): the custodian
recorded a deposit of 50 on 10-30 and the withdrawal w-17 of 0.75 at 23:58 on 10-31 (not
final); the ledger its deposit of 40 on 10-30 and a payout of 0.75 on 10-31 booked the day
after the custodian. In-transit candidates: w-17 (its transfer is not final) and the
unmatched ledger payout L-201; the deposit, matched on the day, is not one.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from reporting.publish import publish_snapshot
from tests.dashboard_fixtures import build_published, publish_close_tables

A = "0x" + "a" * 40
COINBASE = "0x" + "1" * 40
UNKNOWN = "0x" + "2" * 40
TX_IN, TX_OUT, TX_VAULT_IN, TX_W17 = (f"0x{n:064x}" for n in (1, 2, 3, 17))

LOCATION_MOVEMENTS = f"""
create table marts.location_movements as
select
    movement_at::timestamptz::date as movement_date, movement_at::timestamptz as movement_at,
    entity, network, location_type, location_id, source, source_account_id, entry_id,
    movement_type, case when amount::decimal(38, 18) < 0 then 'out' else 'in' end as direction,
    amount::decimal(38, 18) as amount, 0::decimal(38, 18) as fee, is_final, tx_hash,
    log_index::integer as log_index, block_number::bigint as block_number,
    counterparty_address, counterparty_name, counterparty_kind
from (values
    ('2026-10-30 10:00:00+00', 'acme', 'ethereum', 'wallet', '{A}', 'onchain', '{A}',
     '0x{"9" * 64}:0', 'external', '100.5', true, '0x{"9" * 64}', 0, 90, '{COINBASE}',
     'Coinbase deposit', 'exchange_deposit'),
    ('2026-10-31 09:00:00+00', 'acme', 'ethereum', 'wallet', '{A}', 'onchain', '{A}',
     '{TX_IN}:3', 'external', '1000.5', true, '{TX_IN}', 3, 100, '{COINBASE}',
     'Coinbase deposit', 'exchange_deposit'),
    ('2026-10-31 09:30:00+00', 'acme', 'ethereum', 'wallet', '{A}', 'ledger', 'led-a',
     'L-100', 'deposit', '1000.5', true, '{TX_IN}', null, null, null, null, null),
    ('2026-10-31 21:00:00+00', 'acme', 'ethereum', 'wallet', '{A}', 'onchain', '{A}',
     '{TX_OUT}:1', 'external', '-4', false, '{TX_OUT}', 1, 120, '{UNKNOWN}', null, null),
    ('2026-10-31 21:05:00+00', 'acme', 'ethereum', 'wallet', '{A}', 'ledger', 'led-a',
     'L-101', 'withdrawal', '-4', true, '{TX_OUT}', null, null, null, null, null),
    ('2026-10-30 08:00:00+00', 'acme', 'ethereum', 'custodian', 'fb-vault-1', 'custodian',
     'fb-vault-1', 'd-16', 'deposit', '50', true, '{TX_VAULT_IN}', null, null, null, null, null),
    ('2026-10-30 08:10:00+00', 'acme', 'ethereum', 'custodian', 'fb-vault-1', 'ledger',
     'led-cust', 'L-200', 'deposit', '40', true, '{TX_VAULT_IN}', null, null, null, null, null),
    ('2026-10-31 23:58:00+00', 'acme', 'ethereum', 'custodian', 'fb-vault-1', 'custodian',
     'fb-vault-1', 'w-17', 'withdrawal', '-0.75', false, '{TX_W17}', null, null, null, null,
     null),
    ('2026-11-01 09:00:00+00', 'acme', 'ethereum', 'custodian', 'fb-vault-1', 'ledger',
     'led-cust', 'L-201', 'withdrawal', '-0.75', true, null, null, null, null, null, null)
) as t(movement_at, entity, network, location_type, location_id, source, source_account_id,
       entry_id, movement_type, amount, is_final, tx_hash, log_index, block_number,
       counterparty_address, counterparty_name, counterparty_kind)
order by location_id, movement_date
"""

TRANSACTION_MATCHES = f"""
create table marts.transaction_matches as
select
    side, source, 'ethereum' as network, 'custodian' as location_type,
    'fb-vault-1' as location_id, account as source_account_id, entry_id, movement_type,
    recorded_at::timestamptz as recorded_at, amount::decimal(38, 18) as amount, tx_hash,
    matched_tx_hash, block_time::timestamptz as matched_block_time, final as matched_is_final,
    null::varchar as counterparty_name, status, age::integer as age_days, description
        as match_description
from (values
    ('custodian', 'custodian', 'fb-vault-1', 'd-16', 'deposit', '2026-10-30 08:00:00+00', '50',
     '{TX_VAULT_IN}', '{TX_VAULT_IN}', '2026-10-30 07:59:00+00', true, 'matched', 1,
     'matched by tx hash'),
    ('custodian', 'custodian', 'fb-vault-1', 'w-17', 'withdrawal', '2026-10-31 23:58:00+00',
     '-0.75', '{TX_W17}', '{TX_W17}', '2026-11-01 00:02:00+00', false, 'matched', 0,
     'matched by tx hash; block not final yet'),
    ('ledger', 'ledger', 'led-cust', 'L-201', 'withdrawal', '2026-11-01 09:00:00+00', '-0.75',
     null, null, null, null, 'unmatched_ledger', 0,
     'no on-chain transfer of this amount and address within the window')
) as t(side, source, account, entry_id, movement_type, recorded_at, amount, tx_hash,
       matched_tx_hash, block_time, final, status, age, description)
"""

BREAK_IDS = """
alter table marts.reconciliation_breaks add column break_id varchar;
update marts.reconciliation_breaks set break_id = case
    when status = 'resolved' then 'brk-old'
    when location_id = 'fb-vault-1' then 'brk-vault-1'
    else 'brk-bsc-c' end;
"""


def build_published_with_movements(folder: Path) -> Path:
    """The dashboard fixture (tests/dashboard_fixtures.py) with the drill-down's tables,
    published again; return the data dir."""
    data_dir = build_published(folder)
    warehouse = folder / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists marts")
        con.execute(LOCATION_MOVEMENTS)
        con.execute(TRANSACTION_MATCHES)
        con.execute(BREAK_IDS)
    finally:
        con.close()
    publish_snapshot(warehouse, data_dir, run_id="test-run-drilldown")
    publish_close_tables(warehouse, data_dir)
    return data_dir
