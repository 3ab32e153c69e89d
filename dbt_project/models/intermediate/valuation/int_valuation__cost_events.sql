{{
    config(
        materialized=cut_materialization(),
        incremental_strategy=cut_incremental_strategy(),
        partition_by=cut_partition_by(['event_date']),
        file_format=cut_file_format(),
        on_schema_change='append_new_columns',
        pre_hook="{{ mart_delete_from_cut('event_date') }}",
        post_hook="{{ mart_record_watermark() }}",
    )
}}
-- depends_on: {{ ref('int_inventory__mart_cuts') }}
{%- set cut = mart_cut_date() %}
{#
    The events that change an entity's operating cost pool of a priced asset (USD1), in the
    pool's scope: the entity's operating registry wallets and its exchange accounts. Grain:
    entity × asset × event_ref.

    - acquisition: a mint into an operating wallet (at par, 1.000000 USD per unit, the
      issuer's price); any other inflow into an operating wallet from outside the pool (an
      external sender, a client wallet, another entity, a custodian until custodian locations
      join) at the price of the day (int_valuation__daily_prices: the principal market's last
      price at or before the end of the local day; at par, 1.000000, when no price of the
      asset exists on or before that day, said by cost_price_basis = 'par_no_price'); a purchase of the token for USD on an
      exchange at the USD paid (amount plus fee).
    - disposal: a burn or an outflow of an operating wallet to outside the pool; its cost leaves
      the pool at the average cost, no gain is realised (payments, redemptions).
    - conversion: a sale of the token for USD on an exchange (USD1 -> USD); its proceeds (USD
      received net of fee) against the average cost of the units sold is the realised gain.

    Transfers between a wallet and the entity's own exchange account, and between its own
    operating wallets, stay inside the pool and are not events. Only final movements count.

    Incremental (macros/mart_cuts.sql): the events dated from the cut day of
    int_inventory__mart_cuts on are deleted and derived again; an event depends only on its
    movement or exchange trade, the registry and the day's price, all covered by the cut.
-#}

with

movements as (

    select * from {{ ref('int_inventory__wallet_movements') }}
    where is_final and {{ mart_in_cut('block_date', cut) }}

),

wallets as (

    select * from {{ ref('stg_registry__wallets') }}

),

networks as (

    select * from {{ ref('stg_registry__networks') }}

),

exchange_accounts as (

    select * from {{ ref('stg_exchange__accounts') }}

),

exchange_entries as (

    select * from {{ ref('stg_exchange__entries') }}
    where is_final and entry_type = 'trade'

),

daily_prices as (

    select * from {{ ref('int_valuation__daily_prices') }}

),

priced_assets as (

    select distinct asset from {{ ref('stg_prices__price_sources') }}

),

wallet_events as (

    select
        wallets.entity,
        networks.token_symbol as asset,
        movements.block_time as event_at,
        movements.block_date as event_date,
        case
            when movements.direction = 'in' then 'acquisition'
            else 'disposal'
        end as event_kind,
        movements.amount as quantity,
        case
            when movements.movement_type = 'mint'
                then {{ round_usd('movements.amount * cast(1 as decimal(38, 6))') }}
            when movements.direction = 'in'
                then {{ round_usd(
                    'cast(movements.amount as decimal(38, 12))'
                    ~ ' * coalesce(daily_prices.price_usd, cast(1 as decimal(38, 6)))'
                ) }}
        end as cost_usd,
        case
            when movements.movement_type = 'mint' then 'issuer_par'
            when movements.direction = 'out' then null
            when daily_prices.price_usd is not null then 'market'
            else 'par_no_price'
        end as cost_price_basis,
        cast(null as decimal(38, 6)) as proceeds_usd,
        'wallet' as event_source,
        movements.network || ':' || movements.tx_hash || ':'
        || cast(movements.log_index as string) || ':' || movements.direction as event_ref

    from movements

    inner join wallets
        on
            movements.network = wallets.network
            and movements.address = wallets.address

    inner join networks
        on movements.network = networks.network

    left join wallets as counterparty
        on
            movements.network = counterparty.network
            and movements.counterparty_address = counterparty.address

    left join exchange_accounts as own_exchange
        on
            movements.counterparty_address = own_exchange.deposit_address
            and wallets.entity = own_exchange.entity
            and own_exchange.ownership = 'operating'

    left join daily_prices
        on
            networks.token_symbol = daily_prices.asset
            and movements.block_date = daily_prices.as_of_date

    where
        wallets.ownership = 'operating'
        and own_exchange.account_id is null
        and not (
            counterparty.address is not null
            and counterparty.entity = wallets.entity
            and counterparty.ownership = 'operating'
        )

),

trades as (

    select
        exchange_accounts.entity,
        priced_assets.asset,
        exchange_entries.venue,
        exchange_entries.account_id,
        exchange_entries.ref_id,
        min(exchange_entries.occurred_at) as event_at,
        cast(sum(case
            when exchange_entries.asset = priced_assets.asset then exchange_entries.amount
            else cast(0 as decimal(38, 18))
        end) as decimal(38, 18)) as token_amount,
        cast(sum(case
            when exchange_entries.fee_asset = priced_assets.asset then exchange_entries.fee
            else cast(0 as decimal(38, 18))
        end) as decimal(38, 18)) as token_fee,
        cast(sum(case
            when exchange_entries.asset = 'USD' then exchange_entries.amount
            else cast(0 as decimal(38, 18))
        end) as decimal(38, 18)) as usd_amount,
        cast(sum(case
            when exchange_entries.fee_asset = 'USD' then exchange_entries.fee
            else cast(0 as decimal(38, 18))
        end) as decimal(38, 18)) as usd_fee,
        sum(case when exchange_entries.asset = 'USD' then 1 else 0 end) as usd_legs

    from exchange_entries

    inner join exchange_accounts
        on exchange_entries.account_id = exchange_accounts.account_id

    cross join priced_assets

    where exchange_accounts.ownership = 'operating'

    group by
        exchange_accounts.entity,
        priced_assets.asset,
        exchange_entries.venue,
        exchange_entries.account_id,
        exchange_entries.ref_id

),

exchange_events as (

    select
        entity,
        asset,
        event_at,
        {{ to_local_date('event_at') }} as event_date,
        case when token_amount < 0 then 'conversion' else 'acquisition' end as event_kind,
        cast(case
            when token_amount < 0 then -token_amount + token_fee
            else token_amount - token_fee
        end as decimal(38, 18)) as quantity,
        case
            when token_amount > 0 then {{ round_usd('-usd_amount + usd_fee') }}
        end as cost_usd,
        case when token_amount > 0 then 'paid' end as cost_price_basis,
        case
            when token_amount < 0 then {{ round_usd('usd_amount - usd_fee') }}
        end as proceeds_usd,
        'exchange' as event_source,
        venue || ':' || account_id || ':' || ref_id as event_ref

    from trades
    -- a trade of the token against USD (both legs present)
    where
        token_amount <> 0 and usd_legs > 0
        and {{ mart_in_cut(to_local_date('event_at'), cut) }}

),

final as (

    select * from wallet_events
    union all
    select * from exchange_events

)

select * from final
