{#-
    The USD price of each priced asset at the end of each local day that valuation needs (the
    shown days, which hold every period's as-of day, and every day with a wallet movement).

    The pick: among the configured sources of the asset (stg_prices__price_sources, priority 1 =
    the principal market), the first source in priority order that has any price at or before
    the end of the local day, and its last such price. A later source is used only when every
    earlier one has none. "At or before the end of the local day" = the price's timestamp,
    seen in the reporting time zone, falls on that day or before it.
-#}

with

positions as (

    select * from {{ ref('int_inventory__wallet_daily_positions') }}

),

movements as (

    select * from {{ ref('int_inventory__wallet_movements') }}

),

prices as (

    select * from {{ ref('stg_prices__prices') }}

),

price_sources as (

    select * from {{ ref('stg_prices__price_sources') }}

),

valuation_days as (

    select distinct as_of_date from positions
    union
    select distinct block_date as as_of_date from movements

),

candidates as (

    select
        valuation_days.as_of_date,
        price_sources.asset,
        price_sources.price_source,
        price_sources.priority,
        prices.price_usd,
        prices.price_at,
        prices.price_convention,
        row_number() over (
            partition by valuation_days.as_of_date, price_sources.asset
            order by price_sources.priority asc, prices.price_at desc
        ) as pick

    from valuation_days

    cross join price_sources

    inner join prices
        on
            price_sources.price_source = prices.price_source
            and price_sources.asset = prices.asset
            and {{ to_local_date('prices.price_at') }} <= valuation_days.as_of_date

),

final as (

    select
        as_of_date,
        asset,
        price_usd,
        price_source,
        price_at as price_observed_at,
        price_convention,
        priority = 1 as is_principal_source

    from candidates
    where pick = 1

)

select * from final
