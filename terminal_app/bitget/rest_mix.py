"""Futures ("mix") endpoints of the V2 REST client. Paths and params: bitget-v2.md §5.

Every call carries the ``productType`` of its :class:`SymbolRef` / :class:`Product` (``USDT-FUTURES`` …, or the
``S…`` demo-coin types), and parses answers with that product type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from terminal_app.bitget.errors import ProtocolError
from terminal_app.bitget.models import (
    AlgoOrder,
    BatchResult,
    CloseResult,
    Depth,
    FundingRate,
    OpenInterest,
    PlanOrderAck,
    parse_batch_result,
    parse_candles,
    parse_close_result,
    parse_contracts,
    parse_funding_rates,
    parse_futures_account,
    parse_futures_accounts,
    parse_futures_fills,
    parse_futures_order,
    parse_futures_orders,
    parse_futures_plan_orders,
    parse_futures_tickers,
    parse_leverage_result,
    parse_margin_mode_result,
    parse_open_interest,
    parse_order_ack,
    parse_orderbook,
    parse_plan_order_ack,
    parse_pos_tpsl_acks,
    parse_position_mode_result,
    parse_positions,
)
from terminal_app.bitget.models.mapping import (
    FORCE_TO_WIRE,
    MARGIN_MODE_TO_WIRE,
    ORDER_TYPE_TO_WIRE,
    POSITION_MODE_TO_WIRE,
    POSITION_SIDE_TO_WIRE,
    SIDE_TO_WIRE,
    TRADE_SIDE_TO_WIRE,
    wire_product,
)
from terminal_app.bitget.rest_core import (
    V2,
    RestCore,
    checked_client_oid,
    compact,
    futures_ref,
    num,
    opt_num,
    product_params,
    product_type_of,
)
from terminal_app.core.accounts import FuturesAccount, LeverageResult, MarginModeResult, Position, PositionModeResult
from terminal_app.core.enums import MarginMode, OrderType, PositionMode, PositionSide, Side, TimeInForce, TradeSide
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.market_data import Candle, Ticker
from terminal_app.core.orders import Fill, Order, OrderAck

Amount = Decimal | int | str
K = TypeVar("K")


def _wire(ref: SymbolRef) -> str:
    """The ``productType`` of a futures ref."""
    return wire_product(ref.product)


def _futures_type(product: Product) -> str:
    if not product.is_futures:
        raise ValueError(f"{product} is not a futures product type")
    return wire_product(product)


# ``planType`` of orders-plan-pending: trigger orders, trailing stops, and every TP/SL kind (profit_plan, loss_plan,
# moving_plan, pos_profit, pos_loss) under one name. Checked here so a typo fails before a signed round trip.
PLAN_LIST_TYPES = ("normal_plan", "track_plan", "profit_loss")


def _opt(table: Mapping[K, str], value: K | None) -> str | None:
    return None if value is None else table[value]


def _yes_no(flag: bool | None) -> str | None:
    return None if flag is None else ("YES" if flag else "NO")


@dataclass(frozen=True, slots=True)
class MixOrderRequest:
    """One order of a futures ``batch-place-order`` call; ``trade_side`` in hedge mode, ``reduce_only`` in one-way
    mode (as for :meth:`MixRestMixin.mix_place_order`)."""

    side: Side
    order_type: OrderType
    size: Amount
    price: Amount | None = None
    force: TimeInForce = TimeInForce.GTC
    client_oid: str | None = None
    trade_side: TradeSide | None = None
    reduce_only: bool | None = None
    preset_take_profit: Amount | None = None
    preset_stop_loss: Amount | None = None

    def wire(self) -> dict[str, Any]:
        return compact(side=SIDE_TO_WIRE[self.side], tradeSide=_opt(TRADE_SIDE_TO_WIRE, self.trade_side),
                       orderType=ORDER_TYPE_TO_WIRE[self.order_type], force=FORCE_TO_WIRE[self.force],
                       price=opt_num(self.price), size=num(self.size), clientOid=checked_client_oid(self.client_oid),
                       reduceOnly=_yes_no(self.reduce_only), presetStopSurplusPrice=opt_num(self.preset_take_profit),
                       presetStopLossPrice=opt_num(self.preset_stop_loss))


class MixRestMixin(RestCore):
    """Futures endpoint methods; see :mod:`terminal_app.bitget.rest_core` for the symbol convention."""

    # --- market data (public) --------------------------------------------------------------------------------

    async def mix_contracts(self, target: Product | SymbolRef = Product.USDT_FUTURES) -> list[MarketInfo]:
        data = await self.http.get(V2.MIX_CONTRACTS, product_params(target))
        return parse_contracts(data, product_type_of(target))

    async def mix_ticker(self, ref: SymbolRef) -> Ticker:
        futures_ref(ref)
        data = await self.http.get(V2.MIX_TICKER, {"symbol": ref.symbol, "productType": _wire(ref)})
        tickers = parse_futures_tickers(data, ref.product)
        if not tickers:
            raise ProtocolError(f"Bitget returned no ticker for {ref.symbol}.")
        return tickers[0]

    async def mix_tickers(self, product_type: Product = Product.USDT_FUTURES) -> list[Ticker]:
        data = await self.http.get(V2.MIX_TICKERS, {"productType": _futures_type(product_type)})
        return parse_futures_tickers(data, product_type)

    async def mix_merge_depth(self, ref: SymbolRef, *, precision: str | None = None,
                              limit: str | int | None = None) -> Depth:
        futures_ref(ref)
        params = compact(symbol=ref.symbol, productType=_wire(ref), precision=precision, limit=limit)
        return parse_orderbook(await self.http.get(V2.MIX_MERGE_DEPTH, params))

    async def mix_candles(self, ref: SymbolRef, granularity: str, *, start_time: int | None = None,
                          end_time: int | None = None, kline_type: str | None = None,
                          limit: int | None = None) -> list[Candle]:
        """``granularity`` in Bitget's futures spelling: ``1m 3m 5m 15m 30m 1H 4H 6H 12H 1D 1W 1M …``;
        ``kline_type`` ``MARKET``/``MARK``/``INDEX``."""
        futures_ref(ref)
        params = compact(symbol=ref.symbol, productType=_wire(ref), granularity=granularity,
                         startTime=start_time, endTime=end_time, kLineType=kline_type, limit=limit)
        return parse_candles(await self.http.get(V2.MIX_CANDLES, params))

    async def mix_history_candles(self, ref: SymbolRef, granularity: str, *, start_time: int | None = None,
                                  end_time: int | None = None, limit: int | None = None) -> list[Candle]:
        futures_ref(ref)
        params = compact(symbol=ref.symbol, productType=_wire(ref), granularity=granularity,
                         startTime=start_time, endTime=end_time, limit=limit)
        return parse_candles(await self.http.get(V2.MIX_HISTORY_CANDLES, params))

    async def mix_funding_rate(self, ref: SymbolRef) -> FundingRate:
        futures_ref(ref)
        data = await self.http.get(V2.MIX_FUNDING_RATE, {"symbol": ref.symbol, "productType": _wire(ref)})
        rates = parse_funding_rates(data)
        if not rates:
            raise ProtocolError(f"Bitget returned no funding rate for {ref.symbol}.")
        return rates[0]

    async def mix_open_interest(self, ref: SymbolRef) -> OpenInterest:
        futures_ref(ref)
        data = await self.http.get(V2.MIX_OPEN_INTEREST, {"symbol": ref.symbol, "productType": _wire(ref)})
        entries = parse_open_interest(data)
        if not entries:
            raise ProtocolError(f"Bitget returned no open interest for {ref.symbol}.")
        return entries[0]

    # --- account ---------------------------------------------------------------------------------------------

    async def mix_accounts(self, product_type: Product = Product.USDT_FUTURES) -> list[FuturesAccount]:
        data = await self.http.get(V2.MIX_ACCOUNTS, {"productType": _futures_type(product_type)}, signed=True)
        return parse_futures_accounts(data)

    async def mix_account(self, ref: SymbolRef, margin_coin: str) -> FuturesAccount:
        """One margin account with the symbol's leverage, margin mode and the product type's ``posMode``."""
        futures_ref(ref)
        params = {"symbol": ref.symbol, "productType": _wire(ref), "marginCoin": margin_coin}
        return parse_futures_account(await self.http.get(V2.MIX_ACCOUNT, params, signed=True))

    async def mix_set_leverage(self, ref: SymbolRef, margin_coin: str, leverage: Amount, *,
                               hold_side: PositionSide | None = None) -> LeverageResult:
        """``hold_side`` only for isolated margin in hedge mode."""
        futures_ref(ref)
        body = compact(symbol=ref.symbol, productType=_wire(ref), marginCoin=margin_coin,
                       leverage=num(leverage), holdSide=_opt(POSITION_SIDE_TO_WIRE, hold_side))
        return parse_leverage_result(await self.http.post(V2.MIX_SET_LEVERAGE, body))

    async def mix_set_margin_mode(self, ref: SymbolRef, margin_coin: str,
                                  margin_mode: MarginMode) -> MarginModeResult:
        """Bitget refuses while positions or orders are open."""
        futures_ref(ref)
        body = {"symbol": ref.symbol, "productType": _wire(ref), "marginCoin": margin_coin,
                "marginMode": MARGIN_MODE_TO_WIRE[margin_mode]}
        return parse_margin_mode_result(await self.http.post(V2.MIX_SET_MARGIN_MODE, body))

    async def mix_set_position_mode(self, product_type: Product, pos_mode: PositionMode) -> PositionModeResult:
        """For the whole product type."""
        body = {"productType": _futures_type(product_type), "posMode": POSITION_MODE_TO_WIRE[pos_mode]}
        return parse_position_mode_result(await self.http.post(V2.MIX_SET_POSITION_MODE, body))

    # --- trading ---------------------------------------------------------------------------------------------

    async def mix_place_order(
        self,
        ref: SymbolRef,
        side: Side,
        order_type: OrderType,
        size: Amount,
        *,
        margin_coin: str,
        margin_mode: MarginMode,
        price: Amount | None = None,
        trade_side: TradeSide | None = None,
        force: TimeInForce = TimeInForce.GTC,
        client_oid: str | None = None,
        reduce_only: bool | None = None,
        preset_take_profit: Amount | None = None,
        preset_stop_loss: Amount | None = None,
        stp_mode: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> OrderAck:
        """Place one futures order; never duplicated (looked up via ``mix/order/detail`` by clientOid).

        Hedge mode: ``side`` names the position (buy = long) and ``trade_side`` says open or close, which is also
        V2's own convention. One-way mode: leave ``trade_side`` out and use ``reduce_only``.
        """
        futures_ref(ref)
        body = compact(
            symbol=ref.symbol,
            productType=_wire(ref),
            marginMode=MARGIN_MODE_TO_WIRE[margin_mode],
            marginCoin=margin_coin,
            size=num(size),
            price=opt_num(price),
            side=SIDE_TO_WIRE[side],
            tradeSide=_opt(TRADE_SIDE_TO_WIRE, trade_side),
            orderType=ORDER_TYPE_TO_WIRE[order_type],
            force=FORCE_TO_WIRE[force],
            clientOid=checked_client_oid(client_oid),
            reduceOnly=_yes_no(reduce_only),
            presetStopSurplusPrice=opt_num(preset_take_profit),
            presetStopLossPrice=opt_num(preset_stop_loss),
            stpMode=stp_mode,
        )
        if extra:
            body.update(extra)
        oid = body["clientOid"]
        return await self._place_safely(V2.MIX_PLACE_ORDER, body, lambda: self.mix_order_detail(ref, client_oid=oid))

    async def mix_batch_place_orders(self, ref: SymbolRef, orders: Sequence[MixOrderRequest], *, margin_coin: str,
                                     margin_mode: MarginMode) -> BatchResult:
        """Up to 50 orders for one symbol (``batch-place-order``). Never re-sent: an ambiguous failure raises
        ``TransportError(ambiguous=True)``; every order carries a clientOid so the caller can look each one up."""
        futures_ref(ref)
        if not 0 < len(orders) <= 50:
            raise ValueError("a batch holds 1 to 50 orders")
        body = {"symbol": ref.symbol, "productType": _wire(ref), "marginCoin": margin_coin,
                "marginMode": MARGIN_MODE_TO_WIRE[margin_mode], "orderList": [o.wire() for o in orders]}
        return parse_batch_result(await self.http.post(V2.MIX_BATCH_PLACE_ORDER, body))

    async def mix_cancel_order(self, ref: SymbolRef, *, order_id: str | None = None, client_oid: str | None = None,
                               margin_coin: str | None = None) -> OrderAck:
        """Cancel by id or clientOid; re-sent after an ambiguous failure only if the order is still open."""
        if not order_id and not client_oid:
            raise ValueError("give order_id or client_oid")
        futures_ref(ref)
        body = compact(symbol=ref.symbol, productType=_wire(ref), marginCoin=margin_coin, orderId=order_id,
                       clientOid=client_oid)
        return await self._cancel_safely(
            V2.MIX_CANCEL_ORDER, body, lambda: self.mix_order_detail(ref, order_id=order_id, client_oid=client_oid)
        )

    async def mix_cancel_all_orders(self, target: Product | SymbolRef, *,
                                    margin_coin: str | None = None) -> BatchResult:
        body = compact(**product_params(target), marginCoin=margin_coin)
        return parse_batch_result(await self.http.post(V2.MIX_CANCEL_ALL_ORDERS, body))

    async def mix_modify_order(self, ref: SymbolRef, *, order_id: str | None = None, client_oid: str | None = None,
                               new_client_oid: str | None = None, new_size: Amount | None = None,
                               new_price: Amount | None = None, new_preset_take_profit: Amount | None = None,
                               new_preset_stop_loss: Amount | None = None,
                               margin_coin: str | None = None) -> OrderAck:
        """Amend price/size/TP/SL (Bitget cancels and re-creates it under ``new_client_oid``); never re-sent."""
        if not order_id and not client_oid:
            raise ValueError("give order_id or client_oid")
        futures_ref(ref)
        body = compact(symbol=ref.symbol, productType=_wire(ref), marginCoin=margin_coin, orderId=order_id,
                       clientOid=client_oid, newClientOid=checked_client_oid(new_client_oid),
                       newSize=opt_num(new_size), newPrice=opt_num(new_price),
                       newPresetStopSurplusPrice=opt_num(new_preset_take_profit),
                       newPresetStopLossPrice=opt_num(new_preset_stop_loss))
        return parse_order_ack(await self.http.post(V2.MIX_MODIFY_ORDER, body))

    async def mix_close_positions(self, target: Product | SymbolRef, *,
                                  hold_side: PositionSide | None = None) -> CloseResult:
        """Flash-close at market; ``hold_side`` picks one side in hedge mode. Never re-sent."""
        body = compact(**product_params(target), holdSide=_opt(POSITION_SIDE_TO_WIRE, hold_side))
        return parse_close_result(await self.http.post(V2.MIX_CLOSE_POSITIONS, body))

    async def mix_place_tpsl_order(
        self,
        ref: SymbolRef,
        margin_coin: str,
        plan_type: str,
        trigger_price: Amount,
        hold_side: str,
        *,
        trigger_type: str = "mark_price",
        execute_price: Amount | None = None,
        size: Amount | None = None,
        range_rate: Amount | None = None,
        client_oid: str | None = None,
    ) -> PlanOrderAck:
        """A TP/SL trigger order (``plan_type`` ``profit_plan/loss_plan/moving_plan/pos_profit/pos_loss``).
        ``hold_side`` is ``long``/``short`` in hedge mode, ``buy``/``sell`` in one-way mode."""
        futures_ref(ref)
        body = compact(marginCoin=margin_coin, productType=_wire(ref), symbol=ref.symbol, planType=plan_type,
                       triggerPrice=num(trigger_price), triggerType=trigger_type,
                       executePrice=opt_num(execute_price), holdSide=hold_side, size=opt_num(size),
                       rangeRate=opt_num(range_rate), clientOid=checked_client_oid(client_oid))
        return parse_plan_order_ack(await self.http.post(V2.MIX_PLACE_TPSL_ORDER, body))

    async def mix_place_pos_tpsl(
        self,
        ref: SymbolRef,
        margin_coin: str,
        hold_side: str,
        *,
        take_profit_trigger: Amount | None = None,
        take_profit_trigger_type: str | None = None,
        take_profit_execute: Amount | None = None,
        stop_loss_trigger: Amount | None = None,
        stop_loss_trigger_type: str | None = None,
        stop_loss_execute: Amount | None = None,
    ) -> list[PlanOrderAck]:
        """Set the whole position's take-profit and/or stop-loss."""
        futures_ref(ref)
        if take_profit_trigger is None and stop_loss_trigger is None:
            raise ValueError("give a take-profit or a stop-loss trigger price")
        body = compact(
            marginCoin=margin_coin,
            productType=_wire(ref),
            symbol=ref.symbol,
            holdSide=hold_side,
            stopSurplusTriggerPrice=opt_num(take_profit_trigger),
            stopSurplusTriggerType=take_profit_trigger_type
            or ("mark_price" if take_profit_trigger is not None else None),
            stopSurplusExecutePrice=opt_num(take_profit_execute),
            stopLossTriggerPrice=opt_num(stop_loss_trigger),
            stopLossTriggerType=stop_loss_trigger_type or ("mark_price" if stop_loss_trigger is not None else None),
            stopLossExecutePrice=opt_num(stop_loss_execute),
        )
        return parse_pos_tpsl_acks(await self.http.post(V2.MIX_PLACE_POS_TPSL, body))

    # --- orders, fills, positions ----------------------------------------------------------------------------

    async def mix_order_detail(self, ref: SymbolRef, *, order_id: str | None = None,
                               client_oid: str | None = None) -> Order:
        """One order by id or clientOid; ``OrderNotFound`` if Bitget does not know it."""
        if not order_id and not client_oid:
            raise ValueError("give order_id or client_oid")
        futures_ref(ref)
        params = compact(symbol=ref.symbol, productType=_wire(ref), orderId=order_id, clientOid=client_oid)
        return parse_futures_order(await self.http.get(V2.MIX_ORDER_DETAIL, params, signed=True), ref.product)

    async def mix_orders_pending(self, target: Product | SymbolRef = Product.USDT_FUTURES, *,
                                 order_id: str | None = None, client_oid: str | None = None,
                                 status: str | None = None, id_less_than: str | None = None,
                                 start_time: int | None = None, end_time: int | None = None,
                                 limit: int | None = None) -> list[Order]:
        params = compact(**product_params(target), orderId=order_id, clientOid=client_oid, status=status,
                         idLessThan=id_less_than, startTime=start_time, endTime=end_time, limit=limit)
        data = await self.http.get(V2.MIX_ORDERS_PENDING, params, signed=True)
        return parse_futures_orders(data, product_type_of(target))

    async def mix_orders_history(self, target: Product | SymbolRef = Product.USDT_FUTURES, *,
                                 order_id: str | None = None, client_oid: str | None = None,
                                 id_less_than: str | None = None, start_time: int | None = None,
                                 end_time: int | None = None, limit: int | None = None) -> list[Order]:
        params = compact(**product_params(target), orderId=order_id, clientOid=client_oid, idLessThan=id_less_than,
                         startTime=start_time, endTime=end_time, limit=limit)
        data = await self.http.get(V2.MIX_ORDERS_HISTORY, params, signed=True)
        return parse_futures_orders(data, product_type_of(target))

    async def mix_plan_orders_pending(self, target: Product | SymbolRef = Product.USDT_FUTURES, *,
                                      plan_type: str = "normal_plan", order_id: str | None = None,
                                      client_oid: str | None = None, id_less_than: str | None = None,
                                      start_time: int | None = None, end_time: int | None = None,
                                      limit: int | None = None) -> list[AlgoOrder]:
        """Live trigger orders (``plan_type`` ``normal_plan``), trailing stops (``track_plan``) or TP/SL orders of
        every kind (``profit_loss``); newest first, at most ``limit`` (Bitget: 100), older pages by ``id_less_than``."""
        if plan_type not in PLAN_LIST_TYPES:
            raise ValueError(f"plan_type must be one of {', '.join(PLAN_LIST_TYPES)}, not {plan_type!r}")
        params = compact(**product_params(target), planType=plan_type, orderId=order_id, clientOid=client_oid,
                         idLessThan=id_less_than, startTime=start_time, endTime=end_time, limit=limit)
        data = await self.http.get(V2.MIX_ORDERS_PLAN_PENDING, params, signed=True)
        return parse_futures_plan_orders(data, product_type_of(target))

    async def mix_fills(self, target: Product | SymbolRef = Product.USDT_FUTURES, *, order_id: str | None = None,
                        id_less_than: str | None = None, start_time: int | None = None, end_time: int | None = None,
                        limit: int | None = None) -> list[Fill]:
        params = compact(**product_params(target), orderId=order_id, idLessThan=id_less_than,
                         startTime=start_time, endTime=end_time, limit=limit)
        data = await self.http.get(V2.MIX_FILLS, params, signed=True)
        return parse_futures_fills(data, product_type_of(target))

    async def mix_all_positions(self, product_type: Product = Product.USDT_FUTURES, *,
                                margin_coin: str | None = None) -> list[Position]:
        params = compact(productType=_futures_type(product_type), marginCoin=margin_coin)
        return parse_positions(await self.http.get(V2.MIX_ALL_POSITION, params, signed=True), product_type)

    async def mix_single_position(self, ref: SymbolRef, margin_coin: str) -> list[Position]:
        """The symbol's positions (two in hedge mode: long and short)."""
        futures_ref(ref)
        params = {"symbol": ref.symbol, "productType": _wire(ref), "marginCoin": margin_coin}
        return parse_positions(await self.http.get(V2.MIX_SINGLE_POSITION, params, signed=True), ref.product)
