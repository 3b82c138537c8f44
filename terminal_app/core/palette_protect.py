"""The palette's position protection commands (parsed by :mod:`terminal_app.core.palette`)::

    tp|sl  N  [SIZE]  [SYMBOL]  [long|short]  [mark]

``tp 70000`` sets the take-profit of the whole position on the active symbol at 70000 (replacing the one it had);
with a size (``sl 60000 0.01``) it is a partial stop-loss of that much; ``long``/``short`` picks the side in hedge
mode; ``mark`` triggers on the mark price instead of the last price.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from terminal_app.core.enums import PositionSide
from terminal_app.core.instruments import SymbolRef


def _num(d: Decimal) -> str:
    return f"{d.normalize():f}"


@dataclass(frozen=True, slots=True)
class ProtectCommand:
    """A take-profit (``profit``) or stop-loss of a position: the whole of it (``size`` None) or a part."""

    profit: bool
    trigger: Decimal
    size: Decimal | None = None
    ref: SymbolRef | None = None
    side: PositionSide | None = None
    mark: bool = False

    is_trading = True

    @property
    def preview(self) -> str:
        parts = ["tp" if self.profit else "sl", _num(self.trigger)]
        if self.size is not None:
            parts.append(_num(self.size))
        if self.ref is not None:
            parts.append(self.ref.key)
        if self.side is not None:
            parts.append(str(self.side))
        if self.mark:
            parts.append("mark")
        return " ".join(parts)

    def describe(self) -> str:
        what = "Take profit" if self.profit else "Stop loss"
        of = "the whole" if self.size is None else f"{_num(self.size)} of the"
        side = f"{self.side} " if self.side is not None else ""
        where = self.ref.display if self.ref is not None else "the active symbol"
        source = "mark" if self.mark else "last"
        return (f"{what} of {of} {side}position on {where} when the {source} price reaches "
                f"{_num(self.trigger)}.")
