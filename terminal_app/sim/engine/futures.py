"""Futures accounts (one ledger per margin coin: USDT-M, USDC-M and each coin-M coin), per-symbol settings, positions
and TP/SL plan orders (snapshots). Linear and inverse (coin-M) arithmetic both live here."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from terminal_app.core.instruments import SymbolRef

ZERO = Decimal(0)
MONEY_STEP = Decimal("1e-12")
COIN_STEP = Decimal("1e-8")           # USDT as Bitget's futures accounts and bills show it
FUNDING_FEE = "contract_settle_fee"   # Bitget's businessType of a funding payment in mix account bills
ONE_WAY = "one_way_mode"
HEDGE = "hedge_mode"
CROSSED = "crossed"
ISOLATED = "isolated"
USDT = "USDT"                         # the margin coin of USDT-M futures


@dataclass(frozen=True, slots=True)
class FuturesAccount:
    """USDT-M account. ``equity = available + locked + crossed_margin + isolated_margin + unrealized_pl``."""

    uid: str
    margin_coin: str
    available: Decimal             # cash not used as margin nor frozen
    locked: Decimal                # frozen by open orders
    crossed_margin: Decimal        # initial margin of crossed positions
    isolated_margin: Decimal       # margin held by isolated positions
    unrealized_pl: Decimal
    equity: Decimal
    crossed_max_available: Decimal # what a new crossed order may use (available plus crossed losses)
    isolated_max_available: Decimal
    max_transfer_out: Decimal
    crossed_risk_rate: Decimal     # crossed maintenance margin / crossed equity
    pos_mode: str
    u_time: int


@dataclass(frozen=True, slots=True)
class SymbolSettings:
    symbol: str
    margin_mode: str               # "crossed" | "isolated"
    cross_leverage: int
    long_leverage: int             # isolated long (and isolated one-way)
    short_leverage: int


@dataclass(frozen=True, slots=True)
class Position:
    uid: str
    ref: SymbolRef
    pos_id: str
    hold_side: str                 # "long" | "short"
    pos_mode: str
    margin_mode: str
    total: Decimal                 # size in base
    available: Decimal             # total minus what pending close orders hold
    locked: Decimal                # held by pending close orders
    open_delegate_size: Decimal    # size of pending orders that would open more of this side
    open_price_avg: Decimal
    leverage: int
    margin: Decimal                # isolated: the position's margin; crossed: its initial margin
    achieved_profits: Decimal      # realised PnL since the position opened
    unrealized_pl: Decimal
    unrealized_plr: Decimal        # unrealized PnL / initial margin
    liquidation_price: Decimal     # 0 when it cannot be liquidated by price
    keep_margin_rate: Decimal
    mark_price: Decimal
    break_even_price: Decimal
    total_fee: Decimal             # fees paid on this position (positive)
    margin_ratio: Decimal          # maintenance margin / margin balance
    take_profit: Decimal | None    # position TP trigger (pos_profit) if any
    stop_loss: Decimal | None      # position SL trigger (pos_loss) if any
    c_time: int
    u_time: int


@dataclass(frozen=True, slots=True)
class PlanOrder:
    """A TP/SL order. Triggers on the mark price and closes at market (``execute_price`` None)."""

    order_id: str
    client_oid: str
    uid: str
    ref: SymbolRef
    plan_type: str                 # "profit_plan" | "loss_plan" | "pos_profit" | "pos_loss"
    trigger_price: Decimal
    trigger_type: str              # "mark_price" (also accepted: "fill_price", evaluated on the mark as well)
    execute_price: Decimal | None
    hold_side: str                 # "long" | "short"
    size: Decimal | None           # None: the whole position
    status: str                    # "live" | "executed" | "cancelled"
    pos_mode: str
    side: str                      # side of the closing order: "sell" closes a long, "buy" a short
    executed_order_id: str
    linked_order_id: str           # the order whose preset TP/SL created it, else ""
    c_time: int
    u_time: int
    # Trigger orders and trailing stops (``sim.engine.stops``); TP/SL plans leave them at their defaults.
    amount: Decimal | None = None  # the stop's size (spot market buys of planType "total": quote)
    callback_ratio: Decimal | None = None   # trailing: percent
    best: Decimal | None = None    # trailing: the best price since activation (None: not active yet)
    trade_side: str = ""           # hedge-mode stops: open / close
    reduce_only: bool = False
    order_type: str = ""           # "market" | "limit" for stops
    size_unit: str = ""            # spot: "amount" (base) or "total" (quote)


@dataclass(frozen=True, slots=True)
class AccountBill:
    """One row of the USDT-M account's bill (Bitget ``/api/v2/mix/account/bill``): money in (+) or out (-)."""

    bill_id: str
    uid: str
    symbol: str
    coin: str
    business_type: str             # e.g. "contract_settle_fee" (funding)
    amount: Decimal
    fee: Decimal                   # trading fee of the row (0 for funding), negative when paid
    balance: Decimal               # the account's wallet balance after the row (no unrealised PnL)
    c_time: int


