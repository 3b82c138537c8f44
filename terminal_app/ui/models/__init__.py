"""Qt item models over domain rows (streaming tables for orders, fills, positions, balances, watchlist, tape)."""
