{#-
    Who really controls each registry wallet at the end of each local day (issue #19), from
    what the chain said at the day's check block (raw.onchain_wallet_control, read by
    ingestion/onchain/wallet_control.py): a single key (eoa), a Safe (its signers and threshold)
    or another contract.

    - change since the previous day: against the wallet's previous row (the previous day read);
      signers_added / signers_removed are the set differences of the signers (a wallet that
      becomes a Safe adds all of them), is_control_changed when the signers, the threshold or
      the kind changed. The first day read has no change.
    - shared signers: the other registry wallets of the same network and day that list one of
      this wallet's signers, or that are themselves one of its signers.
    - the registry's claim (wallets[].control) is compared with the chain: is_control_mismatch
      when a wallet claims a kind the chain does not show (a "safe" cold vault that is a single
      key). A wallet without a claim is never a mismatch.

    Only wallets of the registry are listed (the registry says which wallets are own).
-#}

with

controls as (

    select * from {{ ref('stg_onchain__wallet_controls') }}

),

signers as (

    select * from {{ ref('stg_onchain__wallet_signers') }}

),

wallets as (

    select * from {{ ref('stg_registry__wallets') }}

),

claims as (

    select * from {{ ref('stg_registry__wallet_control_claims') }}

),

-- each wallet-day with the wallet's previous row
sequenced as (

    select
        controls.*,
        lag(controls.block_date) over (
            partition by controls.chain_id, controls.address order by controls.block_date
        ) as previous_date,
        lag(controls.wallet_kind) over (
            partition by controls.chain_id, controls.address order by controls.block_date
        ) as previous_wallet_kind,
        lag(controls.signers) over (
            partition by controls.chain_id, controls.address order by controls.block_date
        ) as previous_signers,
        lag(controls.threshold) over (
            partition by controls.chain_id, controls.address order by controls.block_date
        ) as previous_threshold

    from controls

),

-- signers on the day and not on the previous day read
added as (

    select
        sequenced.chain_id,
        sequenced.address,
        sequenced.block_date,
        {{ ordered_string_agg('today.signer', "','", 'order by today.signer') }}
            as signers_added

    from sequenced

    inner join signers as today
        on
            sequenced.chain_id = today.chain_id
            and sequenced.address = today.address
            and sequenced.block_date = today.block_date

    left join signers as earlier
        on
            sequenced.chain_id = earlier.chain_id
            and sequenced.address = earlier.address
            and sequenced.previous_date = earlier.block_date
            and today.signer = earlier.signer

    where sequenced.previous_date is not null and earlier.signer is null
    group by sequenced.chain_id, sequenced.address, sequenced.block_date

),

-- signers on the previous day read and not on the day
removed as (

    select
        sequenced.chain_id,
        sequenced.address,
        sequenced.block_date,
        {{ ordered_string_agg('earlier.signer', "','", 'order by earlier.signer') }}
            as signers_removed

    from sequenced

    inner join signers as earlier
        on
            sequenced.chain_id = earlier.chain_id
            and sequenced.address = earlier.address
            and sequenced.previous_date = earlier.block_date

    left join signers as today
        on
            sequenced.chain_id = today.chain_id
            and sequenced.address = today.address
            and sequenced.block_date = today.block_date
            and earlier.signer = today.signer

    where today.signer is null
    group by sequenced.chain_id, sequenced.address, sequenced.block_date

),

-- other wallets sharing a signer: another Safe listing it, or the signer is a registry wallet
shared_pairs as (

    select
        mine.chain_id,
        mine.address,
        mine.block_date,
        other.address as other_address

    from signers as mine

    inner join signers as other
        on
            mine.chain_id = other.chain_id
            and mine.block_date = other.block_date
            and mine.signer = other.signer
            and mine.address <> other.address

    union

    select
        mine.chain_id,
        mine.address,
        mine.block_date,
        wallets.address as other_address

    from signers as mine

    inner join wallets
        on
            mine.network = wallets.network
            and mine.signer = wallets.address

),

shared as (

    select
        chain_id,
        address,
        block_date,
        {{ ordered_string_agg('other_address', "','", 'order by other_address') }}
            as shared_signer_wallets,
        count(*) as shared_signer_wallet_count

    from shared_pairs
    group by chain_id, address, block_date

),

compared as (

    select
        sequenced.block_date as as_of_date,
        wallets.entity,
        sequenced.network,
        sequenced.address as wallet_address,
        wallets.wallet_label,
        wallets.purpose,
        wallets.custody_provider,
        wallets.ownership,
        sequenced.wallet_kind,
        sequenced.signers,
        sequenced.signer_count,
        sequenced.threshold,
        shared.shared_signer_wallets,
        coalesce(shared.shared_signer_wallet_count, 0) as shared_signer_wallet_count,
        sequenced.previous_date as previous_as_of_date,
        sequenced.previous_wallet_kind,
        sequenced.previous_signers,
        sequenced.previous_threshold,
        added.signers_added,
        removed.signers_removed,
        (
            sequenced.previous_date is not null
            and sequenced.wallet_kind <> sequenced.previous_wallet_kind
        ) as is_kind_changed,
        (
            sequenced.previous_date is not null
            and coalesce(sequenced.threshold, -1) <> coalesce(sequenced.previous_threshold, -1)
        ) as is_threshold_changed,
        (added.signers_added is not null or removed.signers_removed is not null)
            as is_signers_changed,
        claims.claimed_control,
        (claims.claimed_control is not null and claims.claimed_control <> sequenced.wallet_kind)
            as is_control_mismatch,
        sequenced.code_hash,
        sequenced.block_number,
        sequenced.block_time,
        sequenced.is_final

    from sequenced

    inner join wallets
        on
            sequenced.network = wallets.network
            and sequenced.address = wallets.address

    left join claims
        on
            sequenced.network = claims.network
            and sequenced.address = claims.address

    left join added
        on
            sequenced.chain_id = added.chain_id
            and sequenced.address = added.address
            and sequenced.block_date = added.block_date

    left join removed
        on
            sequenced.chain_id = removed.chain_id
            and sequenced.address = removed.address
            and sequenced.block_date = removed.block_date

    left join shared
        on
            sequenced.chain_id = shared.chain_id
            and sequenced.address = shared.address
            and sequenced.block_date = shared.block_date

),

final as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(entity as string) as entity,
        cast(network as string) as network,
        cast(wallet_address as string) as wallet_address,
        cast(wallet_label as string) as wallet_label,
        cast(purpose as string) as purpose,
        cast(custody_provider as string) as custody_provider,
        cast(ownership as string) as ownership,
        cast(wallet_kind as string) as wallet_kind,
        cast(signers as string) as signers,
        cast(signer_count as integer) as signer_count,
        cast(threshold as bigint) as threshold,
        cast(shared_signer_wallets as string) as shared_signer_wallets,
        cast(shared_signer_wallet_count as bigint) as shared_signer_wallet_count,
        cast(previous_as_of_date as date) as previous_as_of_date,
        cast(previous_wallet_kind as string) as previous_wallet_kind,
        cast(previous_signers as string) as previous_signers,
        cast(previous_threshold as bigint) as previous_threshold,
        cast(signers_added as string) as signers_added,
        cast(signers_removed as string) as signers_removed,
        cast(is_kind_changed as boolean) as is_kind_changed,
        cast(is_threshold_changed as boolean) as is_threshold_changed,
        cast(is_signers_changed as boolean) as is_signers_changed,
        cast(is_kind_changed or is_threshold_changed or is_signers_changed as boolean)
            as is_control_changed,
        cast(wallet_kind = 'safe' and threshold <= 1 as boolean) as is_single_signer_safe,
        cast(claimed_control as string) as claimed_control,
        cast(is_control_mismatch as boolean) as is_control_mismatch,
        cast(code_hash as string) as code_hash,
        cast(block_number as bigint) as check_block_number,
        block_time as check_block_at,
        cast(is_final as boolean) as is_final

    from compared

)

select * from final
