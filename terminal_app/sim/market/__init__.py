"""The simulated markets: the catalogue, the price process, candle history, and each market's book, house maker and
synthetic trade flow. Imports nothing else of ``sim``."""
