"""Copy trading on top of the exchange facade: elite traders (synthetic and simulator users), followers, tracking
orders and profit share. Imports ``sim.engine`` and ``sim.market`` only."""
