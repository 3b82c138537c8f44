"""bitget.doctor_probe: the doctor's facts from a fake Bitget (httpx.MockTransport) that can present each account
condition: classic/UTA, one-way/hedge, read-only or trading keys, demo/live mismatch, bad key, IP whitelist, clock
skew, no connection. The probes never place an order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from terminal_app.bitget.clock import ServerClock
from terminal_app.bitget.doctor_probe import gather_facts, probe_client_oid
from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.core.credentials import Credentials
from terminal_app.core.doctor import DoctorFacts, Finding, Severity, blocks_trading, diagnose
from terminal_app.core.enums import PositionMode
from terminal_app.core.orders import Order
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.sim.server.http import SimConfig

CREDS = Credentials("bg_doctor_key", "doctor-secret", "doctor-pass")
LOCAL_MS = 1_700_000_000_000


def envelope(data: Any, code: str = "00000", msg: str = "success", status: int = 200) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "msg": msg, "requestTime": 1, "data": data})


def reject(code: str, msg: str) -> httpx.Response:
    return envelope(None, code, msg, 400)


@dataclass
class FakeBitget:
    """Just enough of Bitget to present each condition the doctor looks for."""

    samples: Path
    offset_ms: int = 0
    down: bool = False
    key_ok: bool = True
    ip_allowed: bool = True
    demo_key: bool = False
    uta: bool = False
    pos_mode: str = "one_way_mode"
    read_spot: bool = True
    read_futures: bool = True
    trade_spot: bool = True
    trade_futures: bool = True
    seen: list[httpx.Request] = field(default_factory=list)

    def sample(self, name: str) -> Any:
        return json.loads((self.samples / "rest" / name).read_text())["data"]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        path = request.url.path
        if path == "/api/v2/public/time":
            return envelope({"serverTime": str(LOCAL_MS + self.offset_ms)})
        if request.headers.get("ACCESS-KEY") != CREDS.api_key:
            return reject("40006", "Invalid ACCESS_KEY")
        if not self.key_ok:
            return reject("40012", "apikey/password is incorrect")
        if not self.ip_allowed:
            return reject("40018", "Invalid IP")
        if (request.headers.get("paptrading") == "1") != self.demo_key:
            return reject("40099", "exchange environment is incorrect")
        if path.startswith("/api/v3/") and not self.uta:
            return reject("40084", "You are in Classic Account mode, and cannot use the UTA API")
        if path == "/api/v3/account/settings":
            return envelope({"accountMode": "unified", "assetMode": "single", "holdMode": self.pos_mode})
        if path == "/api/v3/account/assets":
            if not self.read_spot:
                return reject("40014", "Incorrect permissions")
            return envelope(json.loads((self.samples / "v3" / "GET_api_v3_account_assets.json").read_text())["data"])
        if path == "/api/v3/trade/cancel-order":
            trade = self.trade_spot if "SPOT" in request.content.decode() else self.trade_futures
            return reject("25204", "Order does not exist") if trade else reject("40014", "Incorrect permissions")
        if self.uta:
            return reject("40085", "You are in Unified Account mode, and the Classic Account API is not supported")
        if path == "/api/v2/spot/account/assets":
            return (envelope(self.sample("GET_api_v2_spot_account_assets.json")) if self.read_spot
                    else reject("40014", "Incorrect permissions"))
        if path == "/api/v2/mix/account/accounts":
            return (envelope(self.sample("GET_api_v2_mix_account_accounts.json")) if self.read_futures
                    else reject("40014", "Incorrect permissions"))
        if path == "/api/v2/mix/account/account":
            if not self.read_futures:
                return reject("40014", "Incorrect permissions")
            return envelope({**self.sample("GET_api_v2_mix_account_account.json"), "posMode": self.pos_mode})
        if path == "/api/v2/spot/trade/cancel-order":
            return (reject("43001", "The order does not exist") if self.trade_spot
                    else reject("40014", "Incorrect permissions"))
        if path == "/api/v2/mix/order/cancel-order":
            return (reject("40768", "Order does not exist") if self.trade_futures
                    else reject("40014", "Incorrect permissions"))
        return httpx.Response(404, text="not in this fake")

    def paths(self) -> list[str]:
        return [r.url.path for r in self.seen]


async def _noop_sleep(_: float) -> None:
    return None


@pytest.fixture
def bitget(samples: Path) -> FakeBitget:
    return FakeBitget(samples)


async def run(fake: FakeBitget, kind: str = "live", *, paptrading: bool = False,
              creds: Credentials | None = CREDS) -> DoctorFacts:
    http = BitgetHttp("https://api.example", creds, paptrading=paptrading, transport=httpx.MockTransport(fake),
                      rate_limits=False, clock=ServerClock(lambda: LOCAL_MS), sleep=_noop_sleep)
    async with BitgetRestClient(http, lookup_delay_s=0) as rest:
        return await gather_facts(rest, kind)


def by_key(findings: list[Finding]) -> dict[str, Finding]:
    return {f.key: f for f in findings}


def never_placed_anything(fake: FakeBitget) -> None:
    assert not [p for p in fake.paths() if "place" in p or "close-positions" in p or "set-" in p]


@pytest.mark.asyncio
async def test_a_healthy_classic_account(bitget: FakeBitget) -> None:
    bitget.offset_ms = 1234
    facts = await run(bitget)
    assert facts == DoctorFacts(
        profile_kind="live", paptrading=False, rest_url="https://api.example", reachable=True, clock_offset_ms=1234,
        rest_rtt_ms=0.0, key_present=True, key_accepted=True, can_read=True, can_trade_spot=True,
        can_trade_futures=True, uta=False, position_mode=PositionMode.ONE_WAY)
    assert bitget.paths() == ["/api/v2/public/time", "/api/v2/spot/account/assets", "/api/v3/account/settings",
                              "/api/v2/mix/account/account", "/api/v2/spot/trade/cancel-order",
                              "/api/v2/mix/order/cancel-order"]
    cancels = [orjson.loads(r.content) for r in bitget.seen if r.url.path.endswith("cancel-order")]
    assert cancels[0]["clientOid"].startswith("doctor")
    assert cancels[0]["clientOid"] == cancels[1]["clientOid"]
    assert all("paptrading" not in r.headers for r in bitget.seen)
    never_placed_anything(bitget)
    assert not blocks_trading(diagnose(facts))


@pytest.mark.asyncio
async def test_hedge_mode(bitget: FakeBitget) -> None:
    bitget.pos_mode = "hedge_mode"
    facts = await run(bitget)
    assert facts.position_mode == PositionMode.HEDGE


@pytest.mark.asyncio
async def test_a_read_only_key(bitget: FakeBitget) -> None:
    bitget.trade_spot = bitget.trade_futures = False
    facts = await run(bitget)
    assert facts.can_read
    assert facts.can_trade_spot is False
    assert facts.can_trade_futures is False
    assert facts.error_codes() == {"40014"}
    never_placed_anything(bitget)
    assert {f.key: f.severity for f in diagnose(facts)}["permissions"] is Severity.WARN


@pytest.mark.asyncio
async def test_a_key_that_trades_futures_only_and_reads_futures_only(bitget: FakeBitget) -> None:
    bitget.trade_spot = bitget.read_spot = False
    facts = await run(bitget)
    assert facts.can_read  # the futures read worked
    assert facts.can_trade_spot is False
    assert facts.can_trade_futures is True
    assert "/api/v2/mix/account/accounts" in bitget.paths()


@pytest.mark.asyncio
async def test_a_key_that_reads_nothing(bitget: FakeBitget) -> None:
    bitget.read_spot = bitget.read_futures = False
    facts = await run(bitget)
    assert facts.key_accepted
    assert facts.can_read is False
    assert facts.position_mode is None
    assert blocks_trading(diagnose(facts))


@pytest.mark.asyncio
async def test_a_demo_key_in_a_live_profile(bitget: FakeBitget) -> None:
    bitget.demo_key = True
    facts = await run(bitget, "live")
    assert facts.environment_mismatch
    assert facts.error_codes() == {"40099"}
    assert bitget.paths() == ["/api/v2/public/time", "/api/v2/spot/account/assets"]  # no point asking more
    [finding] = [f for f in diagnose(facts) if f.key == "environment"]
    assert finding.title == "A demo-trading key in a Live profile"


@pytest.mark.asyncio
async def test_a_live_key_in_a_bitget_demo_profile(bitget: FakeBitget) -> None:
    facts = await run(bitget, "bitget-demo", paptrading=True)
    assert facts.paptrading
    assert facts.environment_mismatch
    [finding] = [f for f in diagnose(facts) if f.key == "environment"]
    assert finding.title == "A live key in a Bitget demo profile"


@pytest.mark.asyncio
async def test_a_demo_key_in_a_bitget_demo_profile(bitget: FakeBitget) -> None:
    bitget.demo_key = True
    facts = await run(bitget, "bitget-demo", paptrading=True)
    assert not facts.environment_mismatch
    assert facts.can_trade_spot
    assert facts.can_trade_futures
    signed = [r for r in bitget.seen if "ACCESS-SIGN" in r.headers]
    assert all(r.headers["paptrading"] == "1" for r in signed)
    assert "paptrading" not in bitget.seen[0].headers  # the public time call goes without it


@pytest.mark.asyncio
async def test_a_uta_account(bitget: FakeBitget) -> None:
    bitget.uta = True
    facts = await run(bitget)
    assert facts.uta
    assert (facts.key_accepted, facts.can_read) == (True, True)
    assert facts.position_mode == PositionMode.ONE_WAY  # V3 settings' holdMode, account-wide
    assert (facts.can_trade_spot, facts.can_trade_futures) == (True, True)  # V3 cancels answered 25204
    assert bitget.paths()[-3:] == ["/api/v3/account/assets", "/api/v3/trade/cancel-order",
                                   "/api/v3/trade/cancel-order"]
    findings = {f.key: f for f in diagnose(facts)}
    assert findings["account_type"].severity is Severity.OK
    assert "one margin pool" in findings["account_type"].explanation.lower()
    assert "account-wide" in findings["position_mode"].explanation
    assert not blocks_trading(diagnose(facts))
    assert "40085" not in facts.error_codes()  # expected on V2 reads; not a problem once the mode is known


@pytest.mark.asyncio
async def test_a_uta_key_without_trade_permission(bitget: FakeBitget) -> None:
    bitget.uta = True
    bitget.trade_futures = False
    facts = await run(bitget)
    assert (facts.can_trade_spot, facts.can_trade_futures) == (True, False)
    assert {f.key: f.severity for f in diagnose(facts)}["permissions"] is Severity.WARN


@pytest.mark.asyncio
async def test_a_wrong_key(bitget: FakeBitget) -> None:
    bitget.key_ok = False
    facts = await run(bitget)
    assert facts.key_accepted is False
    assert bitget.paths() == ["/api/v2/public/time", "/api/v2/spot/account/assets"]
    assert [f.key for f in diagnose(facts) if f.severity is Severity.ERROR] == ["api_key"]


@pytest.mark.asyncio
async def test_an_ip_not_on_the_whitelist(bitget: FakeBitget) -> None:
    bitget.ip_allowed = False
    facts = await run(bitget)
    assert facts.ip_not_allowed
    assert facts.key_accepted is None
    assert [f.key for f in diagnose(facts) if f.severity is Severity.ERROR] == ["ip"]


@pytest.mark.asyncio
async def test_clock_skew_is_measured(bitget: FakeBitget) -> None:
    bitget.offset_ms = -45_000
    facts = await run(bitget)
    assert facts.clock_offset_ms == -45_000
    clock = {f.key: f for f in diagnose(facts)}["clock"]
    assert clock.severity is Severity.WARN
    assert "45 s ahead of Bitget's" in clock.explanation


@pytest.mark.asyncio
async def test_no_connection(bitget: FakeBitget) -> None:
    bitget.down = True
    facts = await run(bitget)
    assert not facts.reachable
    assert set(bitget.paths()) == {"/api/v2/public/time"}
    assert [f.key for f in diagnose(facts)] == ["connection"]


@pytest.mark.asyncio
async def test_no_key(bitget: FakeBitget) -> None:
    facts = await run(bitget, creds=None)
    assert not facts.key_present
    assert bitget.paths() == ["/api/v2/public/time"]


def test_probe_client_oids_are_fresh_and_fit_bitget() -> None:
    ids = {probe_client_oid() for _ in range(100)}
    assert len(ids) == 100
    assert all(len(i) <= 40 and i.startswith("doctor") for i in ids)


# --- against the real simulator over loopback ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def simulator() -> Iterator[SimulatorRunner]:
    runner = SimulatorRunner(config=SimConfig(seed=3, quiet=True, require_paptrading=True))
    runner.start()
    try:
        yield runner
    finally:
        runner.stop()


async def run_sim(sim: SimulatorRunner, creds: Credentials, kind: str = "demo", *,
                  paptrading: bool = False) -> tuple[DoctorFacts, list[Order]]:
    assert sim.info is not None
    http = BitgetHttp(sim.info.rest, creds, paptrading=paptrading, rate_limits=False)
    async with BitgetRestClient(http, lookup_delay_s=0) as rest:
        facts = await gather_facts(rest, kind)
        left = [] if facts.environment_mismatch or facts.uta else (
            await rest.spot_unfilled_orders() + await rest.mix_orders_pending())
    return facts, left


def key_of(sim: SimulatorRunner, **kw: Any) -> Credentials:
    key = sim.add_key(**kw)
    return Credentials(key.api_key, key.secret, key.passphrase)


@pytest.mark.asyncio
async def test_simulator_trading_key_is_healthy(simulator: SimulatorRunner) -> None:
    facts, left = await run_sim(simulator, key_of(simulator), "live")
    assert facts.key_accepted
    assert facts.can_read
    assert facts.uta is False
    assert facts.position_mode in (PositionMode.ONE_WAY, PositionMode.HEDGE)
    assert facts.can_trade_spot
    assert facts.can_trade_futures
    assert abs(facts.clock_offset_ms or 0) < 1000
    assert left == []  # the probes created nothing
    assert not blocks_trading(diagnose(facts))


@pytest.mark.asyncio
async def test_simulator_read_only_key(simulator: SimulatorRunner) -> None:
    facts, left = await run_sim(simulator, key_of(simulator, permissions={"read"}), "live")
    assert facts.can_read
    assert facts.can_trade_spot is False
    assert facts.can_trade_futures is False
    assert left == []
    assert by_key(diagnose(facts))["permissions"].title == "Read-only key: watching only"


@pytest.mark.asyncio
async def test_simulator_demo_key_needs_the_demo_profile(simulator: SimulatorRunner) -> None:
    demo_key = key_of(simulator, demo=True)
    facts, _ = await run_sim(simulator, demo_key, "live")
    assert facts.environment_mismatch
    facts, left = await run_sim(simulator, demo_key, "bitget-demo", paptrading=True)
    assert not facts.environment_mismatch
    assert facts.can_trade_futures
    assert left == []


@pytest.mark.asyncio
async def test_simulator_uta_account(simulator: SimulatorRunner) -> None:
    facts, _ = await run_sim(simulator, key_of(simulator, uta=True), "live")
    assert facts.uta
    assert (facts.can_read, facts.can_trade_spot, facts.can_trade_futures) == (True, True, True)
    assert facts.position_mode == PositionMode.ONE_WAY
    assert by_key(diagnose(facts))["account_type"].severity is Severity.OK
    assert not blocks_trading(diagnose(facts))


@pytest.mark.asyncio
async def test_simulator_clock_skew(simulator: SimulatorRunner) -> None:
    key = key_of(simulator)
    simulator.faults.shift_clock(45)
    try:
        facts, _ = await run_sim(simulator, key, "live")
    finally:
        simulator.faults.shift_clock(0)
    assert facts.clock_offset_ms is not None
    assert abs(facts.clock_offset_ms - 45_000) < 1000
    assert facts.key_accepted  # signed with the exchange's clock, so the skew does not break the key
    assert by_key(diagnose(facts))["clock"].title == "This computer's clock is far off"
