"""Spot endpoints of the V2 REST client (market data, trading, account). Paths and params: bitget-v2.md §5."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from terminal_app.bitget.errors import OrderNotFound
from terminal_app.bitget.models import (
    BatchResult,
    CancelReplaceResult,
    CancelSymbolResult,
    Depth,
    parse_batch_result,
    parse_cancel_replace,
    parse_cancel_symbol,
    parse_candles,
    parse_orderbook,
    parse_public_trades,
    parse_spot_assets,
    parse_spot_fills,
    parse_spot_orders,
    parse_spot_symbols,
    parse_spot_tickers,
)
from terminal_app.bitget.models.fields import as_mapping, fail, text
from terminal_app.bitget.models.mapping import FORCE_TO_WIRE, ORDER_TYPE_TO_WIRE, SIDE_TO_WIRE
from terminal_app.bitget.rest_core import V2, RestCore, checked_client_oid, compact, num, opt_num, spot_ref
from terminal_app.core.accounts import SpotAsset
from terminal_app.core.enums import OrderType, Side, TimeInForce
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.market_data import Candle, PublicTrade, Ticker
from terminal_app.core.orders import Fill, Order, OrderAck

Amount = Decimal | int | str


@dataclass(frozen=True, slots=True)
class SpotOrderRequest:
    """One order of a spot ``batch-orders`` call. ``size`` is the quote amount for a market buy (Bitget's rule)."""

    side: Side
    order_type: OrderType
    size: Amount
    price: Amount | None = None
    force: TimeInForce = TimeInForce.GTC
    client_oid: str | None = None

    def wire(self) -> dict[str, Any]:
        return compact(side=SIDE_TO_WIRE[self.side], orderType=ORDER_TYPE_TO_WIRE[self.order_type],
                       force=FORCE_TO_WIRE[self.force], price=opt_num(self.price), size=num(self.size),
                       clientOid=checked_client_oid(self.client_oid))


class SpotRestMixin(RestCore):
    """Spot endpoint methods; see :mod:`terminal_app.bitget.rest_core` for the symbol convention."""

    # --- market data (public) --------------------------------------------------------------------------------

    async def spot_symbols(self, ref: SymbolRef | None = None) -> list[MarketInfo]:
        params = {"symbol": spot_ref(ref).symbol} if ref else None
        return parse_spot_symbols(await self.http.get(V2.SPOT_SYMBOLS, params))

    async def spot_tickers(self, ref: SymbolRef | None = None) -> list[Ticker]:
        params = {"symbol": spot_ref(ref).symbol} if ref else None
        return parse_spot_tickers(await self.http.get(V2.SPOT_TICKERS, params))

    async def spot_orderbook(self, ref: SymbolRef, *, step: str = "step0", limit: int | None = None) -> Depth:
        params = compact(symbol=spot_ref(ref).symbol, type=step, limit=limit)
        return parse_orderbook(await self.http.get(V2.SPOT_ORDERBOOK, params))

    async def spot_merge_depth(self, ref: SymbolRef, *, precision: str | None = None,
                               limit: str | int | None = None) -> Depth:
        """``precision`` ``scale0``..``scale3``; ``limit`` ``1/5/15/50/max``."""
        params = compact(symbol=spot_ref(ref).symbol, precision=precision, limit=limit)
        return parse_orderbook(await self.http.get(V2.SPOT_MERGE_DEPTH, params))

    async def spot_candles(self, ref: SymbolRef, granularity: str, *, start_time: int | None = None,
                           end_time: int | None = None, limit: int | None = None) -> list[Candle]:
        """``granularity`` in Bitget's spot spelling: ``1min 5min 15min 30min 1h 4h 6h 12h 1day 1week 1M …``."""
        params = compact(symbol=spot_ref(ref).symbol, granularity=granularity, startTime=start_time,
                         endTime=end_time, limit=limit)
        return parse_candles(await self.http.get(V2.SPOT_CANDLES, params))

    async def spot_history_candles(self, ref: SymbolRef, granularity: str, end_time: int, *,
                                   limit: int | None = None) -> list[Candle]:
        params = compact(symbol=spot_ref(ref).symbol, granularity=granularity, endTime=end_time, limit=limit)
        return parse_candles(await self.http.get(V2.SPOT_HISTORY_CANDLES, params))

    async def spot_market_fills(self, ref: SymbolRef, *, limit: int | None = None) -> list[PublicTrade]:
        params = compact(symbol=spot_ref(ref).symbol, limit=limit)
        return parse_public_trades(await self.http.get(V2.SPOT_MARKET_FILLS, params))

    # --- trading ---------------------------------------------------------------------------------------------

    async def spot_place_order(
        self,
        ref: SymbolRef,
        side: Side,
        order_type: OrderType,
        size: Amount,
        *,
        price: Amount | None = None,
        force: TimeInForce = TimeInForce.GTC,
        client_oid: str | None = None,
        stp_mode: str | None = None,
        preset_take_profit: Amount | None = None,
        preset_stop_loss: Amount | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> OrderAck:
        """Place one spot order; never duplicated (see ``RestCore._place_safely``).

        ``size`` is the base quantity, except for a market *buy* where Bitget reads it as the quote amount.
        A clientOid is generated when none is given; the ack carries it.
        """
        body = compact(
            symbol=spot_ref(ref).symbol,
            side=SIDE_TO_WIRE[side],
            orderType=ORDER_TYPE_TO_WIRE[order_type],
            force=FORCE_TO_WIRE[force],
            price=opt_num(price),
            size=num(size),
            clientOid=checked_client_oid(client_oid),
            stpMode=stp_mode,
            presetTakeProfitPrice=opt_num(preset_take_profit),
            presetStopLossPrice=opt_num(preset_stop_loss),
        )
        if extra:
            body.update(extra)
        oid = body["clientOid"]
        return await self._place_safely(V2.SPOT_PLACE_ORDER, body, lambda: self.spot_order_info(client_oid=oid))

    async def spot_batch_orders(self, ref: SymbolRef, orders: Sequence[SpotOrderRequest]) -> BatchResult:
        """Up to 50 orders for one symbol. Never re-sent: an ambiguous failure raises
        ``TransportError(ambiguous=True)``; every order carries a clientOid so the caller can reconcile."""
        body = {"symbol": spot_ref(ref).symbol, "batchMode": "single", "orderList": [o.wire() for o in orders]}
        return parse_batch_result(await self.http.post(V2.SPOT_BATCH_ORDERS, body))

    async def spot_cancel_order(self, ref: SymbolRef, *, order_id: str | None = None,
                                client_oid: str | None = None) -> OrderAck:
        """Cancel by order id or clientOid; re-sent after an ambiguous failure only if the order is still open."""
        if not order_id and not client_oid:
            raise ValueError("give order_id or client_oid")
        body = compact(symbol=spot_ref(ref).symbol, orderId=order_id, clientOid=client_oid)
        return await self._cancel_safely(
            V2.SPOT_CANCEL_ORDER, body, lambda: self.spot_order_info(order_id=order_id, client_oid=client_oid)
        )

    async def spot_cancel_symbol_orders(self, ref: SymbolRef) -> CancelSymbolResult:
        """Cancel every open order of the pair (Bitget does it asynchronously)."""
        return parse_cancel_symbol(await self.http.post(V2.SPOT_CANCEL_SYMBOL_ORDER, {"symbol": spot_ref(ref).symbol}))

    async def spot_cancel_replace_order(self, ref: SymbolRef, price: Amount, size: Amount, *,
                                        order_id: str | None = None, client_oid: str | None = None,
                                        new_client_oid: str | None = None) -> CancelReplaceResult:
        """Cancel an order and place its replacement (new clientOid generated if not given); never re-sent."""
        if not order_id and not client_oid:
            raise ValueError("give order_id or client_oid")
        body = compact(symbol=spot_ref(ref).symbol, price=num(price), size=num(size), orderId=order_id,
                       clientOid=client_oid, newClientOid=checked_client_oid(new_client_oid))
        return parse_cancel_replace(await self.http.post(V2.SPOT_CANCEL_REPLACE_ORDER, body))

    # --- orders, fills, assets -------------------------------------------------------------------------------

    async def spot_order_info(self, *, order_id: str | None = None, client_oid: str | None = None) -> Order:
        """One order by id or clientOid (Bitget keeps clientOid lookups for 2 h); ``OrderNotFound`` if absent."""
        if not order_id and not client_oid:
            raise ValueError("give order_id or client_oid")
        params = compact(orderId=order_id, clientOid=client_oid)
        orders = parse_spot_orders(await self.http.get(V2.SPOT_ORDER_INFO, params, signed=True))
        if not orders:
            raise OrderNotFound()
        return orders[0]

    async def spot_unfilled_orders(self, ref: SymbolRef | None = None, *, start_time: int | None = None,
                                   end_time: int | None = None, id_less_than: str | None = None,
                                   limit: int | None = None) -> list[Order]:
        params = compact(symbol=spot_ref(ref).symbol if ref else None, startTime=start_time, endTime=end_time,
                         idLessThan=id_less_than, limit=limit)
        return parse_spot_orders(await self.http.get(V2.SPOT_UNFILLED_ORDERS, params, signed=True))

    async def spot_history_orders(self, ref: SymbolRef | None = None, *, start_time: int | None = None,
                                  end_time: int | None = None, id_less_than: str | None = None,
                                  limit: int | None = None) -> list[Order]:
        params = compact(symbol=spot_ref(ref).symbol if ref else None, startTime=start_time, endTime=end_time,
                         idLessThan=id_less_than, limit=limit)
        return parse_spot_orders(await self.http.get(V2.SPOT_HISTORY_ORDERS, params, signed=True))

    async def spot_fills(self, ref: SymbolRef | None = None, *, order_id: str | None = None,
                         start_time: int | None = None, end_time: int | None = None,
                         id_less_than: str | None = None, limit: int | None = None) -> list[Fill]:
        params = compact(symbol=spot_ref(ref).symbol if ref else None, orderId=order_id, startTime=start_time,
                         endTime=end_time, idLessThan=id_less_than, limit=limit)
        return parse_spot_fills(await self.http.get(V2.SPOT_FILLS, params, signed=True))

    async def spot_wallet_transfer(self, from_account: Product, to_account: Product, coin: str, amount: Decimal, *,
                                   client_oid: str | None = None) -> str:
        """Move ``amount`` of ``coin`` between the spot account and a futures account (``POST
        /api/v2/spot/wallet/transfer``, ``fromType``/``toType`` spot, usdt_futures, coin_futures, usdc_futures);
        Bitget's ``transferId``."""
        body = compact(fromType=_account_type(from_account), toType=_account_type(to_account), amount=num(amount),
                       coin=coin.upper(), clientOid=client_oid)
        data = as_mapping(await self.http.post(V2.SPOT_WALLET_TRANSFER, body), "Transfer")
        transfer_id = text(data.get("transferId"))
        if not transfer_id:
            fail("Transfer", "no transferId in the answer")
        return transfer_id

    async def spot_assets(self, coin: str | None = None, *, asset_type: str | None = None) -> list[SpotAsset]:
        """Balances; ``asset_type`` ``hold_only`` (Bitget's default) or ``all``."""
        params = compact(coin=coin, assetType=asset_type)
        return parse_spot_assets(await self.http.get(V2.SPOT_ASSETS, params, signed=True))


# The account types of Bitget's wallet transfer; the terminal moves money between spot and the futures lines.
_ACCOUNT_TYPES = {Product.SPOT: "spot", Product.USDT_FUTURES: "usdt_futures", Product.COIN_FUTURES: "coin_futures",
                  Product.USDC_FUTURES: "usdc_futures"}


def _account_type(product: Product) -> str:
    kind = _ACCOUNT_TYPES.get(product)
    if kind is None:
        raise ValueError(f"Bitget has no transfer account for {product.label}")
    return kind
