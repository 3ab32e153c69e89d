{#-
    How much of the inventory can be paid out as tokens, and turned into cash with the issuer,
    within 1 hour, 24 hours and 3 business days of each day's end. Grain: as_of_date × entity
    × ownership × horizon.

    Each location's available balance (inventory_daily; not pending, frozen or locked, and
    only known-control locations with a known balance) is ready at the channel's times of the
    schedule that ingestion/liquidity.py writes from `liquidity:` (business days from the bank
    calendar): a wallet by its purpose's move time, a custodian or exchange account by its
    provider's withdrawal window and time (else the default), and cash after the issuer's
    redemption settlement. A holding counts in a horizon when its ready time is at or before
    the horizon's end. Cash is at par: one token redeems for one USD.
-#}

with

located as (

    select * from {{ ref('int_risk__located_inventory') }}

),

schedule as (

    select * from {{ ref('stg_registry__liquidity_schedule') }}

),

horizons as (

    select * from {{ ref('stg_registry__liquidity_horizons') }}

),

holdings as (

    select
        as_of_date,
        entity,
        ownership,
        location_type,
        custody_provider,
        purpose,
        available

    from located
    where
        not is_unknown_control
        and available is not null

),

channelled as (

    select
        holdings.as_of_date,
        holdings.entity,
        holdings.ownership,
        holdings.available,
        coalesce(
            by_purpose.token_ready_at, by_provider.token_ready_at, fallback.token_ready_at
        ) as token_ready_at,
        coalesce(
            by_purpose.usd_ready_at, by_provider.usd_ready_at, fallback.usd_ready_at
        ) as usd_ready_at

    from holdings

    left join schedule as by_purpose
        on
            holdings.location_type in ('wallet', 'contract')
            and by_purpose.channel_kind = 'wallet_purpose'
            and holdings.as_of_date = by_purpose.as_of_date
            and holdings.purpose = by_purpose.channel_key

    left join schedule as by_provider
        on
            holdings.location_type not in ('wallet', 'contract')
            and by_provider.channel_kind = 'provider'
            and holdings.as_of_date = by_provider.as_of_date
            and holdings.custody_provider = by_provider.channel_key

    left join schedule as fallback
        on
            fallback.channel_kind = 'default_provider'
            and holdings.as_of_date = fallback.as_of_date

),

measured as (

    select
        channelled.as_of_date,
        channelled.entity,
        channelled.ownership,
        horizons.horizon,
        horizons.horizon_end_at,
        cast(sum(channelled.available) as decimal(38, 18)) as available_total,
        cast(sum(case
            when channelled.token_ready_at <= horizons.horizon_end_at
                then channelled.available
            else 0
        end) as decimal(38, 18)) as spendable_units,
        cast(sum(case
            when channelled.usd_ready_at <= horizons.horizon_end_at
                then channelled.available
            else 0
        end) as decimal(38, 18)) as redeemable_usd

    from channelled

    inner join horizons
        on channelled.as_of_date = horizons.as_of_date

    group by
        channelled.as_of_date,
        channelled.entity,
        channelled.ownership,
        horizons.horizon,
        horizons.horizon_end_at

),

final as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(entity as string) as entity,
        cast(ownership as string) as ownership,
        cast(horizon as string) as horizon,
        horizon_end_at,
        cast(available_total as decimal(38, 18)) as available_total,
        cast(spendable_units as decimal(38, 18)) as spendable_units,
        cast({{ ratio_half_even('spendable_units', 'available_total') }} as decimal(38, 18))
            as spendable_share,
        cast(redeemable_usd as decimal(38, 18)) as redeemable_usd

    from measured

)

select * from final
