"""bitget.first_look: Bitget's verbatim pushes applied to a Look, and the reading thread against the simulator's real
public stream (a WebSocket on loopback)."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from terminal_app.bitget.errors import BitgetError
from terminal_app.bitget.first_look import FirstLook, Look, apply_push, subscribe_message
from terminal_app.bitget.models.fields import BadValue
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.runner import SimulatorRunner

BTC = SymbolRef("BTCUSDT", Product.SPOT)


def _sample(samples: Path, name: str) -> dict[str, Any]:
    return dict(json.loads((samples / "ws" / name).read_text()))


def test_bitgets_pushes_fill_the_look(samples: Path) -> None:
    look = Look(SymbolRef("ETHUSDT", Product.SPOT), "1W")  # the ticker and candle samples are ETHUSDT's
    ticker = _sample(samples, "ws-spot-ticker.push.json")
    books = _sample(samples, "ws-spot-books5.push.json")
    books["arg"]["channel"] = "books15"  # books15 is books5's shape with 15 levels (bitget-v2.md §7)
    books["arg"]["instId"] = "ETHUSDT"
    candles = _sample(samples, "ws-spot-candle1W.push.json")
    look = apply_push(look, ticker)
    assert look.ticker is not None
    assert look.ticker.last > 0
    assert not look.complete
    look = apply_push(look, books)
    assert look.bids[0] == ("26274.8", "0.0009")
    assert look.asks[0] == ("26274.9", "0.0009")
    look = apply_push(look, candles)
    assert look.complete
    assert look.pushes == 3
    assert look.candles[0].close == Decimal("2200.1")
    # the forming candle's update replaces it; another symbol's push and an event change nothing
    update = json.loads(json.dumps(candles))
    update["action"], update["data"][0][4] = "update", "2300"
    assert apply_push(look, update).candles[-1].close == Decimal("2300")
    other = json.loads(json.dumps(ticker))
    other["arg"]["instId"] = "BTCUSDT"
    assert apply_push(look, other) is look
    assert apply_push(look, {"event": "subscribe", "arg": ticker["arg"]}) is look


def test_a_push_that_does_not_parse_is_refused(samples: Path) -> None:
    broken = _sample(samples, "ws-spot-ticker.push.json")
    broken["data"][0]["lastPr"] = "not a price"
    with pytest.raises((BitgetError, BadValue)):
        apply_push(Look(SymbolRef("ETHUSDT", Product.SPOT), "15m"), broken)


def test_the_subscription_names_bitgets_channels() -> None:
    message = json.loads(subscribe_message(SymbolRef("BTCUSDT", Product.USDT_FUTURES), "1H"))
    assert message == {"op": "subscribe", "args": [
        {"instType": "USDT-FUTURES", "channel": "ticker", "instId": "BTCUSDT"},
        {"instType": "USDT-FUTURES", "channel": "books15", "instId": "BTCUSDT"},
        {"instType": "USDT-FUTURES", "channel": "candle1H", "instId": "BTCUSDT"}]}


def test_the_thread_reads_the_simulators_stream_until_stopped() -> None:
    with SimulatorRunner(seed=3) as runner:
        assert runner.info is not None
        ws_public = runner.info.ws_public
        look = FirstLook(lambda: ws_public, BTC, "15m").start()
        try:
            deadline = time.monotonic() + 30
            while not look.latest().complete and time.monotonic() < deadline:
                time.sleep(0.02)
            first = look.latest()
            assert first.complete, look.error
            assert first.skipped == 0
            bid, ask = Decimal(first.bids[0][0]), Decimal(first.asks[0][0])
            assert bid < ask
            while look.latest().pushes == first.pushes and time.monotonic() < deadline:
                time.sleep(0.02)
            assert look.latest().pushes > first.pushes  # it keeps reading
        finally:
            look.stop()
        assert not look._thread.is_alive()
        assert look.error is None
