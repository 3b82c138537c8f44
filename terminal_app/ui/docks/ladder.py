"""Order-book ladder: asks above, bids below, a spread/mid row between; size, cumulative size with depth bars, the
user's own orders marked at their price, and the volume traded at each price over the last minutes (bought / sold as a
two-colour bar, the total as text; hover for the delta); click a price to put it in the ticket; aggregation by
1/10/100 × tick.

The view is one custom-painted widget, not a table: a book moves 10–60 times a second and a table would re-lay out
every cell. It paints only the rows that fit, and only when the market-data service says the book changed or new
trades came (both signals are already coalesced to ≤ 60 Hz, one flush emits both, so they cost one paint), or the
user's orders changed. :func:`build_ladder` turns the raw book into rows with Decimal arithmetic; it reads only as
many levels as the visible rows need, and the traded volume of a row is one lookup in ``core.traded_volume``.
Texts and column widths are worked out when the rows change, not at every paint (a hover repaints too).

A book that has gone silent (``OrderBook.silent_s``: no push for two seconds, a stalled connection) is shown faded
with "stale — no update for N s" across the spread row, counting up once a second until the next update clears it;
one out of sync (``stale``) says it is resyncing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QHelpEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QToolTip, QVBoxLayout, QWidget

from terminal_app.config.settings import Settings
from terminal_app.core.instruments import MarketInfo, SymbolRef
from terminal_app.core.market_data import PublicTrade
from terminal_app.core.orderbook import OrderBook
from terminal_app.core.traded_volume import DEFAULT_WINDOW_MS, TradedVolume, bucket_price
from terminal_app.core.validation import step_places
from terminal_app.ui.docks import DockServices, active_ref, links_for
from terminal_app.ui.docks.common import ThemeWatcher
from terminal_app.ui.format import fmt_fixed, fmt_percent, fmt_signed
from terminal_app.ui.theme import ThemeColors, current_colors, number_font

AGGREGATIONS = (1, 10, 100)


@dataclass(frozen=True, slots=True)
class LadderRow:
    price: Decimal
    size: Decimal
    cumulative: Decimal
    own: Decimal  # size of the user's open orders in this row's bucket
    bought: Decimal = Decimal(0)  # traded in this row's bucket within the window, by taker side
    sold: Decimal = Decimal(0)

    @property
    def traded(self) -> Decimal:
        return self.bought + self.sold


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

    @property
    def max_traded(self) -> Decimal:
        """The largest bucket's traded volume in view: the full length of the Traded bars."""
        return max((row.traded for side in (self.asks, self.bids) for row in side), default=Decimal(0))


EMPTY = Ladder((), (), None, None, None, None)


@dataclass(frozen=True, slots=True)
class OwnOrder:
    price: Decimal
    size: Decimal  # still open (size − filled)


_bucket = bucket_price  # one rounding rule for the book's rows and the traded volume's buckets


