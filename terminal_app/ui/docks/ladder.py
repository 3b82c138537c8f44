"""Order-book ladder: asks above, bids below, a spread/mid row between; size, cumulative size with depth bars, the
user's own orders marked at their price; click a price to put it in the ticket; aggregation by 1/10/100 × tick.

The view is one custom-painted widget, not a table: a book moves 10–30 times a second and a table would re-lay out
every cell. It paints only the rows that fit, and only when the market-data service says the book changed (that
signal is already coalesced to ≤ 30 Hz) or the user's orders changed. :func:`build_ladder` turns the raw book into
rows with Decimal arithmetic; it reads only as many levels as the visible rows need.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from terminal_app.bitget.symbols import MarketInfo, SymbolRef
from terminal_app.config.settings import Settings
from terminal_app.core.orderbook import OrderBook
from terminal_app.core.validation import step_places
from terminal_app.ui.docks import DockServices, active_ref, links_for
from terminal_app.ui.docks.common import ThemeWatcher
from terminal_app.ui.format import fmt_fixed, fmt_percent
from terminal_app.ui.theme import ThemeColors, current_colors, number_font

AGGREGATIONS = (1, 10, 100)


@dataclass(frozen=True, slots=True)
class LadderRow:
    price: Decimal
    size: Decimal
    cumulative: Decimal
    own: Decimal  # size of the user's open orders in this row's bucket


@dataclass(frozen=True, slots=True)
class Ladder:
    """Rows best first on each side; ``spread``/``mid`` come from the raw best prices, not the buckets."""

    asks: tuple[LadderRow, ...]
    bids: tuple[LadderRow, ...]
    spread: Decimal | None
    mid: Decimal | None
    best_bid: Decimal | None
    best_ask: Decimal | None

    @property
    def max_cumulative(self) -> Decimal:
        tops = [side[-1].cumulative for side in (self.asks, self.bids) if side]
        return max(tops) if tops else Decimal(0)


EMPTY = Ladder((), (), None, None, None, None)


@dataclass(frozen=True, slots=True)
class OwnOrder:
    price: Decimal
    size: Decimal  # still open (size − filled)


def _bucket(price: Decimal, step: Decimal, up: bool) -> Decimal:
    units = (price / step).to_integral_value(rounding=ROUND_CEILING if up else ROUND_FLOOR)
    return units * step


def _side_rows(levels: Sequence[tuple[str, str]], step: Decimal, aggregate: bool, n_rows: int, asks: bool,
               own: dict[Decimal, Decimal]) -> tuple[LadderRow, ...]:
    """Buckets for one side, best first: asks round up and bids round down, so a bucket never crosses the spread.

    Levels are sorted, so a level joins the current bucket while its price stays within the bucket's bound; that
    test compares floats, which order distinct Bitget price strings exactly (as the order book itself relies on).
    Decimals are made for each size and once per bucket, never per comparison.
    """
    buckets: dict[Decimal, Decimal] = {}
    if not aggregate:
        for price_s, size_s in levels[:n_rows]:
            buckets[Decimal(price_s)] = Decimal(size_s)
    else:
        bound = 0.0
        key: Decimal | None = None
        for price_s, size_s in levels:
            price_f = float(price_s)
            if key is None or (price_f > bound if asks else price_f < bound):
                if len(buckets) == n_rows:
                    break
                key = _bucket(Decimal(price_s), step, asks)
                bound = float(key)
                buckets[key] = Decimal(size_s)
            else:
                buckets[key] += Decimal(size_s)
    for price in own:
        buckets.setdefault(price, Decimal(0))
    ordered = sorted(buckets, reverse=not asks)[:n_rows]
    rows: list[LadderRow] = []
    total = Decimal(0)
    for price in ordered:
        size = buckets[price]
        total += size
        rows.append(LadderRow(price, size, total, own.get(price, Decimal(0))))
    return tuple(rows)


def build_ladder(book: OrderBook | None, tick: Decimal, aggregation: int, n_rows: int,
                 own_orders: Iterable[OwnOrder] = ()) -> Ladder:
    """The ``n_rows`` best buckets per side of ``book`` at ``aggregation`` × ``tick``, own orders folded in.

    An own order sits on the ask side when its price is above the mid (else the bid side), whatever its order side:
    a hedge-mode "close long" is a sell although its side reads buy.
    """
    if book is None or n_rows <= 0:
        return EMPTY
    step = tick * aggregation
    best_bid, best_ask = book.best_bid_price(), book.best_ask_price()
    mid = (best_bid + best_ask) / 2 if best_bid is not None and best_ask is not None else None
    own_asks: dict[Decimal, Decimal] = {}
    own_bids: dict[Decimal, Decimal] = {}
    for order in own_orders:
        if order.size <= 0:
            continue
        reference = mid if mid is not None else (best_ask if best_ask is not None else best_bid)
        is_ask = reference is not None and order.price > reference
        target = own_asks if is_ask else own_bids
        key = _bucket(order.price, step, is_ask)
        target[key] = target.get(key, Decimal(0)) + order.size
    # n buckets of k ticks hold at most n·k levels: one read is always enough, and never more than the rows need.
    want = n_rows * aggregation + 1
    asks = _side_rows(book.asks(want), step, aggregation > 1, n_rows, True, own_asks)
    bids = _side_rows(book.bids(want), step, aggregation > 1, n_rows, False, own_bids)
    spread = best_ask - best_bid if best_bid is not None and best_ask is not None else None
    return Ladder(asks, bids, spread, mid, best_bid, best_ask)


class LadderView(QWidget):
    """The painted ladder. Asks run from the top down to the best ask, then the spread row, then bids downwards.

    Signals:
        price_clicked(Decimal): a row was clicked; the row's price.
    """

    price_clicked = Signal(object)

    HEADERS = ("Mine", "Price", "Size", "Total")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LadderView")
        self.setMouseTracking(True)
        self.setMinimumSize(220, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.book: OrderBook | None = None
        self.market: MarketInfo | None = None
        self.aggregation = 1
        self.own: list[OwnOrder] = []
        self.paint_count = 0
        self._ladder = EMPTY
        self._dirty = True
        self._hover_y: int | None = None
        self._font = number_font(self.font())
        self._bold = QFont(self._font)
        self._bold.setBold(True)
        self._metrics = QFontMetrics(self._font)
        self.row_height = self._metrics.height() + 4
        self.colors = current_colors()

    # --- state ------------------------------------------------------------------------------------------------------

    def set_source(self, book: OrderBook | None, market: MarketInfo | None) -> None:
        self.book, self.market = book, market
        self.invalidate()

    def set_aggregation(self, aggregation: int) -> None:
        self.aggregation = aggregation
        self.invalidate()

    def set_own_orders(self, orders: Sequence[OwnOrder]) -> None:
        self.own = list(orders)
        self.invalidate()

    def invalidate(self) -> None:
        """The book or the user's orders moved: recompute at the next paint (only if the ladder is visible)."""
        self._dirty = True
        self.update()

    def rows_per_side(self) -> int:
        body = self.height() - 2 * self.row_height  # header + spread row
        return max(0, body // (2 * self.row_height))

    def ladder(self) -> Ladder:
        if self._dirty:
            tick = self.market.tick_size if self.market is not None else Decimal("0.01")
            self._ladder = build_ladder(self.book, tick, self.aggregation, self.rows_per_side(), self.own)
            self._dirty = False
        return self._ladder

    # --- geometry ---------------------------------------------------------------------------------------------------

    def _ask_top(self) -> int:
        return self.row_height

    def _spread_top(self) -> int:
        return self.row_height + self.rows_per_side() * self.row_height

    def row_rect(self, side: str, index: int) -> QRect:
        """Where row ``index`` (0 = best) of ``side`` ("ask"/"bid") is drawn."""
        n, h = self.rows_per_side(), self.row_height
        y = self._ask_top() + (n - 1 - index) * h if side == "ask" else self._spread_top() + h + index * h
        return QRect(0, y, self.width(), h)

    def row_at(self, y: int) -> tuple[str, int] | None:
        n, h = self.rows_per_side(), self.row_height
        if self._ask_top() <= y < self._spread_top():
            return "ask", n - 1 - (y - self._ask_top()) // h
        bid_top = self._spread_top() + h
        if bid_top <= y < bid_top + n * h:
            return "bid", (y - bid_top) // h
        return None

    def price_at(self, pos: QPoint) -> Decimal | None:
        hit = self.row_at(pos.y())
        if hit is None:
            return None
        side, index = hit
        rows = self.ladder().asks if side == "ask" else self.ladder().bids
        return rows[index].price if 0 <= index < len(rows) else None

    def _columns(self) -> list[QRect]:
        w = self.width()
        mine = max(56, w // 5)
        rest = w - mine
        price = rest * 38 // 100
        size = rest * 30 // 100
        return [QRect(0, 0, mine, 0), QRect(mine, 0, price, 0), QRect(mine + price, 0, size, 0),
                QRect(mine + price + size, 0, w - mine - price - size, 0)]

    # --- events -------------------------------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(280, 22 * self.row_height)

    def resizeEvent(self, event: Any) -> None:
        self._dirty = True
        super().resizeEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._hover_y = int(event.position().y())
        self.update()

    def leaveEvent(self, event: Any) -> None:
        self._hover_y = None
        self.update()
        super().leaveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            price = self.price_at(event.position().toPoint())
            if price is not None:
                self.price_clicked.emit(price)
                return
        super().mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        self.paint_count += 1
        c = self.colors
        ladder = self.ladder()
        p = QPainter(self)
        try:
            p.fillRect(self.rect(), QColor(c.surface))
            p.setFont(self._font)
            self._paint_header(p)
            price_places = self._price_places()
            size_places = self.market.size_places if self.market is not None else 4
            top = ladder.max_cumulative
            for side, rows, soft, strong in (("ask", ladder.asks, c.down_soft, c.down),
                                             ("bid", ladder.bids, c.up_soft, c.up)):
                for i, row in enumerate(rows):
                    self._paint_row(p, self.row_rect(side, i), row, top, soft, strong, price_places, size_places)
            self._paint_spread(p, ladder, price_places)
            if self._hover_y is not None and self.row_at(self._hover_y) is not None:
                side, i = self.row_at(self._hover_y) or ("", 0)
                rect = self.row_rect(side, i)
                p.setPen(QPen(QColor(c.accent), 1))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5))
            if self.book is not None and self.book.stale:
                p.setPen(QColor(c.warn))
                p.drawText(self.rect().adjusted(4, 0, -4, -4), int(Qt.AlignmentFlag.AlignBottom |
                           Qt.AlignmentFlag.AlignHCenter), "book out of sync — resyncing…")
            elif self.book is None:
                p.setPen(QColor(c.muted))
                p.drawText(self.rect(), int(Qt.AlignmentFlag.AlignCenter), "waiting for the order book…")
        finally:
            p.end()

    def _price_places(self) -> int:
        if self.market is None:
            return 2
        return max(step_places(self.market.tick_size * self.aggregation), 0)

    def _paint_header(self, p: QPainter) -> None:
        c = self.colors
        h = self.row_height
        p.fillRect(QRect(0, 0, self.width(), h), QColor(c.surface_alt))
        p.setPen(QColor(c.muted))
        for col, title in zip(self._columns(), self.HEADERS, strict=True):
            align = Qt.AlignmentFlag.AlignLeft if title == "Mine" else Qt.AlignmentFlag.AlignRight
            p.drawText(QRect(col.x() + 4, 0, col.width() - 8, h), int(align | Qt.AlignmentFlag.AlignVCenter), title)

    def _paint_row(self, p: QPainter, rect: QRect, row: LadderRow, top: Decimal, soft: str, strong: str,
                   price_places: int, size_places: int) -> None:
        c = self.colors
        cols = self._columns()
        if top > 0:
            width = int(float(row.cumulative / top) * (rect.width() - cols[0].width()))
            p.fillRect(QRect(rect.right() - width + 1, rect.y() + 1, width, rect.height() - 2), QColor(soft))
        y, h = rect.y(), rect.height()
        right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if row.own > 0:
            mark = QRect(cols[0].x() + 2, y + 2, cols[0].width() - 4, h - 4)
            p.fillRect(mark, QColor(c.accent))
            p.setPen(QColor(c.bg))
            p.setFont(self._bold)
            p.drawText(mark.adjusted(3, 0, -3, 0), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                       f"{row.own.normalize():f}")  # short: the marker column is narrow
            p.setFont(self._font)
        p.setPen(QColor(strong))
        p.drawText(QRect(cols[1].x(), y, cols[1].width() - 6, h), right, fmt_fixed(row.price, price_places))
        p.setPen(QColor(c.text if row.size > 0 else c.muted))
        p.drawText(QRect(cols[2].x(), y, cols[2].width() - 6, h), right, fmt_fixed(row.size, size_places))
        p.setPen(QColor(c.muted))
        p.drawText(QRect(cols[3].x(), y, cols[3].width() - 6, h), right, fmt_fixed(row.cumulative, size_places))

    def _paint_spread(self, p: QPainter, ladder: Ladder, price_places: int) -> None:
        c = self.colors
        rect = QRect(0, self._spread_top(), self.width(), self.row_height)
        p.fillRect(rect, QColor(c.raised))
        if ladder.spread is None or ladder.mid is None:
            return
        tick_places = step_places(self.market.tick_size) if self.market is not None else price_places
        ratio = ladder.spread / ladder.mid if ladder.mid else Decimal(0)
        p.setPen(QColor(c.text))
        p.setFont(self._bold)
        p.drawText(rect.adjusted(6, 0, -6, 0), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                   f"Mid {fmt_fixed(ladder.mid, tick_places + 1)}")
        p.setFont(self._font)
        p.setPen(QColor(c.muted))
        p.drawText(rect.adjusted(6, 0, -6, 0), int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                   f"Spread {fmt_fixed(ladder.spread, tick_places)} ({fmt_percent(ratio, 3, signed=False)})")

    def apply_theme(self, colors: ThemeColors) -> None:
        self.colors = colors
        self.update()


