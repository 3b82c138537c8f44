"""Unified (UTA) accounts in the simulator: one margin pool across spot and every futures line.

The engine keeps a spot wallet and one futures wallet per margin coin per user (the classic account's shape). A
unified user is those wallets read and funded as one pool (rules in :mod:`~terminal_app.sim.engine.pool`):

* before an order, the coin it needs is moved into the wallet of its product from the others (:func:`fund_spot`,
  :func:`fund_futures`);
  when the pool has too little of it, margin and futures orders borrow the rest against the other coins;
* the account view (:func:`unified_view`) sums the wallets coin by coin, nets each coin's debt, values every coin in
  USD at the spot price, discounts it as collateral, and derives the pool's initial and maintenance margin and
  margin ratio (bitget-v3-uta.md §13);
* :func:`check` runs on the server's timer: interest every hour, automatic repayment from a coin's free balance,
  the countdown cancel-all, and liquidation when the margin ratio reaches 1 (the engine leaves a pooled user's
  crossed positions to this check: ``EngineState.pooled``).

Which users are unified is the key store's business (``ApiKey.uta``); the server calls :func:`enrol` for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from terminal_app.bitget.errors import ExchangeError
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine import pool as rules
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.engine.futures import FuturesAccount
from terminal_app.sim.engine.orders import Order, reject
from terminal_app.sim.market.markets import MARGIN_COINS, find_futures

ZERO = Decimal(0)
USDT = "USDT"
CHECK_EVERY_MS = 1_000
EIGHT = Decimal("0.00000001")


def book(ex: Exchange) -> rules.PoolBook:
    """The pools of ``ex`` (its pool desk's: saved and restored with the rest of the simulator's state)."""
    return ex.pool.book


def enrol(ex: Exchange, uid: str) -> None:
    """``uid`` is a unified account from now on."""
    if uid not in book(ex).users:
        book(ex).user(uid)
        ex.pool.enrol(uid)


@dataclass(frozen=True, slots=True)
class PoolCoin:
    coin: str
    balance: Decimal          # wallet balance of every wallet, less the debt (no unrealised PnL)
    available: Decimal        # free in the wallets (not held by orders nor margin)
    locked: Decimal           # held by open orders
    equity: Decimal           # balance + margin + unrealised PnL
    debt: Decimal             # borrowed and not repaid (interest included)
    usd_value: Decimal
    price: Decimal            # USD


@dataclass(frozen=True, slots=True)
class PoolView:
    equity: Decimal           # USD
    effective_equity: Decimal  # USD, every coin after its collateral discount
    unrealized_pl: Decimal    # USD
    initial_margin: Decimal   # USD: positions, open futures orders and loans
    maintenance_margin: Decimal  # USD: positions and loans
    margin_ratio: Decimal     # maintenance margin / effective equity
    coins: tuple[PoolCoin, ...]
    btc_price: Decimal
    position_value: Decimal = ZERO   # USD, every line's positions at their marks

    @property
    def debt_usd(self) -> Decimal:
        return sum((c.debt * c.price for c in self.coins), ZERO)

    def coin(self, name: str) -> PoolCoin | None:
        return next((c for c in self.coins if c.coin == name), None)


def usd_price(ex: Exchange, coin: str) -> Decimal:
    if coin in (USDT, "USDC", "USD"):
        return Decimal(1)
    try:
        return ex.ticker(SymbolRef(f"{coin}USDT", Product.SPOT)).last
    except ExchangeError:     # a coin without a USDT pair is worth nothing to the pool
        return ZERO


def _wallets(ex: Exchange, uid: str) -> dict[str, FuturesAccount]:
    return {coin: ex.futures_account(uid, coin) for coin in MARGIN_COINS}


def unified_view(ex: Exchange, uid: str) -> PoolView:
    pools = book(ex).user(uid)
    spot = {b.coin: b for b in ex.spot_balances(uid)}
    futs = _wallets(ex, uid)
    coins: list[PoolCoin] = []
    initial = maintenance = upl_usd = value = ZERO
    for p in ex.positions(uid, product=None):
        maintenance += p.total * p.mark_price * p.keep_margin_rate
        value += p.total * p.mark_price
    for coin in sorted(set(spot) | set(futs) | set(pools.loans)):
        b, f = spot.get(coin), futs.get(coin)
        price = usd_price(ex, coin)
        debt = pools.debt(coin)
        balance = (b.total if b else ZERO) - debt
        available = b.available if b else ZERO
        locked = b.frozen if b else ZERO
        equity = balance
        if f is not None:
            balance += f.equity - f.unrealized_pl
            available += f.available
            locked += f.locked
            equity += f.equity
            upl_usd += f.unrealized_pl * price
            initial += (f.crossed_margin + f.isolated_margin + f.locked) * price
        if not balance and not equity and not debt:
            continue
        coins.append(PoolCoin(coin, balance, available, locked, equity, debt, equity * price, price))
    equity_usd = sum((c.usd_value for c in coins), ZERO)
    effective = sum((rules.collateral_value(c.coin, c.usd_value) for c in coins), ZERO)
    debt_usd = sum((c.debt * c.price for c in coins), ZERO)
    initial += debt_usd * rules.LOAN_IMR
    maintenance += debt_usd * rules.LOAN_MMR
    if not maintenance:
        ratio = maintenance = ZERO
    elif effective > 0:
        ratio = (maintenance / effective).quantize(Decimal("0.00000001"))
    else:
        ratio = Decimal(1)
    return PoolView(equity_usd, effective, upl_usd, initial, maintenance, ratio, tuple(coins), usd_price(ex, "BTC"),
                    value)


# ---- funding an order ------------------------------------------------------------------------------------------

def _free(ex: Exchange, uid: str, coin: str) -> tuple[Decimal, Decimal]:
    """(free in the spot wallet, free to move out of the futures wallet of ``coin``)."""
    spot = next((b.available for b in ex.spot_balances(uid) if b.coin == coin), ZERO)
    fut = ex.futures_account(uid, coin).max_transfer_out if coin in MARGIN_COINS else ZERO
    return spot, max(fut, ZERO)


def gather(ex: Exchange, uid: str, coin: str, futures: bool) -> Decimal:
    """Move the pool's free ``coin`` into the spot wallet (``futures`` False) or the futures wallet margined in it;
    what is free there now."""
    spot, fut = _free(ex, uid, coin)
    if coin not in MARGIN_COINS:
        return spot
    if futures and spot > 0:
        ex.pool.shift(uid, coin, spot)
    elif not futures and fut > 0:
        ex.pool.shift(uid, coin, -fut)
    return spot + fut


def borrow(ex: Exchange, uid: str, coin: str, amount: Decimal, now_ms: int, *, extra_im_usd: Decimal = ZERO,
           code: str = "25202") -> None:
    """Borrow ``amount`` of ``coin`` into the spot wallet if the pool can carry the loan (its initial margin, with
    ``extra_im_usd`` for the order it funds, within the effective equity); Bitget's ``code`` when it cannot."""
    view = unified_view(ex, uid)
    price = usd_price(ex, coin)
    if price <= 0:
        raise reject(code, f"Insufficient balance: {coin} cannot be borrowed")
    need = view.initial_margin + extra_im_usd + amount * price * rules.LOAN_IMR
    if need > view.effective_equity:
        raise reject(code, "Insufficient balance: the unified account cannot borrow that much")
    ex.pool.credit(uid, coin, amount)
    book(ex).borrow(uid, coin, amount, now_ms)


