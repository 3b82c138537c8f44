"""The layer rule of architecture.md: imports point down only, I/O libraries stay in their layer, widgets stay in ui/,
and core/ speaks the terminal's words, not a wire format's; and the simulator's shape: subpackages by seam
(market < engine < copy < server), entry points at sim/, no module over 600 lines."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "terminal_app"

QT = {"PySide6", "qasync", "pyqtgraph", "shiboken6"}
NET = {"httpx", "httpx_aiohttp", "websockets", "aiohttp", "socket"}
DB = {"sqlite3"}
KEYRING = {"keyring"}
WIDGETS = "PySide6.QtWidgets"

Rules = Mapping[str, tuple[set[str], set[str]]]

# layer → (project layers it may import, third-party roots it must not import). core is the ground floor: it imports
# no other layer; the protocol (bitget) maps its wire format to core's types and is imported by the layers that do I/O
# with it (sim, services) and by the composition root (app.py), never by the ui, the store or the settings.
RULES: Rules = {
    "core": (set(), QT | NET | DB | KEYRING | {"asyncio"}),
    "bitget": ({"core"}, QT | DB | KEYRING),
    "store": ({"core"}, QT | NET | KEYRING),
    "config": ({"core"}, QT | NET | DB),
    "sim": ({"bitget", "core", "store"}, QT | KEYRING),
    "services": ({"bitget", "core", "store", "config"}, {"pyqtgraph"}),
    "ui": ({"core", "services", "config"}, NET | DB | KEYRING),
}
# Layers that may use Qt's core (signals, timers) where allowed above, but never build a widget: a dialog or a
# message box belongs to ui/ (services emit a request; ui shows it and answers).
NO_WIDGETS = frozenset({"services", "core", "bitget", "store", "config"})

# (file under terminal_app/, imported module) → why it is allowed anyway. Each entry is a known debt, named here so
# it cannot spread.
EXEMPTIONS: Mapping[tuple[str, str], str] = {
    ("config/profiles.py", "terminal_app.bitget.endpoints"):
        "a profile's default hosts are Bitget's (REST and V2 WebSocket, constants only: the module imports nothing, "
        "so resolving the profile at start-up does not load the HTTP stack); host choice moves to the venue with V3",
}

# V2 wire spellings that must not appear as string values in core (docstrings may name them when explaining).
WIRE_WORDS = frozenset({
    "SPOT", "USDT-FUTURES", "COIN-FUTURES", "USDC-FUTURES", "SUSDT-FUTURES", "SCOIN-FUTURES", "SUSDC-FUTURES",
    "hedge_mode", "one_way_mode", "canceled", "cross", "open_long", "close_long", "open_short", "close_short",
    "buy_single", "sell_single", "instId", "instType", "productType", "tradeSide", "posMode", "posSide", "holdSide",
    "marginMode", "clientOid",
})


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every module a file imports, with its line; ``from a import b`` also yields ``a.b`` (b may be a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
            found += [(f"{node.module}.{a.name}", node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}:{node.lineno}: use absolute imports (terminal_app.…)")
    return found


def layer_problems(pkg: Path, rules: Rules = RULES, exemptions: Mapping[tuple[str, str], str] = EXEMPTIONS,
                   no_widgets: frozenset[str] = NO_WIDGETS) -> list[str]:
    """Every import under ``pkg`` (a ``terminal_app`` tree) that breaks ``rules``, as ``file:line: reason``."""
    problems: list[str] = []
    for layer, (allowed, forbidden) in rules.items():
        for path in sorted((pkg / layer).rglob("*.py")):
            rel = path.relative_to(pkg).as_posix()
            exempt = tuple(module for (file, module) in exemptions if file == rel)
            for name, line in _imports(path):
                if any(name == module or name.startswith(module + ".") for module in exempt):
                    continue
                root = name.split(".")[0]
                where = f"{pkg.name}/{rel}:{line}"
                if root == "terminal_app":
                    parts = name.split(".")
                    target = parts[1] if len(parts) > 1 else ""
                    known = (pkg / target).is_dir() or (pkg / f"{target}.py").is_file()
                    if target and target != layer and target not in allowed and known:
                        problems.append(f"{where}: {layer}/ must not import terminal_app.{target}")
                elif root in forbidden:
                    if root == "keyring" and path.name == "secrets.py":
                        continue
                    problems.append(f"{where}: {layer}/ must not import {root}")
                elif layer in no_widgets and (name == WIDGETS or name.startswith(WIDGETS + ".")):
                    problems.append(f"{where}: {layer}/ must not build widgets ({WIDGETS})")
    return sorted(set(problems))


def _strings(path: Path) -> Iterator[tuple[str, int]]:
    """String constants of a module other than docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.value, node.lineno


