"""Domain state and rules (order book, candles, portfolio, validation). No Qt, no I/O."""
