{#-
    Which matched in-transit movements explain each comparison row, and by how much. A
    movement of the row's location and network, recorded by the left or the right side's
    off-chain source, explains part of the difference when it is in flight at the row's
    cut-off: booked by its source (initiated_at before the cut-off) but not yet final on chain
    (settled_at null or not before it), or final on chain but not yet booked. Its part is its
    signed amount, + when the left side holds it alone, − when the right side holds it alone
    (difference = left − right). Unmatched movements explain nothing.
    One row per comparison row with at least one such movement.
-#}

with

comparisons as (

    select * from {{ ref('int_reconciliation__comparisons') }}

),

matches as (

    select * from {{ ref('int_reconciliation__in_transit_matches') }}
    where match_method != 'unmatched'

),

in_flight as (

    select
        comparisons.comparison,
        comparisons.network,
        comparisons.location_id,
        comparisons.as_of_date,
        matches.source,
        matches.entry_id,
        matches.initiated_at,
        matches.settled_at,
        matches.match_method,
        matches.matched_tx_hash,
        matches.amount,
        case when matches.source = comparisons.left_item_source then 1 else -1 end
        * case when matches.initiated_at < comparisons.cutoff_at then 1 else -1 end
            as sign_factor

    from comparisons

    inner join matches
        on
            comparisons.network = matches.network
            and comparisons.location_id = matches.location_id
            and (
                comparisons.left_item_source = matches.source
                or comparisons.right_item_source = matches.source
            )

    where
        (matches.initiated_at < comparisons.cutoff_at)
        != (matches.settled_at is not null and matches.settled_at < comparisons.cutoff_at)

),

explained as (

    select
        comparison,
        network,
        location_id,
        as_of_date,
        cast(sum(sign_factor * amount) as decimal(38, 18)) as explained_in_transit,
        cast(count(*) as bigint) as in_transit_item_count,
        {{ ordered_string_agg(
            "source || ' ' || entry_id || ' ' || cast(amount as string) || ' initiated '"
            ~ " || " ~ utc_timestamp_text("initiated_at") ~ " || ', ' || case when settled_at is null"
            ~ " then 'not final on chain' else 'on chain ' || " ~ utc_timestamp_text("settled_at") ~ " end"
            ~ " || ' (' || match_method || ' ' || matched_tx_hash || ')'",
            "'; '",
            "order by initiated_at, source, entry_id"
        ) }} as in_transit_items

    from in_flight
    group by comparison, network, location_id, as_of_date

)

select * from explained
