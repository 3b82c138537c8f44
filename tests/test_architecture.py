"""The layer rule of architecture.md: imports point down only, and I/O libraries stay in their layer."""

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
    "bitget": (set(), QT | DB | KEYRING),
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
