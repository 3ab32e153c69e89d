{#-
    The break register: one row per break, open and closed, with what a person needs to act.
    Grain: break_id (= comparison × network × location_id × opened_date).

    A break of a daily comparison (marts.reconciliation) is the run of its break rows that
    share a break_opened_date; one of statement continuity is a day a custodian or exchange
    balance jumped without movements (int_reconciliation__statement_continuity, the
    roll-forward's unexplained_change). break_id is derived from comparison, network, location
    and opened_date only, so a re-run or a full refresh gives the same id.

    The data's state: a daily break still disagrees while its last break day is the latest day
    compared for its location and comparison; otherwise it was cleared by data on the first
    compared day after it. A statement jump is never cleared by data.

    What people did (audit.break_events, `usd1inv breaks`) is applied in (recorded_at,
    event_id) order: the latest assign gives the owner, the latest note the last note, the
    latest event that sets a status the manual status. status:
    - resolved / written_off by hand, unless a hand resolution was followed by data that still
      disagreed on a later day than the one it was resolved on (then it is reopened);
    - else resolved, reason 'cleared by data on <day>', when the data cleared it;
    - else the manual investigating / explained / open, default open.
    age_days runs from opened_date to the day it closed (or the latest compared day while it is
    open); past max_break_age_days of its comparison it is overdue. usd1inv/breaks.py applies
    the same rules to events recorded after the build.
-#}

with

reconciliation as (

    select * from {{ ref('reconciliation') }}

),

continuity as (

    select * from {{ ref('int_reconciliation__statement_continuity') }}

),

settings as (

    select * from {{ ref('stg_registry__reconciliation_comparisons') }}

),

wallets as (

    select * from {{ ref('stg_registry__wallets') }}

),

accounts as (

    select * from {{ ref('stg_registry__accounts') }}

),

failures as (

    select * from {{ ref('stg_audit__expectation_failures') }}

),

events as (

    select * from {{ ref('stg_audit__break_events') }}

),

latest_days as (

    select
        network,
        location_id,
        comparison,
        max(as_of_date) as latest_date

    from reconciliation
    group by network, location_id, comparison

),

break_rows as (

    select
        *,
        row_number() over (
            partition by network, location_id, comparison, break_opened_date
            order by as_of_date desc
        ) as recency

    from reconciliation
    where status = 'break'

),

daily_runs as (

    select
        network,
        location_id,
        comparison,
        break_opened_date as opened_date,
        min(break_opened_at) as opened_at,
        max(as_of_date) as last_break_date

    from break_rows
    group by network, location_id, comparison, break_opened_date

),

-- the first compared day after a run's last break day: the data cleared it then
clearing_rows as (

    select
        daily_runs.network,
        daily_runs.location_id,
        daily_runs.comparison,
        daily_runs.opened_date,
        reconciliation.as_of_date as cleared_date,
        reconciliation.observed_at as cleared_at,
        row_number() over (
            partition by
                daily_runs.network, daily_runs.location_id, daily_runs.comparison,
                daily_runs.opened_date
            order by reconciliation.as_of_date
        ) as recency

    from daily_runs

    inner join reconciliation
        on
            daily_runs.network = reconciliation.network
            and daily_runs.location_id = reconciliation.location_id
            and daily_runs.comparison = reconciliation.comparison
            and daily_runs.last_break_date < reconciliation.as_of_date

),

daily_breaks as (

    select
        daily_runs.comparison,
        break_rows.entity,
        daily_runs.network,
        break_rows.location_type,
        daily_runs.location_id,
        daily_runs.opened_date,
        daily_runs.opened_at,
        daily_runs.last_break_date,
        latest_days.latest_date,
        clearing_rows.cleared_date,
        clearing_rows.cleared_at,
        break_rows.as_of_date as figures_date,
        break_rows.source_as_of_at,
        break_rows.left_source,
        break_rows.left_balance,
        break_rows.right_source,
        break_rows.right_balance,
        break_rows.difference,
        break_rows.explained_in_transit,
        break_rows.unexplained_difference,
        break_rows.tolerance,
        break_rows.in_transit_item_count,
        break_rows.in_transit_items

    from daily_runs

    inner join break_rows
        on
            daily_runs.network = break_rows.network
            and daily_runs.location_id = break_rows.location_id
            and daily_runs.comparison = break_rows.comparison
            and daily_runs.opened_date = break_rows.break_opened_date
            and break_rows.recency = 1

    inner join latest_days
        on
            daily_runs.network = latest_days.network
            and daily_runs.location_id = latest_days.location_id
            and daily_runs.comparison = latest_days.comparison

    left join clearing_rows
        on
            daily_runs.network = clearing_rows.network
            and daily_runs.location_id = clearing_rows.location_id
            and daily_runs.comparison = clearing_rows.comparison
            and daily_runs.opened_date = clearing_rows.opened_date
            and clearing_rows.recency = 1

),

continuity_breaks as (

    select
        comparison,
        entity,
        network,
        location_type,
        location_id,
        as_of_date as opened_date,
        source_as_of_at as opened_at,
        as_of_date as last_break_date,
        latest_date,
        cast(null as date) as cleared_date,
        case when false then source_as_of_at end as cleared_at,
        as_of_date as figures_date,
        source_as_of_at,
        left_source,
        left_balance,
        right_source,
        right_balance,
        difference,
        cast(0 as decimal(38, 18)) as explained_in_transit,
        difference as unexplained_difference,
        cast(0 as decimal(38, 18)) as tolerance,
        cast(0 as bigint) as in_transit_item_count,
        cast(null as string) as in_transit_items

    from continuity

),

breaks as (

    select * from daily_breaks
    union all
    select * from continuity_breaks

),

identified as (

    select
        'BRK-' || substr(md5(
            comparison || '|' || network || '|' || location_id || '|'
            || cast(opened_date as string)
        ), 1, 12) as break_id,
        *

    from breaks

),

ranked_events as (

    select
        *,
        row_number() over (
            partition by break_id, action = 'assign'
            order by recorded_at desc, event_id desc
        ) as assign_recency,
        row_number() over (
            partition by break_id, note is not null
            order by recorded_at desc, event_id desc
        ) as note_recency,
        row_number() over (
            partition by break_id, status is not null
            order by recorded_at desc, event_id desc
        ) as status_recency

    from events

),

event_facts as (

    select
        break_id,
        cast(count(*) as bigint) as event_count,
        max(recorded_at) as last_action_at,
        -- noqa: disable=RF04
        max(case when action = 'assign' and assign_recency = 1 then owner end) as owner,
        -- noqa: enable=RF04
        max(case when note is not null and note_recency = 1 then note end) as last_note,
        max(case when note is not null and note_recency = 1 then actor end) as last_note_by,
        max(case when note is not null and note_recency = 1 then recorded_at end)
            as last_note_at,
        max(case when status is not null and status_recency = 1 then status end)
            as manual_status,
        max(case when status is not null and status_recency = 1 then reason end)
            as manual_reason,
        max(case when status is not null and status_recency = 1 then actor end) as manual_by,
        max(case when status is not null and status_recency = 1 then recorded_at end)
            as manual_at

    from ranked_events
    group by break_id

),

with_events as (

    select
        identified.*,
        coalesce(event_facts.event_count, cast(0 as bigint)) as event_count,
        event_facts.last_action_at,
        event_facts.owner,
        event_facts.last_note,
        event_facts.last_note_by,
        event_facts.last_note_at,
        event_facts.manual_status,
        event_facts.manual_reason,
        event_facts.manual_by,
        event_facts.manual_at,
        {{ to_local_date('event_facts.manual_at') }} as manual_date,
        cast(coalesce(settings.max_break_age_days, 3) as integer) as max_break_age_days

    from identified

    left join event_facts
        on identified.break_id = event_facts.break_id

    left join settings
        on identified.comparison = settings.comparison

),

reopened as (

    select
        *,
        coalesce(
            manual_status = 'resolved' and last_break_date > manual_date, false
        ) as is_reopened

    from with_events

),

statused as (

    select
        *,
        case
            when manual_status in ('resolved', 'written_off') and not is_reopened
                then manual_status
            when cleared_date is not null then 'resolved'
            when manual_status in ('investigating', 'explained') then manual_status
            else 'open'
        end as status,
        case
            when manual_status in ('resolved', 'written_off') and not is_reopened then 'hand'
            when cleared_date is not null then 'data'
        end as closed_by

    from reopened

),

resolved as (

    select
        *,
        case
            when closed_by = 'hand' then manual_reason
            when closed_by = 'data' then 'cleared by data on ' || cast(cleared_date as string)
        end as resolution_reason,
        case
            when closed_by = 'hand' then manual_at
            when closed_by = 'data' then cleared_at
        end as resolved_at,
        case
            when closed_by = 'hand' then manual_by
            when closed_by = 'data' then 'data'
        end as resolved_by,
        case
            when closed_by = 'hand' then manual_date
            when closed_by = 'data' then cleared_date
        end as closed_date

    from statused

),

aged as (

    select
        *,
        {{ days_between(
            'opened_date',
            'case when closed_date is not null and closed_date < latest_date'
            ~ ' then closed_date else latest_date end'
        ) }} as age_days

    from resolved

),

described as (

    select
        aged.*,
        coalesce(wallets.wallet_label, accounts.account_id, aged.location_id) as location_label,
        coalesce(wallets.custody_provider, accounts.provider, 'self') as custody_provider,
        coalesce(wallets.ownership, accounts.ownership) as ownership,
        case aged.left_source
            when 'custodian_statement' then coalesce(accounts.provider, 'custodian') || ' statement'
            when 'exchange_export' then coalesce(accounts.provider, 'exchange') || ' export'
            when 'onchain_transfers' then 'on-chain transfers'
            when 'onchain_balance_of' then 'on-chain balanceOf'
            else aged.left_source
        end as left_label,
        case aged.right_source
            when 'custodian_statement' then coalesce(accounts.provider, 'custodian') || ' statement'
            when 'exchange_export' then coalesce(accounts.provider, 'exchange') || ' export'
            when 'onchain_transfers' then 'on-chain transfers'
            when 'onchain_balance_of' then 'on-chain balanceOf'
            when 'previous_balance_and_movements' then 'the previous balance and movements'
            else aged.right_source
        end as right_label

    from aged

    left join wallets
        on
            aged.location_type in ('wallet', 'contract')
            and aged.network = wallets.network
            and aged.location_id = wallets.address

    left join accounts
        on
            aged.location_type in ('custodian', 'exchange')
            and aged.location_id = accounts.account_id

),

named_failures as (

    select
        described.break_id,
        failures.suite,
        failures.expectation,
        failures.expectation_description,
        min(failures.checked_at) over (partition by described.break_id) as first_flagged_at,
        row_number() over (
            partition by described.break_id
            order by failures.suite asc, failures.expectation asc, failures.checked_at asc
        ) as recency

    from described

    inner join failures
        on
            {{ json_text('failures.keys_json', "$.network") }} = described.network
            and {{ json_text('failures.keys_json', "$.location_id") }} = described.location_id
            and {{ json_text('failures.keys_json', "$.comparison") }} = described.comparison
            and cast({{ json_text('failures.keys_json', "$.as_of_date") }} as date)
            between described.opened_date and described.last_break_date

),

final as (

    select
        cast(described.break_id as string) as break_id,
        cast(described.comparison as string) as comparison,
        cast(described.entity as string) as entity,
        cast(described.network as string) as network,
        cast(described.location_type as string) as location_type,
        cast(described.location_id as string) as location_id,
        cast(described.location_label as string) as location_label,
        cast(described.custody_provider as string) as custody_provider,
        cast(described.ownership as string) as ownership,
        cast(described.status as string) as status,
        cast(described.status in ('open', 'investigating', 'explained') as boolean) as is_open,
        cast(described.owner as string) as owner,  -- noqa: RF04
        cast(described.opened_date as date) as opened_date,
        described.opened_at,
        cast(described.last_break_date as date) as last_break_date,
        cast(described.latest_date as date) as as_of_date,
        cast(described.cleared_date as date) as cleared_date,
        described.cleared_at,
        cast(described.closed_date as date) as closed_date,
        cast(described.age_days as integer) as age_days,
        cast(
            case
                when described.age_days <= 1 then '0-1'
                when described.age_days <= 7 then '2-7'
                when described.age_days <= 30 then '8-30'
                else '>30'
            end as string
        ) as age_bucket,
        cast(described.max_break_age_days as integer) as max_break_age_days,
        {{ add_days('described.opened_date', 'described.max_break_age_days') }} as sla_due_date,
        cast(
            case
                when described.age_days > described.max_break_age_days then 'overdue'
                else 'within_sla'
            end as string
        ) as sla_status,
        cast(described.age_days > described.max_break_age_days as boolean) as is_overdue,
        cast(described.is_reopened as boolean) as is_reopened,
        cast(described.resolution_reason as string) as resolution_reason,
        described.resolved_at,
        cast(described.resolved_by as string) as resolved_by,
        cast(described.last_note as string) as last_note,
        cast(described.last_note_by as string) as last_note_by,
        described.last_note_at,
        described.last_action_at,
        cast(described.event_count as bigint) as event_count,
        cast(described.figures_date as date) as figures_date,
        described.source_as_of_at,
        cast(described.left_source as string) as left_source,
        cast(described.left_balance as decimal(38, 18)) as left_balance,
        cast(described.right_source as string) as right_source,
        cast(described.right_balance as decimal(38, 18)) as right_balance,
        cast(described.difference as decimal(38, 18)) as difference,
        cast(described.explained_in_transit as decimal(38, 18)) as explained_in_transit,
        cast(described.unexplained_difference as decimal(38, 18)) as unexplained_difference,
        cast(described.tolerance as decimal(38, 18)) as tolerance,
        cast(described.in_transit_item_count as bigint) as in_transit_item_count,
        cast(described.in_transit_items as string) as in_transit_items,
        cast(
            described.left_label || ' ' || cast(described.figures_date as string) || ' shows '
            || {{ decimal_text('described.left_balance') }} || ', '
            || described.right_label || ' shows '
            || {{ decimal_text('described.right_balance') }}
            || ': difference ' || {{ decimal_text('described.difference') }}
            || case
                when described.in_transit_item_count = 0
                    then '; no in-transit item explains it'
                else
                    '; ' || cast(described.in_transit_item_count as string)
                    || ' in-transit item(s) explain '
                    || {{ decimal_text('described.explained_in_transit') }}
                    || ', unexplained ' || {{ decimal_text('described.unexplained_difference') }}
            end
            || ' (tolerance ' || {{ decimal_text('described.tolerance') }}
            || '); opened ' || cast(described.opened_date as string)
            || ', ' || cast(described.age_days as string) || ' day(s)'
            as string
        ) as description,
        named_failures.first_flagged_at,
        cast(named_failures.suite as string) as latest_failure_suite,
        cast(named_failures.expectation as string) as latest_failure_expectation,
        cast(named_failures.expectation_description as string) as latest_failure_description

    from described

    left join named_failures
        on
            described.break_id = named_failures.break_id
            and named_failures.recency = 1

)

select * from final