def _price(ex: Exchange, ref: SymbolRef, price: str | None) -> Decimal:
    if price:
        try:
            return Decimal(price)
        except ArithmeticError:
            raise reject("40017", "Parameter price error") from None
    return ex.ticker(ref).last


def fund_spot(ex: Exchange, uid: str, ref: SymbolRef, side: str, order_type: str, qty: Decimal,
              price: str | None, now_ms: int, *, margin: bool) -> None:
    """Gather what a spot order spends into the spot wallet; a margin order borrows the shortfall of its quote."""
    market = ex.market(ref)
    quote, base = market.info.quote_coin, market.info.base_coin
    gather(ex, uid, base, futures=False)
    free = gather(ex, uid, quote, futures=False)
    if side != "buy":
        return
    # the spot engine holds qty × price of a limit buy (its fee is taken from the coin received)
    cost = qty if order_type == "market" else qty * _price(ex, ref, price)
    if cost > free and margin:
        borrow(ex, uid, quote, cost - free, now_ms)


def fund_futures(ex: Exchange, uid: str, ref: SymbolRef, qty: Decimal, price: str | None, now_ms: int, *,
                 closing: bool) -> None:
    """Gather the margin coin into its futures wallet; an opening order borrows what its margin lacks."""
    market = find_futures(ref.symbol)
    coin = market.margin_coin
    free = gather(ex, uid, coin, futures=True)
    if closing:
        return
    # a market order may fill away from the last price: a little headroom, repaid from the free balance after
    px = _price(ex, ref, price) * (1 if price else Decimal("1.005"))
    leverage = Decimal(ex.symbol_settings(uid, ref.symbol).cross_leverage or 1)
    # qty is in base coin on every line here (the route converts coin-M's USD); coin-M margin is in that coin
    margin = qty / leverage if market.inverse else qty * px / leverage
    fee = qty * market.info.taker_fee * (1 if market.inverse else px)
    need = margin + 2 * fee - free
    if need > 0:
        borrow(ex, uid, coin, need, now_ms, extra_im_usd=margin * usd_price(ex, coin), code="25203")
        ex.pool.shift(uid, coin, need)


# ---- the timer: interest, repayment, countdown, liquidation ----------------------------------------------------

def _coin_balance(ex: Exchange, uid: str, coin: str) -> Decimal:
    found = unified_view(ex, uid).coin(coin)
    return found.balance if found is not None else ZERO


def repay_from_free(ex: Exchange, uid: str) -> Decimal:
    """Net every loan against its coin's free balance (Bitget's debt is a negative balance); the USD repaid."""
    pools = book(ex).user(uid)
    usd = ZERO
    for coin in list(pools.loans):
        debt = pools.debt(coin)
        free = gather(ex, uid, coin, futures=False)
        paid = min(debt, free)
        if paid > 0:
            ex.pool.credit(uid, coin, -paid)
            book(ex).repaid(uid, coin, paid)
            usd += paid * usd_price(ex, coin)
    return usd


