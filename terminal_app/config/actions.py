"""The ONE table of user actions: menus, toolbar, shortcuts, the F1 cheat-sheet and the keymap settings come from it.

Each :class:`ActionSpec` names an action by a stable id; code registers what the action does under that id
(``ui/actions.py``), and users rebind it by id in settings (``hotkeys.bindings``). Default keys follow the conventions
of pro terminals (shared/docs/traders.md §4). Key sequences are written in Qt's portable text form
(``"Ctrl+Alt+B"``, chords separated by ``", "``) and compared after :func:`normalize_sequence`, so
``"alt+ctrl+b"`` and ``"Ctrl+Alt+B"`` are the same key. This module has no Qt: conflict detection is plain data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Context(StrEnum):
    """Where an action's keys are live.

    GLOBAL and TRADING keys work anywhere in the main window; the others only while the focus is inside a widget
    bound to that context (the chart, the ticket, the book), so the same key may mean different things there.
    """

    GLOBAL = "global"
    TRADING = "trading"
    CHART = "chart"
    TICKET = "ticket"
    BOOK = "book"

    @property
    def window_wide(self) -> bool:
        return self in (Context.GLOBAL, Context.TRADING)

    @property
    def label(self) -> str:
        return _CONTEXT_TITLES[self]


_CONTEXT_TITLES = {
    Context.GLOBAL: "Anywhere",
    Context.TRADING: "Trading (needs hotkeys ON)",
    Context.CHART: "Chart",
    Context.TICKET: "Order ticket",
    Context.BOOK: "Order book",
}


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One user action.

    ``menu`` is a slash path (``"Trade/Size preset"``) or ``None`` for keyboard/toolbar-only actions. ``trading``
    marks actions that send, cancel or shape orders: their keys are inert while a text field has focus and while
    hotkeys are switched off. ``checkable`` actions hold an on/off state and their handler receives it. ``section``
    groups neighbours within a menu: a separator goes where it changes (and between trading and other actions).
    """

    id: str
    label: str
    context: Context
    keys: tuple[str, ...] = ()
    menu: str | None = None
    toolbar: bool = False
    trading: bool = False
    checkable: bool = False
    description: str = ""
    section: str = ""


INTERVALS: tuple[str, ...] = ("1m", "5m", "15m", "30m", "1H", "4H", "1D", "1W", "1Dutc", "1Wutc")
SIZE_PRESETS: tuple[int, ...] = (10, 25, 50, 75, 100)


def _trading(
    id: str, label: str, keys: tuple[str, ...], description: str, menu: str = "Trade", toolbar: bool = False
) -> ActionSpec:
    return ActionSpec(id, label, Context.TRADING, keys, menu, toolbar, trading=True, description=description)


# The panels of the terminal (DockSpec ids of ui.docks and ui.copy, with their titles): View ▸ Panels shows or hides
# each through the table, so a panel can be bound to a key and found in the palette. The chart is the central area.
PANELS: tuple[tuple[str, str], ...] = (
    ("watchlist", "Watchlist"), ("ladder", "Order book"), ("tape", "Trades"), ("ticket", "Order entry"),
    ("orders", "Orders"), ("positions", "Positions"), ("balances", "Balances"), ("log", "Log"),
    ("closed_positions", "Closed positions"), ("pnl_by_day", "PnL by day"), ("copy-trading", "Copy trading"),
)

# Chart intervals are typed as in TradingView (traders.md §4): the number of minutes, or 1H/4H/1D/1W, then Enter.
# Typing starts with a digit, because letters typed outside a text field open the symbol switcher.
INTERVAL_KEYS: dict[str, tuple[str, ...]] = {
    "1m": ("1, Return",), "5m": ("5, Return",), "15m": ("1, 5, Return",), "30m": ("3, 0, Return",),
    "1H": ("6, 0, Return", "1, H, Return"), "4H": ("2, 4, 0, Return", "4, H, Return"), "1D": ("1, D, Return",),
    "1W": ("1, W, Return",),
    # Bitget's days and weeks start at 00:00 UTC+8; these start at 00:00 UTC (no default keys: pick from the menu)
    "1Dutc": (), "1Wutc": (),
}


