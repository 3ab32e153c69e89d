"""Compile the demo's Solidity contracts with solc-js, offline, and cache the result.

The compiler is the npm package ``solc`` (solc-js, a WebAssembly build of solc) run by
``node`` through ``demo/contracts/compile.js``; OpenZeppelin is read from
``node_modules/@openzeppelin/contracts``. Both come from ``npm ci`` (``make setup``); nothing
is downloaded at compile time. The output (ABI and creation bytecode per contract) is cached
in a JSON file keyed by the sha256 of everything that goes into the compilation, so a second
call only reads that file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CONTRACTS_DIR = Path(__file__).resolve().parent / "contracts"
COMPILE_SCRIPT = CONTRACTS_DIR / "compile.js"
SOURCES = ("DemoUSD1.sol", "LookAlikeNFT.sol", "DemoSafe.sol")
NODE_MODULES_ENV = "USD1INV_NODE_MODULES"
CACHE_NAME = "contracts.json"

# Compiler settings. Source unit names are relative ("DemoUSD1.sol", "@openzeppelin/..."),
# so the bytecode does not depend on where the checkout lives; "cancun" runs on any recent
# node (anvil's default hardfork is newer). Changing these changes the cache key.
SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 200},
    "evmVersion": "cancun",
    "metadata": {"bytecodeHash": "none"},
    "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
}


class SolidityError(RuntimeError):
    """The contracts could not be compiled; the message says why and what to run."""


def find_node_modules() -> Path:
    """The ``node_modules`` folder: env ``USD1INV_NODE_MODULES``, else the repository's.

    The repository root is the nearest folder above this module holding ``node_modules``.
    """
    override = os.environ.get(NODE_MODULES_ENV, "").strip()
    if override:
        path = Path(override).expanduser().resolve()
        if not path.is_dir():
            raise SolidityError(f"{NODE_MODULES_ENV}={override}: no such folder")
        return path
    for folder in Path(__file__).resolve().parents:
        if (folder / "node_modules").is_dir():
            return folder / "node_modules"
    raise SolidityError(
        "node_modules not found above "
        f"{Path(__file__).resolve().parent}: run `make setup` (or `npm ci` in the repository "
        f"root) to install solc-js and OpenZeppelin, or set {NODE_MODULES_ENV}"
    )


def _check_packages(node_modules: Path) -> None:
    """Fail naming the fix when solc-js or OpenZeppelin is not installed."""
    for package in ("solc", "@openzeppelin/contracts"):
        if not (node_modules / package / "package.json").is_file():
            raise SolidityError(
                f"{node_modules / package} is missing: run `make setup` (or `npm ci` in the "
                "repository root)"
            )


def _package_version(node_modules: Path, package: str) -> str:
    """The version field of an installed npm package."""
    meta = json.loads((node_modules / package / "package.json").read_text(encoding="utf-8"))
    return str(meta.get("version", "?"))


def _standard_json_input() -> dict[str, Any]:
    """The solc standard-JSON input compiling every file in SOURCES."""
    sources = {
        name: {"content": (CONTRACTS_DIR / name).read_text(encoding="utf-8")} for name in SOURCES
    }
    return {"language": "Solidity", "sources": sources, "settings": SETTINGS}


def _cache_key(standard_input: dict[str, Any], node_modules: Path) -> str:
    """sha256 of the compiler input, the compile script and the compiler/library versions."""
    digest = hashlib.sha256()
    digest.update(json.dumps(standard_input, sort_keys=True).encode())
    digest.update(COMPILE_SCRIPT.read_bytes())
    for package in ("solc", "@openzeppelin/contracts"):
        digest.update(f"{package}@{_package_version(node_modules, package)}".encode())
    return digest.hexdigest()


def _run_solc(standard_input: dict[str, Any], node_modules: Path) -> dict[str, Any]:
    """Run compile.js under node and return solc's standard-JSON output."""
    node = shutil.which("node")
    if node is None:
        raise SolidityError("`node` is not on PATH: install Node.js (>= 18), then `make setup`")
    proc = subprocess.run(
        [node, str(COMPILE_SCRIPT), str(node_modules)],
        input=json.dumps(standard_input),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0:
        raise SolidityError(
            f"solc-js failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}"
        )
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise SolidityError(f"solc-js printed no JSON: {proc.stdout[:500]!r}") from exc


def _extract(output: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Contract name -> {"abi", "bytecode"} for the contracts of SOURCES; raise on errors."""
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        text = "\n".join(e.get("formattedMessage", e.get("message", "?")) for e in errors)
        raise SolidityError(f"Solidity compilation failed:\n{text}")
    contracts: dict[str, dict[str, Any]] = {}
    for source in SOURCES:
        for name, item in output.get("contracts", {}).get(source, {}).items():
            contracts[name] = {
                "abi": item["abi"],
                "bytecode": "0x" + item["evm"]["bytecode"]["object"],
                # runtime code: what a contract placed with anvil_setCode runs (DemoSafe)
                "runtime": "0x" + item["evm"]["deployedBytecode"]["object"],
            }
    missing = {Path(s).stem for s in SOURCES} - contracts.keys()
    if missing:
        raise SolidityError(f"solc output lacks contracts {sorted(missing)}")
    return contracts


def compile_contracts(out_dir: Path) -> dict[str, dict[str, Any]]:
    """Compile DemoUSD1, LookAlikeNFT and DemoSafe; return name -> {"abi": list,
    "bytecode": "0x...", "runtime": "0x..."} (creation and runtime code).

    The result is cached in ``out_dir/contracts.json`` under the sha256 of the inputs; when
    the sources, settings and compiler are unchanged, the cache is returned without running
    node.
    """
    node_modules = find_node_modules()
    _check_packages(node_modules)
    standard_input = _standard_json_input()
    key = _cache_key(standard_input, node_modules)
    cache = Path(out_dir) / CACHE_NAME
    if cache.is_file():
        try:
            cached = json.loads(cache.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            cached = {}
        if cached.get("sha256") == key:
            log.debug("contracts: cache hit %s", cache)
            return cached["contracts"]
    log.info(
        "contracts: compiling %s with solc-js %s",
        ", ".join(SOURCES),
        _package_version(node_modules, "solc"),
    )
    contracts = _extract(_run_solc(standard_input, node_modules))
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"sha256": key, "contracts": contracts}, indent=1), encoding="utf-8")
    os.replace(tmp, cache)
    return contracts
