"""Keep secrets (RPC URLs with API keys) out of every log record.

Libraries below us (web3, urllib3) log request URLs at DEBUG level. Rather than trusting each
handler's configuration, `register_secret` installs a log-record factory once that replaces
every registered secret in a record's message and exception text with ``<redacted>``, whoever
logs it and whichever handler (pytest, Dagster, a file) writes it.
"""

from __future__ import annotations

import logging
import threading
import traceback
from urllib.parse import urlsplit

REDACTED = "<redacted>"
_secrets: list[str] = []
_lock = threading.Lock()
_installed = False


def secret_parts(url: str) -> list[str]:
    """The URL and the parts of it that may carry a key, longest first."""
    parts = urlsplit(url)
    candidates = {url, url.rstrip("/"), parts.netloc, parts.path, parts.query}
    candidates |= {p for p in (parts.username, parts.password) if p}
    candidates |= {seg for seg in parts.path.split("/") if len(seg) >= 8}
    keep = {c for c in candidates if c and len(c) >= 4 and c != "/"}
    return sorted(keep, key=len, reverse=True)


def redact(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def register_secret(url: str) -> list[str]:
    """Remember a URL's secret parts and make sure log records are scrubbed of them."""
    global _installed
    parts = secret_parts(url)
    with _lock:
        for part in parts:
            if part not in _secrets:
                _secrets.append(part)
        _secrets.sort(key=len, reverse=True)
        if not _installed:
            _install_record_factory()
            _installed = True
    return parts


def _install_record_factory() -> None:
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if not _secrets:
            return record
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the caller's problem, not ours
            return record
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)))
            record.exc_info = None
        return record

    logging.setLogRecordFactory(factory)