def _side_rows(levels: Sequence[tuple[str, str]], step: Decimal, aggregate: bool, n_rows: int, asks: bool,
               own: dict[Decimal, Decimal], traded: TradedVolume | None = None,
               mid: Decimal | None = None) -> tuple[LadderRow, ...]:
    """Buckets for one side, best first: asks round up and bids round down, so a bucket never crosses the spread.

    Levels are sorted, so a level joins the current bucket while its price stays within the bucket's bound; that
    test compares floats, which order distinct Bitget price strings exactly (as the order book itself relies on).
    Decimals are made for each size and once per bucket, never per comparison.

    Prices that traded inside the rows' range but hold no order now get a row of their own (size 0), so the Traded
    column is a volume profile of the range shown, not only of the levels that happen to rest there now. The best
    bucket of each side can reach across the mid (at 10× the best bid's bucket [100.0, 100.1) and the best ask's
    (100.0, 100.1] overlap when the book is 100.00 / 100.02); there each side counts only the prices on its side of
    the mid (the ask side from the mid up), so no trade shows twice.
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
    if traded is not None and ordered:
        low, high = (ordered[0], ordered[-1]) if asks else (ordered[-1], ordered[0])
        gaps = [gap for gap in traded.keys_between(step, asks, low, high) if gap not in buckets]
        if gaps:
            for gap in gaps:
                buckets[gap] = Decimal(0)
            ordered = sorted(buckets, reverse=not asks)[:n_rows]
    rows: list[LadderRow] = []
    total = Decimal(0)
    zero = Decimal(0)
    for price in ordered:
        size = buckets[price]
        total += size
        if traded is None:
            rows.append(LadderRow(price, size, total, own.get(price, zero)))
            continue
        if mid is not None and not rows and (price - step < mid if asks else price + step > mid):
            at = traded.between(mid, price) if asks else traded.between(price, mid, inclusive=(True, False))
        else:
            at = traded.bucket(price, step, asks)
        rows.append(LadderRow(price, size, total, own.get(price, zero), at.bought, at.sold))
    return tuple(rows)


def build_ladder(book: OrderBook | None, tick: Decimal, aggregation: int, n_rows: int,
                 own_orders: Iterable[OwnOrder] = (), traded: TradedVolume | None = None) -> Ladder:
    """The ``n_rows`` best buckets per side of ``book`` at ``aggregation`` × ``tick``, own orders folded in, and
    with ``traded`` each row's bought/sold volume in its bucket.

    An own order sits on the ask side when its price is above the mid (else the bid side), whatever its order side:
    a hedge-mode "close long" is a sell although its side reads buy. A trade shows in the row whose price range holds
    it; the best rows of the two sides split their ranges at the mid (see :func:`_side_rows`).
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
    asks = _side_rows(book.asks(want), step, aggregation > 1, n_rows, True, own_asks, traded, mid)
    bids = _side_rows(book.bids(want), step, aggregation > 1, n_rows, False, own_bids, traded, mid)
    spread = best_ask - best_bid if best_bid is not None and best_ask is not None else None
    return Ladder(asks, bids, spread, mid, best_bid, best_ask)


BAR_MIN = 24  # the narrowest Traded bar worth drawing; below it the column is left out
BAR_MAX = 110  # a longer bar says nothing more: a wide panel gives the rest to the other columns
BAR_INSET = 4  # between the column's left edge and the bar, and after a full bar
PAD = 12  # room around a column's text


def window_label(ms: int) -> str:
    """A window for the header: 300,000 ms → "5m", 90,000 → "90s", 7,200,000 → "2h"."""
    seconds = ms // 1000
    if seconds and seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds and seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{seconds}s" if seconds else f"{ms}ms"


def volume_places(top: Decimal, size_places: int) -> int:
    """Decimals for a column of traded volumes: four significant digits of the largest in view (never more than the
    market's sizes have), the same for every row so the numbers line up."""
    size_places = max(size_places, 0)
    return size_places if top <= 0 else min(size_places, max(0, 3 - top.adjusted()))


def short_volume(value: Decimal, places: int) -> str:
    """A traded volume in six characters or so: ``places`` decimals (a volume that would round to nothing shows its own
    digits instead), K and M above ten thousand; "" for nothing traded."""
    if value <= 0:
        return ""
    if value >= 1_000_000:
        m = value / 1_000_000
        return f"{m:.{2 if m < 10 else 1 if m < 100 else 0}f}M"
    if value >= 10_000:
        k = value / 1000
        return f"{k:.{1 if k < 100 else 0}f}K"
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{rounded:,.{places}f}" if rounded else f"{value.normalize():f}"


@dataclass(frozen=True, slots=True)
class LadderColumns:
    """Where each column is drawn, as (x, width): Mine, Price, Size, Total, Traded.

    ``bar`` is the length of a full Traded bar (0: the panel is too narrow for the column); ``traded_text`` says
    whether the total is written (beside the bar where there is room, else over its track with the bar drawn as a
    strip along the row's foot; without it only the bar shows and the numbers are in the tooltip).
    """

    cells: tuple[tuple[int, int], ...]
    bar: int
    traded_text: bool
    text_over_bar: bool = False  # the number shares the bar's track: the bar shrinks to a strip under it

    def span(self, index: int) -> tuple[int, int]:
        return self.cells[index]


# texts of one row, made when the rows change: price, size, total, traded, own
_RowTexts = tuple[str, str, str, str, str]


