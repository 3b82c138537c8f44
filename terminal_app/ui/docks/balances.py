"""Balances panel: spot assets (available / frozen / locked) and the USDT-M futures account (equity, available,
order margin, position margin, unrealized PnL), refreshed whenever the account service says they changed.

On a unified account the left table is the pool's coins (equity, available, held by orders, borrowed, USD value) and
a line above the futures table shows the pool: equity in USD, the equity that counts as margin after each coin's
discount, what is borrowed, and the margin ratio that liquidates the whole account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from terminal_app.config.settings import Settings
from terminal_app.core.accounts import FuturesAccount, SpotAsset, UnifiedAccount, UnifiedAsset
from terminal_app.core.instruments import MarketInfo
from terminal_app.ui.docks import DockServices, known_markets
from terminal_app.ui.docks.common import make_table
from terminal_app.ui.format import STABLE_COINS, coin_places, fmt_fixed
from terminal_app.ui.models.table import Column, StreamingTableModel, fixed, signed, text

_ZERO = Decimal(0)
LINE_LABELS = {"usdt_futures": "USDT-M", "coin_futures": "Coin-M", "usdc_futures": "USDC-M"}


@dataclass(frozen=True, slots=True)
class FuturesRow:
    """The futures account with the margin its positions hold (the account push does not carry it)."""

    account: FuturesAccount
    position_margin: Decimal
    unrealized: Decimal
    line: str = "USDT-M"
    # a unified pool's row: the coin's own USD value (the account's usdtEquity is the whole pool, shown above it)
    coin_usd: Decimal | None = None

    @property
    def usd_value(self) -> Decimal:
        return self.coin_usd if self.coin_usd is not None else self.account.usdt_equity

    @property
    def coin(self) -> str:
        return self.account.margin_coin


class BalancesPanel(QWidget):
    """The balances panel."""

    def __init__(self, services: DockServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("BalancesPanel")
        self.services = services
        self.account = services.account
        self.unified = self.account.unified
        self._coin_places: dict[str, int] = {}

        self.spot_model: StreamingTableModel[SpotAsset] = StreamingTableModel(self._spot_columns(),
                                                                              key=lambda a: a.coin)
        self.futures_model: StreamingTableModel[FuturesRow] = StreamingTableModel(self._futures_columns(),
                                                                                  key=lambda r: r.coin)
        self.hide_zero = QCheckBox("Hide zero balances", self)
        self.hide_zero.setChecked(True)
        self.hide_zero.toggled.connect(self.refresh_spot)
        self.total = QLabel(self)
        self.pool_model: StreamingTableModel[UnifiedAsset] = StreamingTableModel(self._pool_columns(),
                                                                                 key=lambda a: a.coin)
        if self.unified:
            self.spot_view = make_table(self.pool_model, self, stretch=0, widths={"Equity": 110, "USD value": 110})
        else:
            self.spot_view = make_table(self.spot_model, self, stretch=0, widths={"Total": 110})
        self.spot_view.setObjectName("SpotBalancesView")
        self.futures_view = make_table(self.futures_model, self, stretch=0,
                                       widths={"Equity": 110, "Order margin": 110, "Position margin": 120})
        self.futures_view.setObjectName("FuturesAccountView")

        # Side by side: the bottom panel is wide and short, and stacked the spot table showed one row (USDT),
        # hiding BTC and ETH below it. Each table now has the panel's whole height: a handful of coins at a glance.
        spot_bar = QHBoxLayout()
        spot_bar.setContentsMargins(4, 4, 4, 0)
        spot_bar.addWidget(QLabel("<b>Unified account: coins</b>" if self.unified else "<b>Spot</b>", self))
        spot_bar.addWidget(self.total, 1)
        spot_bar.addWidget(self.hide_zero)
        spot = QVBoxLayout()
        spot.setSpacing(2)
        spot.addLayout(spot_bar)
        spot.addWidget(self.spot_view, 1)
        futures_title = QLabel("<b>USDT-M futures (margin from the pool)</b>" if self.unified
                               else "<b>USDT-M futures</b>", self)
        futures_title.setContentsMargins(4, 4, 4, 0)
        # A unified account's one margin pool: equity in USD and the margin ratio that liquidates the whole account.
        self.pool = QLabel(self)
        self.pool.setObjectName("UnifiedPool")
        self.pool.setContentsMargins(4, 0, 4, 0)
        self.pool.setVisible(self.unified)
        futures = QVBoxLayout()
        futures.setSpacing(2)
        futures.addWidget(futures_title)
        futures.addWidget(self.pool)
        futures.addWidget(self.futures_view, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(spot, 1)
        layout.addLayout(futures, 1)

        self.account.balances_changed.connect(self.refresh_spot)
        self.account.futures_account_changed.connect(self.refresh_futures)
        self.account.positions_changed.connect(self.refresh_futures)
        services.market_data.markets_loaded.connect(self._learn_coin_places)
        self._learn_coin_places()
        self.refresh_spot()
        self.refresh_futures()

    # --- columns --------------------------------------------------------------------------------------------------

    def places(self, coin: str) -> int:
        return self._coin_places.get(coin, coin_places(coin))

    def _spot_columns(self) -> list[Column[SpotAsset]]:
        def p(a: SpotAsset) -> int:
            return self.places(a.coin)

        return [
            Column("Coin", lambda a: a.coin, text()),
            Column("Available", lambda a: a.available, fixed(p), numeric=True),
            Column("Frozen", lambda a: a.frozen, fixed(p), numeric=True, tooltip=lambda a: "Held by open orders"),
            Column("Locked", lambda a: a.locked, fixed(p), numeric=True),
            Column("Total", lambda a: a.available + a.frozen + a.locked, fixed(p), numeric=True),
        ]

    def _pool_columns(self) -> list[Column[UnifiedAsset]]:
        def p(a: UnifiedAsset) -> int:
            return self.places(a.coin)

        return [
            Column("Coin", lambda a: a.coin, text()),
            Column("Equity", lambda a: a.equity, signed(p), numeric=True, direction=lambda a: min(a.equity, _ZERO),
                   tooltip=lambda a: "Balance + margin + unrealised PnL − debt"),
            Column("Available", lambda a: a.available, fixed(p), numeric=True),
            Column("Borrowed", lambda a: a.debt, fixed(p), numeric=True,
                   tooltip=lambda a: "Debt of this coin (interest included); repaid from the coin's free balance"),
            Column("Frozen", lambda a: a.locked, fixed(p), numeric=True, tooltip=lambda a: "Held by open orders"),
            Column("USD value", lambda a: a.usd_value if a.usd_value is not None else _ZERO, fixed(2), numeric=True),
        ]

    def _futures_columns(self) -> list[Column[FuturesRow]]:
        def p(r: FuturesRow) -> int:
            return self.places(r.coin)

        return [
            Column("Coin", lambda r: r.coin, text()),
            Column("Line", lambda r: r.line, text()),
            Column("Equity", lambda r: r.account.equity, fixed(p), numeric=True),
            Column("Available", lambda r: r.account.available, fixed(p), numeric=True),
            Column("Order margin", lambda r: r.account.locked, fixed(p), numeric=True,
                   tooltip=lambda r: "Held by open orders"),
            Column("Position margin", lambda r: r.position_margin, fixed(p), numeric=True),
            Column("uPnL", lambda r: r.unrealized, signed(p), numeric=True, direction=lambda r: r.unrealized),
            Column("USDT value", lambda r: r.usd_value, fixed(2), numeric=True,
                   tooltip=lambda r: "The account's equity in USDT (Bitget's usdtEquity)" if r.coin_usd is None
                   else "This coin's value in USD; the pool's equity is the line above"),
        ]

    # --- refresh --------------------------------------------------------------------------------------------------

    def refresh_spot(self) -> None:
        """The coins; on a unified account the pool's table is the one shown (the plain one stays current for
        the callers that read balances as spot assets)."""
        if self.unified:
            self._refresh_pool(self.account.unified_account())
        assets = self.account.spot_assets()
        if self.hide_zero.isChecked():
            assets = [a for a in assets if a.available + a.frozen + a.locked != 0]
        keep = {a.coin for a in assets}
        for old in self.spot_model.rows():
            if old.coin not in keep:
                self.spot_model.remove(old.coin)
        self.spot_model.upsert_many(sorted(assets, key=lambda a: (a.coin not in STABLE_COINS, a.coin)))
        self.spot_model.flush()
        if self.unified:
            return
        stable = sum((a.available + a.frozen + a.locked for a in assets if a.coin in STABLE_COINS), Decimal(0))
        self.total.setText(f"  stable coins {fmt_fixed(stable, 2)}" if assets else "  no spot balance")

    def _refresh_pool(self, pool: UnifiedAccount | None) -> None:
        assets = list(pool.assets) if pool is not None else []
        if self.hide_zero.isChecked():
            assets = [a for a in assets if a.equity or a.debt or a.locked]
        keep = {a.coin for a in assets}
        for old in self.pool_model.rows():
            if old.coin not in keep:
                self.pool_model.remove(old.coin)
        self.pool_model.upsert_many(sorted(assets, key=lambda a: (a.coin not in STABLE_COINS, a.coin)))
        self.pool_model.flush()
        if pool is None:
            self.total.setText("  no pool yet")
            return
        debt = sum((a.debt * (a.usd_value / a.equity if a.equity and a.usd_value is not None else _ZERO)
                    for a in pool.assets if a.debt), _ZERO)
        self.total.setText(f"  {len(assets)} coins")
        ratio = pool.margin_ratio
        parts = [f"Equity {fmt_fixed(pool.equity, 2)} USD"]
        if pool.effective_equity is not None:
            parts.append(f"as margin {fmt_fixed(pool.effective_equity, 2)} USD")
        if any(a.debt for a in pool.assets):
            parts.append(f"borrowed ≈ {fmt_fixed(debt, 2)} USD")
        parts.append("margin ratio " + ("–" if ratio is None else f"{fmt_fixed(ratio * 100, 2)} %"))
        self.pool.setText(" · ".join(parts))
        self.pool.setToolTip("One margin pool backs spot and every futures line. Each coin counts as margin after "
                             "its collateral discount; borrowed coins are debts that pay interest hourly. The margin "
                             "ratio is the maintenance margin over that equity: at 100 % the whole account is "
                             "liquidated.")

    def refresh_futures(self) -> None:
        """One row per margin coin of every futures line (USDT-M's USDT, USDC-M's USDC, coin-M's BTC, ETH …); a
        unified account has one row, its margin pool, which every futures category draws on."""
        if self.unified:
            pool = self.account.futures_account()
            accounts = [("Pool", pool)] if pool is not None else []
        else:
            accounts = [(LINE_LABELS.get(product.value, product.label), a)
                        for product, a in self.account.futures_accounts()]
        if not accounts:
            self.futures_model.clear()
            return
        if self.unified and self.account.unified_account() is None:
            pool = self.account.futures_account()
            ratio = pool.crossed_risk_rate if pool is not None else None
            equity = fmt_fixed(pool.usdt_equity, 2) if pool is not None else "–"
            self.pool.setText(f"Equity {equity} USD · margin ratio "
                              + ("–" if ratio is None else f"{fmt_fixed(ratio * 100, 2)} %"))
        unified = self.account.unified_account() if self.unified else None
        coin_usd = {a.coin: a.usd_value for a in unified.assets} if unified is not None else {}
        rows = []
        for line, account in accounts:
            positions = [p for p in self.account.positions() if p.margin_coin == account.margin_coin]
            margin = sum((p.margin_size for p in positions), Decimal(0))
            unrealized = account.unrealized_pl if account.unrealized_pl is not None else \
                sum((p.unrealized_pl for p in positions), Decimal(0))
            rows.append(FuturesRow(account, margin, unrealized, line, coin_usd.get(account.margin_coin)))
        keep = {r.coin for r in rows}
        for old in self.futures_model.rows():
            if old.coin not in keep:
                self.futures_model.remove(old.coin)
        self.futures_model.upsert_many(rows)
        self.futures_model.flush()

    def _learn_coin_places(self, markets: Mapping[str, MarketInfo] | None = None) -> None:
        """Base coins show their markets' size decimals (BTC 6, DOGE 0…); stable coins keep the money rule."""
        for info in (markets if markets is not None else known_markets(self.services)).values():
            if info.ref.is_futures or info.base_coin in STABLE_COINS:
                continue
            self._coin_places[info.base_coin] = max(self._coin_places.get(info.base_coin, 0), info.size_places)
        for model in (self.spot_model, self.pool_model, self.futures_model):
            if model.rowCount():
                model.dataChanged.emit(model.index(0, 0), model.index(model.rowCount() - 1, model.columnCount() - 1))


def create_balances(services: DockServices, parent: QWidget | None = None, *,
                    settings: Settings | None = None) -> BalancesPanel:
    return BalancesPanel(services, parent)
