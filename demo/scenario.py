"""Play a deterministic, realistic-looking USD1 history onto a fresh local anvil chain.

``play_scenario(w3, config)`` deploys the demo token (``DemoUSD1``) at the address the
configuration names, plus two look-alike contracts the pipeline must ignore (an ERC-20
"Other USD" and an ERC-721 whose Transfer event shares topic0), then plays one operator's
daily operations from ``config.start_date`` to ``end_date`` in the reporting time zone:

* issuer mints to ``treasury`` (day one and mid-way), ``treasury`` funds ``cold-vault``, and
  ``treasury`` redeems once (``burn``);
* a non-registry market maker funds external customers, who deposit to ``deposit-NN``;
  deposits are swept every evening to ``omnibus-hot``, which pays customer withdrawals;
* ``ops-hot`` pays vendors and receives partner revenue; it is refilled through
  ``cold-vault -> buffer -> ops-hot`` when low and sends its excess to ``cold-vault``;
* the decoy ERC-20 and the NFT move between registry wallets and outsiders;
* ``cold-vault`` is a Safe-compatible multisig (``DemoSafe``, 2 of 3 signers): its code is
  placed at the registry address before the first day (as a Safe proxy is) and set up in the
  deployment block; everything it sends is an ``execute`` carrying two signers' signatures,
  submitted by a relayer; a third of the way through, one signer is swapped for a new one;
* the issuer freezes one customer deposit address (``FROZEN_DEPOSIT``) for a few days
  mid-history (``blacklist``, then ``unBlacklist``): while frozen nobody deposits to it and the
  evening sweep leaves it alone, so its balance sits frozen until the sweep after unfreezing;
* silent days (most Sundays and a three-day stretch) have no block at all; some blocks
  fall at exactly local 00:00:00 or 23:59:59, two fall in the repeated hour of a
  daylight-saving change; one transfer moves zero tokens; the last blocks of the last day
  carry transfers, so with a few confirmations the head of the chain is not yet final.

Everything comes from a seeded ``random.Random`` and explicit block timestamps, so the same
seed on a fresh anvil started with the same ``--timestamp`` yields byte-identical blocks.
Balances are tracked in Python and only what a sender holds at the start of a block is ever
spent in it, so no transfer reverts whatever order the node puts a block's transactions in.
Clients' money (deposit addresses, omnibus) is never moved to the operator's own wallets.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from eth_abi import encode as abi_encode
from eth_account import Account
from eth_utils import function_signature_to_4byte_selector, keccak
from web3 import Web3

from demo.solidity import compile_contracts
from ingestion.config import Config

log = logging.getLogger(__name__)

ISSUER = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"  # anvil's default account 0
TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
DEPLOY_LEAD_SECONDS = 600  # contracts are deployed this long before start_date's local midnight
MIN_DAYS = 14
GAS_CALL = 150_000
GAS_DEPLOY = 3_000_000
MAX_FEE = 100 * 10**9
PRIORITY_FEE = 10**9
SENDER_ETH = 1_000 * 10**18
BRIDGE_DAYS = (3, 9, 16, 24, 31, 40, 52, 58, 70, 76)  # active-day indexes of bridge-outs
BRIDGE_AMOUNTS = (50_000, 75_000, 20_000, 120_000, 35_000)  # whole tokens, in turn
GAS_SAFE = 400_000  # an execute of the cold vault (signature checks + the inner call)
SAFE_THRESHOLD = 2
SAFE_SIGNERS = ("cold-signer-1", "cold-signer-2", "cold-signer-3")
SAFE_SWAP = ("cold-signer-2", "cold-signer-4")  # the one signer change, mid-history
FROZEN_DEPOSIT = "deposit-04"  # the deposit address the issuer freezes for a few days
FREEZE_ACTIVE_DAYS = 5  # active days between the freeze and the unfreeze


def _selector(signature: str) -> str:
    return function_signature_to_4byte_selector(signature).hex()


SEL_TRANSFER = _selector("transfer(address,uint256)")
SEL_MINT = _selector("mint(address,uint256)")
SEL_BURN = _selector("burn(uint256)")
SEL_TRANSFER_FROM = _selector("transferFrom(address,address,uint256)")
SEL_SAFE_EXECUTE = _selector("execute(address,bytes,bytes)")
SEL_SAFE_SETUP = _selector("setup(address[],uint256)")
SEL_SAFE_SWAP = _selector("swapOwner(address,address)")
SEL_BLACKLIST = _selector("blacklist(address)")
SEL_UN_BLACKLIST = _selector("unBlacklist(address)")


class ScenarioError(RuntimeError):
    """The scenario cannot be played on this node; the message says why and what to do."""


@dataclass
class ScenarioSummary:
    """What ``play_scenario`` put on chain.

    ``tx_count`` counts every transaction (deployments and look-alikes included);
    ``transfer_count`` counts the USD1 ``Transfer`` logs (mints, burns and the zero-amount
    transfer included). ``balances`` maps every address that ever held USD1 (lower-case) to
    its balance in base units at ``last_block``; ``minted``/``burned`` are base-unit totals.
    ``edge_blocks`` names the blocks of the special cases (day boundaries, DST, burn...).
    """

    token_address: str
    decoy_token_address: str
    decoy_nft_address: str
    first_block: int
    last_block: int
    start_date: date
    end_date: date
    tx_count: int
    transfer_count: int
    days_with_activity: list[date]
    silent_days: list[date]
    minted: int = 0
    burned: int = 0
    block_count: int = 0
    seconds: float = 0.0
    balances: dict[str, int] = field(default_factory=dict)
    edge_blocks: dict[str, int] = field(default_factory=dict)
    # bridge-outs (treasury burns to move inventory to another network): (unix time, base units)
    bridge_out: list[tuple[int, int]] = field(default_factory=list)
    # issuer freezes: (address, unix time of the freeze block, unix time of the unfreeze block)
    freezes: list[tuple[str, int, int]] = field(default_factory=list)


def demo_address(name: str) -> str:
    """The demo's address for ``name``: keccak("usd1inv-demo:" + name)[-20:], lower-case."""
    return "0x" + keccak(text=f"usd1inv-demo:{name}")[-20:].hex()


