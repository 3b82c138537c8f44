"""The watchlist on a real simulator: coin-M and USDC-M markets are added by any of their names (bare V2 symbols,
V1 ids, a perpetual word), the quarterly shows its expiry instead of "PERP", and the default list holds one coin-M
and one USDC-M market beside the USDT ones."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from terminal_app.config.settings import WATCHLIST, Settings
from terminal_app.core.instruments import Product, SymbolRef, expiry_text
from terminal_app.ui.docks.watchlist import create_watchlist

BTCUSD = SymbolRef("BTCUSD", Product.COIN_FUTURES)
BTCPERP = SymbolRef("BTCPERP", Product.USDC_FUTURES)
QUARTER = SymbolRef("BTCUSDH27", Product.COIN_FUTURES)


@pytest.mark.asyncio
async def test_coin_m_and_usdc_m_are_added_by_any_name(qtbot: QtBot, live: Any) -> None:
    async with live() as s:
        settings = Settings()
        settings.set(WATCHLIST, ("BTCUSDT:spot",))
        w = create_watchlist(s, None, settings=settings)
        qtbot.addWidget(w)
        assert s.market_data.market(BTCUSD) is not None
        for typed, ref in (("BTCUSD", BTCUSD), ("btcusd_dmcbl", BTCUSD), ("BTCUSD PERP", BTCUSD), ("btcusd.p", BTCUSD),
                           ("BTCPERP", BTCPERP), ("BTCPERP_CMCBL", BTCPERP), ("btcperp.p", BTCPERP),
                           ("BTCUSDH27", QUARTER), ("BTCUSDT", SymbolRef("BTCUSDT", Product.SPOT))):
            assert w.add_symbol(typed) == ref, typed
            assert w.message.isHidden(), (typed, w.message.text())
        assert w.symbols() == [SymbolRef("BTCUSDT", Product.SPOT), BTCUSD, BTCPERP, QUARTER]
        assert settings.get(WATCHLIST) == ("BTCUSDT:spot", "BTCUSD:coin_futures", "BTCPERP:usdc_futures",
                                           "BTCUSDH27:coin_futures")
        names = [w.model.text(r, "Symbol") for r in range(4)]
        market = s.market_data.market(QUARTER)
        assert market is not None
        assert market.delivery_time is not None
        assert names == ["BTCUSDT", "BTCUSD PERP", "BTCPERP PERP", f"BTCUSD {expiry_text(market.delivery_time)}"]
        assert names[3] == "BTCUSD 26 Mar 27"
        # an explicit line that does not list the symbol is not second-guessed
        assert w.add_symbol("BTCUSD_UMCBL") is None
        assert "USDT-M futures market BTCUSD" in w.message.text()


def test_default_watchlist_has_a_coin_m_and_a_usdc_m_market() -> None:
    assert "BTCUSD:coin_futures" in WATCHLIST.default
    assert "BTCPERP:usdc_futures" in WATCHLIST.default
