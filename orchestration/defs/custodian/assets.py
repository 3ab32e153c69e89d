"""Custodian statements from the landing folders: balances and movements per account."""

from orchestration.defs.landing import file_assets

custodian_files = file_assets(
    "custodian",
    {
        "custodian_balances": "Custodian balances per account and asset as of a time "
        "(Fireblocks vault listings, canonical CSVs mapped in files.canonical_layouts), with "
        "file provenance; audit.files says which statement version is current.",
        "custodian_movements": "Custodian movements per account (BitGo transfers, Coinbase "
        "Prime transactions): signed amounts, status, finality and tx hash where given.",
    },
)
