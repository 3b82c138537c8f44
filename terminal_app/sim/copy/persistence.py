"""Copy trading kept across restarts (issue 12 §5): the traders simulator users became and every trader's followers,
the follows with their settings, the tracking orders and their copies, profit-share records, the id counters and
the synthetic traders' scheduled closes, in the state file beside the demo accounts (``store.sim_state`` table
``copy_state``).

Before, following a trader in Demo was forgotten on restart while the copied positions stayed: the follower then
held positions no tracking order named. Saved at most once a second of exchange time, and only when something
changed, from the copy engine's sync; and when the simulator stops.
"""

from __future__ import annotations

import dataclasses
import heapq
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson

from terminal_app.core.copy_trading import FollowSetting, SpotFollowSetting
from terminal_app.core.instruments import Product
from terminal_app.sim.copy.state import Follow, ProfitRecord, SymbolConfig, Track, Trader

if TYPE_CHECKING:
    from terminal_app.sim.copy.engine import CopyEngine

SAVE_EVERY_MS = 1_000
VERSION = 1


def _plain(value: Any) -> Any:
    """JSON-able form of the copy records: Decimals as strings (money is never a float), products by name."""
    if isinstance(value, Decimal):
        return {"$d": str(value)}
    if isinstance(value, Product):
        return {"$p": value.name}
    if isinstance(value, set | frozenset):
        return {"$s": sorted(_plain(v) for v in value)}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$d"}:
            return Decimal(value["$d"])
        if set(value) == {"$p"}:
            return Product[value["$p"]]
        if set(value) == {"$s"}:
            return {_typed(v) for v in value["$s"]}
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return value


def _fields(obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.name not in skip}


def _trader(d: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = _typed(d)
    values["symbols"] = {s: SymbolConfig(**c) for s, c in values["symbols"].items()}
    values["spot_symbols"] = set(values["spot_symbols"])
    values["profits"] = [ProfitRecord(**p) for p in values["profits"]]
    for key in ("followers", "spot_followers", "removed"):
        values[key] = {k: int(v) for k, v in values[key].items()}
    return values


def _follow(d: dict[str, Any]) -> Follow:
    values = _typed(d)
    values["settings"] = {s: FollowSetting(**v) for s, v in values["settings"].items()}
    values["spot_settings"] = {s: SpotFollowSetting(**v) for s, v in values["spot_settings"].items()}
    return Follow(**values)


class CopyPersistence:
    """Writes and reads the copy engine's records through the exchange's state store (none: memory only)."""

    def __init__(self, engine: CopyEngine) -> None:
        self.engine = engine
        self._last_saved: bytes | None = None
        self._last_save_ms = 0

    def dump(self) -> dict[str, Any]:
        e = self.engine
        reg = e.registry
        return {
            "version": VERSION,
            "traders": [_fields(t, skip=("profile",)) for t in reg.traders.values()],
            "trader_of_uid": dict(reg.trader_of_uid),
            "follows": [_fields(f) for f in reg.follows.values()],
            "tracks": [_fields(t) for t in reg.tracks.values()],
            "open": sorted(reg.open),
            "children": {k: list(v) for k, v in reg.children.items()},
            "by_order": dict(reg.by_order),
            "seq": reg._seq,
            "profit_seq": reg._profit_seq,
            "due": sorted(e._due),
        }

    def save(self, *, force: bool = False) -> None:
        """Write the records if they changed (``force``: whatever the time since the last write)."""
        ex = self.engine.exchange
        now = ex.now_ms()
        if not force and now - self._last_save_ms < SAVE_EVERY_MS:
            return
        self._last_save_ms = now
        doc = self.dump()
        blob = orjson.dumps(doc)
        if blob != self._last_saved and ex.save_copy_state({"registry": doc}):
            self._last_saved = blob

    def load(self) -> None:
        doc = self.engine.exchange.load_copy_state().get("registry")
        if not doc or doc.get("version") != VERSION:
            return
        e = self.engine
        reg = e.registry
        for d in doc["traders"]:
            values = _trader(d)
            existing = reg.traders.get(values["trader_id"])
            if existing is not None and existing.profile is not None:
                for key, value in values.items():      # a synthetic trader: its profile comes from the seed
                    setattr(existing, key, value)
            else:
                reg.traders[values["trader_id"]] = Trader(profile=None, **values)
        reg.trader_of_uid.update(doc["trader_of_uid"])
        for d in doc["follows"]:
            follow = _follow(d)
            reg.follows[(follow.follower_uid, follow.trader_id, follow.market)] = follow
        for d in doc["tracks"]:
            track = Track(**_typed(d))
            reg.tracks[track.tracking_no] = track
        reg.open.update({tno: reg.tracks[tno] for tno in doc["open"] if tno in reg.tracks})
        reg.children.update({k: list(v) for k, v in doc["children"].items()})
        reg.by_order.update(doc["by_order"])
        reg._seq = max(reg._seq, int(doc["seq"]))
        reg._profit_seq = max(reg._profit_seq, int(doc["profit_seq"]))
        e._due = [(int(t), str(tno)) for t, tno in doc["due"]]
        heapq.heapify(e._due)
        self._last_saved = orjson.dumps(self.dump())
