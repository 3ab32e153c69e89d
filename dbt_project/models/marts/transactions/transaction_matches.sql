{#-
    The operations view behind the balance view: every off-chain record of an on-chain
    movement (ledger entries, exchange entries, custodian movements) with the Transfer it was
    matched to, and every Transfer a source has no record of, with the match rule, the status
    and the age (int_reconciliation__transaction_matches). The other side of the transfer is
    named from the registry or the counterparty allow-list.
    Grain: side × source × network × location_id × record (entry id, or tx hash and log index).
-#}

with

matches as (

    select * from {{ ref('int_reconciliation__transaction_matches') }}

),

counterparties as (

    select * from {{ ref('stg_registry__counterparties') }}

),

wallets as (

    select * from {{ ref('stg_registry__wallets') }}

),

accounts as (

    select * from {{ ref('stg_registry__accounts') }}
    where account_kind in ('custodian', 'exchange') and address is not null

),

final as (

    select
        cast(matches.side as string) as side,
        cast(matches.source as string) as source,
        cast(matches.network as string) as network,
        cast(matches.location_type as string) as location_type,
        cast(matches.location_id as string) as location_id,
        cast(matches.source_account_id as string) as source_account_id,
        cast(matches.entry_id as string) as entry_id,
        cast(matches.movement_type as string) as movement_type,
        matches.recorded_at,
        cast(matches.amount as decimal(38, 18)) as amount,
        cast(matches.tx_hash as string) as tx_hash,
        cast(matches.matched_tx_hash as string) as matched_tx_hash,
        cast(matches.matched_log_index as integer) as matched_log_index,
        cast(matches.matched_block_number as bigint) as matched_block_number,
        matches.matched_block_time,
        cast(matches.matched_is_final as boolean) as matched_is_final,
        cast(matches.counterparty_address as string) as counterparty_address,
        cast(
            coalesce(
                counterparties.counterparty_name, wallets.wallet_label, accounts.account_id
            ) as string
        ) as counterparty_name,
        cast(
            coalesce(
                counterparties.counterparty_kind,
                case
                    when wallets.address is not null then 'own_wallet'
                    when accounts.address is not null then 'own_account'
                    when matches.counterparty_address = '0x0000000000000000000000000000000000000000'
                        then 'zero_address'
                end
            ) as string
        ) as counterparty_kind,
        cast(matches.match_rule as string) as match_rule,
        cast(matches.status as string) as status,
        cast(matches.as_of_date as date) as as_of_date,
        cast(matches.age_days as integer) as age_days,
        cast(matches.window_hours as integer) as window_hours,
        cast(matches.is_past_window as boolean) as is_past_window,
        cast(matches.is_break_eligible as boolean) as is_break_eligible,
        cast(matches.is_past_window and matches.is_break_eligible as boolean) as is_break,
        cast(matches.match_description as string) as match_description

    from matches

    left join counterparties
        on
            matches.network = counterparties.network
            and matches.counterparty_address = counterparties.address

    left join wallets
        on
            matches.network = wallets.network
            and matches.counterparty_address = wallets.address

    left join accounts
        on
            matches.network = accounts.network
            and matches.counterparty_address = accounts.address

)

select * from final