def panel_action_id(dock_id: str) -> str:
    """The ACTIONS id that shows or hides the panel ``dock_id``."""
    return f"panel.{dock_id}"


def _file(id: str, label: str, section: str, description: str, keys: tuple[str, ...] = ()) -> ActionSpec:
    return ActionSpec(id, label, Context.GLOBAL, keys, "File", description=description, section=section)


def _chart(id: str, label: str, keys: tuple[str, ...], description: str) -> ActionSpec:
    return ActionSpec(id, label, Context.CHART, keys, "Chart", description=description, section="view")


ACTIONS: tuple[ActionSpec, ...] = (
    # --- File: profile, settings, journal, application
    _file("profiles", "Profiles…", "profile",
          "Add, remove or switch profiles (Demo, Bitget demo, live); a switch moves the whole window to that account."),
    _file("api_key", "API key of this profile…", "profile",
          "Enter, test or replace the active profile's Bitget API key (kept in the system password store)."),
    _file("account.transfer", "Transfer between accounts…", "profile",
          "Move coins between the spot account and a futures account (USDT-M, coin-M, USDC-M), e.g. BTC from spot "
          "to margin coin-M contracts."),
    _file("settings", "Settings…", "settings", "Rebind any action, set your risk limits, choose the theme.",
          ("Ctrl+,",)),
    _file("journal.export_fills", "Export fills (CSV)…", "journal",
          "Write the active profile's fills, from the local journal, to a CSV file."),
    _file("journal.export_orders", "Export orders (CSV)…", "journal",
          "Write the active profile's orders, from the local journal, to a CSV file."),
    _file("journal.daily_pnl", "Realized PnL by day…", "journal",
          "Realized profit, fees and net result per day and coin, from the local journal."),
    _file("app.quit", "Quit", "app", "Close the terminal.", ("Ctrl+Q",)),
    # --- View
    ActionSpec(
        "symbol.switch",
        "Switch symbol…",
        Context.GLOBAL,
        ("Ctrl+P",),
        "View",
        toolbar=True,
        description="Type a symbol (V2 or V1 name) to load it into the linked chart, book, tape and ticket. "
        "Typing letters anywhere outside a text field opens it too.",
    ),
    ActionSpec(
        "palette.open",
        "Command palette…",
        Context.GLOBAL,
        ("Ctrl+K",),
        "View",
        toolbar=True,
        description="Run any action by name, or type an order such as 'b 0.1 @ 65000 tp 66000 sl 64000' "
        "(with a preview).",
    ),
    ActionSpec("layout.save", "Save layout", Context.GLOBAL, ("Ctrl+S",), "View/Layout",
               description="Save the position of every panel now (it is also saved on exit)."),
    ActionSpec("layout.reset", "Restore default layout", Context.GLOBAL, (), "View/Layout",
               description="Put every panel back where it starts and show the closed ones."),
    *(
        ActionSpec(panel_action_id(dock_id), title, Context.GLOBAL, (), "View/Panels", checkable=True,
                   description=f"Show or hide the {title} panel.")
        for dock_id, title in PANELS
    ),
    ActionSpec("view.theme", "Light theme", Context.GLOBAL, (), "View", checkable=True,
               description="Switch between the dark and the light theme.", section="look"),
    ActionSpec("view.colorblind", "Colour-blind safe colours", Context.GLOBAL, (), "View", checkable=True,
               description="Blue/orange instead of green/red for up/down and buy/sell.", section="look"),
    ActionSpec(
        "hotkeys.toggle",
        "Trading hotkeys",
        Context.GLOBAL,
        (),
        "Trade",
        toolbar=True,
        checkable=True,
        description="Master switch for the trading keys. The status bar shows HOTKEYS ON while they are live.",
    ),
    # --- Trade
    _trading("order.buy", "Buy (ticket)", ("Ctrl+Alt+B",), "Send a buy order with the ticket's values.",
             toolbar=True),
    _trading("order.sell", "Sell (ticket)", ("Ctrl+Alt+S",), "Send a sell order with the ticket's values.",
             toolbar=True),
    # Shift adds "stop" to buy/sell, as Shift+click places a stop on a DOM ladder (traders.md §4).
    _trading("order.stop_buy", "Stop-market buy (ticket)", ("Ctrl+Alt+Shift+B",),
             "Send a buy stop-market at the ticket's trigger price with the ticket's size."),
    _trading("order.stop_sell", "Stop-market sell (ticket)", ("Ctrl+Alt+Shift+S",),
             "Send a sell stop-market at the ticket's trigger price with the ticket's size."),
    _trading("order.join_bid", "Join best bid", ("Ctrl+Alt+J",), "Buy limit at the best bid with the ticket's size."),
    _trading("order.join_ask", "Join best ask", ("Ctrl+Alt+K",), "Sell limit at the best ask with the ticket's size."),
    # Not Esc: Esc means "close / abort" everywhere else, so a trader pressing it to dismiss a dialog or a preview
    # must never cancel an order by it. Z as in "take back", beside X (cancel all).
    _trading("order.cancel_last", "Cancel last order", ("Ctrl+Alt+Z",),
             "Cancel the most recent open order of the active symbol."),
    _trading("order.cancel_all_symbol", "Cancel all (symbol)", ("Ctrl+Alt+X",),
             "Cancel every open order of the active symbol.", toolbar=True),
    _trading("order.cancel_all_account", "Cancel all (account)", ("Ctrl+Alt+Shift+X",),
             "Cancel every open order of the active profile's account, all symbols."),
    _trading("position.flatten_symbol", "Flatten symbol", ("Ctrl+Alt+F",),
             "Cancel the symbol's orders and close its position at market."),
    _trading("position.reverse", "Reverse position", ("Ctrl+Alt+R",),
             "Turn the symbol's position the other way at market, after a confirmation."),
    _trading("position.break_even", "Break-even stop", ("Ctrl+Alt+E",),
             "Put the symbol's position stop-loss at its entry price (rounded to the safe side)."),
    _trading("ticket.post_only", "Toggle post-only", ("Ctrl+Alt+P",), "Switch the ticket's post-only flag.",
             menu="Trade/Ticket"),
    _trading("ticket.reduce_only", "Toggle reduce-only", ("Ctrl+Alt+O",), "Switch the ticket's reduce-only flag.",
             menu="Trade/Ticket"),
    *(
        _trading(f"ticket.size_{pct}", f"Size {pct} %", (f"Alt+{i}",),
                 f"Set the ticket's size to {pct} % of the available balance.", menu="Trade/Size preset")
        for i, pct in enumerate(SIZE_PRESETS, start=1)
    ),
    _trading(
        "panic",
        "PANIC",
        ("F12",),
        "First press cancels every order of the active account; a second press within 1.5 s flattens every position. "
        "Acts only on the profile shown in the title bar.",
        toolbar=True,
    ),
    # --- Chart
    *(
        ActionSpec(f"chart.interval.{iv}", iv, Context.CHART, INTERVAL_KEYS[iv], "Chart/Interval",
                   description=f"Show {iv} candles.")
        for iv in INTERVALS
    ),
    _chart("chart.zoom_in", "Zoom in", ("Up", "+", "="), "Show fewer, wider bars."),
    _chart("chart.zoom_out", "Zoom out", ("Down", "-"), "Show more, narrower bars."),
    _chart("chart.scroll_back", "Scroll back", ("Left",), "Move the view towards older bars."),
    _chart("chart.scroll_forward", "Scroll forward", ("Right",), "Move the view towards newer bars."),
    _chart("chart.latest", "Go to the latest bar", ("Home",), "Scroll to the live bar, keeping the zoom."),
    _chart("chart.reset", "Reset view", ("Alt+R",), "The default zoom, ending at the live bar (TradingView's Alt+R)."),
    # --- Help
    ActionSpec("help.cheatsheet", "Keyboard cheat-sheet", Context.GLOBAL, ("F1",), "Help",
               description="Every action and its keys (this list)."),
    ActionSpec("account_doctor", "Account doctor…", Context.GLOBAL, (), "Help",
               description="Check the active profile's key permissions, account and position mode, environment and "
               "clock offset, each with a fix."),
)

