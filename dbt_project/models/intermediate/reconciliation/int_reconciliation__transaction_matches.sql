{#-
    Transaction-level matching: every off-chain record of a movement that should be on chain
    (int_reconciliation__in_transit_matches, one row per ledger entry, exchange entry and
    custodian movement, with its matched Transfer), and every Transfer of a location that the
    source recording that location has no record of.

    - side: the record the row is - ledger, exchange or custodian (an off-chain record), or
      chain (a Transfer); source: the off-chain source it is compared with.
    - status: matched; unmatched_ledger / unmatched_exchange / unmatched_custodian (a record
      without a Transfer); unmatched_chain (a Transfer the source has no record of).
    - The Transfers a source should have recorded, per location it records (its coverage,
      from its first record at that location less the window): every Transfer into or out of
      a wallet or custodian address, and every Transfer into an exchange deposit address (the
      venue pays withdrawals from wallets of its own). Zero-amount transfers move nothing
      and are left out.
    - is_break_eligible: an unmatched row counts as a break once older than the window, unless
      it is a record at a custodian or exchange account: the chain reader reads the registry
      wallets' transfers, so an account address's transfers with outsiders (a mint into the
      custodian vault) are not in the warehouse and their records cannot be matched.
    - first_at / second_at: when the first and the second of the pair were recorded (second_at
      null while unmatched), for the daily comparison int_reconciliation__unmatched_transactions.
    Ages count to the local day of the network's last synced block (as_of_date, as_of_at).
    One row per side × source × network × location_id × record (entry id, or tx hash and log
    index for a chain row).
-#}

{%- set zero_address = '0x0000000000000000000000000000000000000000' -%}

with

settings as (

    -- the configured window (72 hours when the registry table is empty)
    select coalesce(max(in_transit_window_hours), 72) as window_hours
    from {{ ref('stg_registry__reconciliation_comparisons') }}

),

networks as (

    select * from {{ ref('stg_registry__networks') }}

),

accounts as (

    select * from {{ ref('stg_registry__accounts') }}

),

matches as (

    select * from {{ ref('int_reconciliation__in_transit_matches') }}

),

synced as (

    -- how far each network's chain has been read: every age counts to here
    select
        network,
        max(block_date) as as_of_date,
        max(last_block_time) as as_of_at

    from {{ ref('stg_onchain__day_blocks') }}
    group by network

),

transfers as (

    select
        transfers.network,
        transfers.tx_hash,
        transfers.log_index,
        transfers.block_number,
        transfers.block_time,
        transfers.from_address,
        transfers.to_address,
        transfers.is_final,
        {{ to_token_units('transfers.amount_raw', 'networks.token_decimals') }} as amount

    from {{ ref('stg_onchain__transfers') }} as transfers

    inner join networks
        on
            transfers.network = networks.network
            and transfers.token_address = networks.token_address

    where transfers.amount_raw > 0

),

-- the locations each source records, the address their transfers use, and since when
coverage as (

    select
        matches.source,
        matches.network,
        matches.location_type,
        matches.location_id,
        case
            when matches.location_type in ('wallet', 'contract') then matches.location_id
            else accounts.address
        end as location_address,
        min(matches.initiated_at) as first_recorded_at

    from matches

    left join accounts
        on
            matches.location_type in ('custodian', 'exchange')
            and matches.location_id = accounts.account_id

    group by
        matches.source,
        matches.network,
        matches.location_type,
        matches.location_id,
        case
            when matches.location_type in ('wallet', 'contract') then matches.location_id
            else accounts.address
        end

),

expected_transfers as (

    select
        coverage.source,
        coverage.network,
        coverage.location_type,
        coverage.location_id,
        coverage.location_address,
        transfers.tx_hash,
        transfers.log_index,
        transfers.block_number,
        transfers.block_time,
        transfers.is_final,
        case
            when transfers.to_address = coverage.location_address then transfers.amount
            else -transfers.amount
        end as amount,
        case
            when transfers.to_address = coverage.location_address then transfers.from_address
            else transfers.to_address
        end as counterparty_address,
        case
            when transfers.from_address = '{{ zero_address }}' then 'mint'
            when transfers.to_address = '{{ zero_address }}' then 'burn'
            when transfers.to_address = coverage.location_address then 'inflow'
            else 'outflow'
        end as movement_type

    from coverage

    cross join settings

    inner join transfers
        on
            coverage.network = transfers.network
            and transfers.from_address != transfers.to_address
            and (
                coverage.location_address = transfers.to_address
                or (
                    coverage.location_address = transfers.from_address
                    and coverage.location_type != 'exchange'
                )
            )

    where
        {{ seconds_between('transfers.block_time', 'coverage.first_recorded_at') }}
        <= settings.window_hours * 3600

),

record_rows as (

    select
        matches.source as side,
        matches.source,
        matches.network,
        matches.location_type,
        matches.location_id,
        matches.source_account_id,
        matches.entry_id,
        matches.movement_type,
        matches.initiated_at as recorded_at,
        matches.amount,
        matches.tx_hash,
        matches.matched_tx_hash,
        matches.matched_log_index,
        matches.matched_block_number,
        matches.matched_block_time,
        matches.matched_is_final,
        case
            when transfers.to_address = coverage.location_address then transfers.from_address
            when transfers.from_address = coverage.location_address then transfers.to_address
            when matches.amount < 0 then transfers.to_address
            else transfers.from_address
        end as counterparty_address,
        case matches.match_method
            when 'tx_hash' then 'tx_hash'
            when 'amount_time_window' then 'amount_address_window'
        end as match_rule,
        case
            when matches.match_method = 'unmatched' then 'unmatched_' || matches.source
            else 'matched'
        end as status,
        matches.location_type in ('wallet', 'contract') as is_break_eligible,
        matches.match_description

    from matches

    left join coverage
        on
            matches.source = coverage.source
            and matches.network = coverage.network
            and matches.location_id = coverage.location_id

    left join transfers
        on
            matches.network = transfers.network
            and matches.matched_tx_hash = transfers.tx_hash
            and matches.matched_log_index = transfers.log_index

),

chain_rows as (

    select
        'chain' as side,
        expected.source,
        expected.network,
        expected.location_type,
        expected.location_id,
        cast(null as string) as source_account_id,
        cast(null as string) as entry_id,
        expected.movement_type,
        expected.block_time as recorded_at,
        expected.amount,
        expected.tx_hash,
        expected.tx_hash as matched_tx_hash,
        expected.log_index as matched_log_index,
        expected.block_number as matched_block_number,
        expected.block_time as matched_block_time,
        expected.is_final as matched_is_final,
        expected.counterparty_address,
        cast(null as string) as match_rule,
        'unmatched_chain' as status,
        true as is_break_eligible,
        'no ' || expected.source || ' record of this transfer (' || expected.tx_hash
        || ' log ' || cast(expected.log_index as string) || ')' as match_description

    from expected_transfers as expected

    where not exists (
            select 1
            from matches
            where
                matches.source = expected.source
                and matches.network = expected.network
                and matches.location_id = expected.location_id
                and matches.matched_tx_hash = expected.tx_hash
                and matches.matched_log_index = expected.log_index
        )

),

unioned as (

    select * from record_rows
    union all
    select * from chain_rows

),

final as (

    select
        cast(unioned.side as string) as side,
        cast(unioned.source as string) as source,
        cast(unioned.network as string) as network,
        cast(unioned.location_type as string) as location_type,
        cast(unioned.location_id as string) as location_id,
        cast(unioned.source_account_id as string) as source_account_id,
        cast(unioned.entry_id as string) as entry_id,
        cast(unioned.movement_type as string) as movement_type,
        unioned.recorded_at,
        cast(unioned.amount as decimal(38, 18)) as amount,
        cast(unioned.tx_hash as string) as tx_hash,
        cast(unioned.matched_tx_hash as string) as matched_tx_hash,
        cast(unioned.matched_log_index as integer) as matched_log_index,
        cast(unioned.matched_block_number as bigint) as matched_block_number,
        unioned.matched_block_time,
        cast(unioned.matched_is_final as boolean) as matched_is_final,
        cast(unioned.counterparty_address as string) as counterparty_address,
        cast(unioned.match_rule as string) as match_rule,
        cast(unioned.status as string) as status,
        cast(unioned.is_break_eligible as boolean) as is_break_eligible,
        case
            when unioned.status = 'matched'
                then least(unioned.recorded_at, unioned.matched_block_time)
            else unioned.recorded_at
        end as first_at,
        case
            when unioned.status = 'matched'
                then greatest(unioned.recorded_at, unioned.matched_block_time)
        end as second_at,
        cast(synced.as_of_date as date) as as_of_date,
        synced.as_of_at,
        {{ days_between(to_local_date('unioned.recorded_at'), 'synced.as_of_date') }}
            as age_days,
        cast(
            unioned.status != 'matched'
            and {{ seconds_between('unioned.recorded_at', 'synced.as_of_at') }}
            > settings.window_hours * 3600
            as boolean
        ) as is_past_window,
        cast(settings.window_hours as integer) as window_hours,
        cast(unioned.match_description as string) as match_description

    from unioned

    cross join settings

    left join synced
        on unioned.network = synced.network

)

select * from final
