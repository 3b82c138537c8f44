"""pyqtgraph's mirror of PySide6's Qt modules, filled on use instead of all at once when pyqtgraph is imported.

``pyqtgraph.Qt`` keeps modules of its own named ``QtCore``, ``QtGui`` and ``QtWidgets`` and copies every name of
PySide6's three modules into them (``_copy_attrs``: ``getattr`` on each name of ``dir(module)``). PySide6 creates its
classes on first access (a module ``__getattr__``), so that copy creates every class of the three modules and each of
their enums — ~650 Python enums — which was about half of pyqtgraph's import time (~0.15 s of the terminal's
start-up, ``bench start``, where pyqtgraph is imported on the start-up's critical path).

:func:`install` puts a finder first in ``sys.meta_path`` that, when ``pyqtgraph.Qt`` is imported, (1) registers the
three mirror modules first, each with a PEP 562 ``__getattr__`` that takes a name from PySide6 on first use and keeps
it, and (2) runs pyqtgraph's module with ``dir()`` of those three PySide6 modules seen as empty, so its copy copies
nothing. What pyqtgraph itself sets on the mirrors (``QOpenGLWidget``, ``QFileSystemModel`` on ``QtGui``) stays on
the mirrors, as before; every other name is PySide6's own object, as before, only looked up later. ``dir()`` of a
mirror lists PySide6's names too.

Only for PySide6 (the binding this terminal uses): if pyqtgraph could pick another one (``PYQTGRAPH_QT_LIB``, PyQt
imported first) nothing is changed. Once pyqtgraph.Qt is imported the finder removes itself.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib.abc
import importlib.machinery
import os
import sys
import types
from collections.abc import Callable, Iterator, Sequence
from typing import Any

TARGET = "pyqtgraph.Qt"
MIRRORED = ("QtCore", "QtGui", "QtWidgets")
_OTHER_BINDINGS = ("PyQt6", "PyQt5", "PySide2")


def _pyside6_will_be_chosen() -> bool:
    """pyqtgraph's own choice (``pyqtgraph.Qt``): ``PYQTGRAPH_QT_LIB``, else the first binding already imported."""
    wanted = os.environ.get("PYQTGRAPH_QT_LIB")
    if wanted is not None:
        return wanted == "PySide6"
    return "PySide6" in sys.modules and not any(name in sys.modules for name in _OTHER_BINDINGS)


def _mirror(short: str, source: types.ModuleType) -> types.ModuleType:
    mirror = types.ModuleType(f"{TARGET}.{short}")

    def take(name: str) -> Any:
        value = getattr(source, name)  # AttributeError as PySide6 raises it (its __version__ too, as copied before)
        setattr(mirror, name, value)
        return value

    def names() -> list[str]:
        return sorted(set(builtins.dir(source)) | set(mirror.__dict__))

    mirror.__getattr__ = take  # type: ignore[method-assign]  # PEP 562
    mirror.__dir__ = names  # type: ignore[method-assign]
    return mirror


@contextlib.contextmanager
def _dir_empty_for(modules: Sequence[types.ModuleType]) -> Iterator[None]:
    hidden = {id(m) for m in modules}
    real: Callable[..., list[str]] = builtins.dir

    def dir_(*args: Any) -> list[str]:
        if len(args) == 1 and id(args[0]) in hidden:
            return []
        return real(*args)

    builtins.dir = dir_
    try:
        yield
    finally:
        builtins.dir = real


class _Loader(importlib.abc.Loader):
    def __init__(self, inner: importlib.abc.Loader) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:  # get_source, get_resource_reader, …: the usual loader's
        return getattr(self.inner, name)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self.inner.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        if not _pyside6_will_be_chosen():
            self.inner.exec_module(module)
            return
        import PySide6.QtCore
        import PySide6.QtGui
        import PySide6.QtWidgets

        sources = {"QtCore": PySide6.QtCore, "QtGui": PySide6.QtGui, "QtWidgets": PySide6.QtWidgets}
        added = []
        for short, source in sources.items():
            name = f"{TARGET}.{short}"
            if name not in sys.modules:
                sys.modules[name] = _mirror(short, source)
                added.append(name)
        try:
            with _dir_empty_for(list(sources.values())):
                self.inner.exec_module(module)
        except BaseException:
            for name in added:
                sys.modules.pop(name, None)
            raise


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != TARGET:
            return None
        uninstall()
        for finder in sys.meta_path:  # the usual finders (the path's, or a frozen bundle's)
            find = getattr(finder, "find_spec", None)
            spec: importlib.machinery.ModuleSpec | None = find(fullname, path, target) if find else None
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _Loader(spec.loader)
                return spec
        return None


_finder = _Finder()


def install() -> None:
    """Before pyqtgraph is imported (else nothing to do)."""
    if TARGET not in sys.modules and _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


def uninstall() -> None:
    with contextlib.suppress(ValueError):
        sys.meta_path.remove(_finder)