# ---- mutable state ------------------------------------------------------------------------------------------
#
# Money model (USDT-M, linear contracts). Per user:
#   cash     wallet money not frozen and not isolated margin (crossed positions' margin stays in cash, earmarked)
#   frozen   margin held by open orders that would open or grow a position
#   isolated margin moved into each isolated position
# Position cost = sum of price * size of the fills that opened it (average entry = cost / size).
# Unrealised PnL: long = mark * size - cost, short = cost - mark * size.
# Realised PnL and liquidation surpluses/deficits move between the user and the house (the counterparty of all
# synthetic flow and the insurance fund); fees go to the fee pot. Hence users + house + fees + funding == minted.
#
# Funding (every funding time, per open position): fee = mark * size * rate, cut to the coin's 8 decimals; a long
# pays it and a short receives it (the reverse when the rate is negative). The other side is the funding pot (the
# house's side of funding). Crossed positions pay from / receive into cash; isolated ones into their own margin
# (what the margin cannot cover comes from cash), so an isolated position's liquidation price moves with it.
#
# Liquidation (maintenance margin = mark * size * keep_margin_rate):
#   isolated: when margin + unrealised <= maintenance; the position and its margin go to the house.
#     Price: long (cost - margin) / (size * (1 - kmr)), short (cost + margin) / (size * (1 + kmr)).
#   crossed: when cash + frozen + Σ crossed unrealised <= Σ crossed maintenance; orders are cancelled, crossed
#     positions are closed at the mark and what is left of the cash goes to the house (a deficit is covered by it).
#     Price of one position with the others held at the current mark: long (cost - E) / (size * (1 - kmr)),
#     short (cost + E) / (size * (1 + kmr)), E = cash + frozen + Σ others (unrealised - maintenance).


@dataclass(slots=True)
class SettingsState:
    margin_mode: str = CROSSED
    cross_leverage: int = 20
    long_leverage: int = 20
    short_leverage: int = 20

    def leverage(self, hold_side: str, margin_mode: str | None = None) -> int:
        if (margin_mode or self.margin_mode) == CROSSED:
            return self.cross_leverage
        return self.long_leverage if hold_side == "long" else self.short_leverage


@dataclass(slots=True)
class PositionState:
    uid: str
    symbol: str
    hold_side: str
    margin_mode: str
    leverage: int
    pos_id: str
    lots: int = 0
    cost: Decimal = ZERO
    margin: Decimal = ZERO             # isolated only
    achieved: Decimal = ZERO
    total_fee: Decimal = ZERO
    locked_lots: int = 0               # held by pending close / reduce-only orders
    c_time: int = 0
    u_time: int = 0
    # its whole life, for the closed-position row (``engine.closed_positions``): partial closes add up
    open_lots_total: int = 0
    open_value: Decimal = ZERO         # sum of price * size of the fills that opened it
    close_lots_total: int = 0
    close_value: Decimal = ZERO
    open_fee: Decimal = ZERO           # fees paid (positive) opening it, and closing it
    close_fee: Decimal = ZERO
    funding: Decimal = ZERO            # funding received (+) or paid (-)


@dataclass(slots=True)
class PlanState:
    order_id: str
    client_oid: str
    uid: str
    symbol: str
    plan_type: str
    trigger_price: Decimal
    trigger_type: str
    execute_price: Decimal | None
    hold_side: str
    lots: int | None
    status: str
    pos_mode: str
    c_time: int
    u_time: int
    executed_order_id: str = ""
    linked_order_id: str = ""
    # Trigger orders and trailing stops (``sim.engine.stops``): the product, the order placed when fired and the
    # direction of the trigger (``upward``: fires when the price rises to it). TP/SL plans keep the defaults.
    spot: bool = False
    side: str = ""
    trade_side: str = ""
    reduce_only: bool = False
    order_type: str = "market"
    amount: Decimal | None = None
    force: str = "gtc"
    size_unit: str = "amount"
    upward: bool = True
    callback_ratio: Decimal | None = None
    best: Decimal | None = None

    @property
    def is_profit(self) -> bool:
        return self.plan_type in ("profit_plan", "pos_profit")

    def triggered_by(self, mark: Decimal) -> bool:
        up = self.is_profit == (self.hold_side == "long")
        return mark >= self.trigger_price if up else mark <= self.trigger_price


