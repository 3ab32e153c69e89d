{{
    config(
        materialized=cut_materialization(),
        incremental_strategy=cut_incremental_strategy(),
        partition_by=cut_partition_by(['network', 'location_type', 'period_end_date']),
        file_format=cut_file_format(),
        on_schema_change='append_new_columns',
        pre_hook=[
            "{{ inventory_delete_from_cut('period_end_date', 'target.is_period_complete') }}",
            "{{ inventory_delete_offchain_rows() }}",
        ],
        post_hook="{{ inventory_record_watermark() }}",
    )
}}
-- depends_on: {{ ref('int_inventory__incremental_cuts') }}
{#- the earliest through date of the periods that will be kept, over networks and period
    types (null when one keeps none): movements on or before it are never read -#}
{%- set kept_floor = inventory_query_date(
    "select case when count(*) = count(kept) then cast(min(kept) as string) end from ("
    ~ "select cut.network, types.period_type, max(rollforward.reported_through_date) as kept "
    ~ "from (" ~ inventory_cut_sql() ~ ") as cut "
    ~ "cross join (select 'month' as period_type union all select 'quarter') as types "
    ~ "left join " ~ this ~ " as rollforward on rollforward.network = cut.network "
    ~ "and rollforward.period_type = types.period_type and rollforward.is_period_complete "
    ~ "and rollforward.location_type = 'wallet' "
    ~ "and rollforward.period_end_date < cut.cut_date "
    ~ "where not cut.rebuild_all and cut.cut_date is not null "
    ~ "group by cut.network, types.period_type) as kept_periods"
) if inventory_cut_floor() is not none else none %}
{#
    The roll-forward of every location per month and quarter. Grain: period × network × entity
    × ownership × location_id. opening + inflows_external - outflows_external
    + transfers_in_internal - transfers_out_internal + mints - burns - fees
    + unexplained_change = closing, exactly, and a period's closing is the next period's
    opening. Final movements only (pending ones are in inventory_daily's pending columns).
    Registry wallets (unexplained_change 0), and custodian and exchange accounts
    (int_inventory__offchain_period_flows: balances as inventory_daily shows them, flows from
    the final movements / entries, a balance change they do not explain in unexplained_change
    alone, never in the external flows) with the same columns.

    How: the final movements are summed per wallet and day (int_inventory__wallet_daily_flows,
    incremental); every such day goes to the first
    period (of each type) whose reported_through_date is on or after it. A period's flows are
    its days from reported_from_date on; its opening is the opening of the first period plus
    everything of the periods before it plus its days before reported_from_date; closing =
    opening + its net flows. Equal to summing every movement dated before / within the period.

    Incremental: complete periods that end before the cut (int_inventory__incremental_cuts)
    are kept; the others are deleted and recomputed, starting from the closing balance of the
    last kept period of the same type and the movements after its last day. Off-chain rows are
    few: all are deleted (inventory_delete_offchain_rows, after the delete from the cut, so that
    none it keeps survives) and inserted again on every run.
-#}

with

daily_flows as (

    select * from {{ ref('int_inventory__wallet_daily_flows') }}

),

periods as (

    select * from {{ ref('int_inventory__periods') }}

),

wallets as (

    select * from {{ ref('stg_registry__wallets') }}

),

networks as (

    select * from {{ ref('stg_registry__networks') }}

),

offchain as (

    select * from {{ ref('int_inventory__offchain_period_flows') }}

),

-- the periods the pre-hook kept, per network and period type: the last one's through date
-- (none in a full build)
kept_through as (

    select
        network,
        period_type,
        max(reported_through_date) as reported_through_date

    {%- if is_incremental() %}

    from {{ this }}
    {%- else %}

    from periods
    where false
    {%- endif %}

    group by network, period_type

),

network_period_types as (

    select distinct
        network,
        period_type

    from periods

),

-- per network, the earliest of those (movements after it are read); null when a period type
-- keeps no period yet (e.g. the first quarter of a history): then every movement is read
kept_network_through as (

    select
        network_period_types.network,
        case
            when count(kept_through.period_type) = count(*)
                then min(kept_through.reported_through_date)
        end as reported_through_date

    from network_period_types

    left join kept_through
        on
            network_period_types.network = kept_through.network
            and network_period_types.period_type = kept_through.period_type

    group by network_period_types.network

),

-- per location, the closing balance of the last kept period of each type
kept_closing as (

    {%- if is_incremental() %}

    select
        network,
        period_type,
        location_id as address,
        period_start_date,
        closing_balance,
        row_number() over (
            partition by network, period_type, location_id
            order by period_start_date desc
        ) as recency

    from {{ this }}
    {%- else %}

    select
        network,
        period_type,
        cast(null as string) as address,
        period_start_date,
        cast(null as decimal(38, 18)) as closing_balance,
        1 as recency

    from periods
    where false
    {%- endif %}

),

kept_periods as (

    select distinct
        network,
        period_type,
        period_start_date

    from kept_closing

),

-- the periods to compute: those the table does not hold (all of them in a full build)
recomputed_periods as (

    select periods.*
    from periods

    left join kept_periods as kept
        on
            periods.network = kept.network
            and periods.period_type = kept.period_type
            and periods.period_start_date = kept.period_start_date

    where kept.network is null

),

-- final movements per wallet and day (only those after the kept periods)
daily as (

    select
        daily_flows.network,
        daily_flows.address,
        daily_flows.block_date,
        daily_flows.inflows_external,
        daily_flows.outflows_external,
        daily_flows.transfers_in_internal,
        daily_flows.transfers_out_internal,
        daily_flows.mints,
        daily_flows.burns,
        daily_flows.net_amount

    from daily_flows

    left join kept_network_through
        on daily_flows.network = kept_network_through.network

    where
        (
            kept_network_through.reported_through_date is null
            or daily_flows.block_date > kept_network_through.reported_through_date
        )
        {%- if kept_floor is not none %}
        and daily_flows.block_date > cast('{{ kept_floor }}' as date)
        {%- endif %}

),

flow_days as (

    select distinct
        network,
        block_date

    from daily

),

-- each day with flows belongs to the first recomputed period of each type ending on or
-- after it (a day before a period's reported_from_date is part of its opening)
day_periods as (

    select
        flow_days.network,
        flow_days.block_date,
        recomputed_periods.period_type,
        min(recomputed_periods.period_start_date) as period_start_date

    from flow_days

    inner join recomputed_periods
        on
            flow_days.network = recomputed_periods.network
            and flow_days.block_date <= recomputed_periods.reported_through_date

    left join kept_through
        on
            recomputed_periods.network = kept_through.network
            and recomputed_periods.period_type = kept_through.period_type

    where
        kept_through.reported_through_date is null
        or flow_days.block_date > kept_through.reported_through_date

    group by flow_days.network, flow_days.block_date, recomputed_periods.period_type

),

period_flows as (

    select
        daily.network,
        recomputed_periods.period,
        daily.address,

        {%- for column in [
            'inflows_external', 'outflows_external', 'transfers_in_internal',
            'transfers_out_internal', 'mints', 'burns',
        ] %}

        cast(sum(case
            when daily.block_date >= recomputed_periods.reported_from_date
                then daily.{{ column }}
            else cast(0 as decimal(38, 18))
        end) as decimal(38, 18)) as {{ column }},
        {%- endfor %}

        cast(sum(case
            when daily.block_date < recomputed_periods.reported_from_date
                then daily.net_amount
            else cast(0 as decimal(38, 18))
        end) as decimal(38, 18)) as before_reported_from,

        cast(sum(case
            when daily.block_date >= recomputed_periods.reported_from_date
                then daily.net_amount
            else cast(0 as decimal(38, 18))
        end) as decimal(38, 18)) as net_flows

    from daily

    inner join day_periods
        on
            daily.network = day_periods.network
            and daily.block_date = day_periods.block_date

    inner join recomputed_periods
        on
            day_periods.network = recomputed_periods.network
            and day_periods.period_type = recomputed_periods.period_type
            and day_periods.period_start_date = recomputed_periods.period_start_date

    group by daily.network, recomputed_periods.period, daily.address

),

wallet_periods as (

    select
        recomputed_periods.network,
        recomputed_periods.period,
        recomputed_periods.period_type,
        recomputed_periods.period_start_date,
        recomputed_periods.period_end_date,
        recomputed_periods.reported_from_date,
        recomputed_periods.reported_through_date,
        recomputed_periods.is_period_complete,
        wallets.address,
        wallets.entity,
        wallets.ownership,
        wallets.wallet_label,
        wallets.custody_provider,
        wallets.purpose

    from recomputed_periods

    inner join wallets
        on recomputed_periods.network = wallets.network

),

with_flows as (

    select
        wallet_periods.*,
        coalesce(period_flows.before_reported_from, cast(0 as decimal(38, 18)))
            as before_reported_from,
        coalesce(period_flows.net_flows, cast(0 as decimal(38, 18))) as net_flows,
        {%- for column in [
            'inflows_external', 'outflows_external', 'transfers_in_internal',
            'transfers_out_internal', 'mints', 'burns',
        ] %}
        coalesce(period_flows.{{ column }}, cast(0 as decimal(38, 18))) as {{ column }},
        {%- endfor %}
        coalesce(kept_closing.closing_balance, cast(0 as decimal(38, 18))) as carried_in

    from wallet_periods

    left join period_flows
        on
            wallet_periods.network = period_flows.network
            and wallet_periods.period = period_flows.period
            and wallet_periods.address = period_flows.address

    left join kept_closing
        on
            wallet_periods.network = kept_closing.network
            and wallet_periods.period_type = kept_closing.period_type
            and wallet_periods.address = kept_closing.address
            and kept_closing.recency = 1

),

flows as (

    select
        *,
        cast(
            carried_in
            + coalesce(sum(before_reported_from + net_flows) over (
                partition by network, period_type, address
                order by period_start_date
                rows between unbounded preceding and 1 preceding
            ), cast(0 as decimal(38, 18)))
            + before_reported_from
            as decimal(38, 18)
        ) as opening_balance

    from with_flows

),

wallet_rows as (

    select
        flows.period,
        flows.period_type,
        flows.period_start_date,
        flows.period_end_date,
        flows.reported_from_date,
        flows.reported_through_date,
        flows.is_period_complete,
        flows.entity,
        flows.network,
        networks.chain_id,
        networks.token_symbol as asset,
        'wallet' as location_type,
        flows.address as location_id,
        flows.wallet_label as location_label,
        flows.custody_provider,
        flows.purpose,
        flows.ownership,
        flows.opening_balance,
        flows.inflows_external,
        flows.outflows_external,
        flows.transfers_in_internal,
        flows.transfers_out_internal,
        flows.mints,
        flows.burns,
        -- token-denominated fees are charged by venues and custodians, not by ERC-20 transfers
        -- (gas is paid in the native coin); they come with those sources
        cast(0 as decimal(38, 18)) as fees,
        cast(flows.opening_balance + flows.net_flows as decimal(38, 18)) as closing_balance,
        cast(0 as decimal(38, 18)) as unexplained_change

    from flows

    inner join networks
        on flows.network = networks.network

),

-- custodian and exchange accounts: every period, rebuilt on every run
offchain_rows as (

    select
        offchain.period,
        offchain.period_type,
        offchain.period_start_date,
        offchain.period_end_date,
        offchain.reported_from_date,
        offchain.reported_through_date,
        offchain.is_period_complete,
        offchain.entity,
        offchain.network,
        networks.chain_id,
        networks.token_symbol as asset,
        offchain.location_type,
        offchain.location_id,
        offchain.location_label,
        offchain.custody_provider,
        offchain.purpose,
        offchain.ownership,
        offchain.opening_balance,
        offchain.inflows_external,
        offchain.outflows_external,
        offchain.transfers_in_internal,
        offchain.transfers_out_internal,
        offchain.mints,
        offchain.burns,
        offchain.fees,
        offchain.closing_balance,
        offchain.unexplained_change

    from offchain

    inner join networks
        on offchain.network = networks.network

),

final as (

    select * from wallet_rows
    union all
    select * from offchain_rows

)

select * from final
