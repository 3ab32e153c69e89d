"""Which asset a price file holds (from its name, per ``files.prices.series``)."""

from __future__ import annotations

from datetime import datetime
from fnmatch import fnmatchcase

from ingestion.files.adapters import ParseContext
from ingestion.files.problems import FileRejected, Problem


def asset_for_file(ctx: ParseContext) -> str:
    matches = [
        s.asset
        for s in ctx.config.files.prices.series
        if s.source == ctx.source.adapter and fnmatchcase(ctx.file_name, s.file_pattern)
    ]
    if len(set(matches)) != 1:
        reason = "matches no" if not matches else "matches more than one"
        raise FileRejected(
            [
                Problem(
                    0,
                    "",
                    ctx.file_name,
                    f"the file name {reason} files.prices.series[].file_pattern for "
                    f"{ctx.source.adapter}: the vendor's file does not name its coin",
                )
            ]
        )
    return matches[0]


def price_key(ctx: ParseContext, asset: str, times: list[datetime]) -> str:
    span = f"{min(times).isoformat()}..{max(times).isoformat()}" if times else "empty"
    return f"{ctx.source.name}|{asset}|{span}"
