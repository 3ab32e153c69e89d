{#-
    The roll-forward of every custodian and exchange account per month and quarter of its
    network (int_inventory__periods), in inventory_rollforward's columns. Grain: period ×
    location_id (account id).

    Accounts whose balance is unanchored (no running balance, balances file or configured
    opening balance) have no rows here.

    Balances are inventory_daily's (int_inventory__offchain_daily_positions): closing_balance is
    the account's balance on the period's reported_through_date, opening_balance its balance on
    the day before reported_from_date (the latest shown day on or before it; 0 before the
    account's first day), so a period's closing is the next period's opening exactly.

    Flows are the final movements (custodian) and final entries (exchange) of the network's
    token dated (local day) within [reported_from_date, reported_through_date]: + amounts are
    inflows, - amounts outflows, exchange fees in the same asset are fees (a negative fee, a
    rebate, is an inflow). Every deposit and withdrawal is external, also one from or to an own
    wallet: the wallet's side of that transfer is external too (wallet flows are internal only
    between registry wallets), so over the entity the two sides cancel; transfers_in_internal
    and transfers_out_internal are 0.

    In the account's first shown period (no shown day before reported_from_date) the opening is
    the balance carried in before its first shown day: that day's balance less the period's
    flows dated up to it (e.g. the first statement's balance, or exchange entries dated before
    var('start_date')); before that period it is 0.

    What the flows do not explain (a custodian statement that jumps: rewards, corrections, a
    movement the statement saw but the movement file did not) is its own column,
    unexplained_change = closing - opening - net flows, never folded into the external flows:
    opening + flows + unexplained_change = closing exactly, every flow >= 0, and every non-zero
    unexplained_change is a statement_continuity break (marts.reconciliation_breaks).
-#}

with

-- an unanchored exchange account's balance is not known: it has no roll-forward (its flows
-- alone would present a balance from zero as if it were known)
positions as (

    select * from {{ ref('int_inventory__offchain_daily_positions') }}
    where balance is not null  -- null exactly when balance_status is 'unanchored'

),

periods as (

    select * from {{ ref('int_inventory__periods') }}

),

accounts as (

    select * from {{ ref('stg_registry__accounts') }}
    where account_kind in ('custodian', 'exchange')

),

networks as (

    select * from {{ ref('stg_registry__networks') }}

),

-- the accounts with at least one shown day, as inventory_daily shows them
located_accounts as (

    select distinct
        location_id,
        location_type,
        location_label,
        entity,
        network,
        custody_provider,
        purpose,
        ownership

    from positions

),

-- the account's first shown day and its balance then
shown_days as (

    select
        location_id,
        as_of_date,
        balance,
        row_number() over (partition by location_id order by as_of_date) as day_number

    from positions

),

first_days as (

    select
        location_id,
        as_of_date as first_date,
        balance as first_balance

    from shown_days
    where day_number = 1

),

-- final custodian movements of the network's token (what the daily balance adds)
custodian_items as (

    select
        movements.account_id,
        movements.entry_id,
        {{ to_local_date('movements.occurred_at') }} as occurred_date,
        movements.amount,
        cast(0 as decimal(38, 18)) as fee

    from {{ ref('stg_custodian__movements') }} as movements

    inner join accounts
        on movements.account_id = accounts.account_id

    inner join networks
        on
            accounts.network = networks.network
            and movements.asset = networks.token_symbol

    where
        movements.is_final
        and accounts.account_kind = 'custodian'

),

-- final exchange entries of the token, with their fee in the same asset
exchange_items as (

    select
        entries.account_id,
        entries.entry_id,
        {{ to_local_date('entries.occurred_at') }} as occurred_date,
        entries.amount,
        case
            when coalesce(entries.fee_asset, entries.asset) = entries.asset
                then coalesce(entries.fee, cast(0 as decimal(38, 18)))
            else cast(0 as decimal(38, 18))
        end as fee

    from {{ ref('stg_exchange__entries') }} as entries

    inner join accounts
        on entries.account_id = accounts.account_id

    inner join networks
        on
            coalesce(entries.network, accounts.network) = networks.network
            and entries.asset = networks.token_symbol

    where
        entries.is_final
        and accounts.account_kind = 'exchange'

),

items as (

    select
        'custodian' as source,
        *
    from custodian_items

    union all

    select
        'exchange' as source,
        *
    from exchange_items

),

-- every deposit and withdrawal is an external flow of the account: the wallet side of a
-- transfer with an own wallet is external too (wallet flows are internal only between
-- registry wallets), so the two sides of such a transfer cancel over the entity
classified_items as (

    select
        items.account_id,
        items.occurred_date,
        items.amount,
        items.fee

    from items

),

account_periods as (

    select
        periods.network,
        periods.period,
        periods.period_type,
        periods.period_start_date,
        periods.period_end_date,
        periods.reported_from_date,
        periods.reported_through_date,
        periods.is_period_complete,
        {{ add_days('periods.reported_from_date', -1) }} as opening_date,
        located_accounts.location_id,
        located_accounts.location_type,
        located_accounts.location_label,
        located_accounts.entity,
        located_accounts.custody_provider,
        located_accounts.purpose,
        located_accounts.ownership

    from periods

    inner join located_accounts
        on periods.network = located_accounts.network

),

