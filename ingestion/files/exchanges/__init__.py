"""Exchange export adapters: one module per venue layout."""
