"""The Dagster code location: the asset graph, its checks and partitions, as a snapshot.

An accidental rewiring (a dbt source no longer mapped to its ingestion asset, a lost check,
a partition change) shows up here in review.
"""

from __future__ import annotations

from dagster import AssetKey, DailyPartitionsDefinition, MultiPartitionsDefinition

from orchestration.defs.build import build_definitions
from tests.conftest import DEMO_CONFIG


def _graph():
    defs = build_definitions(DEMO_CONFIG)
    return defs, defs.resolve_asset_graph()


def test_asset_keys_and_lineage():
    _, graph = _graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {
        "raw/onchain_transfers",
        "raw/onchain_day_blocks",
        "raw/registry_entities",
        "raw/registry_networks",
        "raw/registry_wallets",
        "staging/stg_onchain__transfers",
        "intermediate/int_inventory__wallet_movements",
        "intermediate/int_inventory__wallet_daily_positions",
        "marts/inventory_daily",
    } <= keys
    # one graph: dbt sources are the ingestion assets, not separate external assets
    staging = graph.get(AssetKey(["staging", "stg_onchain__transfers"]))
    assert AssetKey(["raw", "onchain_transfers"]) in staging.parent_keys
    assert graph.get(AssetKey(["raw", "onchain_transfers"])).is_materializable


def test_great_expectations_check_blocks_on_the_mart():
    _, graph = _graph()
    check_keys = {c.to_user_string() for c in graph.asset_check_keys}
    assert "marts/inventory_daily:inventory_daily_integrity" in check_keys


def test_onchain_partitions_are_network_by_local_day():
    _, graph = _graph()
    for key in ("onchain_transfers", "onchain_day_blocks", "onchain_balances", "onchain_freezes"):
        partitions = graph.get(AssetKey(["raw", key])).partitions_def
        assert isinstance(partitions, MultiPartitionsDefinition)
        dims = {d.name: d.partitions_def for d in partitions.partitions_defs}
        days, networks = dims["date"], dims["network"]
        assert isinstance(days, DailyPartitionsDefinition)
        assert days.timezone == "America/New_York"
        assert days.start.strftime("%Y-%m-%d") == "2026-08-01"
        assert networks.get_partition_keys() == ["ethereum", "bnb"]
    # the dbt source of balances is the ingestion asset
    staging = graph.get(AssetKey(["staging", "stg_onchain__balances"]))
    assert AssetKey(["raw", "onchain_balances"]) in staging.parent_keys
    assert AssetKey(["marts", "reconciliation"]) in graph.get_all_asset_keys()
    # issuer freezes: the raw asset feeds its staging model, the mart has a WARN check
    freezes = graph.get(AssetKey(["staging", "stg_onchain__freezes"]))
    assert AssetKey(["raw", "onchain_freezes"]) in freezes.parent_keys
    checks = {c.to_user_string() for c in graph.asset_check_keys}
    assert "marts/freeze_exposure:freeze_exposure" in checks


def test_jobs_and_schedules():
    defs, _ = _graph()
    assert defs.resolve_job_def("ingest_onchain") is not None
    assert defs.resolve_job_def("build_marts") is not None
    names = {s.name for s in defs.schedules}
    assert {"hourly_onchain", "hourly_marts"} <= names


def test_every_step_that_writes_the_warehouse_takes_its_lock():
    """The warehouse is written by one process at a time through the `warehouse` resource's OS
    lock (orchestration/runlock.py), not a concurrency pool: a step holding a pool slot while it
    waits for the lock and a CLI run holding the lock while it waits for the slot would wait for
    each other forever."""
    from orchestration.close import close_period_job

    defs, _ = _graph()
    writes = {"raw", "staging", "intermediate", "marts", "published"}
    nodes = [
        (assets.node_def, assets.keys)
        for assets in defs.assets
        if any(key.path[0] in writes for key in assets.keys)
    ]
    nodes.append((close_period_job.graph.node_defs[0], set()))
    # the Great Expectations checks append their failures to audit
    nodes += [(checks.node_def, set(checks.check_keys)) for checks in defs.asset_checks]
    assert len(nodes) > 5
    for node, keys in nodes:
        assert "warehouse" in node.required_resource_keys, (node.name, keys)
        assert node.pool is None, node.name