-- the latest shown balance on or before the period's last reported day
closing_candidates as (

    select
        account_periods.location_id,
        account_periods.period,
        positions.balance,
        row_number() over (
            partition by account_periods.location_id, account_periods.period
            order by positions.as_of_date desc
        ) as recency

    from account_periods

    inner join positions
        on
            account_periods.location_id = positions.location_id
            and account_periods.reported_through_date >= positions.as_of_date

),

-- the latest shown balance on or before the day before the period's first reported day
opening_candidates as (

    select
        account_periods.location_id,
        account_periods.period,
        positions.balance,
        row_number() over (
            partition by account_periods.location_id, account_periods.period
            order by positions.as_of_date desc
        ) as recency

    from account_periods

    inner join positions
        on
            account_periods.location_id = positions.location_id
            and account_periods.opening_date >= positions.as_of_date

),

period_items as (

    select
        account_periods.location_id,
        account_periods.period,
        cast(sum(case
            when classified_items.amount > 0 then classified_items.amount
            else cast(0 as decimal(38, 18))
        end) as decimal(38, 18)) as recorded_inflows,
        cast(sum(case
            when classified_items.amount < 0 then -classified_items.amount
            else cast(0 as decimal(38, 18))
        end) as decimal(38, 18)) as recorded_outflows,
        cast(0 as decimal(38, 18)) as transfers_in_internal,
        cast(0 as decimal(38, 18)) as transfers_out_internal,
        cast(sum(case
            when classified_items.fee > 0 then classified_items.fee
            else cast(0 as decimal(38, 18))
        end) as decimal(38, 18)) as fees,
        -- fee rebates (negative fees) add to the balance
        cast(sum(case
            when classified_items.fee < 0 then -classified_items.fee
            else cast(0 as decimal(38, 18))
        end) as decimal(38, 18)) as fee_rebates,
        -- net flows of the period up to the account's first shown day (its opening is what
        -- that day's balance had before them)
        cast(sum(case
            when classified_items.occurred_date <= first_days.first_date
                then classified_items.amount - classified_items.fee
            else cast(0 as decimal(38, 18))
        end) as decimal(38, 18)) as net_through_first_date

    from account_periods

    inner join first_days
        on account_periods.location_id = first_days.location_id

    inner join classified_items
        on
            account_periods.location_id = classified_items.account_id
            and account_periods.reported_from_date <= classified_items.occurred_date
            and account_periods.reported_through_date >= classified_items.occurred_date

    group by account_periods.location_id, account_periods.period

),

with_balances as (

    select
        account_periods.*,
        case
            when opening_candidates.balance is not null then opening_candidates.balance
            -- the account's first shown period: the balance carried in before that day
            when
                first_days.first_date between account_periods.reported_from_date
                and account_periods.reported_through_date
                then
                    first_days.first_balance
                    - coalesce(period_items.net_through_first_date, cast(0 as decimal(38, 18)))
            else cast(0 as decimal(38, 18))
        end as opening_balance,
        coalesce(closing_candidates.balance, cast(0 as decimal(38, 18))) as closing_balance,
        coalesce(
            period_items.recorded_inflows + period_items.fee_rebates,
            cast(0 as decimal(38, 18))
        ) as recorded_inflows,
        coalesce(period_items.recorded_outflows, cast(0 as decimal(38, 18)))
            as recorded_outflows,
        coalesce(period_items.transfers_in_internal, cast(0 as decimal(38, 18)))
            as transfers_in_internal,
        coalesce(period_items.transfers_out_internal, cast(0 as decimal(38, 18)))
            as transfers_out_internal,
        coalesce(period_items.fees, cast(0 as decimal(38, 18))) as fees

    from account_periods

    inner join first_days
        on account_periods.location_id = first_days.location_id

    left join opening_candidates
        on
            account_periods.location_id = opening_candidates.location_id
            and account_periods.period = opening_candidates.period
            and opening_candidates.recency = 1

    left join closing_candidates
        on
            account_periods.location_id = closing_candidates.location_id
            and account_periods.period = closing_candidates.period
            and closing_candidates.recency = 1

    left join period_items
        on
            account_periods.location_id = period_items.location_id
            and account_periods.period = period_items.period

),

with_residual as (

    select
        *,
        cast(
            closing_balance - opening_balance
            - (
                recorded_inflows - recorded_outflows
                + transfers_in_internal - transfers_out_internal - fees
            )
            as decimal(38, 18)
        ) as unexplained_change

    from with_balances

),

final as (

    select
        network,
        period,
        period_type,
        period_start_date,
        period_end_date,
        reported_from_date,
        reported_through_date,
        is_period_complete,
        entity,
        location_type,
        location_id,
        location_label,
        custody_provider,
        purpose,
        ownership,
        cast(opening_balance as decimal(38, 18)) as opening_balance,
        cast(recorded_inflows as decimal(38, 18)) as inflows_external,
        cast(recorded_outflows as decimal(38, 18)) as outflows_external,
        cast(transfers_in_internal as decimal(38, 18)) as transfers_in_internal,
        cast(transfers_out_internal as decimal(38, 18)) as transfers_out_internal,
        cast(0 as decimal(38, 18)) as mints,
        cast(0 as decimal(38, 18)) as burns,
        cast(fees as decimal(38, 18)) as fees,
        cast(closing_balance as decimal(38, 18)) as closing_balance,
        unexplained_change

    from with_residual

)

select * from final
