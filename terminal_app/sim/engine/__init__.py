"""The exchange engine: orders and matching, spot and futures settlement, funding, TP/SL triggers, liquidation,
views, persistence, and the :class:`~terminal_app.sim.engine.exchange.Exchange` facade over all of it. Imports
``sim.market`` only."""
