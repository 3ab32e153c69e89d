{#-
    The health signals of the inventory, one row per local day across entities (DESIGN.md):
    the register's breaks open that day (marts.reconciliation_breaks: opened on or before it,
    not closed by then) and their age, concentration breaches, transfer latency, stress
    capacity against the configured withdrawal shock, unknown-control balances and the pending
    share, with an overall health_status from the configured thresholds (risk.health).

    Days: every as_of_date of inventory_daily or reconciliation, so a silent day (no movement)
    has its row. Signals without data that day are 0 (counts, amounts) or null (ages,
    latencies, ratios).

    - unknown control: a location of inventory_daily whose custody provider is missing, blank or
      'unknown'/'unregistered', or a wallet location that is not in the wallet registry: nobody
      registered controls it. Its balance is not counted as available for the stress test.
    - stress: shock_amount = the fixed amount (risk.withdrawal_shock.amount) or the share of the
      day's client-owned balance floored to 18 decimals; available_total = available of the
      known-control locations; stress_status 'short' when available_total < shock_amount.
      liquid_within_24h is what marts.liquidity_horizons can pay out as tokens within 24 hours
      (cold, custodian and exchange holdings only after their move / withdrawal times);
      stress_shortfall_24h = the shock not met by it.
    - wallet control (marts.wallet_control): max_single_key_balance = the largest balance of a
      registry wallet a single key controls (eoa) that day; control_change_count = wallets
      whose signers, threshold or kind changed since their previous day; single_signer_safe_count
      = Safes with threshold 1; control_mismatch_count = wallets whose registry claim
      (wallets[].control) the chain does not show. 0 (null for the balance) without data.
    - health_status: 'alert' when a signal is above its alert_above, else 'warn' when one is
      above its warn_above, else 'ok'; health_reasons lists them ('signal value > level limit').
-#}

with

inventory as (

    select * from {{ ref('inventory_daily') }}

),

reconciliation as (

    select * from {{ ref('reconciliation') }}

),

register as (

    select * from {{ ref('reconciliation_breaks') }}

),

concentration as (

    select * from {{ ref('concentration') }}

),

in_transit_items as (

    select * from {{ ref('int_risk__in_transit_items') }}

),

liquidity as (

    select * from {{ ref('liquidity_horizons') }}

),

wallet_control as (

    select * from {{ ref('wallet_control') }}

),

withdrawal_shock as (

    select * from {{ ref('stg_registry__withdrawal_shock') }}

),

thresholds as (

    select * from {{ ref('stg_registry__health_thresholds') }}

),

days as (

    select as_of_date from inventory
    union
    select as_of_date from reconciliation

),

located as (

    select * from {{ ref('int_risk__located_inventory') }}

),

holdings as (

    select
        as_of_date,
        cast(sum(balance) as decimal(38, 18)) as balance_total,
        cast(sum(case when ownership = 'client' then balance else 0 end) as decimal(38, 18))
            as client_balance_total,
        cast(sum(case when is_unknown_control then 0 else available end) as decimal(38, 18))
            as available_total,
        cast(sum(pending_in) as decimal(38, 18)) as pending_in_total,
        cast(sum(pending_out) as decimal(38, 18)) as pending_out_total,
        cast(sum(case when is_unknown_control then balance else 0 end) as decimal(38, 18))
            as unknown_control_balance,
        cast(sum(case when is_unknown_control and balance > 0 then 1 else 0 end) as bigint)
            as unknown_control_location_count

    from located
    group by as_of_date

),

-- the register's breaks open at the end of each day: opened on or before it and not closed
-- by then (by the data or by hand), aged from their opened_date
breaks as (

    select
        days.as_of_date,
        cast(count(*) as bigint) as open_break_count,
        cast(max({{ days_between('register.opened_date', 'days.as_of_date') }}) as integer)
            as oldest_break_age_days,
        cast(sum(abs(register.unexplained_difference)) as decimal(38, 18))
            as unexplained_break_amount

    from days

    inner join register
        on
            days.as_of_date >= register.opened_date
            and (register.closed_date is null or days.as_of_date < register.closed_date)

    group by days.as_of_date

),