def demo_signer_key(name: str) -> bytes:
    """The demo's private key of a multisig signer: keccak("usd1inv-demo-signer:" + name).
    Demo keys only: anyone can derive them."""
    return keccak(text=f"usd1inv-demo-signer:{name}")


def demo_signer(name: str) -> str:
    """The lower-case address of the demo signer ``name``."""
    return Account.from_key(demo_signer_key(name)).address.lower()


def cold_vault_signers(after_swap: bool = False) -> list[str]:
    """The cold vault's signers (sorted lower-case addresses) before or after the swap."""
    names = list(SAFE_SIGNERS)
    if after_swap:
        names[names.index(SAFE_SWAP[0])] = SAFE_SWAP[1]
    return sorted(demo_signer(n) for n in names)


def local_midnight(day: date, tz: ZoneInfo) -> int:
    """Unix time of local 00:00:00 on ``day`` in ``tz``."""
    return int(datetime.combine(day, dtime(0), tzinfo=tz).timestamp())


def genesis_timestamp(config: Config, hours_before: int = 6) -> int:
    """A ``--timestamp`` for anvil: ``hours_before`` hours before start_date's local midnight.

    The scenario deploys its contracts 10 minutes before that midnight, so the genesis block
    must be older than that; the first mint then lands at exactly local 00:00:00.
    """
    return local_midnight(config.start_date, config.tz) - hours_before * 3600


# ---- the node ------------------------------------------------------------------------------
class _Chain:
    """Sends transactions to anvil with automine off and mines blocks at chosen timestamps."""

    def __init__(self, w3: Web3, token: str | None = None) -> None:
        self.provider = w3.provider
        self.token = token
        self.nonces: dict[str, int] = {}
        self.pending: list[dict[str, Any]] = []
        self.tx_count = 0
        self.transfer_count = 0
        self.block_count = 0
        self.last_block = -1
        self.last_timestamp = -1

    def call(self, method: str, params: list[Any]) -> Any:
        """One JSON-RPC call; raise ScenarioError on an error answer."""
        response = self.provider.make_request(method, params)  # type: ignore[arg-type]
        if "error" in response:
            raise ScenarioError(f"{method} failed: {response['error']}")
        return response["result"]

    def fund(self, address: str) -> None:
        """Give ``address`` gas money and let it send without a key (impersonation)."""
        self.call("anvil_setBalance", [address, hex(SENDER_ETH)])
        self.call("anvil_impersonateAccount", [address])
        self.nonces[address] = int(self.call("eth_getTransactionCount", [address, "latest"]), 16)

    def send(self, sender: str, to: str | None, data: str, gas: int = GAS_CALL) -> None:
        """Queue a transaction for the next block (sent to the node's pool at once)."""
        nonce = self.nonces[sender]
        tx = {
            "from": sender,
            "data": data,
            "nonce": hex(nonce),
            "gas": hex(gas),
            "maxFeePerGas": hex(MAX_FEE),
            "maxPriorityFeePerGas": hex(PRIORITY_FEE),
            "value": "0x0",
        }
        if to is not None:
            tx["to"] = to
        self.call("eth_sendTransaction", [tx])
        self.nonces[sender] = nonce + 1
        self.pending.append(tx)

    def mine(self, timestamp: int) -> tuple[int, list[dict[str, Any]]]:
        """Mine the queued transactions in one block at ``timestamp``; check every receipt."""
        if timestamp <= self.last_timestamp:
            raise ScenarioError(
                f"block timestamps must increase: {timestamp} after {self.last_timestamp}"
            )
        self.call("evm_mine", [timestamp])
        receipts = self.call("eth_getBlockReceipts", ["latest"])
        block = int(receipts[0]["blockNumber"], 16) if receipts else self._head()
        if len(receipts) != len(self.pending):
            raise ScenarioError(
                f"block {block}: {len(receipts)} transactions mined, {len(self.pending)} sent"
            )
        failed = [r["transactionHash"] for r in receipts if r["status"] != "0x1"]
        if failed:
            raise ScenarioError(f"block {block}: transactions reverted: {failed}")
        self.tx_count += len(receipts)
        self.transfer_count += sum(self._token_transfers(r) for r in receipts)
        self.block_count += 1
        self.pending = []
        self.last_block, self.last_timestamp = block, timestamp
        return block, receipts

    def head_timestamp(self) -> int:
        """The latest block's timestamp."""
        block = self.call("eth_getBlockByNumber", ["latest", False])
        return int(block["timestamp"], 16)

    def _head(self) -> int:
        return int(self.call("eth_blockNumber", []), 16)

    def _token_transfers(self, receipt: dict[str, Any]) -> int:
        """Number of ERC-20 Transfer logs of the token in a receipt."""
        return sum(
            1
            for entry in receipt["logs"]
            if entry["address"].lower() == self.token
            and len(entry["topics"]) == 3
            and entry["topics"][0] == TRANSFER_TOPIC
        )


