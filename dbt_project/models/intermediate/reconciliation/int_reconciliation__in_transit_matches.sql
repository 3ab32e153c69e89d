{#-
    Every off-chain movement that should appear on chain, and the on-chain transfer it is:
    exchange deposits and withdrawals (final entries), custodian deposits and withdrawals
    (final movements), and ledger entries of located accounts that carry a tx hash or are a
    deposit, withdrawal or transfer. One row per movement (source × source_account_id ×
    entry_id).

    Matching, per source and location (an on-chain transfer is used at most once by the
    movements of one source at one location; the exchange's and the ledger's record of the
    same withdrawal may both point at it):
    1. tx_hash: the movement names a transaction; its Transfer log of the same amount and
       address is preferred, then the lowest log index. Two movements naming the same log:
       the earlier booked (then the lower entry id) takes it, the other goes on to 2.
    2. amount_time_window: no tx hash match; a final or pending Transfer of exactly the same
       amount to (a deposit, an inflow) or from (a withdrawal) the location's address (or to
       the destination address the source gives; an exchange withdrawal without one may
       leave from the account's own address) at most in_transit_window_hours away. Each
       movement takes its nearest candidate and each transfer its nearest movement (ties:
       earlier block and log, earlier movement and entry id); only mutual choices match, so
       a transfer is never used twice.
    3. unmatched: neither.
    settled_at is the matched transfer's block time once its block is final (null while it is
    pending or unmatched). A movement is in flight at a time T when exactly one of "booked
    (initiated_at before T)" and "on chain (settled_at before T)" holds.
-#}

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

),

exchange_items as (

    select
        'exchange' as source,
        'exchange' as location_type,
        entries.account_id as location_id,
        coalesce(entries.network, accounts.network) as network,
        entries.account_id as source_account_id,
        entries.entry_id,
        entries.entry_type as movement_type,
        entries.occurred_at as initiated_at,
        entries.amount,
        entries.tx_hash,
        case when entries.amount > 0 then accounts.address else entries.address end
            as match_to_address,
        -- a withdrawal that names no destination: the venue may pay out of the account's
        -- own address
        case
            when entries.amount < 0 and entries.address is null then accounts.address
        end as match_from_address

    from {{ ref('stg_exchange__entries') }} as entries

    inner join accounts
        on entries.account_id = accounts.account_id

    inner join networks
        on
            coalesce(entries.network, accounts.network) = networks.network
            and entries.asset = networks.token_symbol

    where
        entries.is_final
        and entries.entry_type in ('deposit', 'withdrawal')
        and accounts.account_kind = 'exchange'

),

custodian_items as (

    select
        'custodian' as source,
        'custodian' as location_type,
        movements.account_id as location_id,
        accounts.network,
        movements.account_id as source_account_id,
        movements.entry_id,
        movements.movement_type,
        movements.occurred_at as initiated_at,
        movements.amount,
        movements.tx_hash,
        case when movements.amount > 0 then accounts.address end as match_to_address,
        case when movements.amount < 0 then accounts.address end as match_from_address

    from {{ ref('stg_custodian__movements') }} as movements

    inner join accounts
        on movements.account_id = accounts.account_id

    inner join networks
        on
            accounts.network = networks.network
            and movements.asset = networks.token_symbol

    where
        movements.is_final
        and movements.movement_type in ('deposit', 'withdrawal')
        and accounts.account_kind = 'custodian'

),

ledger_items as (

    select
        'ledger' as source,
        entries.location_type,
        entries.location_id,
        entries.network,
        entries.account_id as source_account_id,
        entries.entry_id,
        entries.entry_type as movement_type,
        entries.posted_at as initiated_at,
        entries.amount,
        entries.tx_hash,
        case when entries.amount > 0 then entries.location_address end as match_to_address,
        case when entries.amount < 0 then entries.location_address end as match_from_address

    from {{ ref('int_reconciliation__ledger_entries') }} as entries

    inner join networks
        on
            entries.network = networks.network
            and entries.asset = networks.token_symbol

    where
        entries.entry_network is not null
        and (
            entries.tx_hash is not null
            or entries.entry_type in ('deposit', 'withdrawal', 'transfer')
        )

),

items as (

    select * from exchange_items
    union all
    select * from custodian_items
    union all
    select * from ledger_items

),

tx_candidates as (

    select
        items.source,
        items.source_account_id,
        items.entry_id,
        items.location_id,
        transfers.tx_hash,
        transfers.log_index,
        row_number() over (
            partition by items.source, items.source_account_id, items.entry_id
            order by
                case when transfers.amount = abs(items.amount) then 0 else 1 end,
                case
                    when
                        transfers.to_address = items.match_to_address
                        or transfers.from_address = items.match_from_address
                        then 0
                    else 1
                end,
                transfers.log_index
        ) as candidate_rank

    from items

    inner join transfers
        on
            items.network = transfers.network
            and items.tx_hash = transfers.tx_hash

),

