"""The streaming table model: Qt's model contract, keyed upserts, coalescing, formatting and colour roles."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QTableView
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from terminal_app.ui.models.table import (
    RAW_ROLE,
    SORT_ROLE,
    Column,
    StreamingTableModel,
    clock_ms,
    compact,
    fixed,
    percent,
    signed,
    text,
)
from terminal_app.ui.theme import PaletteName, ThemeManager, ThemeName, colors_for

PLACES = {"BTCUSDT": 1, "DOGEUSDT": 5}


@dataclass(frozen=True)
class Tick:
    symbol: str
    last: Decimal
    change: Decimal
    volume: Decimal = Decimal("0")


COLUMNS: list[Column[Tick]] = [
    Column("Symbol", lambda t: t.symbol),
    Column("Last", lambda t: t.last, fixed(lambda t: PLACES.get(t.symbol, 2)), numeric=True,
           direction=lambda t: t.change),
    Column("24h", lambda t: t.change, percent(2), numeric=True, direction=lambda t: t.change,
           tint=lambda t: t.change),
    Column("Volume", lambda t: t.volume, compact(1), numeric=True, tooltip=lambda t: f"{t.volume} {t.symbol}"),
]


def model(**kw: Any) -> StreamingTableModel[Tick]:
    kw.setdefault("coalesce_ms", None)
    return StreamingTableModel(COLUMNS, key=lambda t: t.symbol, **kw)


def ticks() -> list[Tick]:
    return [
        Tick("BTCUSDT", Decimal("65012.55"), Decimal("0.0123"), Decimal("123456789")),
        Tick("DOGEUSDT", Decimal("0.123456"), Decimal("-0.02"), Decimal("999")),
    ]


def test_qt_model_contract(qtmodeltester: ModelTester) -> None:
    m = model()
    m.upsert_many(ticks())
    qtmodeltester.check(m, force_py=True)
    m.upsert(Tick("ETHUSDT", Decimal("3000"), Decimal("0")))
    m.remove("BTCUSDT")
    qtmodeltester.check(m, force_py=True)


def test_qt_model_contract_for_a_bounded_tape(qtmodeltester: ModelTester) -> None:
    m = model(newest_first=True, max_rows=3)
    for i in range(6):
        m.upsert(Tick(f"S{i}", Decimal(i), Decimal(0)))
    qtmodeltester.check(m, force_py=True)


def test_display_alignment_and_exact_values(qtbot: QtBot) -> None:
    m = model()
    m.upsert_many(ticks())
    assert m.rowCount() == 2
    assert m.columnCount() == 4
    assert m.text(0, "Last") == "65,012.6"  # one decimal for this market, half-even rounding of the Decimal
    assert m.text(1, "Last") == "0.12346"
    assert m.text(0, "24h") == "+1.23 %"
    assert m.text(1, "24h") == "-2.00 %"
    assert m.text(0, "Volume") == "123.5M"
    last = m.index(0, 1)
    assert m.data(last, RAW_ROLE) == Decimal("65012.55")
    assert m.data(last, SORT_ROLE) == pytest.approx(65012.55)
    right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    assert m.data(last, Qt.ItemDataRole.TextAlignmentRole) == right
    assert m.data(m.index(0, 0), Qt.ItemDataRole.TextAlignmentRole) == (
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    )
    font = m.data(last, Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont)
    assert font.featureValue(QFont.Tag("tnum")) == 1
    assert m.data(m.index(0, 0), Qt.ItemDataRole.FontRole) is None
    assert m.data(m.index(0, 3), Qt.ItemDataRole.ToolTipRole) == "123456789 BTCUSDT"
    assert m.headerData(1, Qt.Orientation.Horizontal) == "Last"
    assert m.headerData(0, Qt.Orientation.Vertical) is None
    assert m.row_for("DOGEUSDT") == ticks()[1]
    assert m.row_of("DOGEUSDT") == 1


def test_up_down_colours_follow_the_theme(qtbot: QtBot) -> None:
    m = model()
    m.upsert_many([*ticks(), Tick("FLAT", Decimal("1"), Decimal("0"))])
    theme = ThemeManager()
    for palette in PaletteName:
        theme.apply(ThemeName.DARK, palette)
        c = colors_for(ThemeName.DARK, palette)
        assert m.data(m.index(0, 1), Qt.ItemDataRole.ForegroundRole) == QColor(c.up)
        assert m.data(m.index(1, 1), Qt.ItemDataRole.ForegroundRole) == QColor(c.down)
        assert m.data(m.index(2, 1), Qt.ItemDataRole.ForegroundRole) is None
        assert m.data(m.index(1, 2), Qt.ItemDataRole.BackgroundRole) == QColor(c.down_soft)
        assert m.data(m.index(0, 0), Qt.ItemDataRole.ForegroundRole) is None
    theme.apply(ThemeName.DARK, PaletteName.GREEN_RED)


def test_updates_signal_only_the_changed_rows(qtbot: QtBot) -> None:
    m = model()
    m.upsert_many([Tick(f"S{i}", Decimal(i), Decimal(0)) for i in range(10)])
    changed: list[tuple[int, int, int, int]] = []
    m.dataChanged.connect(lambda a, b, _roles=(): changed.append((a.row(), a.column(), b.row(), b.column())))
    inserted: list[tuple[int, int]] = []
    m.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    removed: list[tuple[int, int]] = []
    m.rowsRemoved.connect(lambda _p, first, last: removed.append((first, last)))
    m.upsert_many([Tick("S3", Decimal(30), Decimal(1)), Tick("S4", Decimal(40), Decimal(1)),
                   Tick("S8", Decimal(80), Decimal(1)), Tick("NEW", Decimal(1), Decimal(0))])
    assert changed == [(3, 0, 4, 3), (8, 0, 8, 3)]  # one signal per contiguous run, whole rows
    assert inserted == [(10, 10)]
    m.remove("S5")
    m.remove("S6")  # applied at once here: coalesce_ms=None
    assert removed == [(5, 5), (5, 5)]  # S6 moved up to row 5 once S5 was gone
    assert [t.symbol for t in m.rows()][4:7] == ["S4", "S7", "S8"]
    assert m.row_of("NEW") == 8
    m.remove("UNKNOWN")
    assert m.rowCount() == 9


def test_many_updates_coalesce_into_one_batch(qtbot: QtBot) -> None:
    m = model(coalesce_ms=20)
    m.upsert_many([Tick(f"S{i}", Decimal(i), Decimal(0)) for i in range(50)])
    with qtbot.waitSignal(m.flushed, timeout=2000):
        pass
    changed: list[int] = []
    m.dataChanged.connect(lambda a, b, _roles=(): changed.append(b.row() - a.row() + 1))
    with qtbot.waitSignal(m.flushed, timeout=2000) as blocker:
        for n in range(1000):
            m.upsert(Tick(f"S{n % 50}", Decimal(n), Decimal(1)))
        assert changed == []  # nothing reaches the view before the batch
        assert m.pending == 50
    assert blocker.args == [50]
    assert changed == [50]  # 1000 updates of 50 rows: one dataChanged
    assert m.row_for("S49") == Tick("S49", Decimal(999), Decimal(1))  # the last update of a row wins


async def _stream_into_view(qtbot: QtBot, coalesce_ms: int | None, seconds: float) -> tuple[int, int]:
    """Feed row updates one event-loop turn apart, as network messages arrive; return (updates, viewport paints)."""
    m = model(coalesce_ms=coalesce_ms)
    m.upsert_many([Tick(f"S{i}", Decimal(i), Decimal(0)) for i in range(20)])
    m.flush()
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(m)
    view.resize(600, 600)
    view.show()
    await wait_signal_for_paint(view)
    paints = PaintCounter(view.viewport())
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    n = 0
    while loop.time() < end:
        m.upsert(Tick(f"S{n % 20}", Decimal(n), Decimal(1)))
        n += 1
        await asyncio.sleep(0.002)
    m.flush()
    await asyncio.sleep(0.05)  # the last batch's paint
    return n, paints.count


@pytest.mark.asyncio
async def test_a_stream_of_updates_repaints_at_frame_rate_not_per_message(qtbot: QtBot) -> None:
    updates, paints = await _stream_into_view(qtbot, coalesce_ms=50, seconds=0.4)
    assert updates >= 40
    assert 1 <= paints <= 0.4 / 0.05 + 3
    raw_updates, raw_paints = await _stream_into_view(qtbot, coalesce_ms=None, seconds=0.4)
    # the contrast shows the bound comes from coalescing, not from Qt merging updates of one turn
    assert raw_paints > 2 * paints
    assert raw_updates >= 40


class PaintCounter(QObject):
    def __init__(self, target: QObject) -> None:
        super().__init__(target)
        self.count = 0
        target.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


async def wait_signal_for_paint(view: QTableView) -> None:
    counter = PaintCounter(view.viewport())
    for _ in range(100):
        if counter.count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the view never painted")


def test_newest_first_and_bounded(qtbot: QtBot) -> None:
    m = model(newest_first=True, max_rows=3)
    m.upsert_many([Tick("A", Decimal(1), Decimal(0)), Tick("B", Decimal(2), Decimal(0))])
    m.upsert_many([Tick("C", Decimal(3), Decimal(0)), Tick("D", Decimal(4), Decimal(0))])
    assert [t.symbol for t in m.rows()] == ["D", "C", "B"]
    m.replace_all([Tick(s, Decimal(1), Decimal(0)) for s in "PQRST"])
    assert [t.symbol for t in m.rows()] == ["T", "S", "R"]
    assert m.row_of("R") == 2
    m.clear()
    assert m.rowCount() == 0


def test_sorting_through_a_proxy_uses_numbers_not_text(qtbot: QtBot) -> None:
    m = model()
    m.upsert_many([Tick("BTCUSDT", Decimal("9"), Decimal(0)), Tick("DOGEUSDT", Decimal("10"), Decimal(0))])
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(m)
    proxy.setSortRole(SORT_ROLE)
    proxy.sort(1, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, 0).data() for r in range(2)] == ["BTCUSDT", "DOGEUSDT"]  # 9 < 10, though "10" < "9"


def test_formatters() -> None:
    assert fixed(2)(Decimal("1234.5"), None) == "1,234.50"
    assert fixed(0, grouping=False)(Decimal("1234.5"), None) == "1234"  # half-even
    assert fixed(2)(None, None) == ""
    assert fixed(2)("n/a", None) == "n/a"
    assert fixed(3)("0.1", None) == "0.100"
    assert signed(2)(Decimal("5"), None) == "+5.00"
    assert signed(2)(Decimal("-5"), None) == "-5.00"
    assert percent(1, ratio=False)(Decimal("2.25"), None) == "+2.2 %"
    assert compact(2)(Decimal("1500"), None) == "1.50K"
    assert compact(2)(Decimal("2.5e12"), None) == "2.50T"
    assert compact(0)(Decimal("12"), None) == "12"
    assert clock_ms(utc=True)(1_700_000_000_123, None) == "22:13:20.123"
    assert clock_ms(with_ms=False, utc=True)("1700000000123", None) == "22:13:20"
    assert text()(None, None) == ""
