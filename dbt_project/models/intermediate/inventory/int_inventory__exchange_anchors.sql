{#-
    Every figure that says what an exchange account held of its network's token at a time,
    in booking order: the running balance after each final entry (layouts that carry one:
    Kraken, Coinbase Exchange / Prime, a mapped layout with a balance column), the balance
    snapshots of balances files (stg_exchange__balances) and the configured opening balances
    (stg_exchange__opening_balances). A snapshot or configured balance is the balance after
    every entry at or before its time.

    balance_offset = balance - cumulative_net (the entries' net amounts through the anchor):
    the account's balance at any time is its cumulative net then plus the offset of the anchor
    it rolls from (the latest before, else the first after). When the chain adds up the offset
    never changes; offset_change is how much an anchor disagrees with the previous one plus
    the entries between them (a missing window between two exports, a running balance that
    does not add up). Grain: account_id × anchor_number.
-#}

with

accounts as (

    select * from {{ ref('stg_registry__accounts') }}
    where account_kind = 'exchange'

),

networks as (

    select * from {{ ref('stg_registry__networks') }}

),

entries as (

    select * from {{ ref('int_inventory__exchange_entry_sequence') }}

),

running_balances as (

    select
        account_id,
        network,
        'running_balance' as anchor_kind,
        1 as kind_rank,
        occurred_at as anchor_at,
        sequence_number as anchor_sequence,
        balance,
        cumulative_net,
        file_sha256,
        file_name,
        file_row_number,
        cast(null as string) as source_note

    from entries
    where balance is not null

),

snapshots as (

    select
        snapshots.account_id,
        accounts.network,
        'balance_file' as anchor_kind,
        2 as kind_rank,
        snapshots.balance_at as anchor_at,
        snapshots.balance,
        snapshots.file_sha256,
        current_files.file_name,
        snapshots.file_row_number,
        cast(null as string) as source_note

    from {{ ref('stg_exchange__balances') }} as snapshots

    inner join accounts
        on snapshots.account_id = accounts.account_id

    inner join networks
        on
            accounts.network = networks.network
            and snapshots.asset = networks.token_symbol

    left join {{ ref('stg_file_loads__current_files') }} as current_files
        on snapshots.file_sha256 = current_files.sha256

),

configured as (

    select
        openings.account_id,
        accounts.network,
        'configured' as anchor_kind,
        3 as kind_rank,
        openings.balance_at as anchor_at,
        openings.balance,
        cast(null as string) as file_sha256,
        cast(null as string) as file_name,
        cast(null as integer) as file_row_number,
        openings.source_note

    from {{ ref('stg_exchange__opening_balances') }} as openings

    inner join accounts
        on openings.account_id = accounts.account_id

    inner join networks
        on
            accounts.network = networks.network
            and openings.asset = networks.token_symbol

),

point_anchors as (

    select * from snapshots
    union all
    select * from configured

),

-- a snapshot or configured balance counts every entry at or before its time
point_anchors_placed as (

    select
        point_anchors.account_id,
        point_anchors.network,
        point_anchors.anchor_kind,
        point_anchors.kind_rank,
        point_anchors.anchor_at,
        cast(coalesce(max(entries.sequence_number), 0) as bigint) as anchor_sequence,
        point_anchors.balance,
        cast(coalesce(sum(entries.net_amount), 0) as decimal(38, 18)) as cumulative_net,
        point_anchors.file_sha256,
        point_anchors.file_name,
        point_anchors.file_row_number,
        point_anchors.source_note

    from point_anchors

    left join entries
        on
            point_anchors.account_id = entries.account_id
            and point_anchors.anchor_at >= entries.occurred_at

    group by
        point_anchors.account_id,
        point_anchors.network,
        point_anchors.anchor_kind,
        point_anchors.kind_rank,
        point_anchors.anchor_at,
        point_anchors.balance,
        point_anchors.file_sha256,
        point_anchors.file_name,
        point_anchors.file_row_number,
        point_anchors.source_note

),

anchors as (

    select * from running_balances
    union all
    select * from point_anchors_placed

),

ordered as (

    select
        *,
        cast(balance - cumulative_net as decimal(38, 18)) as balance_offset,
        row_number() over (
            partition by account_id
            order by anchor_at, anchor_sequence, kind_rank, file_sha256, file_row_number
        ) as anchor_number

    from anchors

),

chained as (

    select
        *,
        lead(anchor_at) over (partition by account_id order by anchor_number) as next_anchor_at,
        lag(anchor_kind) over (partition by account_id order by anchor_number)
            as previous_anchor_kind,
        lag(anchor_at) over (partition by account_id order by anchor_number)
            as previous_anchor_at,
        lag(balance) over (partition by account_id order by anchor_number) as previous_balance,
        lag(cumulative_net) over (partition by account_id order by anchor_number)
            as previous_cumulative_net,
        lag(balance_offset) over (partition by account_id order by anchor_number)
            as previous_balance_offset,
        lag(file_name) over (partition by account_id order by anchor_number)
            as previous_file_name,
        lag(file_row_number) over (partition by account_id order by anchor_number)
            as previous_file_row_number,
        first_value(balance_offset) over (
            partition by account_id
            order by anchor_number
            rows between unbounded preceding and unbounded following
        ) as first_balance_offset

    from ordered

),

final as (

    select
        account_id,
        network,
        cast(anchor_number as bigint) as anchor_number,
        anchor_kind,
        anchor_at,
        cast(anchor_sequence as bigint) as anchor_sequence,
        cast(balance as decimal(38, 18)) as balance,
        cast(cumulative_net as decimal(38, 18)) as cumulative_net,
        balance_offset,
        cast(first_balance_offset as decimal(38, 18)) as first_balance_offset,
        next_anchor_at,
        file_sha256,
        file_name,
        cast(file_row_number as integer) as file_row_number,
        source_note,
        previous_anchor_kind,
        previous_anchor_at,
        cast(previous_balance as decimal(38, 18)) as previous_balance,
        -- the balance this anchor implies right after the previous one: its own balance
        -- less the entries booked between them
        cast(
            balance - (cumulative_net - previous_cumulative_net) as decimal(38, 18)
        ) as implied_opening_balance,
        previous_file_name,
        cast(previous_file_row_number as integer) as previous_file_row_number,
        cast(
            coalesce(balance_offset - previous_balance_offset, 0) as decimal(38, 18)
        ) as offset_change

    from chained

)

select * from final