# ---- balances ------------------------------------------------------------------------------
class _Ledger:
    """Token balances tracked in Python.

    ``balances`` include everything queued; ``spendable`` is what each holder had at the
    start of the current block minus what it already spends in it. Spending only from
    ``spendable`` keeps every transaction valid in any order within a block.
    """

    def __init__(self) -> None:
        self.balances: dict[str, int] = {}
        self.spendable: dict[str, int] = {}
        self.minted = 0
        self.burned = 0

    def available(self, holder: str) -> int:
        return self.spendable.get(holder, 0)

    def move(self, sender: str, receiver: str, amount: int) -> None:
        if amount < 0 or amount > self.available(sender):
            raise ScenarioError(
                f"ledger: {sender} cannot send {amount} (has {self.available(sender)})"
            )
        self.spendable[sender] = self.available(sender) - amount
        self.balances[sender] = self.balances.get(sender, 0) - amount
        self.balances[receiver] = self.balances.get(receiver, 0) + amount

    def mint(self, receiver: str, amount: int) -> None:
        self.balances[receiver] = self.balances.get(receiver, 0) + amount
        self.minted += amount

    def burn(self, holder: str, amount: int) -> None:
        if amount > self.available(holder):
            raise ScenarioError(f"ledger: {holder} cannot burn {amount}")
        self.spendable[holder] -= amount
        self.balances[holder] -= amount
        self.burned += amount

    def settle(self) -> None:
        """A block was mined: everything received is now spendable."""
        self.spendable = dict(self.balances)


def _word(value: int | str) -> str:
    """A 32-byte ABI word (hex, no 0x) for an address or an unsigned integer."""
    number = int(value, 16) if isinstance(value, str) else value
    return f"{number:064x}"