BY_ID: dict[str, ActionSpec] = {a.id: a for a in ACTIONS}
assert len(BY_ID) == len(ACTIONS), "duplicate action id"

# Menu bar order; a menu path whose top level is not listed here goes after these.
MENU_ORDER: tuple[str, ...] = ("File", "View", "Trade", "Chart", "Help")


def action(action_id: str) -> ActionSpec:
    try:
        return BY_ID[action_id]
    except KeyError:
        raise KeyError(f"no action {action_id!r} in the ACTIONS table") from None


# --- key sequences -------------------------------------------------------------------------------------------------

class KeySequenceError(ValueError):
    """A key sequence that cannot be parsed; the message is meant for the user."""


# Qt's portable order when it prints a chord.
_MODIFIERS: tuple[str, ...] = ("Meta", "Ctrl", "Alt", "Shift")
_MOD_ALIASES = {"meta": "Meta", "win": "Meta", "super": "Meta", "cmd": "Meta", "ctrl": "Ctrl", "control": "Ctrl",
                "alt": "Alt", "option": "Alt", "shift": "Shift"}
_KEY_ALIASES = {
    "esc": "Esc", "escape": "Esc", "del": "Del", "delete": "Del", "ins": "Ins", "insert": "Ins", "return": "Return",
    "enter": "Enter", "space": "Space", "spacebar": "Space", "tab": "Tab", "backtab": "Backtab",
    "backspace": "Backspace", "home": "Home", "end": "End", "pgup": "PgUp", "pageup": "PgUp", "pgdown": "PgDown",
    "pagedown": "PgDown", "left": "Left", "right": "Right", "up": "Up", "down": "Down", "pause": "Pause",
    "print": "Print", "menu": "Menu",
}


