"""The `quality:` configuration section: thresholds of the suites, errors that name the key."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from ingestion.config import ConfigError, load_config
from tests.conftest import DEMO_CONFIG, write_config


def _with_quality(tmp_path, quality: dict):
    return write_config(tmp_path, quality=quality)


def test_demo_thresholds_are_loaded():
    config = load_config(DEMO_CONFIG)
    assert config.quality.pending_share_max == Decimal("0.05")
    assert config.quality.freshness.max_age_hours() == {
        "custodian": 840,
        "exchange": 840,
        "ledger": 48,
        "prices": 48,
        "onchain": 120,
    }


def test_defaults_when_the_section_is_absent(tmp_path):
    path = write_config(tmp_path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw.pop("quality", None)
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    config = load_config(path)
    assert config.quality.freshness.onchain_max_age_hours == 24
    assert config.quality.pending_share_max == Decimal("0.05")


@pytest.mark.parametrize(
    ("quality", "message"),
    [
        ({"freshness": {"ledger_max_age_hours": 0}}, r"quality\.freshness\.ledger_max_age_hours"),
        ({"freshness": {"ledgr_max_age_hours": 5}}, r"quality\.freshness\.ledgr_max_age_hours"),
        ({"pending_share_max": 2}, r"quality\.pending_share_max"),
        ({"pending_share_max": 0}, r"quality\.pending_share_max"),
    ],
)
def test_a_bad_threshold_is_named_by_its_key(tmp_path, quality, message):
    with pytest.raises(ConfigError, match=message):
        load_config(_with_quality(tmp_path, quality))
