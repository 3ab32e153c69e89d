{#-
    The in-transit items of the reconciliations with the time each spent in flight. Grain: one
    movement of int_reconciliation__in_transit_matches (an off-chain booking and the on-chain
    transfer it is: initiated_at, settled_at, match_method).

    An item is in flight from the first of its two records to the second: from initiated_at
    (booked) to settled_at (on chain, final) or, for a deposit seen on chain before the source
    booked it, from settled_at to initiated_at. in_flight_until_at is null while the second
    record is missing (a pending or unmatched item). latency_seconds = whole seconds in flight.
    Dates are local days (reporting time zone).
-#}

with

matches as (

    select * from {{ ref('int_reconciliation__in_transit_matches') }}

),

spans as (

    select
        initiated_at,
        settled_at,
        match_method,
        case
            when settled_at is not null and settled_at < initiated_at then settled_at
            else initiated_at
        end as in_flight_from_at,
        case
            when settled_at is not null and settled_at < initiated_at then initiated_at
            else settled_at
        end as in_flight_until_at

    from matches
    where initiated_at is not null

),

final as (

    select
        initiated_at,
        settled_at,
        cast(match_method as string) as match_method,
        in_flight_from_at,
        in_flight_until_at,
        {{ to_local_date('in_flight_from_at') }} as in_flight_from_date,
        {{ to_local_date('in_flight_until_at') }} as in_flight_until_date,
        case
            when in_flight_until_at is not null
                then {{ seconds_between('in_flight_from_at', 'in_flight_until_at') }}
        end as latency_seconds

    from spans

)

select * from final