def normalize_chord(text: str) -> str:
    """``"alt+ctrl+b"`` → ``"Ctrl+Alt+B"`` (Qt's portable spelling and modifier order)."""
    raw = text.strip()
    if not raw:
        raise KeySequenceError("empty key")
    # The key itself may be '+' ("Ctrl++").
    parts: list[str]
    if raw == "+":
        parts, key = [], "+"
    elif raw.endswith("++"):
        parts, key = raw[:-2].split("+"), "+"
    else:
        *parts, key = raw.split("+")
    mods: set[str] = set()
    for p in parts:
        mod = _MOD_ALIASES.get(p.strip().lower())
        if mod is None:
            raise KeySequenceError(f"{text!r}: {p!r} is not a modifier (use Ctrl, Alt, Shift or Meta)")
        mods.add(mod)
    key = key.strip()
    if not key:
        raise KeySequenceError(f"{text!r}: no key after the modifiers")
    lowered = key.lower()
    if lowered in _MOD_ALIASES:
        raise KeySequenceError(f"{text!r}: a modifier alone is not a key")
    if lowered in _KEY_ALIASES:
        key = _KEY_ALIASES[lowered]
    elif len(lowered) > 1 and lowered[0] == "f" and lowered[1:].isdigit() and 1 <= int(lowered[1:]) <= 35:
        key = f"F{int(lowered[1:])}"
    elif len(key) == 1:
        key = key.upper()
    else:
        raise KeySequenceError(f"{text!r}: unknown key {key!r}")
    return "+".join([m for m in _MODIFIERS if m in mods] + [key])


def normalize_sequence(text: str) -> str:
    """A whole sequence (up to four chords, ``"Ctrl+K, Ctrl+C"``) in canonical form."""
    chords = text.split(", ")
    if len(chords) > 4:
        raise KeySequenceError(f"{text!r}: at most four chords")
    return ", ".join(normalize_chord(c) for c in chords)


def _chords(sequence: str) -> tuple[str, ...]:
    return tuple(sequence.split(", "))


# --- bindings and conflicts ----------------------------------------------------------------------------------------

