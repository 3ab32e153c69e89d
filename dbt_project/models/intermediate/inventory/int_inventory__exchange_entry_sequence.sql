{#-
    The final exchange entries of each account's network token in the order the venue booked
    them: by time, then, for entries of the same time, by their order in the file (a file
    written newest first - its first row later than its last - is read backwards), then by
    the file (drop time, sha256). cumulative_net is the sum of net_amount (amount less a fee in
    the same asset) through the entry in that order: a running balance minus it is the
    account's offset, the same for every entry of a chain that adds up.
    Grain: account_id × entry_id.
-#}

with

accounts as (

    select * from {{ ref('stg_registry__accounts') }}
    where account_kind = 'exchange'

),

networks as (

    select * from {{ ref('stg_registry__networks') }}

),

current_files as (

    select * from {{ ref('stg_file_loads__current_files') }}

),

token_entries as (

    select
        entries.account_id,
        accounts.network,
        entries.entry_id,
        entries.occurred_at,
        {{ to_local_date('entries.occurred_at') }} as occurred_date,
        cast(
            entries.amount
            - case
                when coalesce(entries.fee_asset, entries.asset) = entries.asset then entries.fee
                else cast(0 as decimal(38, 18))
            end
            as decimal(38, 18)
        ) as net_amount,
        entries.balance,
        entries.file_sha256,
        entries.file_row_number

    from {{ ref('stg_exchange__entries') }} as entries

    inner join accounts
        on entries.account_id = accounts.account_id

    inner join networks
        on
            coalesce(entries.network, accounts.network) = networks.network
            and entries.asset = networks.token_symbol

    where entries.is_final

),

-- per file: its first and last data row's times say whether it is written oldest first
file_ends as (

    select
        file_sha256,
        min(file_row_number) as first_row_number,
        max(file_row_number) as last_row_number

    from token_entries
    group by file_sha256

),

file_orders as (

    select
        file_ends.file_sha256,
        case
            when first_rows.occurred_at > last_rows.occurred_at then -1 else 1
        end as row_direction

    from file_ends

    inner join token_entries as first_rows
        on
            file_ends.file_sha256 = first_rows.file_sha256
            and file_ends.first_row_number = first_rows.file_row_number

    inner join token_entries as last_rows
        on
            file_ends.file_sha256 = last_rows.file_sha256
            and file_ends.last_row_number = last_rows.file_row_number

),

sequenced as (

    select
        token_entries.*,
        current_files.file_name,
        row_number() over (
            partition by token_entries.account_id
            order by
                token_entries.occurred_at,
                current_files.dropped_at,
                token_entries.file_sha256,
                token_entries.file_row_number * file_orders.row_direction
        ) as sequence_number

    from token_entries

    inner join current_files
        on token_entries.file_sha256 = current_files.sha256

    inner join file_orders
        on token_entries.file_sha256 = file_orders.file_sha256

),

final as (

    select
        account_id,
        network,
        entry_id,
        occurred_at,
        occurred_date,
        net_amount,
        balance,
        cast(sequence_number as bigint) as sequence_number,
        cast(sum(net_amount) over (
            partition by account_id
            order by sequence_number
            rows between unbounded preceding and current row
        ) as decimal(38, 18)) as cumulative_net,
        file_sha256,
        file_name,
        file_row_number

    from sequenced

)

select * from final
