"""Keyed pseudonyms for customer identifiers: HMAC-SHA256 with a key from the environment.

The same customer gets the same pseudonym in every file and every run (so balances per customer
can be built), nobody without the key can reverse or recompute it, and the raw identifier never
reaches the warehouse. The key's variable is named in the configuration
(``files.pseudonym_key_env``); loading a file that needs it fails clearly when it is unset.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable

from ingestion.config import ConfigError
from ingestion.secrets import register_secret

MIN_KEY_LENGTH = 16


def pseudonymiser(env_name: str) -> Callable[[str], str]:
    """A function customer id -> ``c_<32 hex>``; raise ConfigError naming the variable."""
    key = os.environ.get(env_name, "")
    if not key.strip():
        raise ConfigError(
            f"files.pseudonym_key_env: environment variable {env_name} is not set or empty; "
            "export a secret key (at least 16 characters) to pseudonymise customer ids in "
            "ledger files"
        )
    if len(key) < MIN_KEY_LENGTH:
        raise ConfigError(
            f"files.pseudonym_key_env: the key in {env_name} is shorter than "
            f"{MIN_KEY_LENGTH} characters"
        )
    register_secret(key)  # never in a log line
    secret = key.encode()

    def pseudonymise(customer_id: str) -> str:
        digest = hmac.new(secret, customer_id.strip().encode(), hashlib.sha256).hexdigest()
        return "c_" + digest[:32]

    return pseudonymise