def repay_with(ex: Exchange, uid: str, owed_coins: list[str], paying_coins: list[str]) -> Decimal:
    """Repay the loans of ``owed_coins`` by selling free ``paying_coins`` at the spot price; the USD repaid."""
    pools = book(ex).user(uid)
    repaid_usd = repay_from_free(ex, uid)
    for owed in owed_coins:
        debt = pools.debt(owed)
        owed_price = usd_price(ex, owed)
        for payer in paying_coins:
            if debt <= 0 or owed_price <= 0:
                break
            pay_price = usd_price(ex, payer)
            free = gather(ex, uid, payer, futures=False)
            if pay_price <= 0 or free <= 0:
                continue
            # convert just enough of the paying coin into the owed coin (8 decimals, rounded up to cover the debt)
            sell = min(free, (debt * owed_price / pay_price).quantize(EIGHT, ROUND_UP))
            got = min(debt, (sell * pay_price / owed_price).quantize(EIGHT, ROUND_DOWN))
            if got <= 0:
                continue
            ex.pool.credit(uid, payer, -sell)
            book(ex).repaid(uid, owed, got)
            debt -= got
            repaid_usd += got * owed_price
    return repaid_usd


def cover_deficits(ex: Exchange, uid: str, now_ms: int) -> None:
    """A futures wallet whose balance fell below zero (losses realised beyond its cash) owes the difference: the pool
    books it as a loan of that coin (Bitget: debt = abs(min(balance, 0)))."""
    for coin in MARGIN_COINS:
        f = ex.futures_account(uid, coin)
        cash = f.equity - f.unrealized_pl
        if cash < 0:
            ex.pool.credit(uid, coin, -cash)
            book(ex).borrow(uid, coin, -cash, now_ms)
            ex.pool.shift(uid, coin, -cash)


def liquidate(ex: Exchange, uid: str, now_ms: int) -> list[Order]:
    """Close every crossed position at its mark and repay the loans with every coin the pool has left."""
    done = ex.pool.liquidate(uid)
    cover_deficits(ex, uid, now_ms)
    pools = book(ex).user(uid)
    owed = sorted(pools.loans)
    for coin in owed:
        before = pools.debt(coin)
        repay_with(ex, uid, [coin], [c.coin for c in unified_view(ex, uid).coins if c.coin != coin] + [coin])
        paid = before - pools.debt(coin)
        if paid > 0:
            book(ex).record(uid, coin, "RISK_LIQ_USER_OUT", -paid, _coin_balance(ex, uid, coin), now_ms)
    # what the pool could not repay is the insurance fund's loss (the coin was the house's): the debt is gone
    for coin in list(pools.loans):
        book(ex).repaid(uid, coin, pools.debt(coin))
    return done


def cancel_everything(ex: Exchange, uid: str) -> list[Order]:
    out = [o for o in ex.open_orders(uid, Product.SPOT)]
    for o in out:
        try:
            ex.cancel_spot_order(uid, o.ref.symbol, o.order_id)
        except ExchangeError:
            continue
    for product in (Product.USDT_FUTURES, Product.COIN_FUTURES, Product.USDC_FUTURES):
        out += ex.cancel_all_futures(uid, product=product)
    return out


def check(ex: Exchange, now_ms: int) -> None:
    """The pool's timer work for every unified user (at most once a simulated second)."""
    pools = book(ex)
    if now_ms - pools.last_check_ms < CHECK_EVERY_MS:
        return
    pools.last_check_ms = now_ms
    for uid, user in list(pools.users.items()):
        if user.deadline_ms and now_ms >= user.deadline_ms:
            user.deadline_ms = 0
            user.countdown_s = 0
            pools.dirty = True
            cancel_everything(ex, uid)
        cover_deficits(ex, uid, now_ms)
        if user.loans:
            # interest bears on each coin's negative balance only (pool.py: Bitget's debt, not the loan)
            negative = {c.coin: -c.balance for c in unified_view(ex, uid).coins if c.balance < 0}
            for coin, interest in pools.interest_due(uid, now_ms, negative):
                pools.record(uid, coin, "INTEREST_SETTLEMENT_OUT", -interest, _coin_balance(ex, uid, coin), now_ms)
        if user.loans:
            repay_from_free(ex, uid)
        view = unified_view(ex, uid)
        if view.maintenance_margin > 0 and view.margin_ratio >= 1:
            liquidate(ex, uid, now_ms)


def arm_countdown(ex: Exchange, uid: str, seconds: int, now_ms: int) -> None:
    """``POST /api/v3/trade/countdown-cancel-all``: cancel every order of ``uid`` unless re-armed within
    ``seconds`` (0 disarms)."""
    pools = book(ex)
    user = pools.user(uid)
    user.countdown_s = seconds
    user.deadline_ms = now_ms + seconds * 1000 if seconds else 0
    pools.dirty = True
