{{
    config(
        materialized=cut_materialization(),
        incremental_strategy=cut_incremental_strategy(),
        partition_by=cut_partition_by(['as_of_date']),
        file_format=cut_file_format(),
        on_schema_change='append_new_columns',
        pre_hook="{{ mart_delete_from_cut('as_of_date') }}",
        post_hook="{{ mart_record_watermark() }}",
    )
}}
-- depends_on: {{ ref('int_inventory__mart_cuts') }}
{%- set cut = mart_cut_date() %}
{#
    Concentration: each entity's exposure per location, custody provider and network against
    the configured limits (risk.concentration_limits). Grain: as_of_date × entity × dimension
    × dimension_value.

    - exposure (balance): the final balances of inventory_daily summed per dimension value,
      over networks (a location_id on two networks is one key-holder's exposure) and any
      location type; total_balance is the entity's total that day.
    - share = balance / total_balance, exact half-even to 18 decimals (ratio_half_even); 0 when
      the total is 0.
    - the rule: the most specific matching rule, in this order: entity + value, value, entity
      default, dimension default; ties by position in the configuration.
    - limit_amount: the cap in token units: max_share × total_balance floored to 18 decimals
      (share_of_amount_floor), max_amount, or the lower of the two when both are set.
      status 'breach' when balance > limit_amount (exact), 'within_limit' otherwise,
      'no_limit' when no rule matches; headroom = limit_amount − balance (negative in breach).

    Incremental (macros/mart_cuts.sql): the days from the cut day of int_inventory__mart_cuts
    on are deleted and computed again from those days of inventory_daily only. A day's rows
    depend only on that day's inventory and the limits (a limits change rebuilds everything).
-#}

with

inventory as (

    select * from {{ ref('inventory_daily') }}
    where
        {{ mart_in_cut('as_of_date', cut) }}
        -- exposure is what is known to be held: an unanchored exchange account (balance
        -- null) and a source's negative figure (a break on its account) count for nothing
        and balance >= 0

),

limits as (

    select * from {{ ref('stg_registry__concentration_limits') }}

),

entity_totals as (

    select
        as_of_date,
        entity,
        cast(sum(balance) as decimal(38, 18)) as total_balance

    from inventory
    group by as_of_date, entity

),

by_location as (

    select
        as_of_date,
        entity,
        'location' as dimension,
        location_id as dimension_value,
        min(location_type) as location_type,
        cast(sum(balance) as decimal(38, 18)) as balance

    from inventory
    group by as_of_date, entity, location_id

),

by_custody_provider as (

    select
        as_of_date,
        entity,
        'custody_provider' as dimension,
        coalesce(custody_provider, 'unknown') as dimension_value,
        cast(null as string) as location_type,
        cast(sum(balance) as decimal(38, 18)) as balance

    from inventory
    group by as_of_date, entity, coalesce(custody_provider, 'unknown')

),

by_network as (

    select
        as_of_date,
        entity,
        'network' as dimension,
        network as dimension_value,
        cast(null as string) as location_type,
        cast(sum(balance) as decimal(38, 18)) as balance

    from inventory
    group by as_of_date, entity, network

),

exposures as (

    select * from by_location
    union all
    select * from by_custody_provider
    union all
    select * from by_network

),

matched_rules as (

    select
        exposures.as_of_date,
        exposures.entity,
        exposures.dimension,
        exposures.dimension_value,
        limits.max_share,
        limits.max_amount,
        limits.limit_source,
        row_number() over (
            partition by
                exposures.as_of_date,
                exposures.entity,
                exposures.dimension,
                exposures.dimension_value
            order by
                case when limits.dimension_value is null then 2 else 0 end
                + case when limits.entity is null then 1 else 0 end,
                limits.rule_index
        ) as precedence

    from exposures

    inner join limits
        on
            exposures.dimension = limits.dimension
            and (
                limits.dimension_value is null
                or exposures.dimension_value = limits.dimension_value
            )
            and (limits.entity is null or exposures.entity = limits.entity)

),

measured as (

    select
        exposures.as_of_date,
        exposures.entity,
        exposures.dimension,
        exposures.dimension_value,
        exposures.location_type,
        exposures.balance,
        entity_totals.total_balance,
        coalesce(
            {{ ratio_half_even('exposures.balance', 'entity_totals.total_balance') }},
            cast(0 as decimal(38, 18))
        ) as share,
        matched_rules.max_share as limit_share,
        {{ share_of_amount_floor('matched_rules.max_share', 'entity_totals.total_balance') }}
            as share_cap_amount,
        matched_rules.max_amount,
        matched_rules.limit_source

    from exposures

    inner join entity_totals
        on
            exposures.as_of_date = entity_totals.as_of_date
            and exposures.entity = entity_totals.entity

    left join matched_rules
        on
            exposures.as_of_date = matched_rules.as_of_date
            and exposures.entity = matched_rules.entity
            and exposures.dimension = matched_rules.dimension
            and exposures.dimension_value = matched_rules.dimension_value
            and matched_rules.precedence = 1

),

capped as (

    select
        *,
        case
            when share_cap_amount is not null and max_amount is not null
                then least(share_cap_amount, max_amount)
            else coalesce(share_cap_amount, max_amount)
        end as limit_amount

    from measured

),

final as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(entity as string) as entity,
        cast(dimension as string) as dimension,
        cast(dimension_value as string) as dimension_value,
        cast(location_type as string) as location_type,
        cast(balance as decimal(38, 18)) as balance,
        cast(total_balance as decimal(38, 18)) as total_balance,
        cast(share as decimal(38, 18)) as share,
        cast(limit_share as decimal(38, 18)) as limit_share,
        cast(limit_amount as decimal(38, 18)) as limit_amount,
        cast(limit_source as string) as limit_source,
        cast(limit_amount - balance as decimal(38, 18)) as headroom,
        cast(case
            when limit_amount is null then 'no_limit'
            when balance > limit_amount then 'breach'
            else 'within_limit'
        end as string) as status

    from capped

)

select * from final
