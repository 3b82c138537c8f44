"""Balances panel: spot assets and the futures account, live from the account service's signals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from terminal_app.core.accounts import FuturesAccount, SpotAsset
from terminal_app.ui.docks.balances import BalancesPanel, create_balances

D = Decimal


def asset(coin: str, available: str, frozen: str = "0", locked: str = "0") -> SpotAsset:
    return SpotAsset(coin=coin, available=D(available), frozen=D(frozen), locked=D(locked), u_time=None)


def futures(equity: str = "10250", available: str = "7000", locked: str = "250", upl: str | None = "250") -> Any:
    return FuturesAccount(margin_coin="USDT", available=D(available), locked=D(locked), equity=D(equity),
                          usdt_equity=D(equity), unrealized_pl=None if upl is None else D(upl),
                          crossed_max_available=None, isolated_max_available=None)


def make(qtbot: QtBot, services: Any) -> BalancesPanel:
    panel = create_balances(services, None)
    qtbot.addWidget(panel)
    return panel


def test_spot_assets_stable_first_with_coin_decimals(qtbot: QtBot, services: Any) -> None:
    services.account.assets = [asset("BTC", "0.12345678", "0.01"), asset("USDT", "1000.5", "250"),
                               asset("DOGE", "0"), asset("ETH", "1.5", locked="0.5")]
    panel = make(qtbot, services)
    m = panel.spot_model
    assert [m.text(r, "Coin") for r in range(m.rowCount())] == ["USDT", "BTC", "ETH"]  # zero DOGE hidden
    assert [m.text(0, c) for c in ("Available", "Frozen", "Locked", "Total")] == [
        "1,000.5000", "250.0000", "0.0000", "1,250.5000"]
    assert m.text(1, "Available") == "0.1235"  # BTC spot lot 0.0001 → 4 decimals
    assert m.text(2, "Total") == "2.000"  # ETH lot 0.001
    assert panel.total.text() == "  stable coins 1,250.50"
    panel.hide_zero.setChecked(False)
    assert m.rowCount() == 4
    assert m.text(3, "Available") == "0.00000000"  # no DOGE market known: 8 decimals


def test_balances_update_live(qtbot: QtBot, services: Any) -> None:
    services.account.assets = [asset("USDT", "1000")]
    panel = make(qtbot, services)
    services.account.assets = [asset("USDT", "900", "100"), asset("BTC", "0.01")]
    services.account.balances_changed.emit()
    assert panel.spot_model.text(0, "Frozen") == "100.0000"
    assert panel.spot_model.rowCount() == 2
    services.account.assets = [asset("BTC", "0.01")]
    services.account.balances_changed.emit()
    assert [a.coin for a in panel.spot_model.rows()] == ["BTC"]


def test_futures_account_with_position_margin(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services)
    assert panel.futures_model.rowCount() == 0
    services.account.futures = futures()
    services.account.open_positions = [kit.position(margin="3000", upl="200"),
                                       kit.position(margin="500", upl="50", side="short")]
    services.account.futures_account_changed.emit()
    m = panel.futures_model
    assert [m.text(0, c) for c in ("Coin", "Equity", "Available", "Order margin", "Position margin", "uPnL")] == [
        "USDT", "10,250.0000", "7,000.0000", "250.0000", "3,500.0000", "+250.0000"]
    services.account.futures = futures(equity="10100", upl=None)
    services.account.positions_changed.emit()
    assert m.text(0, "Equity") == "10,100.0000"
    assert m.text(0, "uPnL") == "+250.0000"  # summed from the positions when the account omits it
    services.account.futures = None
    services.account.futures_account_changed.emit()
    assert m.rowCount() == 0


def test_model_contracts(qtbot: QtBot, services: Any, kit: Any, qtmodeltester: ModelTester) -> None:
    services.account.assets = [asset("BTC", "1"), asset("USDT", "5")]
    services.account.futures = futures()
    panel = make(qtbot, services)
    qtmodeltester.check(panel.spot_model, force_py=True)
    qtmodeltester.check(panel.futures_model, force_py=True)


def test_screenshot(qtbot: QtBot, services: Any, kit: Any) -> None:
    services.account.assets = [asset("BTC", "0.12345678", "0.01"), asset("USDT", "10000.5", "250"),
                               asset("ETH", "1.5", locked="0.5")]
    services.account.futures = futures()
    services.account.open_positions = [kit.position()]
    panel = make(qtbot, services)
    assert kit.shot(panel, "balances", (640, 260)).exists()


def _pool() -> Any:
    from terminal_app.core.accounts import UnifiedAccount, UnifiedAsset

    coins = (UnifiedAsset("USDT", D("-1500.25"), D("-1500.25"), D("0"), D("0"), D("3500.25"), D("-1500.25")),
             UnifiedAsset("BTC", D("0.31"), D("0.31"), D("0.3"), D("0.01"), D("0"), D("30070")),
             UnifiedAsset("USDC", D("10000"), D("10000"), D("10000"), D("0"), D("0"), D("10000")),
             UnifiedAsset("ETH", D("0"), D("0"), D("0"), D("0"), D("0"), D("0")))
    return UnifiedAccount(equity=D("38569.75"), effective_equity=D("38268.05"), unrealized_pl=D("0"),
                          maintenance_margin=D("350.03"), initial_margin=D("700.05"), margin_ratio=D("0.0091"),
                          assets=coins)


def test_a_unified_pool_shows_every_coin_with_its_debt(qtbot: QtBot, services: Any, kit: Any) -> None:
    services.account.unified = True
    services.account.pool = _pool()
    services.account.futures = futures()
    panel = make(qtbot, services)
    m = panel.pool_model
    assert panel.spot_view.model() is m
    assert [m.text(r, "Coin") for r in range(m.rowCount())] == ["USDC", "USDT", "BTC"]    # empty ETH hidden
    usdt = m.row_of("USDT")
    assert usdt is not None
    assert m.row_at(usdt).debt == D("3500.25")
    assert m.text(usdt, "Borrowed") == "3,500.2500"       # USDT at the money rule of the spot table
    assert panel.pool.text() == ("Equity 38,569.75 USD · as margin 38,268.05 USD · borrowed ≈ 3,500.25 USD · "
                                 "margin ratio 0.91 %")
    # the pool's futures row: the margin coin's own value, not the whole pool's (shown in the line above)
    f = panel.futures_model
    row = f.row_of("USDT")
    assert (f.text(row, "Line"), f.text(row, "USDT value")) == ("Pool", "-1,500.25")
    services.account.pool = None
    panel.refresh_spot()
    assert m.rowCount() == 0
    services.account.pool = _pool()
    panel.refresh_spot()
    assert kit.shot(panel, "balances-unified", (760, 260)).exists()