@dataclass(slots=True)
class FuturesUser:
    uid: str
    cash: Decimal = ZERO
    frozen: Decimal = ZERO
    pos_mode: str = ONE_WAY
    settings: dict[str, SettingsState] = field(default_factory=dict)
    positions: dict[tuple[str, str], PositionState] = field(default_factory=dict)
    u_time: int = 0

    def setting(self, symbol: str) -> SettingsState:
        s = self.settings.get(symbol)
        if s is None:
            s = self.settings[symbol] = SettingsState()
        return s


class FuturesLedger:
    """All the money of one margin coin: users, the house and the fee pot (see the money model above)."""

    def __init__(self, coin: str = USDT) -> None:
        self.coin = coin
        self.users: dict[str, FuturesUser] = {}
        self.house = ZERO
        self.fees = ZERO
        self.funding = ZERO            # funding paid by users minus funding paid to them
        self.minted = ZERO

    def open_account(self, uid: str, amount: Decimal) -> FuturesUser:
        user = FuturesUser(uid, cash=amount)
        self.users[uid] = user
        self.minted += amount
        return user

    def close_account(self, uid: str) -> None:
        user = self.users.pop(uid, None)
        if user is not None:
            self.minted -= user.cash + user.frozen + sum((p.margin for p in user.positions.values()), ZERO)

    def imbalance(self) -> Decimal:
        held = sum((u.cash + u.frozen + sum((p.margin for p in u.positions.values()), ZERO)
                    for u in self.users.values()), ZERO)
        return held + self.house + self.fees + self.funding - self.minted


def money(value: Decimal) -> Decimal:
    """A quotient used as money, cut to 12 decimals: with a bounded number of digits every later sum is exact, so
    the ledgers balance to the last digit (28-digit quotients would be rounded when added)."""
    return value.quantize(MONEY_STEP)


def funding_fee(value: Decimal, rate: Decimal) -> Decimal:
    """Funding on a position worth ``value`` at the mark: what a long pays (a short receives), in whole coin
    units."""
    return (value * rate).quantize(COIN_STEP, ROUND_HALF_UP)


def wallet(user: FuturesUser) -> Decimal:
    """The account's balance without unrealised PnL: cash, frozen order margin and isolated margin."""
    return user.cash + user.frozen + sum((p.margin for p in user.positions.values()), ZERO)


def qty(pos: PositionState, lot: Decimal) -> Decimal:
    return pos.lots * lot


# Inverse (coin-M) contracts. ``cost`` stays the USD notional at entry (Σ price × size of the opening fills), so the
# linear figures are computed first and turned into coin at the price they happen at (products doc §2.4):
#   uPnL_coin = dir · (mark·q − cost) / mark        realised: the same at the exit price
#   initial margin = q / leverage (cost / leverage at the entry price); maintenance = q · kmr
#   liquidation: long cost / (backing + q·(1 − kmr)), short cost / (q·(1 + kmr) − backing) (none when ≤ 0)
#   fee = notional · rate / price; funding = q · rate


def in_margin_coin(value: Decimal, price: Decimal, inverse: bool) -> Decimal:
    """A USD amount at ``price`` in the margin coin: itself for linear contracts, ``value / price`` (cut to money)
    for inverse ones."""
    if not inverse:
        return value
    return money(value / price) if price else ZERO


def unrealized(pos: PositionState, mark: Decimal, lot: Decimal, inverse: bool = False) -> Decimal:
    value = mark * pos.lots * lot
    linear = value - pos.cost if pos.hold_side == "long" else pos.cost - value
    return in_margin_coin(linear, mark, inverse)


def initial_margin(pos: PositionState, lot: Decimal = ZERO, inverse: bool = False) -> Decimal:
    """Isolated: the margin it holds; crossed: cost / leverage (in coin for inverse: size / leverage)."""
    if pos.margin_mode == ISOLATED:
        return pos.margin
    if inverse:
        return money(pos.lots * lot / pos.leverage)
    return money(pos.cost / pos.leverage)


def maintenance(pos: PositionState, mark: Decimal, lot: Decimal, kmr: Decimal, inverse: bool = False) -> Decimal:
    size = pos.lots * lot
    return size * kmr if inverse else mark * size * kmr


def liquidation_price(pos: PositionState, lot: Decimal, kmr: Decimal, cross_buffer: Decimal,
                      inverse: bool = False) -> Decimal:
    """See the money model; ``cross_buffer`` is E for crossed positions (ignored for isolated). Never negative."""
    size = pos.lots * lot
    if size == 0:
        return ZERO
    backing = pos.margin if pos.margin_mode == ISOLATED else cross_buffer
    if inverse:
        denominator = backing + size * (1 - kmr) if pos.hold_side == "long" else size * (1 + kmr) - backing
        return pos.cost / denominator if denominator > 0 else ZERO
    if pos.hold_side == "long":
        price = (pos.cost - backing) / (size * (1 - kmr))
    else:
        price = (pos.cost + backing) / (size * (1 + kmr))
    return max(price, ZERO)