def wire_word_problems(pkg: Path, layers: tuple[str, ...] = ("core",)) -> list[str]:
    """String values under ``layers`` that are V2 wire spellings (:data:`WIRE_WORDS`)."""
    return [
        f"{pkg.name}/{path.relative_to(pkg).as_posix()}:{line}: {value!r} is a wire spelling; map it in bitget/"
        for layer in layers
        for path in sorted((pkg / layer).rglob("*.py"))
        for value, line in _strings(path)
        if value in WIRE_WORDS
    ]


def test_layer_imports() -> None:
    problems = layer_problems(PKG)
    assert not problems, "\n".join(problems)


def test_core_holds_no_wire_spelling() -> None:
    problems = wire_word_problems(PKG)
    assert not problems, "\n".join(problems)


def test_exemptions_are_still_needed() -> None:
    # An exemption whose import is gone would silently allow it to come back.
    for (rel, module), why in EXEMPTIONS.items():
        assert why
        names = {name for name, _ in _imports(PKG / rel)}
        assert module in names, f"{rel} no longer imports {module}: drop its exemption"


def test_keyring_only_in_secrets() -> None:
    users = [
        str(p.relative_to(PKG.parent))
        for p in PKG.rglob("*.py")
        if any(n.split(".")[0] == "keyring" for n, _ in _imports(p))
    ]
    assert all(u.endswith("config/secrets.py") for u in users), users


PLANTED = {
    "core/orders.py": "from terminal_app.bitget.models import trade\n",
    "core/wire.py": 'HEDGE = "hedge_mode"\n\n\ndef f() -> str:\n    """Bitget says hedge_mode; a docstring may."""\n'
                    '    return "USDT-FUTURES"\n',
    "core/book.py": "from PySide6.QtWidgets import QWidget\n",
    "ui/panel.py": "from terminal_app.bitget.errors import BitgetError\n",
    "ui/other.py": "from terminal_app import bitget\n",
    "store/journal.py": "import terminal_app.bitget.symbols\n",
    "config/settings.py": "from terminal_app.bitget import symbols\n",
    "config/profiles.py": "from terminal_app.bitget.endpoints import BITGET_REST_URL\n",
    "services/sink.py": "from PySide6 import QtWidgets\nfrom PySide6.QtCore import QObject\n",
    "bitget/rest.py": "from PySide6.QtWidgets import QMessageBox\nfrom terminal_app.core.orders import Order\n",
    "sim/engine.py": "from terminal_app.bitget.errors import ExchangeError\n",
}


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    """A synthetic ``terminal_app`` tree with one violation per rule (and a few allowed imports)."""
    pkg = tmp_path / "terminal_app"
    for layer in RULES:
        (pkg / layer).mkdir(parents=True)
    for rel, text in PLANTED.items():
        (pkg / rel).write_text(text, encoding="utf-8")
    return pkg


def test_the_rules_catch_planted_violations(planted: Path) -> None:
    problems = layer_problems(planted)
    assert problems == [
        "terminal_app/bitget/rest.py:1: bitget/ must not import PySide6",
        "terminal_app/config/settings.py:1: config/ must not import terminal_app.bitget",
        "terminal_app/core/book.py:1: core/ must not import PySide6",
        "terminal_app/core/orders.py:1: core/ must not import terminal_app.bitget",
        "terminal_app/services/sink.py:1: services/ must not build widgets (PySide6.QtWidgets)",
        "terminal_app/store/journal.py:1: store/ must not import terminal_app.bitget",
        "terminal_app/ui/other.py:1: ui/ must not import terminal_app.bitget",
        "terminal_app/ui/panel.py:1: ui/ must not import terminal_app.bitget",
    ]  # config/profiles.py's import is an exemption; sim may import bitget; bitget may import core


def test_widgets_are_refused_outside_ui_even_where_qt_is_allowed(planted: Path) -> None:
    rules = {**RULES, "bitget": ({"core"}, DB | KEYRING)}  # a layer allowed Qt still may not build widgets
    assert "terminal_app/bitget/rest.py:1: bitget/ must not build widgets (PySide6.QtWidgets)" in layer_problems(
        planted, rules)


