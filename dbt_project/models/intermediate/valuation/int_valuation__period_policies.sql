{#-
    The measurement basis of each entity × priced asset for each period: the configured policy
    (valuation.policies) with the latest effective_date on or before the period's as-of day, so
    a policy change applies from its date. Without a policy the basis is fair_value.
-#}

with

period_ends as (

    select * from {{ ref('int_valuation__period_ends') }}

),

entities as (

    select * from {{ ref('stg_registry__entities') }}

),

-- the registry's tokens and the priced assets
assets as (

    select token_symbol as asset from {{ ref('stg_registry__networks') }}
    union
    select asset from {{ ref('stg_prices__price_sources') }}

),

policies as (

    select * from {{ ref('stg_prices__valuation_policies') }}

),

grid as (

    select
        period_ends.period,
        period_ends.as_of_date,
        entities.entity,
        assets.asset

    from period_ends

    cross join entities

    cross join assets

),

ranked as (

    select
        grid.period,
        grid.entity,
        grid.asset,
        policies.measurement_basis,
        policies.effective_date,
        policies.policy_note,
        row_number() over (
            partition by grid.period, grid.entity, grid.asset
            order by policies.effective_date desc
        ) as recency

    from grid

    left join policies
        on
            grid.entity = policies.entity
            and grid.asset = policies.asset
            and grid.as_of_date >= policies.effective_date

),

final as (

    select
        period,
        entity,
        asset,
        coalesce(measurement_basis, 'fair_value') as measurement_basis,
        effective_date as policy_effective_date,
        coalesce(
            policy_note, 'No valuation policy configured: fair value (the default).'
        ) as policy_note

    from ranked
    where recency = 1

)

select * from final
