"""The benchmark harnesses run (tiny sizes): generation, exactness checks and JSON output.

The real figures come from `make bench` (bench/README.md); these only keep the harness working.
"""

from __future__ import annotations

import json

import pytest

from bench import onchain_decode, onchain_fetch

pytestmark = pytest.mark.integration


def test_decode_benchmark_harness(tmp_path):
    out = tmp_path / "decode.json"
    assert onchain_decode.main(["--logs", "3000", "--sample", "300", "--per-file", "1000",
                                "--out", str(out)]) == 0  # fmt: skip
    result = json.loads(out.read_text())
    assert result["exact"] and result["duckdb"]["logs"] == 3000
    assert result["duckdb"]["counts"]["ok"] + result["duckdb"]["counts"]["bad"] == 3000
    assert result["web3_process_log"]["logs"] == 300
    assert result["duckdb"]["peak_rss_mib"] > 0


def test_fetch_benchmark_harness(tmp_path):
    out = tmp_path / "fetch.json"
    assert onchain_fetch.main(["--transfers", "1200", "--per-tx", "500", "--reads", "1",
                               "--out", str(out)]) == 0  # fmt: skip
    result = json.loads(out.read_text())
    assert result["exact"] and result["runs"][0]["logs_per_s"] > 0
