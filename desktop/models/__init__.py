"""Qt models: thin adapters over the store's queries."""
