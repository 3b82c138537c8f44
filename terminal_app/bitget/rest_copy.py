"""Copy trading over the V2 REST API (``/api/v2/copy/...``): futures trader, futures follower, broker, spot trader and
spot follower endpoints as typed methods. Paths, parameters and fields: bitget-v2.md §6 and Bitget's copy-trading
pages.

:class:`CopyClient` wraps a :class:`BitgetRestClient` (it shares its signed transport, clock and retries) and adds
the copy endpoints' own rate limits: 5 req/s per endpoint, 1 req/s for the spot copy writes and for an elite
trader's order placement (bitget-v2.md §4). These buckets are a second limiter in front of the transport's, so the
transport's per-endpoint buckets (and its 429 back-off) still apply.

The broker endpoints (the public trader list and a trader's traces) need broker access that ordinary keys lack;
they raise :class:`BrokerAccessDenied` (a ``PermissionDenied``) with a plain message instead of a bare code.

    client = CopyClient(rest)
    tracks = await client.follower_current_tracks(Product.USDT_FUTURES)
    await client.follower_set_tpsl(tracks.items[0].tracking_no, Product.USDT_FUTURES, take_profit=Decimal("71000"))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from terminal_app.bitget.errors import PermissionDenied
from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.models.copy import (
    parse_broker_traders,
    parse_closed_tracks,
    parse_copy_followers,
    parse_follow_settings,
    parse_futures_tracks,
    parse_my_traders,
    parse_order_id_list,
    parse_profit_history,
    parse_profit_shares,
    parse_profit_summary,
    parse_profits_by_date,
    parse_quantity_limits,
    parse_spot_follow_settings,
    parse_spot_tracks,
    parse_spot_trader_settings,
    parse_success,
    parse_trader_summary,
    parse_trader_symbol_settings,
    parse_trading_symbols,
)
from terminal_app.bitget.models.mapping import wire_product
from terminal_app.bitget.paths import COPY_RATES, TRADER_FUTURES_ORDER, TRADER_SPOT_ORDER, CopyPaths
from terminal_app.bitget.ratelimit import RateLimiter
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.bitget.rest_core import compact, num, opt_num, product_params, spot_ref
from terminal_app.core.copy_trading import (
    BrokerTrader,
    ClosedTrack,
    CopyFollower,
    FollowSetting,
    FollowSettings,
    FuturesTrack,
    MyTrader,
    Page,
    ProfitShare,
    ProfitSummary,
    QuantityLimit,
    SpotFollowSetting,
    SpotFollowSettings,
    SpotTrack,
    SpotTraderSettings,
    TraderSummary,
    TraderSymbolSetting,
)
from terminal_app.core.enums import OrderType, Side
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import OrderAck

Amount = Decimal | int | str
Target = Product | SymbolRef

class BrokerAccessDenied(PermissionDenied):
    default_message = ("This API key has no access to Bitget's broker copy-trading endpoints (the elite-trader list "
                       "and a trader's orders); Bitget grants them to brokers only. Trader discovery is unavailable "
                       "with this key; followed traders remain available through the follower endpoints.")


@dataclass(frozen=True, slots=True)
class TraderSymbolChange:
    """One entry of ``mix-trader/config-setting-symbols``: ``setting_type`` ``ADD``/``DELETE``/``UPDATE``; ratios in %
    (on UPDATE, ``None`` keeps the old value and 0 removes it)."""

    symbol: str
    setting_type: str
    product_type: Product = Product.USDT_FUTURES
    stop_surplus_ratio: Amount | None = None
    stop_loss_ratio: Amount | None = None

    def wire(self) -> dict[str, Any]:
        return compact(symbol=self.symbol, productType=wire_product(self.product_type),
                       settingType=self.setting_type.upper(), stopSurplusRatio=opt_num(self.stop_surplus_ratio),
                       stopLossRatio=opt_num(self.stop_loss_ratio))


def follow_setting_wire(setting: FollowSetting) -> dict[str, Any]:
    """A :class:`FollowSetting` as one entry of ``mix-follower/settings``."""
    return compact(
        symbol=setting.symbol, productType=wire_product(setting.product_type), marginType=setting.margin_type,
        marginCoin=setting.margin_coin, leverType=setting.lever_type, longLeverage=opt_num(setting.long_leverage),
        shortLeverage=opt_num(setting.short_leverage), traceType=setting.trace_type,
        traceValue=num(setting.trace_value), maxHoldSize=opt_num(setting.max_hold_size),
        stopSurplusRatio=opt_num(setting.stop_surplus_ratio), stopLossRatio=opt_num(setting.stop_loss_ratio))


def spot_follow_setting_wire(setting: SpotFollowSetting) -> dict[str, Any]:
    return compact(symbol=setting.symbol, traceType=setting.trace_type, traceValue=opt_num(setting.trace_value),
                   maxHoldSize=opt_num(setting.max_hold_size), stopSurplusRatio=opt_num(setting.stop_surplus_ratio),
                   stopLossRatio=opt_num(setting.stop_loss_ratio))


def _on_off(flag: bool | None) -> str | None:
    return None if flag is None else ("on" if flag else "off")


def _yes_no(flag: bool | None) -> str | None:
    return None if flag is None else ("YES" if flag else "NO")


def _paging(start_time: int | None, end_time: int | None, id_less_than: str | None, id_greater_than: str | None,
            limit: int | None) -> dict[str, Any]:
    return compact(startTime=start_time, endTime=end_time, idLessThan=id_less_than, idGreaterThan=id_greater_than,
                   limit=limit)


def _tpsl(take_profit: Amount | None, stop_loss: Amount | None) -> dict[str, str]:
    """TP/SL prices of a tracking order: ``None`` leaves one unchanged, 0 cancels it (Bitget's rule)."""
    if take_profit is None and stop_loss is None:
        raise ValueError("give a take-profit or a stop-loss price (0 cancels one)")
    return compact(stopSurplusPrice=opt_num(take_profit), stopLossPrice=opt_num(stop_loss))


class CopyClient:
    """Typed copy-trading endpoints over a :class:`BitgetRestClient` (which it does not own or close).

    ``limiter`` replaces the copy buckets (tests pass one with a fake clock); by default they follow the transport's
    limiter (on/off and scale).
    """

    def __init__(self, rest: BitgetRestClient, *, limiter: RateLimiter | None = None) -> None:
        self.rest = rest
        self.http: BitgetHttp = rest.http
        base = self.http.limiter
        self.limiter = limiter or RateLimiter(COPY_RATES, scale=base.scale, enabled=base.enabled,
                                              sleep=self.http.sleep)

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        await self.limiter.acquire(path)
        return await self.http.get(path, params, signed=True)

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        await self.limiter.acquire(path)
        return await self.http.post(path, body)

    async def _broker(self, path: str, params: dict[str, Any]) -> Any:
        try:
            return await self._get(path, params)
        except BrokerAccessDenied:
            raise
        except PermissionDenied as exc:
            raise BrokerAccessDenied(code=exc.code, exchange_msg=exc.exchange_msg,
                                     http_status=exc.http_status) from exc

    # --- futures elite trader (mix-trader) -------------------------------------------------------------------

    async def trader_current_tracks(self, target: Target = Product.USDT_FUTURES, *, start_time: int | None = None,
                                    end_time: int | None = None, id_less_than: str | None = None,
                                    id_greater_than: str | None = None,
                                    limit: int | None = None) -> Page[FuturesTrack]:
        """The elite trader's open tracking orders (limit ≤ 50), newest first."""
        params = {**product_params(target), **_paging(start_time, end_time, id_less_than, id_greater_than, limit)}
        return parse_futures_tracks(await self._get(CopyPaths.MIX_TRADER_CURRENT_TRACK, params))

    async def trader_history_tracks(self, target: Target = Product.USDT_FUTURES, *, start_time: int | None = None,
                                    end_time: int | None = None, id_less_than: str | None = None,
                                    id_greater_than: str | None = None, limit: int | None = None,
                                    order: str | None = None) -> Page[FuturesTrack]:
        """Closed tracking orders (limit ≤ 100; ``order`` ``asc``/``desc`` by creation time, window ≤ 3 months)."""
        params = {**product_params(target), **_paging(start_time, end_time, id_less_than, id_greater_than, limit)}
        if order:
            params["order"] = order
        return parse_futures_tracks(await self._get(CopyPaths.MIX_TRADER_HISTORY_TRACK, params))

    async def trader_modify_tpsl(self, tracking_no: str, product_type: Product = Product.USDT_FUTURES, *,
                                 take_profit: Amount | None = None, stop_loss: Amount | None = None) -> bool:
        body = {"trackingNo": tracking_no, "productType": wire_product(product_type), **_tpsl(take_profit, stop_loss)}
        return parse_success(await self._post(CopyPaths.MIX_TRADER_MODIFY_TPSL, body))

    async def trader_close_tracks(self, target: Target = Product.USDT_FUTURES, *,
                                  tracking_no: str | None = None) -> list[ClosedTrack]:
        """Close one tracking order (``tracking_no``), every one of a symbol (a ref), or all of a product type, at
        market. The only way an elite trader closes copy positions. Never re-sent."""
        body = compact(**product_params(target), trackingNo=tracking_no)
        return parse_closed_tracks(await self._post(CopyPaths.MIX_TRADER_CLOSE_POSITIONS, body))

    async def trader_summary(self) -> TraderSummary:
        return parse_trader_summary(await self._get(CopyPaths.MIX_TRADER_TOTAL_DETAIL))

    async def trader_profit_summary(self) -> ProfitSummary:
        return parse_profit_summary(await self._get(CopyPaths.MIX_TRADER_PROFIT_SUMMARYS))

    async def trader_profit_history(self, *, coin: str | None = None, id_less_than: str | None = None,
                                    id_greater_than: str | None = None, start_time: int | None = None,
                                    end_time: int | None = None, limit: int | None = None) -> Page[ProfitShare]:
        """Profit share already received, newest first (limit ≤ 100)."""
        params = compact(coin=coin, **_paging(start_time, end_time, id_less_than, id_greater_than, limit))
        return parse_profit_history(await self._get(CopyPaths.MIX_TRADER_PROFIT_HISTORY, params))

    async def trader_pending_profit(self, *, coin: str | None = None, page_no: int | None = None,
                                    page_size: int | None = None) -> list[ProfitShare]:
        """Profit share not yet distributed (``profit-details``)."""
        params = compact(coin=coin, pageNo=page_no, pageSize=page_size)
        return parse_profit_shares(await self._get(CopyPaths.MIX_TRADER_PROFIT_DETAILS, params))

    async def trader_profits_by_date(self, *, page_no: int | None = None,
                                     page_size: int | None = None) -> list[ProfitShare]:
        params = compact(pageNo=page_no, pageSize=page_size)
        return parse_profits_by_date(await self._get(CopyPaths.MIX_TRADER_PROFITS_BY_DATE, params))

    async def trader_symbol_settings(self, product_type: Product = Product.USDT_FUTURES) -> list[TraderSymbolSetting]:
        params = {"productType": wire_product(product_type)}
        return parse_trader_symbol_settings(await self._get(CopyPaths.MIX_TRADER_QUERY_SYMBOLS, params))

    async def trader_set_symbols(self, changes: Sequence[TraderSymbolChange]) -> bool:
        """Add, remove or update copy symbols and their default TP/SL ratios (≤ 50 entries)."""
        if not changes:
            raise ValueError("give at least one symbol change")
        body = {"settingList": [c.wire() for c in changes]}
        return parse_success(await self._post(CopyPaths.MIX_TRADER_SETTING_SYMBOLS, body))

    async def trader_set_base(self, *, enable: bool | None = None, show_total_equity: bool | None = None,
                              show_tpsl: bool | None = None) -> bool:
        """Elite trading on/off and what the profile shows publicly (at least one flag)."""
        body = compact(enable=_yes_no(enable), showTotalEquity=_yes_no(show_total_equity),
                       showTpsl=_yes_no(show_tpsl))
        if not body:
            raise ValueError("give enable, show_total_equity or show_tpsl")
        return parse_success(await self._post(CopyPaths.MIX_TRADER_SETTINGS_BASE, body))

    async def trader_followers(self, *, page_no: int | None = None, page_size: int | None = None,
                               start_time: int | None = None, end_time: int | None = None) -> list[CopyFollower]:
        params = compact(pageNo=page_no, pageSize=page_size, startTime=start_time, endTime=end_time)
        return parse_copy_followers(await self._get(CopyPaths.MIX_TRADER_QUERY_FOLLOWERS, params))

    async def trader_remove_follower(self, follower_uid: str) -> bool:
        return parse_success(await self._post(CopyPaths.MIX_TRADER_REMOVE_FOLLOWER, {"followerUid": follower_uid}))

    async def trader_place_futures_order(self, ref: SymbolRef, side: Side, order_type: OrderType, size: Amount,
                                         **kwargs: Any) -> OrderAck:
        """``BitgetRestClient.mix_place_order`` within an elite trader's limit of one order per second (Bitget answers
        40918 beyond it). Copy trading is hedge-mode only: pass ``trade_side`` ``open``/``close``."""
        await self.limiter.acquire(TRADER_FUTURES_ORDER)
        return await self.rest.mix_place_order(ref, side, order_type, size, **kwargs)

    async def trader_place_spot_order(self, ref: SymbolRef, side: Side, order_type: OrderType, size: Amount,
                                      **kwargs: Any) -> OrderAck:
        """``BitgetRestClient.spot_place_order`` within the spot elite trader's one order per second."""
        await self.limiter.acquire(TRADER_SPOT_ORDER)
        return await self.rest.spot_place_order(ref, side, order_type, size, **kwargs)

    # --- futures follower (mix-follower) ---------------------------------------------------------------------

    async def follower_current_tracks(self, target: Target = Product.USDT_FUTURES, *, trader_id: str | None = None,
                                      start_time: int | None = None, end_time: int | None = None,
                                      id_less_than: str | None = None, id_greater_than: str | None = None,
                                      limit: int | None = None) -> Page[FuturesTrack]:
        """The follower's open copy positions (one per trackingNo; limit ≤ 100)."""
        params = {**product_params(target), **compact(traderId=trader_id),
                  **_paging(start_time, end_time, id_less_than, id_greater_than, limit)}
        return parse_futures_tracks(await self._get(CopyPaths.MIX_FOLLOWER_CURRENT_ORDERS, params))

    async def follower_history_tracks(self, target: Target = Product.USDT_FUTURES, *, trader_id: str | None = None,
                                      start_time: int | None = None, end_time: int | None = None,
                                      id_less_than: str | None = None, id_greater_than: str | None = None,
                                      limit: int | None = None) -> Page[FuturesTrack]:
        """Closed copy positions with net profit after fees and profit share (limit ≤ 100)."""
        params = {**product_params(target), **compact(traderId=trader_id),
                  **_paging(start_time, end_time, id_less_than, id_greater_than, limit)}
        return parse_futures_tracks(await self._get(CopyPaths.MIX_FOLLOWER_HISTORY_ORDERS, params))

    async def follower_set_tpsl(self, tracking_no: str, target: Target = Product.USDT_FUTURES, *,
                                take_profit: Amount | None = None, stop_loss: Amount | None = None) -> bool:
        """TP/SL of one copy position: ``None`` leaves a price unchanged, 0 removes it."""
        body = {"trackingNo": tracking_no, **product_params(target), **_tpsl(take_profit, stop_loss)}
        return parse_success(await self._post(CopyPaths.MIX_FOLLOWER_SETTING_TPSL, body))

    async def follower_set_settings(self, trader_id: str, settings: Sequence[FollowSetting], *,
                                    auto_copy: bool | None = None, mode: str | None = None) -> bool:
        """Follow ``trader_id`` (or change how) with per-symbol settings (≤ 10); ``mode`` ``basic``/``advanced``."""
        if not settings:
            raise ValueError("give the settings of at least one symbol")
        body = compact(traderId=trader_id, autoCopy=_on_off(auto_copy), mode=mode,
                       settings=[follow_setting_wire(s) for s in settings])
        return parse_success(await self._post(CopyPaths.MIX_FOLLOWER_SETTINGS, body))

    async def follower_settings(self, trader_id: str) -> FollowSettings:
        return parse_follow_settings(await self._get(CopyPaths.MIX_FOLLOWER_QUERY_SETTINGS, {"traderId": trader_id}))

    async def follower_close_positions(self, target: Target = Product.USDT_FUTURES, *,
                                       tracking_no: str | None = None, margin_coin: str | None = None,
                                       margin_mode: str | None = None, hold_side: str | None = None) -> list[str]:
        """Close copy positions at market: one ``tracking_no``, or by symbol (a ref) / side, or all of a product
        type; returns the closing order ids. Never re-sent."""
        body = compact(**product_params(target), trackingNo=tracking_no, marginCoin=margin_coin,
                       marginMode=margin_mode, holdSide=hold_side)
        return parse_order_id_list(await self._post(CopyPaths.MIX_FOLLOWER_CLOSE_POSITIONS, body))

    async def follower_traders(self, *, start_time: int | None = None, end_time: int | None = None,
                               page_no: int | None = None, page_size: int | None = None) -> list[MyTrader]:
        """The elite traders the user follows (page size ≤ 50)."""
        params = compact(startTime=start_time, endTime=end_time, pageNo=page_no, pageSize=page_size)
        return parse_my_traders(await self._get(CopyPaths.MIX_FOLLOWER_QUERY_TRADERS, params))

    async def follower_quantity_limits(self, target: Target = Product.USDT_FUTURES) -> list[QuantityLimit]:
        return parse_quantity_limits(await self._get(CopyPaths.MIX_FOLLOWER_QUANTITY_LIMIT, product_params(target)))

    async def follower_unfollow(self, trader_id: str) -> bool:
        return parse_success(await self._post(CopyPaths.MIX_FOLLOWER_CANCEL_TRADER, {"traderId": trader_id}))

    # --- broker (mix-broker): needs broker access ----------------------------------------------------------

    async def broker_traders(self, *, trader_id: str | None = None, trader_name: str | None = None,
                             full_status: str | None = None, sort_rule: str | None = None,
                             sort_flag: str | None = None, language_type: str | None = None,
                             page_no: int | None = None, page_size: int | None = None) -> list[BrokerTrader]:
        """The elite-trader list (``sort_rule`` ``composite``/``roi``/``totalPL``/``aum``; page size ≤ 20).
        Raises :class:`BrokerAccessDenied` for keys without broker access."""
        params = compact(traderId=trader_id, traderName=trader_name, fullStatus=full_status, sortRule=sort_rule,
                         sortFlag=sort_flag, languageType=language_type, pageNo=page_no, pageSize=page_size)
        return parse_broker_traders(await self._broker(CopyPaths.MIX_BROKER_QUERY_TRADERS, params))

    async def broker_current_traces(self, trader_id: str, target: Target = Product.USDT_FUTURES, *,
                                    start_time: int | None = None, end_time: int | None = None,
                                    id_less_than: str | None = None, id_greater_than: str | None = None,
                                    limit: int | None = None) -> Page[FuturesTrack]:
        """A trader's open tracking orders. :class:`BrokerAccessDenied` without broker access."""
        params = {"traderId": trader_id, **product_params(target),
                  **_paging(start_time, end_time, id_less_than, id_greater_than, limit)}
        return parse_futures_tracks(await self._broker(CopyPaths.MIX_BROKER_CURRENT_TRACES, params))

    async def broker_history_traces(self, trader_id: str, target: Target = Product.USDT_FUTURES, *,
                                    start_time: int | None = None, end_time: int | None = None,
                                    id_less_than: str | None = None, id_greater_than: str | None = None,
                                    limit: int | None = None) -> Page[FuturesTrack]:
        """A trader's closed tracking orders. :class:`BrokerAccessDenied` without broker access."""
        params = {"traderId": trader_id, **product_params(target),
                  **_paging(start_time, end_time, id_less_than, id_greater_than, limit)}
        return parse_futures_tracks(await self._broker(CopyPaths.MIX_BROKER_HISTORY_TRACES, params))

    # --- spot elite trader (spot-trader) ---------------------------------------------------------------------

    async def spot_trader_profit_summary(self) -> ProfitSummary:
        return parse_profit_summary(await self._get(CopyPaths.SPOT_TRADER_PROFIT_SUMMARYS))

    async def spot_trader_profit_history(self, *, coin: str | None = None, id_less_than: str | None = None,
                                         id_greater_than: str | None = None, start_time: int | None = None,
                                         end_time: int | None = None, limit: int | None = None) -> Page[ProfitShare]:
        params = compact(coin=coin, **_paging(start_time, end_time, id_less_than, id_greater_than, limit))
        return parse_profit_history(await self._get(CopyPaths.SPOT_TRADER_PROFIT_HISTORY, params))

    async def spot_trader_pending_profit(self, *, coin: str | None = None, page_no: int | None = None,
                                         page_size: int | None = None) -> list[ProfitShare]:
        params = compact(coin=coin, pageNo=page_no, pageSize=page_size)
        return parse_profit_shares(await self._get(CopyPaths.SPOT_TRADER_PROFIT_DETAILS, params))

    async def spot_trader_summary(self) -> TraderSummary:
        return parse_trader_summary(await self._get(CopyPaths.SPOT_TRADER_TOTAL_DETAIL))

    async def spot_trader_modify_tpsl(self, tracking_no: str, *, take_profit: Amount | None = None,
                                      stop_loss: Amount | None = None) -> bool:
        body = {"trackingNo": tracking_no, **_tpsl(take_profit, stop_loss)}
        return parse_success(await self._post(CopyPaths.SPOT_TRADER_MODIFY_TPSL, body))

    async def spot_trader_history_tracks(self, ref: SymbolRef | None = None, *, start_time: int | None = None,
                                         end_time: int | None = None, id_less_than: str | None = None,
                                         id_greater_than: str | None = None,
                                         limit: int | None = None) -> Page[SpotTrack]:
        params = {**_spot_symbol(ref), **_paging(start_time, end_time, id_less_than, id_greater_than, limit)}
        return parse_spot_tracks(await self._get(CopyPaths.SPOT_TRADER_HISTORY_TRACK, params))

    async def spot_trader_current_tracks(self, ref: SymbolRef | None = None, *, start_time: int | None = None,
                                         end_time: int | None = None, id_less_than: str | None = None,
                                         id_greater_than: str | None = None,
                                         limit: int | None = None) -> Page[SpotTrack]:
        params = {**_spot_symbol(ref), **_paging(start_time, end_time, id_less_than, id_greater_than, limit)}
        return parse_spot_tracks(await self._get(CopyPaths.SPOT_TRADER_CURRENT_TRACK, params))

    async def spot_trader_close_tracks(self, ref: SymbolRef, tracking_nos: Sequence[str]) -> bool:
        """Sell tracked buys (≤ 50, all or none). Never re-sent."""
        body = {"symbol": spot_ref(ref).symbol, "trackingNoList": _tracking_list(tracking_nos)}
        return parse_success(await self._post(CopyPaths.SPOT_TRADER_CLOSE_TRACKING, body))

    async def spot_trader_set_symbols(self, refs: Sequence[SymbolRef], setting_type: str) -> bool:
        """``setting_type`` ``add``/``delete`` (≤ 50 symbols)."""
        if not refs:
            raise ValueError("give at least one symbol")
        body = {"symbolList": [spot_ref(r).symbol for r in refs], "settingType": setting_type.lower()}
        return parse_success(await self._post(CopyPaths.SPOT_TRADER_SETTING_SYMBOLS, body))

    async def spot_trader_remove_follower(self, follower_uid: str) -> bool:
        return parse_success(await self._post(CopyPaths.SPOT_TRADER_REMOVE_FOLLOWER, {"followerUid": follower_uid}))

    async def spot_trader_settings(self) -> SpotTraderSettings:
        return parse_spot_trader_settings(await self._get(CopyPaths.SPOT_TRADER_QUERY_SETTINGS))

    async def spot_trader_followers(self, *, page_no: int | None = None, page_size: int | None = None,
                                    start_time: int | None = None, end_time: int | None = None) -> list[CopyFollower]:
        params = compact(pageNo=page_no, pageSize=page_size, startTime=start_time, endTime=end_time)
        return parse_copy_followers(await self._get(CopyPaths.SPOT_TRADER_QUERY_FOLLOWERS, params))

    # --- spot follower (spot-follower) -----------------------------------------------------------------------

    async def spot_follower_stop_orders(self, tracking_nos: Sequence[str]) -> bool:
        """Stop copying the given tracked buys (≤ 50, all or none)."""
        body = {"trackingNoList": _tracking_list(tracking_nos)}
        return parse_success(await self._post(CopyPaths.SPOT_FOLLOWER_STOP_ORDER, body))

    async def spot_follower_set_settings(self, trader_id: str, settings: Sequence[SpotFollowSetting], *,
                                         auto_copy: bool | None = None, mode: str | None = None) -> bool:
        if not settings:
            raise ValueError("give the settings of at least one symbol")
        body = compact(traderId=trader_id, autoCopy=_on_off(auto_copy), mode=mode,
                       settings=[spot_follow_setting_wire(s) for s in settings])
        return parse_success(await self._post(CopyPaths.SPOT_FOLLOWER_SETTINGS, body))

    async def spot_follower_set_tpsl(self, tracking_no: str, *, take_profit: Amount | None = None,
                                     stop_loss: Amount | None = None) -> bool:
        body = {"trackingNo": tracking_no, **_tpsl(take_profit, stop_loss)}
        return parse_success(await self._post(CopyPaths.SPOT_FOLLOWER_SETTING_TPSL, body))

    async def spot_follower_traders(self, *, page_no: int | None = None, page_size: int | None = None,
                                    start_time: int | None = None, end_time: int | None = None) -> list[MyTrader]:
        params = compact(pageNo=page_no, pageSize=page_size, startTime=start_time, endTime=end_time)
        return parse_my_traders(await self._get(CopyPaths.SPOT_FOLLOWER_QUERY_TRADERS, params))

    async def spot_follower_trader_symbols(self, trader_id: str) -> list[str]:
        data = await self._get(CopyPaths.SPOT_FOLLOWER_TRADER_SYMBOLS, {"traderId": trader_id})
        return parse_trading_symbols(data)

    async def spot_follower_settings(self, trader_id: str) -> SpotFollowSettings:
        data = await self._get(CopyPaths.SPOT_FOLLOWER_QUERY_SETTINGS, {"traderId": trader_id})
        return parse_spot_follow_settings(data)

    async def spot_follower_history_tracks(self, ref: SymbolRef | None = None, *, trader_id: str | None = None,
                                           start_time: int | None = None, end_time: int | None = None,
                                           id_less_than: str | None = None, id_greater_than: str | None = None,
                                           limit: int | None = None) -> Page[SpotTrack]:
        params = {**_spot_symbol(ref), **compact(traderId=trader_id),
                  **_paging(start_time, end_time, id_less_than, id_greater_than, limit)}
        return parse_spot_tracks(await self._get(CopyPaths.SPOT_FOLLOWER_HISTORY_ORDERS, params))

    async def spot_follower_current_tracks(self, ref: SymbolRef | None = None, *, trader_id: str | None = None,
                                           start_time: int | None = None, end_time: int | None = None,
                                           id_less_than: str | None = None, id_greater_than: str | None = None,
                                           limit: int | None = None) -> Page[SpotTrack]:
        params = {**_spot_symbol(ref), **compact(traderId=trader_id),
                  **_paging(start_time, end_time, id_less_than, id_greater_than, limit)}
        return parse_spot_tracks(await self._get(CopyPaths.SPOT_FOLLOWER_CURRENT_ORDERS, params))

    async def spot_follower_close_tracks(self, ref: SymbolRef, tracking_nos: Sequence[str]) -> bool:
        """Sell copied buys (≤ 50, all or none). Never re-sent."""
        body = {"symbol": spot_ref(ref).symbol, "trackingNoList": _tracking_list(tracking_nos)}
        return parse_success(await self._post(CopyPaths.SPOT_FOLLOWER_CLOSE_TRACKING, body))

    async def spot_follower_unfollow(self, trader_id: str) -> bool:
        return parse_success(await self._post(CopyPaths.SPOT_FOLLOWER_CANCEL_TRADER, {"traderId": trader_id}))


def _spot_symbol(ref: SymbolRef | None) -> dict[str, str]:
    return {"symbol": spot_ref(ref).symbol} if ref is not None else {}


def _tracking_list(tracking_nos: Sequence[str]) -> list[str]:
    values = [str(t) for t in tracking_nos if str(t)]
    if not values:
        raise ValueError("give at least one tracking number")
    if len(values) > 50:
        raise ValueError("at most 50 tracking numbers per request")
    return values
