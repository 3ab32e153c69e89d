{#-
    Client segregation, daily: client-owned holdings against client liabilities in the ledger.
    Grain: as_of_date × entity × network. Holdings are the final balances of client-owned
    locations in inventory_daily; liabilities are the cumulative client ledger entries posted
    on or before the day (local time). coverage_ratio = holdings / liabilities (exact, half-even
    to 12 decimals; null when there are no liabilities); shortfall = liabilities - holdings when
    positive, else 0.
-#}

with

inventory as (

    select * from {{ ref('inventory_daily') }}
    -- an unanchored exchange account's balance is not known (null): it covers nothing
    where balance is not null

),

ledger as (

    select * from {{ ref('stg_ledger__entries') }}

),

client_holdings as (

    select
        as_of_date,
        entity,
        network,
        cast(sum(case when ownership = 'client' then balance else 0 end) as decimal(38, 18))
            as client_holdings,
        cast(sum(case when ownership = 'client' then 1 else 0 end) as bigint)
            as client_locations

    from inventory
    group by as_of_date, entity, network

),

client_entries as (

    select
        entity,
        network,
        posted_date,
        cast(sum(amount) as decimal(38, 18)) as day_amount

    from ledger
    where owner_type = 'client'
    group by entity, network, posted_date

),

liabilities as (

    select
        client_holdings.as_of_date,
        client_holdings.entity,
        client_holdings.network,
        cast(coalesce(sum(client_entries.day_amount), 0) as decimal(38, 18))
            as client_liabilities

    from client_holdings

    left join client_entries
        on
            client_holdings.entity = client_entries.entity
            and client_holdings.network = client_entries.network
            and client_holdings.as_of_date >= client_entries.posted_date

    group by client_holdings.as_of_date, client_holdings.entity, client_holdings.network

),

final as (

    select
        client_holdings.as_of_date,
        client_holdings.entity,
        client_holdings.network,
        client_holdings.client_locations,
        client_holdings.client_holdings,
        liabilities.client_liabilities,
        case
            when liabilities.client_liabilities > 0
                then {{ divide_half_even(
                    'client_holdings.client_holdings', 'liabilities.client_liabilities'
                ) }}
        end as coverage_ratio,
        cast(
            greatest(
                liabilities.client_liabilities - client_holdings.client_holdings,
                cast(0 as decimal(38, 18))
            ) as decimal(38, 18)
        ) as shortfall,
        client_holdings.client_holdings >= liabilities.client_liabilities as is_covered

    from client_holdings

    inner join liabilities
        on
            client_holdings.as_of_date = liabilities.as_of_date
            and client_holdings.entity = liabilities.entity
            and client_holdings.network = liabilities.network

)

select * from final
