"""The unified account's shared parts: the account-wide hold mode the adapters word orders with, the one
subscription per private topic that every product line listens to, and the pool seen as the terminal's spot balances
and futures margin accounts."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from terminal_app.bitget.v3 import trade as t
from terminal_app.bitget.v3.rest import V3RestClient
from terminal_app.bitget.v3.stream import private_arg
from terminal_app.bitget.v3.ws_trade import V3WsTrader
from terminal_app.bitget.ws import BitgetStreamer
from terminal_app.core.accounts import FuturesAccount, SpotAsset, UnifiedAccount
from terminal_app.core.enums import PositionMode

Listener = Callable[[dict[str, Any]], None]
_ZERO = Decimal(0)


def spot_assets(account: UnifiedAccount) -> list[SpotAsset]:
    """The pool's coins as balances: ``available`` is what orders may use, ``locked`` what open orders hold."""
    return [SpotAsset(coin=a.coin, available=a.available, frozen=a.locked, locked=_ZERO, u_time=account.u_time)
            for a in account.assets]


def margin_account(account: UnifiedAccount, coin: str, mode: PositionMode | None) -> FuturesAccount:
    """One margin coin of the pool as a futures account: its equity and available cash, the pool's USD equity and
    unrealised PnL, and the pool's margin ratio as the risk rate."""
    asset = next((a for a in account.assets if a.coin == coin), None)
    available = asset.available if asset else _ZERO
    return FuturesAccount(
        margin_coin=coin, available=available, locked=asset.locked if asset else _ZERO,
        equity=asset.equity if asset else _ZERO, usdt_equity=account.equity, unrealized_pl=account.unrealized_pl,
        crossed_max_available=available, isolated_max_available=available, max_transfer_out=available,
        crossed_risk_rate=account.margin_ratio, pos_mode=mode)


class UnifiedAccountState:
    """What every line of one unified account shares."""

    def __init__(self, rest: V3RestClient, ws: BitgetStreamer, trader: V3WsTrader | None = None) -> None:
        self.rest = rest
        self.ws = ws
        self.trader = trader          # orders over the private socket when connected (bitget.v3.ws_trade)
        self.hold_mode: PositionMode | None = None
        self.settings: t.AccountSettings | None = None
        self._listeners: dict[str, list[Listener]] = {}

    async def load_settings(self) -> t.AccountSettings:
        self.settings = await self.rest.settings()
        self.hold_mode = self.settings.hold_mode
        return self.settings

    async def mode(self) -> PositionMode | None:
        if self.settings is None:
            await self.load_settings()
        return self.hold_mode

    async def listen(self, topic: str, listener: Listener) -> None:
        """Add ``listener`` to the account-wide ``topic`` (subscribed once, on the first listener)."""
        listeners = self._listeners.get(topic)
        if listeners is not None:
            listeners.append(listener)
            return
        listeners = self._listeners[topic] = [listener]

        def fan_out(msg: dict[str, Any]) -> None:
            for each in list(listeners):
                each(msg)

        try:
            await self.ws.subscribe(private_arg(topic), fan_out, private=True)
        except BaseException:
            self._listeners.pop(topic, None)
            raise
