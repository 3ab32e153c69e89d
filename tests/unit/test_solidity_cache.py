"""demo.solidity: the compile cache and the errors that name the fix (solc itself is faked)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from demo import solidity


def _fake_output() -> dict[str, Any]:
    item = {
        "abi": [],
        "evm": {"bytecode": {"object": "6080"}, "deployedBytecode": {"object": "60"}},
    }
    return {
        "contracts": {
            "DemoUSD1.sol": {"DemoUSD1": item},
            "LookAlikeNFT.sol": {"LookAlikeNFT": item},
            "DemoSafe.sol": {"DemoSafe": item},
        }
    }


@pytest.fixture
def fake_solc(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[int]:
    """Copy the sources to tmp_path and count the compiler runs instead of running node."""
    sources = tmp_path / "src"
    shutil.copytree(solidity.CONTRACTS_DIR, sources)
    monkeypatch.setattr(solidity, "CONTRACTS_DIR", sources)
    runs: list[int] = []

    def run(standard_input: dict[str, Any], node_modules: Path) -> dict[str, Any]:
        runs.append(1)
        return _fake_output()

    monkeypatch.setattr(solidity, "_run_solc", run)
    return runs


def test_second_call_uses_the_cache(fake_solc: list[int], tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = solidity.compile_contracts(out)
    second = solidity.compile_contracts(out)
    assert first == second
    assert first["DemoUSD1"]["bytecode"] == "0x6080"
    assert first["DemoSafe"]["runtime"] == "0x60"  # runtime code (placed with anvil_setCode)
    assert len(fake_solc) == 1


def test_changed_source_recompiles(fake_solc: list[int], tmp_path: Path) -> None:
    out = tmp_path / "out"
    solidity.compile_contracts(out)
    source = solidity.CONTRACTS_DIR / "DemoUSD1.sol"
    source.write_text(source.read_text() + "\n// changed\n")
    solidity.compile_contracts(out)
    assert len(fake_solc) == 2


def test_missing_node_modules_names_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(solidity.NODE_MODULES_ENV, str(tmp_path))
    with pytest.raises(solidity.SolidityError, match="npm ci"):
        solidity.compile_contracts(tmp_path / "out")


def test_compiler_errors_are_reported() -> None:
    output = {"errors": [{"severity": "error", "formattedMessage": "ParserError: boom"}]}
    with pytest.raises(solidity.SolidityError, match="boom"):
        solidity._extract(output)