concentration_daily as (

    select
        as_of_date,
        cast(sum(case when status = 'breach' then 1 else 0 end) as bigint)
            as concentration_breach_count,
        cast(max(case when status <> 'no_limit' then share end) as decimal(38, 18))
            as max_concentration_share,
        cast(max(case when dimension = 'location' then share end) as decimal(38, 18))
            as max_location_share

    from concentration
    group by as_of_date

),

open_in_transit as (

    select
        days.as_of_date,
        cast(count(*) as bigint) as in_transit_count

    from days

    inner join in_transit_items
        on
            days.as_of_date >= in_transit_items.in_flight_from_date
            and (
                in_transit_items.in_flight_until_date is null
                or days.as_of_date < in_transit_items.in_flight_until_date
            )

    group by days.as_of_date

),

settled_ranked as (

    select
        in_flight_until_date as as_of_date,
        latency_seconds,
        row_number() over (
            partition by in_flight_until_date order by latency_seconds
        ) as latency_rank,
        count(*) over (partition by in_flight_until_date) as settled_count

    from in_transit_items
    where in_flight_until_at is not null

),

-- median = the middle value, or the mean of the two middle values (exact, to 0.5 s)
settled as (

    select
        as_of_date,
        cast(max(settled_count) as bigint) as settled_in_transit_count,
        cast(
            cast(sum(case
                when
                    latency_rank in (
                        cast(floor((settled_count + 1) / 2) as bigint),
                        cast(floor((settled_count + 2) / 2) as bigint)
                    )
                    then latency_seconds
                else 0
            end) as decimal(38, 1))
            * case
                when max(settled_count) % 2 = 0 then cast(0.5 as decimal(2, 1))
                else cast(1 as decimal(2, 1))
            end
            as decimal(38, 1)
        ) as median_transfer_latency_seconds,
        cast(max(latency_seconds) as bigint) as max_transfer_latency_seconds

    from settled_ranked
    group by as_of_date

),

-- who controls the wallets: balances held by a single key, changes, threshold-1 Safes, claims
-- the chain denies
control_daily as (

    select
        wallet_control.as_of_date,
        cast(
            max(case when wallet_control.wallet_kind = 'eoa' then inventory.balance end)
            as decimal(38, 18)
        ) as max_single_key_balance,
        cast(sum(case when wallet_control.is_control_changed then 1 else 0 end) as bigint)
            as control_change_count,
        cast(sum(case when wallet_control.is_single_signer_safe then 1 else 0 end) as bigint)
            as single_signer_safe_count,
        cast(sum(case when wallet_control.is_control_mismatch then 1 else 0 end) as bigint)
            as control_mismatch_count

    from wallet_control

    left join inventory
        on
            wallet_control.as_of_date = inventory.as_of_date
            and wallet_control.network = inventory.network
            and wallet_control.wallet_address = inventory.location_id
            and inventory.location_type = 'wallet'

    group by wallet_control.as_of_date

),

-- what the liquidity horizons say can be paid out as tokens within 24 hours, all entities
liquid_24h as (

    select
        as_of_date,
        cast(sum(spendable_units) as decimal(38, 18)) as liquid_within_24h

    from liquidity
    where horizon = '24h'
    group by as_of_date

),