def test_wire_spellings_in_core_are_found_outside_docstrings(planted: Path) -> None:
    assert wire_word_problems(planted) == [
        "terminal_app/core/wire.py:1: 'hedge_mode' is a wire spelling; map it in bitget/",
        "terminal_app/core/wire.py:6: 'USDT-FUTURES' is a wire spelling; map it in bitget/",
    ]


# ---- services trade through a venue (issue 11 §3) -------------------------------------------------------------------
# Services and the smoke test reach the exchange through ``session.venue`` (core.venue.Venue), which routes each call by
# product to its adapter: no call of the V2 REST client's ``spot_*``/``mix_*`` endpoints, and no comparison with a
# product to pick one (the venue's one dispatch does that).

VENUE_USERS = ("services", "smoke.py")


def _rest_endpoint_names() -> frozenset[str]:
    from terminal_app.bitget.rest import BitgetRestClient

    return frozenset(n for n in dir(BitgetRestClient) if n.startswith(("spot_", "mix_")))


def _product_word(node: ast.expr) -> bool:
    """``Product.X`` or a module constant standing for one (``SPOT``, ``FUTURES``)."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Product":
        return True
    return isinstance(node, ast.Name) and node.id in {"SPOT", "FUTURES", "PERP"}


def venue_problems(pkg: Path, users: tuple[str, ...] = VENUE_USERS,
                   endpoints: frozenset[str] | None = None) -> list[str]:
    """Calls of REST endpoints and forks on a product under ``users`` (folders or modules of ``pkg``)."""
    endpoints = _rest_endpoint_names() if endpoints is None else endpoints
    paths = [p for user in users for p in ([pkg / user] if user.endswith(".py") else sorted((pkg / user).rglob("*.py")))
             if p.is_file()]
    problems = []
    for path in paths:
        where = f"{pkg.name}/{path.relative_to(pkg).as_posix()}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in endpoints:
                problems.append(f"{where}:{node.lineno}: calls the REST endpoint {node.func.attr}; ask the venue")
            elif isinstance(node, ast.Compare) and any(map(_product_word, [node.left, *node.comparators])):
                problems.append(f"{where}:{node.lineno}: forks on a product; the venue dispatches by product")
    return sorted(problems, key=lambda p: (p.split(":")[0], int(p.split(":")[1])))


def test_services_trade_through_the_venue() -> None:
    problems = venue_problems(PKG)
    assert not problems, "\n".join(problems)


def test_the_venue_rule_catches_planted_violations(tmp_path: Path) -> None:
    pkg = tmp_path / "terminal_app"
    (pkg / "services").mkdir(parents=True)
    (pkg / "services" / "trading.py").write_text(
        "async def send(session, ref, kind):\n"
        "    rest = session.rest\n"
        "    if ref.product is Product.SPOT:\n"
        "        await rest.spot_place_order(ref)\n"
        "    elif kind == FUTURES:\n"
        "        await session.rest.mix_cancel_order(ref)\n"
        "    await session.venue.place(ref)\n"
        "    return session.account.spot_assets\n", encoding="utf-8")
    (pkg / "smoke.py").write_text("async def f(s):\n    return await s.rest.mix_orders_pending()\n", encoding="utf-8")
    assert venue_problems(pkg) == [
        "terminal_app/services/trading.py:3: forks on a product; the venue dispatches by product",
        "terminal_app/services/trading.py:4: calls the REST endpoint spot_place_order; ask the venue",
        "terminal_app/services/trading.py:5: forks on a product; the venue dispatches by product",
        "terminal_app/services/trading.py:6: calls the REST endpoint mix_cancel_order; ask the venue",
        "terminal_app/smoke.py:2: calls the REST endpoint mix_orders_pending; ask the venue",
    ]


# ---- the simulator's shape (architecture.md: sim/ in subpackages by seam) ------------------------------------------

SIM_MAX_LINES = 600
SIM_ROOT_MODULES = {"__init__.py", "cli.py", "process.py", "runner.py"}     # the entry points the app starts
# sim's subpackages, lowest first: a module may import its own subpackage and the ones before it, never after
SIM_LAYERS = ("market", "engine", "copy", "server")


def oversized_modules(root: Path, limit: int = SIM_MAX_LINES) -> list[str]:
    """Modules under ``root`` longer than ``limit`` lines."""
    out = []
    for path in sorted(root.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            out.append(f"{path.relative_to(root.parent)}: {lines} lines (at most {limit})")
    return out


def _sim_target(name: str) -> str | None:
    """The sim subpackage (or root module) ``terminal_app.sim.X…`` names, None for anything outside sim."""
    parts = name.split(".")
    return parts[2] if parts[:2] == ["terminal_app", "sim"] and len(parts) > 2 else None


def sim_layout_problems(sim: Path) -> list[str]:
    """Where ``sim`` breaks its layout: only the entry points at its root, one level of the known subpackages, and
    imports between subpackages pointing down ``SIM_LAYERS`` only."""
    problems: list[str] = []
    for path in sorted(sim.iterdir()):
        if path.name == "__pycache__":
            continue
        if path.is_file() and path.suffix == ".py" and path.name not in SIM_ROOT_MODULES:
            problems.append(f"sim/{path.name}: modules live in a subpackage {SIM_LAYERS}, not at sim/'s root")
        elif path.is_dir() and path.name not in SIM_LAYERS:
            problems.append(f"sim/{path.name}/: not one of sim's subpackages {SIM_LAYERS}")
        elif path.is_dir():
            if not (path / "__init__.py").is_file():
                problems.append(f"sim/{path.name}/: no __init__.py")
            problems += [f"sim/{path.name}/{sub.name}/: sim's subpackages are one level deep"
                         for sub in sorted(path.iterdir()) if sub.is_dir() and sub.name != "__pycache__"]
    for layer in SIM_LAYERS:
        allowed = set(SIM_LAYERS[:SIM_LAYERS.index(layer) + 1])
        for path in sorted((sim / layer).rglob("*.py")) if (sim / layer).is_dir() else []:
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            for node in ast.walk(tree):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module] + (
                        [f"{node.module}.{a.name}" for a in node.names] if node.module == "terminal_app.sim" else [])
                for name in names:
                    target = _sim_target(name)
                    if target is not None and target not in allowed:
                        problems.append(f"{path.relative_to(sim.parent)}:{node.lineno}: sim/{layer}/ must not import "
                                        f"terminal_app.sim.{target} (allowed: {sorted(allowed)})")
    return problems


def test_sim_modules_are_small() -> None:
    assert not oversized_modules(PKG / "sim"), "\n".join(oversized_modules(PKG / "sim"))


def test_sim_subpackage_layout() -> None:
    problems = sim_layout_problems(PKG / "sim")
    assert not problems, "\n".join(problems)


def _plant(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "sim"


def test_sim_rules_catch_planted_violations(tmp_path: Path) -> None:
    layout = {f"sim/{name}": '"""ok"""\n' for name in SIM_ROOT_MODULES}
    layout.update({f"sim/{layer}/__init__.py": '"""ok"""\n' for layer in SIM_LAYERS})
    clean = _plant(tmp_path / "clean", {**layout, "sim/engine/ok.py": "from terminal_app.sim.market.book import Book\n",
                                        "sim/server/ok.py": "import terminal_app.sim.copy.engine\n"})
    assert oversized_modules(clean) == []
    assert sim_layout_problems(clean) == []

    bad = _plant(tmp_path / "bad", {
        **layout,
        "sim/engine/huge.py": "x = 1\n" * (SIM_MAX_LINES + 1),
        "sim/market/upward.py": "from terminal_app.sim.engine.exchange import Exchange\n",
        "sim/copy/upward.py": "import terminal_app.sim.server.http\n",
        "sim/engine/package_import.py": "from terminal_app.sim import server\n",
        "sim/matching.py": '"""a flat module again"""\n',
        "sim/misc/__init__.py": "",
        "sim/engine/deeper/__init__.py": "",
    })
    assert oversized_modules(bad) == [f"sim/engine/huge.py: {SIM_MAX_LINES + 1} lines (at most {SIM_MAX_LINES})"]
    found = "\n".join(sim_layout_problems(bad))
    for expected in ("sim/matching.py: modules live in a subpackage", "sim/misc/: not one of sim's subpackages",
                     "sim/engine/deeper/: sim's subpackages are one level deep",
                     "sim/market/upward.py:1: sim/market/ must not import terminal_app.sim.engine",
                     "sim/copy/upward.py:1: sim/copy/ must not import terminal_app.sim.server",
                     "sim/engine/package_import.py:1: sim/engine/ must not import terminal_app.sim.server"):
        assert expected in found, found
