"""The period-end close: snapshot a period's marts into `audit`, render its close pack
(Excel, CSV, PDF) from the snapshot, and report late data as prior-period adjustments.

Modules: `periods` (naming and cutting periods), `sources` (what a period's data is),
`snapshot` (storing it with a content hash), `closing` (close / reopen and their log),
`adjustments` (live data against a closed snapshot), `tables` (the pack's tables), `workbook`,
`csvs`, `charts`, `pdf` (the renderers), `pack` (all of them for one period), `packfiles`
(the files written at a close, stored as its record) and `approval` (sign-off by a second user).
"""