stressed as (

    select
        days.as_of_date,
        coalesce(holdings.balance_total, cast(0 as decimal(38, 18))) as balance_total,
        coalesce(holdings.client_balance_total, cast(0 as decimal(38, 18)))
            as client_balance_total,
        coalesce(holdings.available_total, cast(0 as decimal(38, 18))) as available_total,
        coalesce(holdings.pending_in_total, cast(0 as decimal(38, 18))) as pending_in_total,
        coalesce(holdings.pending_out_total, cast(0 as decimal(38, 18))) as pending_out_total,
        coalesce(holdings.unknown_control_balance, cast(0 as decimal(38, 18)))
            as unknown_control_balance,
        coalesce(holdings.unknown_control_location_count, 0) as unknown_control_location_count,
        coalesce(liquid_24h.liquid_within_24h, cast(0 as decimal(38, 18)))
            as liquid_within_24h,
        case
            when withdrawal_shock.shock_fixed_amount is not null
                then withdrawal_shock.shock_fixed_amount
            when withdrawal_shock.shock_share_of_client_balance is not null
                then {{ share_of_amount_floor(
                    'withdrawal_shock.shock_share_of_client_balance',
                    'coalesce(holdings.client_balance_total, 0)'
                ) }}
        end as shock_amount

    from days

    left join holdings
        on days.as_of_date = holdings.as_of_date

    left join liquid_24h
        on days.as_of_date = liquid_24h.as_of_date

    left join withdrawal_shock
        on true

),

signals as (

    select
        stressed.as_of_date,
        coalesce(breaks.open_break_count, 0) as open_break_count,
        breaks.oldest_break_age_days,
        coalesce(breaks.unexplained_break_amount, cast(0 as decimal(38, 18)))
            as unexplained_break_amount,
        coalesce(concentration_daily.concentration_breach_count, 0)
            as concentration_breach_count,
        concentration_daily.max_concentration_share,
        concentration_daily.max_location_share,
        coalesce(open_in_transit.in_transit_count, 0) as in_transit_count,
        coalesce(settled.settled_in_transit_count, 0) as settled_in_transit_count,
        settled.median_transfer_latency_seconds,
        settled.max_transfer_latency_seconds,
        stressed.shock_amount,
        stressed.available_total,
        {{ ratio_half_even('stressed.available_total', 'stressed.shock_amount') }}
            as stress_capacity_ratio,
        case
            when stressed.shock_amount is null then cast(0 as decimal(38, 18))
            else greatest(
                    stressed.shock_amount - stressed.available_total, cast(0 as decimal(38, 18))
                )
        end as stress_shortfall,
        stressed.liquid_within_24h,
        case
            when stressed.shock_amount is null then cast(0 as decimal(38, 18))
            else greatest(
                    stressed.shock_amount - stressed.liquid_within_24h,
                    cast(0 as decimal(38, 18))
                )
        end as stress_shortfall_24h,
        stressed.client_balance_total,
        stressed.unknown_control_balance,
        stressed.unknown_control_location_count,
        stressed.balance_total,
        stressed.pending_in_total,
        stressed.pending_out_total,
        {{ ratio_half_even(
            'stressed.pending_in_total + stressed.pending_out_total', 'stressed.balance_total'
        ) }} as pending_share,
        control_daily.max_single_key_balance,
        coalesce(control_daily.control_change_count, 0) as control_change_count,
        coalesce(control_daily.single_signer_safe_count, 0) as single_signer_safe_count,
        coalesce(control_daily.control_mismatch_count, 0) as control_mismatch_count

    from stressed

    left join breaks
        on stressed.as_of_date = breaks.as_of_date

    left join concentration_daily
        on stressed.as_of_date = concentration_daily.as_of_date

    left join open_in_transit
        on stressed.as_of_date = open_in_transit.as_of_date

    left join settled
        on stressed.as_of_date = settled.as_of_date

    left join control_daily
        on stressed.as_of_date = control_daily.as_of_date

),