Bindings = dict[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class KeyConflict:
    """Two actions whose keys would fight: the same sequence, or one a prefix of the other, in overlapping contexts."""

    first: str
    second: str
    first_keys: str
    second_keys: str

    def describe(self) -> str:
        a, b = BY_ID.get(self.first), BY_ID.get(self.second)
        la = a.label if a else self.first
        lb = b.label if b else self.second
        if self.first_keys == self.second_keys:
            return f"{self.first_keys} is bound to both '{la}' and '{lb}'."
        return f"{self.first_keys} ('{la}') and {self.second_keys} ('{lb}') overlap: one starts the other."


def default_bindings() -> Bindings:
    return {a.id: tuple(normalize_sequence(k) for k in a.keys) for a in ACTIONS}


def effective_bindings(overrides: Mapping[str, Sequence[str]]) -> tuple[Bindings, list[str]]:
    """Defaults with the user's overrides applied; returns the bindings and the overrides that were ignored (why)."""
    bindings = default_bindings()
    ignored: list[str] = []
    for action_id, seqs in overrides.items():
        if action_id not in BY_ID:
            ignored.append(f"{action_id}: no such action (renamed or removed); binding ignored.")
            continue
        try:
            bindings[action_id] = tuple(dict.fromkeys(normalize_sequence(s) for s in seqs))
        except KeySequenceError as exc:
            ignored.append(f"{action_id}: {exc}; the default keys are used.")
    return bindings, ignored


def _contexts_overlap(a: Context, b: Context) -> bool:
    return a == b or a.window_wide or b.window_wide


def find_conflicts(
    bindings: Mapping[str, Iterable[str]], contexts: Mapping[str, Context] | None = None
) -> list[KeyConflict]:
    """Every pair of actions whose keys clash, in a stable order.

    Window-wide keys clash with everything; context keys clash only within the same context. A sequence that is a
    prefix of another also clashes: Qt would wait for the longer one and the shorter would never fire at once.
    An action's context comes from ``contexts``, else the table; an id in neither counts as window-wide.
    """
    entries: list[tuple[str, Context, str]] = []
    for action_id, seqs in bindings.items():
        spec = BY_ID.get(action_id)
        ctx = (contexts or {}).get(action_id) or (spec.context if spec else Context.GLOBAL)
        entries += [(action_id, ctx, normalize_sequence(s)) for s in seqs]
    conflicts: list[KeyConflict] = []
    for i, (id_a, ctx_a, seq_a) in enumerate(entries):
        for id_b, ctx_b, seq_b in entries[i + 1:]:
            if not _contexts_overlap(ctx_a, ctx_b):
                continue
            ca, cb = _chords(seq_a), _chords(seq_b)
            n = min(len(ca), len(cb))
            if ca[:n] == cb[:n] and not (id_a == id_b and seq_a == seq_b):
                conflicts.append(KeyConflict(id_a, id_b, seq_a, seq_b))
    return conflicts


def resolve_bindings(overrides: Mapping[str, Sequence[str]]) -> tuple[Bindings, list[str]]:
    """What the window binds at start-up: user keys win over default keys they collide with.

    A default key that clashes with a user key is dropped from the default action; if two user keys clash, both are
    dropped, since neither can be trusted to fire. Returns the bindings and a plain-language note per change.
    """
    bindings, notes = effective_bindings(overrides)
    user = set(overrides) & set(BY_ID)
    for conflict in find_conflicts(bindings):
        pairs = ((conflict.first, conflict.first_keys), (conflict.second, conflict.second_keys))
        user_side = [p for p in pairs if p[0] in user]
        losers = [p for p in pairs if p[0] not in user] if len(user_side) == 1 else list(pairs)
        for action_id, seq in losers:
            if seq in bindings[action_id]:
                bindings[action_id] = tuple(s for s in bindings[action_id] if s != seq)
                notes.append(f"{conflict.describe()} {seq} was removed from '{BY_ID[action_id].label}'.")
    return bindings, notes


def rebind(
    current: Mapping[str, Sequence[str]], action_id: str, keys: Sequence[str]
) -> tuple[Bindings, list[KeyConflict]]:
    """``current`` with ``action_id`` bound to ``keys``, plus the conflicts that change would create (with others)."""
    action(action_id)
    proposed: Bindings = {k: tuple(v) for k, v in current.items()}
    proposed[action_id] = tuple(dict.fromkeys(normalize_sequence(k) for k in keys))
    clashes = [c for c in find_conflicts(proposed) if action_id in (c.first, c.second)]
    return proposed, clashes
