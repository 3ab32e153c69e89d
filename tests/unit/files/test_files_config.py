"""The `files:` configuration is validated on load, with messages that name the key."""

from __future__ import annotations

import pytest

from ingestion.config import ConfigError, load_config
from tests.conftest import write_config
from tests.unit.files.conftest import files_section


def _load(tmp_path, section):
    return load_config(write_config(tmp_path, files=section))


def test_the_fixture_and_demo_sections_are_valid(tmp_path):
    config = _load(tmp_path, files_section())
    assert len(config.files.sources) == 10
    assert config.landing_dir == (tmp_path / "data" / "landing").resolve()
    assert config.files.source("copper").kind == "custodian"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["sources"].append({"name": "x", "adapter": "kucoin"}),
         r"files.sources\[10\].adapter: unknown adapter .kucoin."),
        (lambda s: s["custodian_accounts"][1].update(entity="nobody"),
         r"files.custodian_accounts\[1\].entity: 'nobody' is not a configured entity"),
        (lambda s: s["exchange_accounts"][0].update(network="solana"),
         r"files.exchange_accounts\[0\].network: 'solana' is not a configured network"),
        (lambda s: s["sources"][4].update(account="kraken-nope"),
         r"files.sources\[4\].account: 'kraken-nope' is not a configured exchange account"),
        (lambda s: s["canonical_layouts"][0]["columns"].pop("balance"),
         r"files.canonical_layouts\[0\].columns: missing required field\(s\) \['balance'\]"),
        (lambda s: s.update(pseudonym_key_env="s3cr3t key!"),
         r"pseudonym_key_env: expected the NAME of an environment variable"),
        (lambda s: s["prices"].update(principal_source="kaiko"),
         r"files.prices.principal_source: 'kaiko' has no files.prices.series"),
        (lambda s: s["custodian_accounts"].append(dict(s["custodian_accounts"][0])),
         r"files.custodian_accounts\[\].id: duplicate values \['fb-treasury-vault'\]"),
        (lambda s: s["custodian_accounts"][0].update(ownership="customer"),
         r"files.custodian_accounts\[0\].ownership: Input should be"),
    ],
)  # fmt: skip
def test_errors_name_the_key(tmp_path, change, message):
    section = files_section()
    change(section)
    with pytest.raises(ConfigError, match=message):
        _load(tmp_path, section)