class LadderPanel(QWidget):
    """The ladder panel: symbol and aggregation on top, the painted ladder below.

    Signals:
        price_clicked(Decimal): a price was clicked (also sent to the ticket through ``links_for(services)``).
    """

    price_clicked = Signal(object)

    def __init__(self, services: DockServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LadderPanel")
        self.services = services
        self.md = services.market_data
        self.trading = services.trading
        self.links = links_for(services)
        self.ref: SymbolRef | None = None

        self.title = QLabel("—", self)
        self.title.setObjectName("LadderSymbol")
        self.aggregation = QComboBox(self)
        self.aggregation.setObjectName("LadderAggregation")
        self.aggregation.setToolTip("Group price levels by 1, 10 or 100 ticks")
        self.view = LadderView(self)
        top = QHBoxLayout()
        top.setContentsMargins(6, 4, 4, 0)
        top.addWidget(self.title, 1)
        top.addWidget(QLabel("Group", self))
        top.addWidget(self.aggregation)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self.theme = ThemeWatcher(self, self.view.apply_theme)

        self.aggregation.currentIndexChanged.connect(self._on_aggregation)
        self.view.price_clicked.connect(self._on_price_clicked)
        self.md.active_changed.connect(self.set_symbol)
        self.md.book_changed.connect(self._on_book_changed)
        self.md.markets_loaded.connect(lambda _m: self.set_symbol(self.ref) if self.ref is not None else None)
        self.trading.orders_changed.connect(self._refresh_own_orders)
        self.trading.order_updated.connect(lambda _v: self._refresh_own_orders())
        ref = active_ref(services)
        if ref is not None:
            self.set_symbol(ref)

    # --- public API -------------------------------------------------------------------------------------------

    def set_symbol(self, ref: SymbolRef) -> None:
        self.ref = ref
        market = self.md.market(ref)
        self.title.setText(ref.display)
        self.aggregation.blockSignals(True)
        self.aggregation.clear()
        tick = market.tick_size if market is not None else None
        for factor in AGGREGATIONS:
            label = f"{(tick * factor).normalize():f}" if tick is not None else f"{factor}×"
            self.aggregation.addItem(label, factor)
        self.aggregation.setCurrentIndex(0)
        self.aggregation.blockSignals(False)
        self.view.aggregation = 1
        self.view.set_source(self.md.book(ref), market)
        self._refresh_own_orders()

    def set_aggregation(self, factor: int) -> None:
        index = self.aggregation.findData(factor)
        if index < 0:
            raise ValueError(f"aggregation must be one of {AGGREGATIONS}")
        self.aggregation.setCurrentIndex(index)

    def ladder(self) -> Ladder:
        return self.view.ladder()

    # --- reactions ----------------------------------------------------------------------------------------------

    def _on_book_changed(self, ref: SymbolRef) -> None:
        if ref != self.ref:
            return
        book = self.md.book(ref)
        if book is not self.view.book:
            self.view.set_source(book, self.view.market or self.md.market(ref))
        else:
            self.view.invalidate()

    def _on_aggregation(self, index: int) -> None:
        factor = self.aggregation.itemData(index)
        if factor:
            self.view.set_aggregation(int(factor))

    def _on_price_clicked(self, price: Decimal) -> None:
        self.price_clicked.emit(price)
        self.links.price_picked.emit(price)

    def _refresh_own_orders(self) -> None:
        if self.ref is None:
            return
        own = []
        for view in self.trading.open_orders(self.ref):
            if view.price is None:
                continue
            remaining = view.size - (view.filled or Decimal(0))
            own.append(OwnOrder(view.price, remaining))
        self.view.set_own_orders(own)


def create_ladder(services: DockServices, parent: QWidget | None = None, *,
                  settings: Settings | None = None) -> LadderPanel:
    return LadderPanel(services, parent)