# ---- the scenario --------------------------------------------------------------------------
class _Scenario:
    """State and rules of one scenario run (see the module docstring)."""

    def __init__(
        self, w3: Web3, config: Config, end_date: date, seed: int, build_dir: Path
    ) -> None:
        network = config.networks[0]
        self.w3 = w3
        self.config = config
        self.network = network
        self.tz = config.tz
        self.start_date = config.start_date
        self.end_date = end_date
        self.rng = random.Random(seed)  # a reproducible simulation, not security
        self.unit = 10**network.token.decimals
        self.build_dir = build_dir
        self.chain = _Chain(w3)
        self.usd1 = _Ledger()
        self.decoy = _Ledger()
        self.edge_blocks: dict[str, int] = {}
        self.wallet = {w.label: w.address for w in config.wallets_on(network.name)}
        self._check_registry()
        self.deposits = sorted(
            a for label, a in self.wallet.items() if label.startswith("deposit-")
        )
        self.market_maker = demo_address("market-maker")
        self.partner = demo_address("partner")
        self.customers = [demo_address(f"customer-{i:02d}") for i in range(1, 31)]
        self.vendors = [demo_address(f"vendor-{i:02d}") for i in range(1, 9)]
        self.deposit_of = {
            c: self.deposits[i % len(self.deposits)] for i, c in enumerate(self.customers)
        }
        self.token = network.token.address
        self.decoy_token = ""
        self.nft = ""
        self.first_block = -1
        self.automine = True
        self.silent: set[date] = set()
        self.named: dict[Callable[[], None], str] = {}
        self.bridge = False
        self.bridge_pending: list[int] = []
        self.bridge_out: list[tuple[int, int]] = []
        # the cold vault multisig: its signers (names), the wallet's nonce, who submits
        self.safe = self.wallet["cold-vault"]
        self.safe_signers = list(SAFE_SIGNERS)
        self.safe_nonce = 0
        self.relayer = demo_address("cold-vault-relayer")
        self.frozen: set[str] = set()  # addresses the issuer has frozen now
        self.freeze_started: dict[str, int] = {}
        self.unfreezing: set[str] = set()  # unfrozen in the block being built
        self.freezes: list[tuple[str, int, int]] = []

    def _check_registry(self) -> None:
        """The scenario needs the demo registry's labels."""
        needed = ["omnibus-hot", "treasury", "ops-hot", "cold-vault", "buffer", "deposit-01"]
        needed.append(FROZEN_DEPOSIT)
        missing = [label for label in needed if label not in self.wallet]
        if missing:
            raise ScenarioError(
                f"the demo scenario needs registry wallets labelled {missing}; "
                "use demo/usd1inv.yml or a copy of its wallets"
            )

    # -- amounts -------------------------------------------------------------------------
    def amount(self, low: int, high: int) -> int:
        """A random amount between ``low`` and ``high`` whole tokens, mostly with cents."""
        whole = self.rng.randint(low, high - 1) * self.unit
        roll = self.rng.random()
        if roll < 0.7:
            return whole + self.rng.randrange(100) * (self.unit // 100)
        if roll < 0.9:
            return whole
        return whole + self.rng.randrange(self.unit)

    def tokens(self, value: int) -> int:
        """``value`` whole tokens in base units."""
        return value * self.unit

    # -- USD1 operations (queued into the current block) ----------------------------------
    def transfer(self, sender: str, receiver: str, amount: int) -> None:
        self.usd1.move(sender, receiver, amount)
        data = "0x" + SEL_TRANSFER + _word(receiver) + _word(amount)
        if sender == self.safe:  # the multisig sends through execute, signed by its owners
            self.safe_execute(self.token, data)
        else:
            self.chain.send(sender, self.token, data)

    # -- the cold vault multisig ------------------------------------------------------------
    def safe_execute(self, to: str, data: str) -> None:
        """Queue the cold vault's call ``to.call(data)``: SAFE_THRESHOLD signers sign the
        wallet's transaction hash (ordered by address, as it checks), the relayer submits."""
        payload = bytes.fromhex(data[2:])
        digest = keccak(
            abi_encode(
                ["uint256", "address", "address", "bytes32", "uint256"],
                [self.network.chain_id, self.safe, to, keccak(payload), self.safe_nonce],
            )
        )
        keys = sorted(
            (demo_signer(n), demo_signer_key(n)) for n in self.safe_signers[:SAFE_THRESHOLD]
        )
        signatures = b"".join(Account.unsafe_sign_hash(digest, key).signature for _, key in keys)
        call = abi_encode(["address", "bytes", "bytes"], [to, payload, signatures])
        self.chain.send(self.relayer, self.safe, "0x" + SEL_SAFE_EXECUTE + call.hex(), GAS_SAFE)
        self.safe_nonce += 1

    def safe_swap_signer(self) -> None:
        """Replace one signer of the cold vault (a call of the wallet to itself)."""
        old, new = SAFE_SWAP
        data = "0x" + SEL_SAFE_SWAP + _word(demo_signer(old)) + _word(demo_signer(new))
        self.safe_execute(self.safe, data)
        self.safe_signers[self.safe_signers.index(old)] = new

    def mint(self, receiver: str, amount: int) -> None:
        self.usd1.mint(receiver, amount)
        self.chain.send(ISSUER, self.token, "0x" + SEL_MINT + _word(receiver) + _word(amount))

    def burn(self, holder: str, amount: int) -> None:
        self.usd1.burn(holder, amount)
        self.chain.send(holder, self.token, "0x" + SEL_BURN + _word(amount))

    def freeze(self, holder: str) -> None:
        """The issuer freezes ``holder`` (it neither sends nor receives from this block)."""
        self.frozen.add(holder)
        self.chain.send(ISSUER, self.token, "0x" + SEL_BLACKLIST + _word(holder))

    def unfreeze(self, holder: str) -> None:
        """The issuer unfreezes ``holder`` (it may move again from the next block)."""
        self.unfreezing.add(holder)
        self.chain.send(ISSUER, self.token, "0x" + SEL_UN_BLACKLIST + _word(holder))

    def deposit_to(self, customer: str) -> str | None:
        """The customer's deposit address, or None while the issuer has it frozen."""
        deposit = self.deposit_of[customer]
        return None if deposit in self.frozen else deposit

    def decoy_transfer(self, sender: str, receiver: str, amount: int) -> None:
        self.decoy.move(sender, receiver, amount)
        self.chain.send(
            sender, self.decoy_token, "0x" + SEL_TRANSFER + _word(receiver) + _word(amount)
        )

    def decoy_mint(self, receiver: str, amount: int) -> None:
        self.decoy.mint(receiver, amount)
        self.chain.send(ISSUER, self.decoy_token, "0x" + SEL_MINT + _word(receiver) + _word(amount))

    def nft_mint(self, receiver: str, token_id: int) -> None:
        self.chain.send(ISSUER, self.nft, "0x" + SEL_MINT + _word(receiver) + _word(token_id))

    def nft_transfer(self, sender: str, receiver: str, token_id: int) -> None:
        data = "0x" + SEL_TRANSFER_FROM + _word(sender) + _word(receiver) + _word(token_id)
        self.chain.send(sender, self.nft, data)

    def mine(self, timestamp: int) -> int:
        """Mine the queued transactions at ``timestamp``; settle the ledgers."""
        block, _ = self.chain.mine(timestamp)
        self.usd1.settle()
        self.decoy.settle()
        self.bridge_out += [(timestamp, amount) for amount in self.bridge_pending]
        self.bridge_pending = []
        for holder in sorted(self.frozen - self.freeze_started.keys()):
            self.freeze_started[holder] = timestamp
        for holder in sorted(self.unfreezing):
            self.freezes.append((holder, self.freeze_started.pop(holder), timestamp))
            self.frozen.discard(holder)
        self.unfreezing = set()
        return block

    # -- setup ----------------------------------------------------------------------------
    def setup(self) -> None:
        """Check the node is fresh, fund the senders, deploy the three contracts."""
        chain_id = int(self.chain.call("eth_chainId", []), 16)
        if chain_id != self.network.chain_id:
            raise ScenarioError(
                f"node chain id {chain_id} != config chain id {self.network.chain_id}"
            )
        deploy_ts = local_midnight(self.start_date, self.tz) - DEPLOY_LEAD_SECONDS
        head_ts = self.chain.head_timestamp()
        if head_ts >= deploy_ts:
            raise ScenarioError(
                f"the node's latest block is at {head_ts}, not before {deploy_ts} (10 minutes "
                f"before {self.start_date} 00:00 {self.tz.key}): start anvil with --timestamp "
                f"{genesis_timestamp(self.config)} (see demo.scenario.genesis_timestamp)"
            )
        nonce = int(self.chain.call("eth_getTransactionCount", [ISSUER, "latest"]), 16)
        if nonce != 0:
            raise ScenarioError(
                f"account 0 ({ISSUER}) has nonce {nonce}: the token is only at {self.token} "
                "when deployed at nonce 0; start a fresh anvil"
            )
        self.automine = bool(self.chain.call("anvil_getAutomine", []))
        self.chain.call("evm_setAutomine", [False])
        senders = [ISSUER, *self.wallet.values(), self.market_maker, self.partner, *self.customers]
        senders.append(self.vendors[6])  # the exchange account's address (exchange_withdrawal)
        senders.append(self.relayer)  # submits the cold vault's signed transactions
        for sender in senders:
            self.chain.fund(sender)
        self.deploy(deploy_ts)

    def deploy(self, timestamp: int) -> None:
        """Deploy DemoUSD1 (nonce 0), the decoy ERC-20 and the NFT in one block."""
        contracts = compile_contracts(self.build_dir)
        token = self.network.token
        usd1_args = abi_encode(
            ["string", "string", "uint8", "address"],
            [f"Demo {token.symbol}", token.symbol, token.decimals, ISSUER],
        )
        decoy_args = abi_encode(
            ["string", "string", "uint8", "address"], ["Other USD", "OUSD", 6, ISSUER]
        )
        nft_args = abi_encode(["string", "string", "address"], ["Look-alike NFT", "LOOK", ISSUER])
        usd1_code = contracts["DemoUSD1"]["bytecode"]
        for code, args in (
            (usd1_code, usd1_args),
            (usd1_code, decoy_args),
            (contracts["LookAlikeNFT"]["bytecode"], nft_args),
        ):
            self.chain.send(ISSUER, None, code + args.hex(), gas=GAS_DEPLOY)
        # the cold vault becomes a multisig at its registry address: its code placed there (a
        # Safe proxy's), its owners and threshold set up in the same block
        self.chain.call("anvil_setCode", [self.safe, contracts["DemoSafe"]["runtime"]])
        owners = [demo_signer(n) for n in self.safe_signers]
        setup = abi_encode(["address[]", "uint256"], [owners, SAFE_THRESHOLD])
        self.chain.send(self.relayer, self.safe, "0x" + SEL_SAFE_SETUP + setup.hex(), GAS_SAFE)
        block, receipts = self.chain.mine(timestamp)
        addresses = [r["contractAddress"].lower() for r in receipts if r["contractAddress"]]
        if addresses[0] != self.token:
            raise ScenarioError(
                f"DemoUSD1 was deployed at {addresses[0]}, but the config's token address is "
                f"{self.token}: the config must name the first contract of account 0 "
                "(0x5FbDB2315678afecb367f032d93F642f64180aa3) and anvil must be fresh"
            )
        self.decoy_token, self.nft = addresses[1], addresses[2]
        self.chain.token = self.token
        self.edge_blocks["deploy"] = block
        self.first_block = block
        log.info(
            "scenario: deployed USD1 %s, decoy %s, NFT %s in block %d",
            self.token,
            self.decoy_token,
            self.nft,
            block,
        )

    # -- calendar -------------------------------------------------------------------------
    def days(self) -> list[date]:
        n = (self.end_date - self.start_date).days + 1
        return [self.start_date + timedelta(days=i) for i in range(n)]

    def silent_days(self) -> set[date]:
        """Most Sundays, and a Saturday-to-Monday stretch about five weeks in."""
        days = self.days()
        silent = set()
        stretch = next((d for d in days[35:] if d.weekday() == 5), None)
        if stretch is not None:
            silent |= {stretch + timedelta(days=i) for i in range(3)}
        for day in days:
            if day.weekday() == 6 and not self.is_dst_change(day):
                silent.add(day)
        silent -= {days[0], days[-1]}
        return silent & set(days)

    def is_dst_change(self, day: date) -> bool:
        """True when the reporting time zone changes its UTC offset on ``day``."""
        start = datetime.combine(day, dtime(0), tzinfo=self.tz)
        end = datetime.combine(day + timedelta(days=1), dtime(0), tzinfo=self.tz)
        return start.utcoffset() != end.utcoffset()

    def day_timestamps(self, day: date, is_first: bool, is_last: bool) -> list[tuple[int, str]]:
        """Sorted block timestamps for an active day, each with an edge-case name or ''."""
        start = local_midnight(day, self.tz)
        end = local_midnight(day + timedelta(days=1), self.tz)
        stamps: dict[int, str] = {}
        if is_first or self.rng.random() < 0.08:
            stamps[start] = f"midnight:{day}"
        if not is_last and self.rng.random() < 0.08:
            stamps[end - 1] = f"2359:{day}"
        for fold in (0, 1):  # the repeated hour of a fall-back change: same wall time, twice
            wall = datetime.combine(day, dtime(1, 30), tzinfo=self.tz).replace(fold=fold)
            if (
                self.is_dst_change(day)
                and wall.utcoffset() != wall.replace(fold=1 - fold).utcoffset()
            ):
                stamps[int(wall.timestamp())] = f"dst-fold{fold}:{day}"
        count = self.rng.randint(3, 4) if day.weekday() == 5 else self.rng.randint(4, 7)
        if is_first or is_last:
            count = max(count, 6)
        while len(stamps) < count:
            stamps.setdefault(self.rng.randint(start + 3600 * 6, end - 3600), "")
        return sorted(stamps.items())

    def force_edges(self, days: list[date]) -> dict[date, list[str]]:
        """Days that must end at 23:59:59 or start at 00:00:00 (around DST and the stretch)."""
        forced: dict[date, list[str]] = {}
        active = [d for d in days if d not in self.silent]
        for i, day in enumerate(active[:-1]):
            nxt = active[i + 1]
            if (nxt - day).days >= 4 or self.is_dst_change(nxt):
                forced.setdefault(day, []).append("2359")
                forced.setdefault(nxt, []).append("midnight")
        return forced

    # -- daily rules ------------------------------------------------------------------------
    def rule_market_maker(self) -> None:
        """Keep the market maker stocked (issuer mint) and fund customers who run low."""
        if self.usd1.available(self.market_maker) < self.tokens(400_000):
            self.mint(self.market_maker, self.tokens(2_000_000))
        for _ in range(self.rng.randint(0, 2)):
            customer = self.rng.choice(self.customers)
            stock = self.usd1.available(self.market_maker)
            if self.usd1.available(customer) < self.tokens(5_000) and stock > self.tokens(20_000):
                amount = min(self.amount(20_000, 150_000), self.usd1.available(self.market_maker))
                self.transfer(self.market_maker, customer, amount)

    def rule_deposits(self, count: int) -> None:
        """Customers deposit to their deposit address what they hold at most."""
        for _ in range(count):
            customer = self.rng.choice(self.customers)
            have = self.usd1.available(customer)
            if have >= self.tokens(100):
                amount = min(self.amount(100, 50_000), have)
                deposit = self.deposit_to(customer)
                if deposit is not None:  # a frozen address cannot receive: no deposit
                    self.transfer(customer, deposit, amount)

    def rule_withdrawals(self, count: int) -> None:
        """The omnibus pays customer withdrawals (more when it holds a lot)."""
        omnibus = self.wallet["omnibus-hot"]
        if self.usd1.available(omnibus) > self.tokens(1_000_000):
            count += 2
        for _ in range(count):
            have = self.usd1.available(omnibus)
            if have >= self.tokens(50):
                high = 120_000 if have > self.tokens(1_000_000) else 40_000
                amount = min(self.amount(50, high), have)
                self.transfer(omnibus, self.rng.choice(self.customers), amount)

    def rule_vendor_payouts(self, count: int) -> None:
        """ops-hot pays vendors."""
        ops = self.wallet["ops-hot"]
        for _ in range(count):
            have = self.usd1.available(ops)
            if have >= self.tokens(500):
                amount = min(self.amount(500, 35_000), have)
                self.transfer(ops, self.rng.choice(self.vendors), amount)

    def rule_refill(self) -> None:
        """ops-hot low: buffer -> ops-hot; buffer low: cold-vault -> buffer."""
        ops, buffer, cold = self.wallet["ops-hot"], self.wallet["buffer"], self.wallet["cold-vault"]
        if self.usd1.available(ops) < self.tokens(60_000) and self.usd1.available(buffer) > 0:
            amount = min(self.amount(120_000, 250_000), self.usd1.available(buffer))
            self.transfer(buffer, ops, amount)
        if self.usd1.available(buffer) < self.tokens(200_000):
            amount = self.tokens(300_000) - self.usd1.available(buffer)
            if self.usd1.available(cold) >= amount:
                self.transfer(cold, buffer, amount)

    def rule_revenue(self) -> None:
        """Now and then a partner pays the operator into ops-hot."""
        if self.rng.random() < 0.06:
            if self.usd1.available(self.partner) < self.tokens(500_000):
                self.mint(self.partner, self.tokens(1_000_000))
            else:
                self.transfer(self.partner, self.wallet["ops-hot"], self.amount(50_000, 400_000))

    def rule_evening(self) -> None:
        """Sweep every deposit address to the omnibus; ops-hot excess goes to cold-vault."""
        omnibus, ops = self.wallet["omnibus-hot"], self.wallet["ops-hot"]
        for deposit in self.deposits:
            have = self.usd1.available(deposit)
            if have > 0 and deposit not in self.frozen:
                self.transfer(deposit, omnibus, have)
        have = self.usd1.available(ops)
        if have > self.tokens(500_000):
            self.transfer(ops, self.wallet["cold-vault"], have - self.tokens(250_000))

    def rule_decoys(self) -> None:
        """Look-alike ERC-20 movements touching registry wallets."""
        if self.rng.random() < 0.15 and self.decoy.available(self.market_maker) > self.tokens(900):
            self.decoy_transfer(
                self.market_maker, self.rng.choice(self.deposits), self.amount(10, 900)
            )
        omnibus = self.wallet["omnibus-hot"]
        if self.rng.random() < 0.1 and self.decoy.available(omnibus) > self.tokens(10):
            self.decoy_transfer(omnibus, self.rng.choice(self.customers), self.tokens(10))

    def filler(self) -> None:
        """Make sure a block carries a USD1 transfer touching the registry (a deposit)."""
        rich = [
            c
            for c in self.customers
            if self.usd1.available(c) >= self.tokens(100) and self.deposit_to(c) is not None
        ]
        open_deposits = [d for d in self.deposits if d not in self.frozen]
        if rich:
            customer = self.rng.choice(rich)
            amount = min(self.amount(100, 5_000), self.usd1.available(customer))
            self.transfer(customer, self.deposit_of[customer], amount)
        elif self.usd1.available(self.market_maker) >= self.tokens(5_000):
            self.transfer(
                self.market_maker, self.rng.choice(open_deposits), self.amount(100, 5_000)
            )
        else:
            self.mint(self.market_maker, self.tokens(1_000_000))

    # -- one-off events ---------------------------------------------------------------------
    def one_offs(self, active: list[date]) -> dict[tuple[date, int], list[Callable[[], None]]]:
        """(day, block index) -> special actions, placed on active days."""
        n = len(active)
        treasury, cold = self.wallet["treasury"], self.wallet["cold-vault"]
        mid, late = active[n // 2], active[(n * 7) // 10]

        def first_mint() -> None:
            self.mint(treasury, self.tokens(5_000_000))
            self.decoy_mint(self.market_maker, self.tokens(1_000_000))
            self.decoy_mint(self.wallet["omnibus-hot"], self.tokens(5_000))

        def second_mint() -> None:
            self.mint(treasury, self.tokens(2_000_000))

        def burn() -> None:
            amount = min(self.tokens(250_000) + self.unit // 2, self.usd1.available(treasury))
            self.burn(treasury, amount)

        def zero_transfer() -> None:
            self.transfer(self.customers[2], self.deposit_of[self.customers[2]], 0)

        def nft_mints() -> None:
            self.nft_mint(treasury, 1)
            self.nft_mint(self.market_maker, 2)
            self.nft_mint(cold, 3)

        def nft_moves() -> None:
            self.nft_transfer(treasury, self.vendors[0], 1)
            self.nft_transfer(self.market_maker, self.wallet["ops-hot"], 2)

        def signer_change() -> None:
            self.safe_swap_signer()

        def exchange_withdrawal() -> None:
            # the operator's exchange account (its deposit address, vendor-07) sends to ops-hot
            # what the exchange and the ledger booked the evening before, at the month end:
            # in transit over it (demo/offchain_files.py books it)
            venue = self.vendors[6]
            amount = min(self.tokens(50_000), self.usd1.available(venue))
            if amount > 0:
                self.transfer(venue, self.wallet["ops-hot"], amount)

        plan: dict[tuple[date, int], list[Callable[[], None]]] = {
            (active[0], 0): [first_mint],
            (active[0], 1): [lambda: self.transfer(treasury, cold, self.tokens(4_000_000))],
            (active[min(4, n - 1)], 1): [nft_mints],
            (active[min(7, n - 1)], 2): [nft_moves],
            (active[min(12, n - 1)], 1): [zero_transfer],
            (mid, 0): [second_mint],
            (mid, 1): [lambda: self.transfer(treasury, cold, self.tokens(1_500_000))],
            (late, 1): [burn],
        }
        plan.setdefault((active[n // 3], 0), []).append(signer_change)
        frozen_deposit = self.wallet[FROZEN_DEPOSIT]

        def pre_freeze_deposit() -> None:
            # the deposit the freeze then holds (the address is frozen before the evening sweep)
            amount = min(
                self.tokens(25_000) + self.unit // 2, self.usd1.available(self.market_maker)
            )
            self.transfer(self.market_maker, frozen_deposit, amount)

        def freeze() -> None:
            self.freeze(frozen_deposit)

        def unfreeze() -> None:
            self.unfreeze(frozen_deposit)

        freeze_at = (n * 3) // 10
        if freeze_at + FREEZE_ACTIVE_DAYS < n - 1:
            plan.setdefault((active[freeze_at], 0), []).append(pre_freeze_deposit)
            plan.setdefault((active[freeze_at], 1), []).append(freeze)
            plan.setdefault((active[freeze_at + FREEZE_ACTIVE_DAYS], 0), []).append(unfreeze)
        month_starts = [i for i in range(1, n) if active[i].month != active[i - 1].month]
        if month_starts:
            plan.setdefault((active[month_starts[-1]], 0), []).append(exchange_withdrawal)
        if self.bridge:
            busy = {0, n // 2, (n * 7) // 10}
            for k, index in enumerate(i for i in BRIDGE_DAYS if i < n and i not in busy):
                plan.setdefault((active[index], 1), []).append(self.bridge_burn(k))
        self.named = {
            first_mint: "first-mint",
            second_mint: "second-mint",
            burn: "burn",
            zero_transfer: "zero-transfer",
            nft_mints: "nft-mint",
            nft_moves: "nft-move",
            exchange_withdrawal: "exchange-withdrawal",
            signer_change: "signer-change",
            freeze: "freeze",
            unfreeze: "unfreeze",
        }
        return plan

    def bridge_burn(self, k: int) -> Callable[[], None]:
        """Treasury burns to move inventory to the other network (the issuer mints there)."""

        def action() -> None:
            amount = min(
                self.tokens(BRIDGE_AMOUNTS[k % len(BRIDGE_AMOUNTS)]),
                self.usd1.available(self.wallet["treasury"]),
            )
            if amount > 0:
                self.burn(self.wallet["treasury"], amount)
                self.bridge_pending.append(amount)

        return action

    def planted_unknown_outflow(self) -> None:
        """Fault: ops-hot pays an address nobody listed (booked in the ledger like every ops-hot
        movement; its destination is unknown)."""
        ops = self.wallet["ops-hot"]
        amount = min(self.tokens(1_234) + self.unit // 2, self.usd1.available(ops))
        if amount > 0:
            self.transfer(ops, unknown_recipient(), amount)

    # -- the day loop -----------------------------------------------------------------------
    def play_day(
        self,
        day: date,
        stamps: list[tuple[int, str]],
        specials: dict[tuple[date, int], list[Callable[[], None]]],
    ) -> None:
        """Play one active day block by block."""
        weekday = day.weekday()
        last = len(stamps) - 1
        for index, (timestamp, edge) in enumerate(stamps):
            for action in specials.get((day, index), []):
                action()
                if action in self.named:
                    self.edge_blocks[self.named[action]] = self.chain.last_block + 1
            if index == 0:
                self.rule_market_maker()
                self.rule_decoys()
            self.rule_refill()
            self.rule_deposits(self.rng.randint(0, 3))
            self.rule_withdrawals(self.rng.randint(0, 2))
            if weekday < 5:
                self.rule_vendor_payouts(self.rng.randint(0, 1))
            self.rule_revenue()
            if index == last:
                self.rule_evening()
            if edge or not self.chain.pending:
                self.filler()
            block = self.mine(timestamp)
            if edge:
                self.edge_blocks[edge] = block

    def play(self) -> ScenarioSummary:
        """Set up, play every day, and summarise."""
        started = time.perf_counter()
        self.setup()
        days = self.days()
        self.silent = self.silent_days()
        active = [d for d in days if d not in self.silent]
        specials = self.one_offs(active)
        forced = self.force_edges(days)
        for i, day in enumerate(active):
            stamps = self.day_timestamps(day, is_first=i == 0, is_last=i == len(active) - 1)
            stamps = self._with_forced(day, stamps, forced.get(day, []))
            self.play_day(day, stamps, specials)
            if day.day == 1 or i == len(active) - 1:
                log.info(
                    "scenario: %s played, block %d, %d transactions",
                    day,
                    self.chain.last_block,
                    self.chain.tx_count,
                )
        self.finish(active[-1])
        self.chain.call("evm_setAutomine", [self.automine])
        seconds = time.perf_counter() - started
        return ScenarioSummary(
            token_address=self.token,
            decoy_token_address=self.decoy_token,
            decoy_nft_address=self.nft,
            first_block=self.first_block,
            last_block=self.chain.last_block,
            start_date=self.start_date,
            end_date=self.end_date,
            tx_count=self.chain.tx_count,
            transfer_count=self.chain.transfer_count,
            days_with_activity=active,
            silent_days=sorted(self.silent),
            minted=self.usd1.minted,
            burned=self.usd1.burned,
            block_count=self.chain.block_count,
            seconds=seconds,
            balances={a: b for a, b in sorted(self.usd1.balances.items())},
            edge_blocks=dict(self.edge_blocks),
            bridge_out=list(self.bridge_out),
            freezes=list(self.freezes),
        )

    def _with_forced(
        self, day: date, stamps: list[tuple[int, str]], forced: list[str]
    ) -> list[tuple[int, str]]:
        """Add the forced 00:00:00 / 23:59:59 blocks to a day's timestamps."""
        table = dict(stamps)
        if "midnight" in forced:
            table[local_midnight(day, self.tz)] = f"midnight:{day}"
        if "2359" in forced:
            table[local_midnight(day + timedelta(days=1), self.tz) - 1] = f"2359:{day}"
        return sorted(table.items())

    def finish(self, last_day: date) -> None:
        """One block with the planted outflow to an unknown address, then three more blocks
        late on the last day, each with transfers (not yet final)."""
        end = local_midnight(last_day + timedelta(days=1), self.tz)
        base = max(self.chain.last_timestamp + 1, end - 600)
        self.planted_unknown_outflow()
        if self.chain.pending:
            self.mine(base)
            self.edge_blocks["unknown-outflow"] = self.chain.last_block
            base += 1
        for k in range(3):
            self.rule_deposits(2)
            self.rule_withdrawals(1)
            if not self.chain.pending:
                self.filler()
            self.mine(base + 12 * k)
            self.edge_blocks.setdefault("unfinalized-first", self.chain.last_block)


def unknown_recipient() -> str:
    """The planted address ops-hot pays on the last day: in neither the registry nor the
    demo's counterparty allow-list (marts.unknown_destination_outflows lists it)."""
    return demo_address("unknown-recipient")


def play_scenario(
    w3: Web3,
    config: Config,
    *,
    end_date: date | None = None,
    seed: int = 7,
    build_dir: Path | None = None,
    bridge: bool = False,
) -> ScenarioSummary:
    """Deploy the demo contracts on a fresh anvil and play ``start_date..end_date``.

    With ``bridge`` the treasury also burns tokens on a few days to move them to another
    network (``summary.bridge_out``; ``demo.bridge.play_bridge_chain`` mints them there).

    ``end_date`` defaults to 2026-11-03 (across the US daylight-saving change of
    2026-11-01); the span must be at least ``MIN_DAYS`` days. Contracts are compiled into
    (and cached in) ``build_dir``, by default ``<data_dir>/build/contracts``. The node must
    be fresh (account 0 at nonce 0) with a genesis timestamp before start_date's local
    midnight minus 10 minutes; see ``genesis_timestamp``. Automine is off while playing and
    restored afterwards.
    """
    end = end_date or date(2026, 11, 3)
    if (end - config.start_date).days + 1 < MIN_DAYS:
        raise ScenarioError(
            f"end_date {end} is less than {MIN_DAYS} days after start_date {config.start_date}"
        )
    build = build_dir or config.data_dir / "build" / "contracts"
    scenario = _Scenario(w3, config, end, seed, build)
    scenario.bridge = bridge
    summary = scenario.play()
    log.info(
        "scenario: %d blocks (%d..%d), %d transactions, %d USD1 transfers, %d active and %d "
        "silent days in %.1f s",
        summary.block_count,
        summary.first_block,
        summary.last_block,
        summary.tx_count,
        summary.transfer_count,
        len(summary.days_with_activity),
        len(summary.silent_days),
        summary.seconds,
    )
    return summary
