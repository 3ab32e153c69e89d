{#-
    Custodian and exchange accounts in the daily inventory: one row per account × synced local
    day of its network (stg_onchain__days_blocks, from var('start_date') and from the day of
    the account's first statement or entry on), as at the END of the day (reporting time zone).

    Custodian account: the latest statement of the network's token at or before the end of the
    day, carried forward, plus the account's final movements after that statement and before
    the end of the day. pending_out = the statement's pending + non-final outgoing movements
    after it; pending_in = non-final incoming movements after it; frozen and locked (+ staked)
    from the statement. source_as_of_at = the statement's as-of time.
    Exchange account: what the source says it holds (int_inventory__exchange_anchors): the
    figure it rolls from is its latest anchor before the end of the day (the running balance
    after its last final entry, a balances-file snapshot or a configured opening balance), else
    its first anchor after it (rolled backward); balance = that anchor's balance plus the net
    final entries between it and the end of the day (amount less a fee in the same asset). An
    account without any anchor is 'unanchored': its balance is not known (null), only its
    flows are. pending_in / pending_out = non-final deposits / withdrawals not yet followed by
    a final entry of the same ref_id. source_as_of_at = the latest final entry's or anchor's
    time up to the end of the day.

    balance_status: 'statement' (custodian), 'running_balance' (rolls from a running balance
    of the export), 'anchored' (from a balances file or a configured opening balance),
    'unanchored' (balance null). Exact DECIMAL(38,18) token units.
-#}

with

accounts as (

    select * from {{ ref('stg_registry__accounts') }}
    where account_kind in ('custodian', 'exchange')

),

networks as (

    select * from {{ ref('stg_registry__networks') }}

),

day_blocks as (

    select * from {{ ref('stg_onchain__day_blocks') }}
    where block_date >= cast('{{ var("start_date") }}' as date)

),

statements as (

    select statements.*
    from {{ ref('stg_custodian__balances') }} as statements

    inner join accounts
        on statements.account_id = accounts.account_id

    inner join networks
        on
            accounts.network = networks.network
            and statements.asset = networks.token_symbol

),

custodian_movements as (

    select movements.*
    from {{ ref('stg_custodian__movements') }} as movements

    inner join accounts
        on movements.account_id = accounts.account_id

    inner join networks
        on
            accounts.network = networks.network
            and movements.asset = networks.token_symbol

),

exchange_entries as (

    select
        entries.*,
        cast(
            entries.amount
            - case
                when coalesce(entries.fee_asset, entries.asset) = entries.asset then entries.fee
                else cast(0 as decimal(38, 18))
            end
            as decimal(38, 18)
        ) as net_amount,
        {{ to_local_date('entries.occurred_at') }} as occurred_date

    from {{ ref('stg_exchange__entries') }} as entries

    inner join accounts
        on entries.account_id = accounts.account_id

    inner join networks
        on
            coalesce(entries.network, accounts.network) = networks.network
            and entries.asset = networks.token_symbol

),

exchange_anchors as (

    select * from {{ ref('int_inventory__exchange_anchors') }}

),

first_date_candidates as (

    select
        account_id,
        min(statement_date) as first_date
    from statements
    group by account_id

    union all

    select
        account_id,
        min(occurred_date) as first_date
    from exchange_entries
    group by account_id

    union all

    select
        account_id,
        min({{ to_local_date('anchor_at') }}) as first_date
    from exchange_anchors
    group by account_id

),

first_dates as (

    select
        account_id,
        min(first_date) as first_date
    from first_date_candidates
    group by account_id

),

account_days as (

    select
        accounts.account_id,
        accounts.account_kind,
        accounts.network,
        day_blocks.block_date as as_of_date,
        {{ local_day_start('day_blocks.block_date') }} as day_start_at,
        {{ local_day_start(add_days('day_blocks.block_date', 1)) }} as cutoff_at

    from accounts

    inner join first_dates
        on accounts.account_id = first_dates.account_id

    inner join day_blocks
        on accounts.network = day_blocks.network

    where day_blocks.block_date >= first_dates.first_date

),

-- custodian: the statement each day stands on
day_statements as (

    select
        account_days.account_id,
        account_days.as_of_date,
        statements.statement_at,
        statements.statement_date,
        statements.balance,
        statements.pending,
        statements.frozen,
        statements.locked + statements.staked as locked,
        statements.file_sha256,
        statements.file_row_number,
        row_number() over (
            partition by account_days.account_id, account_days.as_of_date
            order by statements.statement_at desc
        ) as recency

    from account_days

    inner join statements
        on
            account_days.account_id = statements.account_id
            and account_days.cutoff_at > statements.statement_at

    where account_days.account_kind = 'custodian'

),

custodian_days as (

    select
        account_days.account_id,
        account_days.as_of_date,
        day_statements.statement_at as source_as_of_at,
        {{ days_between('day_statements.statement_date', 'account_days.as_of_date') }}
            as source_age_days,
        cast(
            day_statements.balance
            + coalesce(sum(
                case
                    when
                        custodian_movements.is_final
                        and custodian_movements.occurred_at > day_statements.statement_at
                        then custodian_movements.amount
                end
            ), 0)
            as decimal(38, 18)
        ) as balance,
        cast(coalesce(sum(
            case
                when
                    not custodian_movements.is_final
                    and custodian_movements.occurred_at > day_statements.statement_at
                    and custodian_movements.amount > 0
                    then custodian_movements.amount
            end
        ), 0) as decimal(38, 18)) as pending_in,
        cast(
            day_statements.pending
            + coalesce(sum(
                case
                    when
                        not custodian_movements.is_final
                        and custodian_movements.occurred_at > day_statements.statement_at
                        and custodian_movements.amount < 0
                        then -custodian_movements.amount
                end
            ), 0)
            as decimal(38, 18)
        ) as pending_out,
        day_statements.frozen,
        day_statements.locked,
        day_statements.file_sha256 as source_file_sha256,
        day_statements.file_row_number as source_file_row_number,
        cast(coalesce(sum(
            case
                when
                    custodian_movements.is_final
                    and custodian_movements.occurred_at >= account_days.day_start_at
                    and custodian_movements.amount > 0
                    then custodian_movements.amount
            end
        ), 0) as decimal(38, 18)) as inflow,
        cast(coalesce(sum(
            case
                when
                    custodian_movements.is_final
                    and custodian_movements.occurred_at >= account_days.day_start_at
                    and custodian_movements.amount < 0
                    then -custodian_movements.amount
            end
        ), 0) as decimal(38, 18)) as outflow,
        cast(coalesce(sum(
            case
                when
                    custodian_movements.is_final
                    and custodian_movements.occurred_at >= account_days.day_start_at
                    then 1
            end
        ), 0) as bigint) as transfer_count,
        max(
            case when custodian_movements.is_final then custodian_movements.occurred_at end
        ) as last_movement_at

    from account_days

    inner join day_statements
        on
            account_days.account_id = day_statements.account_id
            and account_days.as_of_date = day_statements.as_of_date
            and day_statements.recency = 1

    left join custodian_movements
        on
            account_days.account_id = custodian_movements.account_id
            and account_days.cutoff_at > custodian_movements.occurred_at

    group by
        account_days.account_id,
        account_days.as_of_date,
        day_statements.statement_at,
        day_statements.statement_date,
        day_statements.balance,
        day_statements.pending,
        day_statements.frozen,
        day_statements.locked,
        day_statements.file_sha256,
        day_statements.file_row_number

),

-- exchange: pending entries not yet followed by a final one of the same reference
exchange_open_pending as (

    select
        account_days.account_id,
        account_days.as_of_date,
        pending.net_amount

    from account_days

    inner join exchange_entries as pending
        on
            account_days.account_id = pending.account_id
            and not pending.is_final
            and account_days.cutoff_at > pending.occurred_at

    where not exists (
            select 1
            from exchange_entries as settled
            where
                settled.account_id = pending.account_id
                and settled.is_final
                and settled.ref_id = pending.ref_id
                and settled.occurred_at < account_days.cutoff_at
        )

),

exchange_pending as (

    select
        account_id,
        as_of_date,
        cast(sum(case when net_amount > 0 then net_amount else 0 end) as decimal(38, 18))
            as pending_in,
        cast(sum(case when net_amount < 0 then -net_amount else 0 end) as decimal(38, 18))
            as pending_out

    from exchange_open_pending
    group by account_id, as_of_date

),

-- exchange: the anchor each day rolls from - the latest before the end of the day, else the
-- account's first one (rolled backward)
exchange_day_anchors as (

    select
        account_days.account_id,
        account_days.as_of_date,
        exchange_anchors.anchor_kind,
        exchange_anchors.anchor_at,
        exchange_anchors.balance_offset,
        exchange_anchors.file_sha256,
        exchange_anchors.file_row_number

    from account_days

    inner join exchange_anchors
        on
            account_days.account_id = exchange_anchors.account_id
            and (
                (
                    account_days.cutoff_at > exchange_anchors.anchor_at
                    and (
                        exchange_anchors.next_anchor_at is null
                        or account_days.cutoff_at <= exchange_anchors.next_anchor_at
                    )
                )
                or (
                    exchange_anchors.anchor_number = 1
                    and account_days.cutoff_at <= exchange_anchors.anchor_at
                )
            )

    where account_days.account_kind = 'exchange'

),

exchange_flows as (

    select
        account_days.account_id,
        account_days.as_of_date,
        max(exchange_entries.occurred_at) as last_entry_at,
        cast(coalesce(sum(exchange_entries.net_amount), 0) as decimal(38, 18)) as cumulative_net,
        cast(coalesce(sum(
            case
                when
                    exchange_entries.occurred_at >= account_days.day_start_at
                    and exchange_entries.net_amount > 0
                    then exchange_entries.net_amount
            end
        ), 0) as decimal(38, 18)) as inflow,
        cast(coalesce(sum(
            case
                when
                    exchange_entries.occurred_at >= account_days.day_start_at
                    and exchange_entries.net_amount < 0
                    then -exchange_entries.net_amount
            end
        ), 0) as decimal(38, 18)) as outflow,
        cast(coalesce(sum(
            case when exchange_entries.occurred_at >= account_days.day_start_at then 1 end
        ), 0) as bigint) as transfer_count,
        max(exchange_entries.occurred_at) as last_movement_at

    from account_days

    left join exchange_entries
        on
            account_days.account_id = exchange_entries.account_id
            and exchange_entries.is_final
            and account_days.cutoff_at > exchange_entries.occurred_at

    where account_days.account_kind = 'exchange'

    group by account_days.account_id, account_days.as_of_date

),

exchange_days as (

    select
        exchange_flows.account_id,
        exchange_flows.as_of_date,
        case
            when exchange_day_anchors.anchor_kind is null then 'unanchored'
            when exchange_day_anchors.anchor_kind = 'running_balance' then 'running_balance'
            else 'anchored'
        end as balance_status,
        -- null when no anchor says what the account holds
        cast(
            exchange_day_anchors.balance_offset + exchange_flows.cumulative_net
            as decimal(38, 18)
        ) as balance,
        exchange_flows.inflow,
        exchange_flows.outflow,
        exchange_flows.transfer_count,
        exchange_flows.last_movement_at,
        exchange_day_anchors.file_sha256 as source_file_sha256,
        exchange_day_anchors.file_row_number as source_file_row_number,
        case
            when
                exchange_day_anchors.anchor_at < account_days.cutoff_at
                and (
                    exchange_flows.last_entry_at is null
                    or exchange_day_anchors.anchor_at > exchange_flows.last_entry_at
                )
                then exchange_day_anchors.anchor_at
            else exchange_flows.last_entry_at
        end as source_as_of_at

    from exchange_flows

    inner join account_days
        on
            exchange_flows.account_id = account_days.account_id
            and exchange_flows.as_of_date = account_days.as_of_date

    left join exchange_day_anchors
        on
            exchange_flows.account_id = exchange_day_anchors.account_id
            and exchange_flows.as_of_date = exchange_day_anchors.as_of_date

),

positions as (

    select
        account_id,
        as_of_date,
        'statement' as balance_status,
        balance,
        pending_in,
        pending_out,
        frozen,
        locked,
        inflow,
        outflow,
        transfer_count,
        last_movement_at,
        source_as_of_at,
        source_age_days,
        source_file_sha256,
        source_file_row_number

    from custodian_days

    union all

    select
        exchange_days.account_id,
        exchange_days.as_of_date,
        exchange_days.balance_status,
        exchange_days.balance,
        coalesce(exchange_pending.pending_in, cast(0 as decimal(38, 18))) as pending_in,
        coalesce(exchange_pending.pending_out, cast(0 as decimal(38, 18))) as pending_out,
        cast(0 as decimal(38, 18)) as frozen,
        cast(0 as decimal(38, 18)) as locked,
        exchange_days.inflow,
        exchange_days.outflow,
        exchange_days.transfer_count,
        exchange_days.last_movement_at,
        exchange_days.source_as_of_at,
        {{ days_between(
            to_local_date('exchange_days.source_as_of_at'), 'exchange_days.as_of_date'
        ) }} as source_age_days,
        exchange_days.source_file_sha256,
        exchange_days.source_file_row_number

    from exchange_days

    left join exchange_pending
        on
            exchange_days.account_id = exchange_pending.account_id
            and exchange_days.as_of_date = exchange_pending.as_of_date

),

final as (

    select
        positions.as_of_date,
        accounts.entity,
        accounts.network,
        accounts.account_kind as location_type,
        accounts.account_id as location_id,
        accounts.account_id as location_label,
        accounts.provider as custody_provider,
        coalesce(accounts.purpose, 'other') as purpose,
        accounts.ownership,
        cast(positions.balance_status as string) as balance_status,
        cast(positions.balance as decimal(38, 18)) as balance,
        cast(positions.pending_in as decimal(38, 18)) as pending_in,
        cast(positions.pending_out as decimal(38, 18)) as pending_out,
        cast(positions.frozen as decimal(38, 18)) as frozen,
        cast(positions.locked as decimal(38, 18)) as locked,
        cast(positions.inflow as decimal(38, 18)) as inflow,
        cast(positions.outflow as decimal(38, 18)) as outflow,
        cast(positions.transfer_count as bigint) as transfer_count,
        positions.last_movement_at,
        positions.source_as_of_at,
        cast(positions.source_age_days as integer) as source_age_days,
        -- the file and data row of the figure the balance stands on (the statement, the
        -- running balance or the balances-file snapshot); null for a configured anchor
        positions.source_file_sha256,
        current_files.file_name as source_file_name,
        cast(positions.source_file_row_number as integer) as source_file_row_number

    from positions

    inner join accounts
        on positions.account_id = accounts.account_id

    left join {{ ref('stg_file_loads__current_files') }} as current_files
        on positions.source_file_sha256 = current_files.sha256

)

select * from final
