"""ui.qt_mirror: pyqtgraph imported after terminal_app.ui mirrors PySide6's Qt modules on use — the same objects,
the same names, the same pixels as pyqtgraph's own eager copy — without creating every Qt class at import.

Each side runs in a fresh interpreter: this test process has long imported pyqtgraph one way or the other."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

PROBE = textwrap.dedent("""
    import hashlib, json, sys
    import PySide6.QtCore, PySide6.QtGui, PySide6.QtOpenGLWidgets, PySide6.QtWidgets
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    if sys.argv[1] == "lazy":
        import terminal_app.ui  # installs the finder, as every start of the terminal does
    import pyqtgraph as pg
    import pyqtgraph.Qt as pgqt
    seen = {"created": "QUndoView" in PySide6.QtWidgets.__dict__, "lib": pgqt.QT_LIB,
            "loader": type(pgqt.__loader__).__name__}
    overrides = {("QtWidgets", "QOpenGLWidget"): PySide6.QtOpenGLWidgets.QOpenGLWidget,
                 ("QtGui", "QFileSystemModel"): PySide6.QtWidgets.QFileSystemModel}
    names, wrong = {}, []
    for short in ("QtCore", "QtGui", "QtWidgets"):
        source, mirror = getattr(PySide6, short), getattr(pgqt, short)
        names[short] = sorted(n for n in dir(mirror) if not n.startswith("__"))
        for name in dir(source):
            if name.startswith("__") or (short, name) in overrides:
                continue
            if getattr(mirror, name) is not getattr(source, name):
                wrong.append(f"{short}.{name}")
        for (where, name), value in overrides.items():
            if where == short and getattr(mirror, name) is not value:
                wrong.append(f"override {short}.{name}")
    seen["names"], seen["wrong"] = names, wrong
    plot = pg.PlotWidget()
    plot.resize(320, 200)
    plot.plot([1, 3, 2, 5, 4], pen=pg.mkPen("y", width=2))
    plot.addItem(pg.InfiniteLine(3.5, angle=0))
    plot.show()
    app.processEvents()
    image = plot.grab().toImage()
    bits = image.constBits()
    seen["pixels"] = hashlib.sha256(bytes(bits)[: image.sizeInBytes()]).hexdigest()
    print(json.dumps(seen))
""")


def _run(mode: str) -> dict[str, Any]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYQTGRAPH_QT_LIB", None)
    done = subprocess.run([sys.executable, "-c", PROBE, mode], env=env, capture_output=True, text=True, timeout=180,
                          check=True)
    seen: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return seen


def test_the_lazy_mirror_is_pyqtgraphs_eager_copy_without_the_eager_part() -> None:
    eager, lazy = _run("eager"), _run("lazy")
    assert eager["created"]
    assert eager["loader"] != "_Loader"
    assert not lazy["created"]
    assert lazy["loader"] == "_Loader"
    assert eager["lib"] == lazy["lib"] == "PySide6"
    assert eager["wrong"] == []
    assert lazy["wrong"] == []
    for short, names in eager["names"].items():
        assert set(names) <= set(lazy["names"][short]), short  # dir() of a mirror lists every name it had
    assert lazy["pixels"] == eager["pixels"]  # and a plot draws the same