-- one row per day and signal, in the order health_reasons lists them
signal_values as (

    {%- set checked = [
        'open_break_count', 'oldest_break_age_days', 'unexplained_break_amount',
        'concentration_breach_count', 'max_transfer_latency_seconds', 'pending_share',
        'unknown_control_balance', 'stress_shortfall', 'max_single_key_balance',
        'control_change_count', 'single_signer_safe_count', 'control_mismatch_count',
    ] %}
    {%- for signal in checked %}
    select
        as_of_date,
        {{ loop.index }} as signal_order,
        '{{ signal }}' as health_signal,
        cast({{ signal }} as decimal(38, 18)) as signal_value
    from signals
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

levels as (

    select
        signal_values.as_of_date,
        signal_values.signal_order,
        signal_values.health_signal,
        signal_values.signal_value,
        case
            when signal_values.signal_value > thresholds.alert_above then 2
            when signal_values.signal_value > thresholds.warn_above then 1
            else 0
        end as health_level,
        case
            when signal_values.signal_value > thresholds.alert_above then thresholds.alert_above
            when signal_values.signal_value > thresholds.warn_above then thresholds.warn_above
        end as exceeded_threshold

    from signal_values

    inner join thresholds
        on signal_values.health_signal = thresholds.health_signal

),

reasons as (

    select
        as_of_date,
        max(health_level) as health_level,
        {{ ordered_string_agg(
            "health_signal || ' ' || " ~ decimal_text('signal_value')
            ~ " || ' > ' || case when health_level = 2 then 'alert' else 'warn' end"
            ~ " || ' ' || " ~ decimal_text('exceeded_threshold'),
            "'; '",
            "order by signal_order"
        ) }} as health_reasons

    from levels
    where health_level > 0
    group by as_of_date

),

final as (

    select
        cast(signals.as_of_date as date) as as_of_date,
        cast(signals.open_break_count as bigint) as open_break_count,
        cast(signals.oldest_break_age_days as integer) as oldest_break_age_days,
        cast(signals.unexplained_break_amount as decimal(38, 18)) as unexplained_break_amount,
        cast(signals.concentration_breach_count as bigint) as concentration_breach_count,
        cast(signals.max_concentration_share as decimal(38, 18)) as max_concentration_share,
        cast(signals.max_location_share as decimal(38, 18)) as max_location_share,
        cast(signals.in_transit_count as bigint) as in_transit_count,
        cast(signals.settled_in_transit_count as bigint) as settled_in_transit_count,
        cast(signals.median_transfer_latency_seconds as decimal(38, 1))
            as median_transfer_latency_seconds,
        cast(signals.max_transfer_latency_seconds as bigint) as max_transfer_latency_seconds,
        cast(signals.shock_amount as decimal(38, 18)) as shock_amount,
        cast(signals.available_total as decimal(38, 18)) as available_total,
        cast(signals.stress_capacity_ratio as decimal(38, 18)) as stress_capacity_ratio,
        cast(signals.stress_shortfall as decimal(38, 18)) as stress_shortfall,
        cast(case
            when signals.available_total < signals.shock_amount then 'short'
            else 'ok'
        end as string) as stress_status,
        cast(signals.liquid_within_24h as decimal(38, 18)) as liquid_within_24h,
        cast(signals.stress_shortfall_24h as decimal(38, 18)) as stress_shortfall_24h,
        cast(signals.client_balance_total as decimal(38, 18)) as client_balance_total,
        cast(signals.unknown_control_balance as decimal(38, 18)) as unknown_control_balance,
        cast(signals.unknown_control_location_count as bigint)
            as unknown_control_location_count,
        cast(signals.balance_total as decimal(38, 18)) as balance_total,
        cast(signals.pending_in_total as decimal(38, 18)) as pending_in_total,
        cast(signals.pending_out_total as decimal(38, 18)) as pending_out_total,
        cast(signals.pending_share as decimal(38, 18)) as pending_share,
        cast(signals.max_single_key_balance as decimal(38, 18)) as max_single_key_balance,
        cast(signals.control_change_count as bigint) as control_change_count,
        cast(signals.single_signer_safe_count as bigint) as single_signer_safe_count,
        cast(signals.control_mismatch_count as bigint) as control_mismatch_count,
        cast(case
            when reasons.health_level = 2 then 'alert'
            when reasons.health_level = 1 then 'warn'
            else 'ok'
        end as string) as health_status,
        cast(coalesce(reasons.health_reasons, '') as string) as health_reasons

    from signals

    left join reasons
        on signals.as_of_date = reasons.as_of_date

)

select * from final
