"""The layer rule of architecture.md: imports point down only, and I/O libraries stay in their layer; and the
simulator's shape: subpackages by seam (market < engine < copy < server), entry points at sim/, no module over 600
lines."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "terminal_app"

QT = {"PySide6", "qasync", "pyqtgraph", "shiboken6"}
NET = {"httpx", "httpx_aiohttp", "websockets", "aiohttp", "socket"}
DB = {"sqlite3"}
KEYRING = {"keyring"}

# layer → (project layers it may import, third-party roots it must not import)
RULES: dict[str, tuple[set[str], set[str]]] = {
    "bitget": ({"core"}, QT | DB | KEYRING),
    "core": ({"bitget"}, QT | NET | DB | KEYRING | {"asyncio"}),
    "store": ({"bitget", "core"}, QT | NET | KEYRING),
    "config": ({"bitget", "core"}, QT | NET | DB),
    "sim": ({"bitget", "core", "store"}, QT | KEYRING),
    "services": ({"bitget", "core", "store", "config"}, {"pyqtgraph"}),
    "ui": ({"bitget", "core", "services", "config"}, NET | DB | KEYRING),
}


def _imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}:{node.lineno}: use absolute imports (terminal_app.…)")
    return found


def test_layer_imports() -> None:
    problems: list[str] = []
    for layer, (allowed, forbidden) in RULES.items():
        for path in sorted((PKG / layer).rglob("*.py")):
            rel = path.relative_to(PKG.parent)
            for name, line in _imports(path):
                root = name.split(".")[0]
                if root == "terminal_app":
                    parts = name.split(".")
                    target = parts[1] if len(parts) > 1 else ""
                    if target and target != layer and target not in allowed:
                        problems.append(f"{rel}:{line}: {layer}/ must not import terminal_app.{target}")
                elif root in forbidden:
                    if root == "keyring" and path.name == "secrets.py":
                        continue
                    problems.append(f"{rel}:{line}: {layer}/ must not import {root}")
    assert not problems, "\n".join(problems)


def test_keyring_only_in_secrets() -> None:
    users = [
        str(p.relative_to(PKG.parent))
        for p in PKG.rglob("*.py")
        if any(n.split(".")[0] == "keyring" for n, _ in _imports(p))
    ]
    assert all(u.endswith("config/secrets.py") for u in users), users


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
