"""The widgets. pyqtgraph, when something here imports it, mirrors PySide6's Qt modules lazily (``ui.qt_mirror``)."""

from terminal_app.ui import qt_mirror

qt_mirror.install()
