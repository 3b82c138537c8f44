"""Unified (UTA) accounts in the simulator: one margin pool across spot and futures.

The engine keeps a spot wallet and a USDT-M futures wallet per user (the classic account's shape). A unified user is
the same two wallets read and funded as one pool: before an order, USDT the order needs is moved from the other
wallet (:func:`fund_for`), and the account view (:func:`unified_view`) sums both wallets coin by coin, values every
coin in USD at the spot price, and derives the pool's maintenance margin and margin ratio from the positions
(bitget-v3-uta.md §13). Which users are unified is the key store's business (``ApiKey.uta``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine.exchange import Exchange

ZERO = Decimal(0)
USDT = "USDT"


@dataclass(frozen=True, slots=True)
class PoolCoin:
    coin: str
    balance: Decimal          # wallet balance, both wallets (no unrealised PnL)
    available: Decimal
    locked: Decimal           # held by open orders
    equity: Decimal           # balance + frozen margin + unrealised PnL
    usd_value: Decimal


@dataclass(frozen=True, slots=True)
class PoolView:
    equity: Decimal           # USD
    unrealized_pl: Decimal
    initial_margin: Decimal   # margin of positions and open futures orders
    maintenance_margin: Decimal
    margin_ratio: Decimal     # maintenance margin / equity
    coins: tuple[PoolCoin, ...]

    @property
    def effective_equity(self) -> Decimal:
        return self.equity


def usd_price(ex: Exchange, coin: str) -> Decimal:
    if coin in (USDT, "USDC", "USD"):
        return Decimal(1)
    try:
        return ex.ticker(SymbolRef(f"{coin}USDT", Product.SPOT)).last
    except Exception:  # a coin without a USDT pair is worth nothing to the pool
        return ZERO


def fund_for(ex: Exchange, uid: str, product: Product) -> None:
    """Put the pool's free USDT in the wallet of ``product`` (futures: the margin wallet; spot: the spot one)."""
    if product.is_futures:
        spare = next((b.available for b in ex.spot_balances(uid) if b.coin == USDT), ZERO)
        if spare > 0:
            ex.shift_usdt(uid, spare)
    else:
        spare = ex.futures_account(uid).max_transfer_out
        if spare > 0:
            ex.shift_usdt(uid, -spare)


def unified_view(ex: Exchange, uid: str) -> PoolView:
    fut = ex.futures_account(uid)
    positions = ex.positions(uid)
    balances = {b.coin: b for b in ex.spot_balances(uid)}
    coins: list[PoolCoin] = []
    names = sorted(set(balances) | {USDT})
    for coin in names:
        b = balances.get(coin)
        balance = b.total if b else ZERO
        available = b.available if b else ZERO
        locked = b.frozen if b else ZERO
        equity = balance
        if coin == USDT:
            cash = fut.equity - fut.unrealized_pl   # the futures wallet's balance
            balance += cash
            available += fut.available
            locked += fut.locked
            equity += fut.equity
        if not balance and not equity:
            continue
        coins.append(PoolCoin(coin, balance, available, locked, equity, equity * usd_price(ex, coin)))
    equity_usd = sum((c.usd_value for c in coins), ZERO)
    maintenance = sum((p.total * p.mark_price * p.keep_margin_rate for p in positions), ZERO)
    initial = fut.crossed_margin + fut.isolated_margin + fut.locked
    ratio = (maintenance / equity_usd).quantize(Decimal("0.00000001")) if equity_usd > 0 else ZERO
    return PoolView(equity_usd, fut.unrealized_pl, initial, maintenance, ratio, tuple(coins))
