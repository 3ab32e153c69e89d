"""Price vendor exports: one module per vendor layout."""