class LadderView(QWidget):
    """The painted ladder. Asks run from the top down to the best ask, then the spread row, then bids downwards.

    Columns get the width their widest text needs (measured, and only ever widened until the symbol or the
    aggregation changes, so they do not jitter as numbers change); whatever is left goes to the Traded column, which
    narrows (bar and number side by side, then the number over the bar, then the bar alone) and then disappears
    before Mine / Price / Size / Total lose any room.

    Signals:
        price_clicked(Decimal): a row was clicked; the row's price.
    """

    price_clicked = Signal(object)

    HEADERS = ("Mine", "Price", "Size", "Total", "Traded")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LadderView")
        self.setMouseTracking(True)
        self.setMinimumSize(220, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.book: OrderBook | None = None
        self.market: MarketInfo | None = None
        self.traded: TradedVolume | None = None
        self.aggregation = 1
        self.own: list[OwnOrder] = []
        self.paint_count = 0
        self._ladder = EMPTY
        self._texts: dict[str, list[_RowTexts]] = {"ask": [], "bid": []}
        self._dirty = True
        self._hover_y: int | None = None
        self._font = number_font(self.font())
        self._bold = QFont(self._font)
        self._bold.setBold(True)
        self._metrics = QFontMetrics(self._font)
        self._bold_metrics = QFontMetrics(self._bold)
        self._digit_w = self._metrics.horizontalAdvance("0")
        self.row_height = self._metrics.height() + 4
        self._natural = self._header_widths()
        self._columns: LadderColumns | None = None
        self.colors = current_colors()

    # --- state ------------------------------------------------------------------------------------------------------

    def set_source(self, book: OrderBook | None, market: MarketInfo | None) -> None:
        self.book, self.market = book, market
        self._reset_widths()
        self.invalidate()

    def set_traded(self, traded: TradedVolume | None) -> None:
        self.traded = traded
        self._reset_widths()
        self.invalidate()

    def set_aggregation(self, aggregation: int) -> None:
        self.aggregation = aggregation
        self._reset_widths()
        self.invalidate()

    def set_own_orders(self, orders: Sequence[OwnOrder]) -> None:
        self.own = list(orders)
        self.invalidate()

    def invalidate(self) -> None:
        """The book, the traded volume or the user's orders moved: recompute at the next paint (only if visible)."""
        self._dirty = True
        self.update()

    def rows_per_side(self) -> int:
        body = self.height() - 2 * self.row_height  # header + spread row
        return max(0, body // (2 * self.row_height))

    def ladder(self) -> Ladder:
        if self._dirty:
            tick = self.market.tick_size if self.market is not None else Decimal("0.01")
            self._ladder = build_ladder(self.book, tick, self.aggregation, self.rows_per_side(), self.own,
                                        self.traded)
            self._make_texts()
            self._dirty = False
        return self._ladder

    def _make_texts(self) -> None:
        price_places = self._price_places()
        size_places = self.market.size_places if self.market is not None else 4
        ladder = self._ladder
        traded_places = volume_places(ladder.max_traded, size_places)
        for side, rows in (("ask", ladder.asks), ("bid", ladder.bids)):
            self._texts[side] = [
                (fmt_fixed(r.price, price_places), fmt_fixed(r.size, size_places),
                 fmt_fixed(r.cumulative, size_places), short_volume(r.traded, traded_places),
                 f"{r.own.normalize():f}" if r.own > 0 else "")  # short: the marker column is narrow
                for r in rows]
        # digits are tabular, so the longest text of a column is its widest: one measurement per column
        texts = [*self._texts["ask"], *self._texts["bid"]]
        if not texts:
            return
        natural = list(self._natural)
        for i, index in enumerate((4, 0, 1, 2, 3)):
            longest = max((t[index] for t in texts), key=len)
            metrics = self._bold_metrics if i == 0 else self._metrics
            width = metrics.horizontalAdvance(longest) + PAD + (6 if i == 0 else 0)  # the own mark's inset
            natural[i] = max(natural[i], width)
        if natural != self._natural:
            self._natural = natural
            self._columns = None

    # --- geometry ---------------------------------------------------------------------------------------------------

    def _reset_widths(self) -> None:
        self._natural = self._header_widths()
        self._columns = None

    def _header_widths(self) -> list[int]:
        """The narrowest each column may be: its header (the Traded text: a short volume)."""
        m = self._metrics
        return [m.horizontalAdvance("Mine") + PAD, m.horizontalAdvance("Price") + PAD,
                m.horizontalAdvance("Size") + PAD, m.horizontalAdvance("Total") + PAD,
                m.horizontalAdvance("00.00") + PAD]

    def columns(self) -> LadderColumns:
        if self._columns is None:
            self._columns = self._lay_out(self.width())
        return self._columns

    def _lay_out(self, width: int) -> LadderColumns:
        mine, price, size, total, text = self._natural
        rest = width - (mine + price + size + total)
        traded_w, bar, with_text, over = 0, 0, False, False
        if self.traded is not None:
            least = BAR_MIN + 2 * BAR_INSET
            if rest >= text + BAR_MIN + BAR_INSET:  # the bar, then the number beside it
                traded_w = min(rest, text + BAR_MAX + BAR_INSET)
                bar, with_text = traded_w - text - BAR_INSET, True
            elif rest >= max(text, least):  # the number written over the bar's track
                traded_w, with_text, over = rest, True, True
                bar = traded_w - 2 * BAR_INSET
            elif rest >= least:  # the bar alone
                traded_w = rest
                bar = traded_w - 2 * BAR_INSET
        share, extra = divmod(rest - traded_w, 4)
        widths = (mine + share, price + share + extra, size + share, total + share, traded_w)
        cells: list[tuple[int, int]] = []
        x = 0
        for w in widths:
            cells.append((x, w))
            x += w
        return LadderColumns(tuple(cells), bar, with_text, over)

    def _ask_top(self) -> int:
        return self.row_height

    def _spread_top(self) -> int:
        return self.row_height + self.rows_per_side() * self.row_height

    def row_rect(self, side: str, index: int) -> QRect:
        """Where row ``index`` (0 = best) of ``side`` ("ask"/"bid") is drawn."""
        n, h = self.rows_per_side(), self.row_height
        y = self._ask_top() + (n - 1 - index) * h if side == "ask" else self._spread_top() + h + index * h
        return QRect(0, y, self.width(), h)

    def traded_bar_rect(self, side: str, index: int) -> QRect:
        """Where a full-length Traded bar of that row would be drawn (empty without the column)."""
        cols = self.columns()
        x, _w = cols.span(4)
        row = self.row_rect(side, index)
        return QRect(x + BAR_INSET, row.y() + 3, cols.bar, row.height() - 6) if cols.bar > 0 else QRect()

    def row_at(self, y: int) -> tuple[str, int] | None:
        n, h = self.rows_per_side(), self.row_height
        if self._ask_top() <= y < self._spread_top():
            return "ask", n - 1 - (y - self._ask_top()) // h
        bid_top = self._spread_top() + h
        if bid_top <= y < bid_top + n * h:
            return "bid", (y - bid_top) // h
        return None

    def row_of(self, pos: QPoint) -> LadderRow | None:
        hit = self.row_at(pos.y())
        if hit is None:
            return None
        side, index = hit
        rows = self.ladder().asks if side == "ask" else self.ladder().bids
        return rows[index] if 0 <= index < len(rows) else None

    def price_at(self, pos: QPoint) -> Decimal | None:
        row = self.row_of(pos)
        return row.price if row is not None else None

    def tooltip_at(self, pos: QPoint) -> str:
        """The Traded column's explanation (header) or a row's bought / sold / delta; "" elsewhere."""
        cols = self.columns()
        x, w = cols.span(4)
        if self.traded is None or w == 0 or not x <= pos.x() < x + w:
            return ""
        coin = self.market.base_coin if self.market is not None else ""
        places = self.market.size_places if self.market is not None else 4
        label = window_label(self.traded.window_ms)
        if pos.y() < self.row_height:
            totals = self.traded.totals()
            return (f"Volume traded in each row's price range over the last {label} of exchange time (by the "
                    f"trades' own timestamps), in {coin or 'base units'}. The bar's first part is bought (taker "
                    f"buys), the second sold (taker sells); the longest bar is the busiest row in view.\n"
                    f"Last {label}: bought {fmt_fixed(totals.bought, places)} · sold "
                    f"{fmt_fixed(totals.sold, places)} · delta {fmt_signed(totals.delta, places)}")
        row = self.row_of(pos)
        if row is None or row.traded <= 0:
            return ""
        price = fmt_fixed(row.price, self._price_places())
        return (f"{price} · last {label}: bought {fmt_fixed(row.bought, places)} · sold "
                f"{fmt_fixed(row.sold, places)} · delta {fmt_signed(row.bought - row.sold, places)} {coin}").rstrip()

    # --- events -------------------------------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(300, 22 * self.row_height)

    def resizeEvent(self, event: Any) -> None:
        self._dirty = True
        self._columns = None
        super().resizeEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.tooltip_at(event.pos())
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

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
        cols = self.columns()
        p = QPainter(self)
        try:
            p.fillRect(self.rect(), QColor(c.surface))
            p.setFont(self._font)
            self._paint_header(p, cols)
            top, traded_top = ladder.max_cumulative, ladder.max_traded
            for side, rows, soft, strong in (("ask", ladder.asks, c.down_soft, c.down),
                                             ("bid", ladder.bids, c.up_soft, c.up)):
                texts = self._texts[side]
                for i, row in enumerate(rows):
                    self._paint_row(p, self.row_rect(side, i), row, texts[i], cols, top, traded_top, soft, strong)
            self._paint_spread(p, ladder, self._price_places())
            x, w = cols.span(4)
            if w:
                p.setPen(QColor(c.border))  # the Traded column is history, not resting size: set it apart
                p.drawLine(x, self.row_height, x, self.height())
            if self._hover_y is not None and self.row_at(self._hover_y) is not None:
                side, i = self.row_at(self._hover_y) or ("", 0)
                rect = self.row_rect(side, i)
                p.setPen(QPen(QColor(c.accent), 1))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5))
            status = self.status_text()
            if self.book is not None and self.book.stale:
                p.setPen(QColor(c.warn))
                p.drawText(self.rect().adjusted(4, 0, -4, -4), int(Qt.AlignmentFlag.AlignBottom |
                           Qt.AlignmentFlag.AlignHCenter), status)
            elif self.book is not None and self.book.silent_s is not None and self.book.has_snapshot:
                self._paint_silent(p, status)
            elif status:
                p.setPen(QColor(c.muted))
                p.drawText(self.rect(), int(Qt.AlignmentFlag.AlignCenter), status)
        finally:
            p.end()

    def status_text(self) -> str:
        """What the ladder says about its data: "" while the book is current."""
        book = self.book
        if book is None:
            return "waiting for the order book…"
        silent = f"no update for {book.silent_s:.0f} s" if book.silent_s is not None else ""
        if book.stale:
            return "book out of sync — resyncing…" + (f" ({silent})" if silent else "")
        if not book.has_snapshot:
            return "waiting for the order book…" + (f" ({silent})" if silent else "")
        return f"stale — {silent}" if silent else ""

    def _paint_silent(self, p: QPainter, text: str) -> None:
        """A silent book's rows are old: fade them, and say so where the eye goes, on the spread row."""
        c = self.colors
        veil = QColor(c.surface)
        veil.setAlpha(150)
        p.fillRect(QRect(0, self.row_height, self.width(), self.height() - self.row_height), veil)
        band = QRect(0, self._spread_top(), self.width(), self.row_height)
        p.fillRect(band, QColor(c.warn))
        p.setPen(QColor(c.bg))
        p.setFont(self._bold)
        p.drawText(band, int(Qt.AlignmentFlag.AlignCenter), text)
        p.setFont(self._font)

    def _price_places(self) -> int:
        if self.market is None:
            return 2
        return max(step_places(self.market.tick_size * self.aggregation), 0)

    def _paint_header(self, p: QPainter, cols: LadderColumns) -> None:
        c = self.colors
        h = self.row_height
        p.fillRect(QRect(0, 0, self.width(), h), QColor(c.surface_alt))
        p.setPen(QColor(c.muted))
        vcenter = Qt.AlignmentFlag.AlignVCenter
        for (x, w), title in zip(cols.cells, self.HEADERS, strict=True):
            if w <= 0:
                continue
            align = Qt.AlignmentFlag.AlignLeft if title == "Mine" else Qt.AlignmentFlag.AlignRight
            if title == "Traded":
                title = self._traded_title(w - 10)
            p.drawText(QRect(x + 4, 0, w - 10, h), int(align | vcenter), title)

    def _traded_title(self, room: int) -> str:
        label = window_label(self.traded.window_ms) if self.traded is not None else ""
        for title in (f"Traded {label}", "Traded", label):
            if self._metrics.horizontalAdvance(title) <= room:
                return title
        return ""

    def _paint_row(self, p: QPainter, rect: QRect, row: LadderRow, texts: _RowTexts, cols: LadderColumns,
                   top: Decimal, traded_top: Decimal, soft: str, strong: str) -> None:
        c = self.colors
        (mx, mw), (px, pw), (sx, sw), (tx, tw), (vx, vw) = cols.cells
        y, h = rect.y(), rect.height()
        if top > 0:  # depth bar, from the Total column's right edge leftwards over Price..Total
            right = tx + tw
            width = int(float(row.cumulative / top) * (right - px))
            p.fillRect(QRect(right - width, y + 1, width, h - 2), QColor(soft))
        right_align = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        price_s, size_s, total_s, traded_s, own_s = texts
        if row.own > 0:
            mark = QRect(mx + 2, y + 2, mw - 4, h - 4)
            p.fillRect(mark, QColor(c.accent))
            p.setPen(QColor(c.bg))
            p.setFont(self._bold)
            p.drawText(mark.adjusted(3, 0, -3, 0), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                       own_s)
            p.setFont(self._font)
        p.setPen(QColor(strong))
        p.drawText(QRect(px, y, pw - 6, h), right_align, price_s)
        p.setPen(QColor(c.text if row.size > 0 else c.muted))
        p.drawText(QRect(sx, y, sw - 6, h), right_align, size_s)
        p.setPen(QColor(c.muted))
        p.drawText(QRect(tx, y, tw - 6, h), right_align, total_s)
        if cols.bar > 0 and traded_top > 0 and row.traded > 0:
            length = max(1, round(float(row.traded / traded_top) * cols.bar))
            bought = round(length * float(row.bought / row.traded))
            left = vx + BAR_INSET
            # a number half drawn in the background colour over a full-height bar was unreadable on screen
            bar_y, bar_h = (y + h - 5, 3) if cols.text_over_bar else (y + 3, h - 6)
            if bought:
                p.fillRect(QRect(left, bar_y, bought, bar_h), QColor(c.up))
            if length > bought:
                p.fillRect(QRect(left + bought, bar_y, length - bought, bar_h), QColor(c.down))
            if cols.traded_text:
                p.setPen(QColor(c.text))
                p.drawText(QRect(vx, y, vw - 6, h), right_align, traded_s)

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

    The Traded column counts the active symbol's public trades (``trades_added``) over the last ``traded_window_ms``
    of exchange time and starts afresh on a symbol change; the trade channel's snapshot of recent trades, sent on
    subscription, seeds it (the market-data service keeps no trades of its own).

    Signals:
        price_clicked(Decimal): a price was clicked (also sent to the ticket through ``links_for(services)``).
    """

    price_clicked = Signal(object)

    def __init__(self, services: DockServices, parent: QWidget | None = None, *,
                 traded_window_ms: int = DEFAULT_WINDOW_MS) -> None:
        super().__init__(parent)
        self.setObjectName("LadderPanel")
        self.services = services
        self.md = services.market_data
        self.trading = services.trading
        self.links = links_for(services)
        self.ref: SymbolRef | None = None
        self.traded = TradedVolume(traded_window_ms)

        self.title = QLabel("—", self)
        self.title.setObjectName("LadderSymbol")
        self.aggregation = QComboBox(self)
        self.aggregation.setObjectName("LadderAggregation")
        self.aggregation.setToolTip("Group price levels by 1, 10 or 100 ticks")
        self.view = LadderView(self)
        self.view.set_traded(self.traded)
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
        self.md.trades_added.connect(self._on_trades)
        self.md.markets_loaded.connect(lambda _m: self.set_symbol(self.ref) if self.ref is not None else None)
        self.trading.orders_changed.connect(self._refresh_own_orders)
        self.trading.order_updated.connect(lambda _v: self._refresh_own_orders())
        ref = active_ref(services)
        if ref is not None:
            self.set_symbol(ref)

    # --- public API -------------------------------------------------------------------------------------------

    def set_symbol(self, ref: SymbolRef) -> None:
        if ref != self.ref:
            self.traded.reset()
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

    def _on_trades(self, ref: SymbolRef, trades: list[PublicTrade]) -> None:
        if ref == self.ref and self.traded.add(trades):
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