-- a transfer is used at most once per source and location: of the movements naming the
-- same transaction, the earliest booked (then the lowest entry id) takes the log
tx_claims as (

    select
        tx_candidates.*,
        row_number() over (
            partition by
                tx_candidates.source,
                tx_candidates.location_id,
                tx_candidates.tx_hash,
                tx_candidates.log_index
            order by items.initiated_at, tx_candidates.source_account_id, tx_candidates.entry_id
        ) as claim_rank

    from tx_candidates

    inner join items
        on
            tx_candidates.source = items.source
            and tx_candidates.source_account_id = items.source_account_id
            and tx_candidates.entry_id = items.entry_id

    where tx_candidates.candidate_rank = 1

),

tx_matches as (

    select * from tx_claims
    where claim_rank = 1

),

window_items as (

    select items.*
    from items

    left join tx_matches
        on
            items.source = tx_matches.source
            and items.source_account_id = tx_matches.source_account_id
            and items.entry_id = tx_matches.entry_id

    where
        tx_matches.entry_id is null
        and (items.match_to_address is not null or items.match_from_address is not null)

),

window_candidates as (

    select
        window_items.source,
        window_items.source_account_id,
        window_items.entry_id,
        window_items.location_id,
        window_items.initiated_at,
        transfers.network,
        transfers.tx_hash,
        transfers.log_index,
        transfers.block_number,
        abs({{ seconds_between('window_items.initiated_at', 'transfers.block_time') }})
            as seconds_apart

    from window_items

    cross join settings

    inner join transfers
        on
            window_items.network = transfers.network
            and transfers.amount = abs(window_items.amount)
            and (
                window_items.match_to_address = transfers.to_address
                or window_items.match_from_address = transfers.from_address
            )

    where
        abs({{ seconds_between('window_items.initiated_at', 'transfers.block_time') }})
        <= settings.window_hours * 3600
        -- a transfer already matched by hash to this source and location is taken
        and not exists (
            select 1
            from tx_matches
            where
                tx_matches.source = window_items.source
                and tx_matches.location_id = window_items.location_id
                and tx_matches.tx_hash = transfers.tx_hash
                and tx_matches.log_index = transfers.log_index
        )

),

window_ranked as (

    select
        *,
        row_number() over (
            partition by source, source_account_id, entry_id
            order by seconds_apart, block_number, log_index
        ) as item_choice,
        row_number() over (
            partition by source, location_id, network, tx_hash, log_index
            order by seconds_apart, initiated_at, source_account_id, entry_id
        ) as transfer_choice

    from window_candidates

),

window_matches as (

    select * from window_ranked
    where item_choice = 1 and transfer_choice = 1

),

matched as (

    select
        items.*,
        case
            when tx_matches.entry_id is not null then 'tx_hash'
            when window_matches.entry_id is not null then 'amount_time_window'
            else 'unmatched'
        end as match_method,
        coalesce(tx_matches.tx_hash, window_matches.tx_hash) as matched_tx_hash,
        coalesce(tx_matches.log_index, window_matches.log_index) as matched_log_index

    from items

    left join tx_matches
        on
            items.source = tx_matches.source
            and items.source_account_id = tx_matches.source_account_id
            and items.entry_id = tx_matches.entry_id

    left join window_matches
        on
            items.source = window_matches.source
            and items.source_account_id = window_matches.source_account_id
            and items.entry_id = window_matches.entry_id

),

final as (

    select
        matched.source,
        matched.location_type,
        matched.location_id,
        matched.network,
        matched.source_account_id,
        matched.entry_id,
        matched.movement_type,
        matched.initiated_at,
        cast(matched.amount as decimal(38, 18)) as amount,
        matched.tx_hash,
        matched.match_method,
        matched.matched_tx_hash,
        cast(matched.matched_log_index as integer) as matched_log_index,
        transfers.block_number as matched_block_number,
        transfers.block_time as matched_block_time,
        transfers.is_final as matched_is_final,
        case when transfers.is_final then transfers.block_time end as settled_at,
        case
            when matched.match_method = 'tx_hash'
                then 'matched by tx hash ' || matched.matched_tx_hash
                    || ' (log ' || cast(matched.matched_log_index as string) || ')'
            when matched.match_method = 'amount_time_window'
                then 'matched by amount and address to ' || matched.matched_tx_hash
                    || ' (log ' || cast(matched.matched_log_index as string) || ')'
            when matched.tx_hash is not null
                then 'tx hash ' || matched.tx_hash || ' not found on chain'
            else 'no on-chain transfer of this amount and address within the window'
        end
        || case
            when transfers.tx_hash is not null and not transfers.is_final
                then '; block not final yet'
            else ''
        end as match_description

    from matched

    left join transfers
        on
            matched.network = transfers.network
            and matched.matched_tx_hash = transfers.tx_hash
            and matched.matched_log_index = transfers.log_index

)

select * from final
