"""Transfers between a user's spot account and its futures accounts (Bitget ``POST /api/v2/spot/wallet/transfer``):
what lets a demo user fund a coin-M account with the BTC it holds on spot. Money leaves one ledger and enters the
other, so each ledger's ``minted`` moves with it and every audit stays at zero."""

from __future__ import annotations

from decimal import Decimal

from terminal_app.core.instruments import Product
from terminal_app.sim.engine.margin import max_available
from terminal_app.sim.engine.orders import parse_decimal, reject
from terminal_app.sim.engine.state import EngineState
from terminal_app.sim.market.markets import margin_product

ZERO = Decimal(0)
SPOT = "spot"
# Bitget's answer to a transfer over what the source account can give: 43117, as tiagosiebler/bitget-api's live
# end-to-end test of spotTransfer (spot -> coin_futures) expects it (test/v2/private.write.test.ts); the SDK's
# API_ERROR_CODE names it EXCEEDS_MAX_AMOUNT_TRANSFERRED. 43012 is the spot order's "Insufficient balance".
TOO_MUCH = ("43117", "Exceeds the maximum amount that can be transferred")
# Bitget's account types of the transfer endpoint that the simulator keeps (p2p and margin accounts it does not).
ACCOUNT_PRODUCTS = {"usdt_futures": Product.USDT_FUTURES, "usdc_futures": Product.USDC_FUTURES,
                    "coin_futures": Product.COIN_FUTURES}


class Transfers:
    """Moves a coin between the spot account and the futures account of its margin coin."""

    def __init__(self, state: EngineState) -> None:
        self.state = state

    def transfer(self, uid: str, from_type: str, to_type: str, coin_raw: str, amount_raw: object) -> str:
        state = self.state
        src, dst = (from_type or "").lower(), (to_type or "").lower()
        for kind, name in ((src, "fromType"), (dst, "toType")):
            if kind != SPOT and kind not in ACCOUNT_PRODUCTS:
                raise reject("40017", f"Parameter {name} error")
        if (src == SPOT) == (dst == SPOT):
            raise reject("40017", "A transfer goes between the spot account and a futures account")
        coin = (coin_raw or "").upper()
        amount = parse_decimal(amount_raw, "amount")
        if amount <= 0:
            raise reject("40017", "Parameter amount error")
        futures_type = dst if src == SPOT else src
        ledger = state.futs.get(coin)
        if ledger is None or margin_product(coin) is not ACCOUNT_PRODUCTS[futures_type]:
            raise reject("40017", f"{coin or 'This coin'} cannot be transferred to or from {futures_type}")
        user = ledger.users[uid]
        if src == SPOT:
            if state.spot.available(uid, coin) < amount:
                raise reject(*TOO_MUCH)
            state.spot.credit(uid, coin, -amount)
            state.spot.minted[coin] = state.spot.minted.get(coin, ZERO) - amount
            user.cash += amount
            ledger.minted += amount
        else:
            if max_available(state, user) < amount:
                raise reject(*TOO_MUCH)
            user.cash -= amount
            ledger.minted -= amount
            state.spot.credit(uid, coin, amount)
            state.spot.minted[coin] = state.spot.minted.get(coin, ZERO) + amount
        state.spot.touched.setdefault(uid, set()).add(coin)
        user.u_time = state.now
        state.dirty_users.add(uid)
        state.touched_futures.add(uid)
        return state.next_order_id()
