"""The ACTIONS table: traders.md defaults, key normalisation, and conflict detection as plain data."""

from __future__ import annotations

import pytest

from terminal_app.config.actions import (
    ACTIONS,
    BY_ID,
    INTERVALS,
    Context,
    KeyConflict,
    KeySequenceError,
    action,
    default_bindings,
    find_conflicts,
    normalize_chord,
    normalize_sequence,
    rebind,
    resolve_bindings,
)

# traders.md §4 "Proposed default for us" and the brief's list.
EXPECTED_DEFAULTS = {
    "order.buy": ("Ctrl+Alt+B",),
    "order.sell": ("Ctrl+Alt+S",),
    "order.join_bid": ("Ctrl+Alt+J",),
    "order.join_ask": ("Ctrl+Alt+K",),
    "order.cancel_last": ("Ctrl+Alt+Z",),
    "order.cancel_all_symbol": ("Ctrl+Alt+X",),
    "order.cancel_all_account": ("Ctrl+Alt+Shift+X",),
    "order.stop_buy": ("Ctrl+Alt+Shift+B",),  # Shift adds "stop", as Shift+click on a DOM
    "order.stop_sell": ("Ctrl+Alt+Shift+S",),
    "position.flatten_symbol": ("Ctrl+Alt+F",),
    "ticket.post_only": ("Ctrl+Alt+P",),
    "ticket.reduce_only": ("Ctrl+Alt+O",),
    "ticket.size_10": ("Alt+1",),
    "ticket.size_100": ("Alt+5",),
    "symbol.switch": ("Ctrl+P",),
    "layout.save": ("Ctrl+S",),
    "help.cheatsheet": ("F1",),
    "palette.open": ("Ctrl+K",),
    "panic": ("F12",),
    "chart.interval.1m": ("1, Return",),  # TradingView: the minutes, then Enter
    "chart.interval.15m": ("1, 5, Return",),
    "chart.interval.1H": ("6, 0, Return", "1, H, Return"),
    "chart.interval.4H": ("2, 4, 0, Return", "4, H, Return"),
    "chart.interval.1W": ("1, W, Return",),
    "chart.reset": ("Alt+R",),
    "settings": ("Ctrl+,",),
}


def test_defaults_follow_the_trader_conventions() -> None:
    bindings = default_bindings()
    for action_id, keys in EXPECTED_DEFAULTS.items():
        assert bindings[action_id] == keys, action_id


def test_table_is_consistent() -> None:
    assert len(BY_ID) == len(ACTIONS)
    assert [a.id for a in ACTIONS if a.id.startswith("chart.interval.")] == [f"chart.interval.{i}" for i in INTERVALS]
    for spec in ACTIONS:
        assert spec.label
        assert spec.description, spec.id
        # a trading action must live in the gated, window-wide context, and only trading actions do
        assert (spec.context is Context.TRADING) == spec.trading, spec.id
        for key in spec.keys:
            assert normalize_sequence(key) == key, f"{spec.id}: write {key!r} in canonical form"
    assert find_conflicts(default_bindings()) == []
    with pytest.raises(KeyError, match="nope"):
        action("nope")


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("alt+ctrl+b", "Ctrl+Alt+B"),
        ("Shift+Alt+Ctrl+Meta+x", "Meta+Ctrl+Alt+Shift+X"),
        ("escape", "Esc"),
        ("control+pageup", "Ctrl+PgUp"),
        ("f12", "F12"),
        ("Ctrl++", "Ctrl++"),
        ("Ctrl+,", "Ctrl+,"),
        ("ctrl+k, CTRL+c", "Ctrl+K, Ctrl+C"),
        (" Alt+1 ", "Alt+1"),
    ],
)
def test_normalize(text: str, canonical: str) -> None:
    assert normalize_sequence(text) == canonical


@pytest.mark.parametrize("bad", ["", "Ctrl+", "Hyper+B", "Ctrl+Shift", "Ctrl+Banana", "F36", "A, B, C, D, E"])
def test_normalize_rejects_nonsense(bad: str) -> None:
    with pytest.raises(KeySequenceError):
        normalize_sequence(bad)
    assert normalize_chord("b") == "B"


def test_conflicts_respect_contexts_and_prefixes() -> None:
    # two window-wide actions on one key
    assert find_conflicts({"order.buy": ["Ctrl+S"], "layout.save": ["ctrl+s"]}) == [
        KeyConflict("order.buy", "layout.save", "Ctrl+S", "Ctrl+S")
    ]
    # different keys in one context
    assert find_conflicts({"chart.interval.1m": ["1"], "chart.interval.5m": ["2"]}) == []
    # a chart key against a window-wide key clashes: the window-wide one is live inside the chart too
    clash = find_conflicts({"chart.interval.1m": ["F1"], "help.cheatsheet": ["F1"]})
    assert len(clash) == 1
    assert "F1 is bound to both" in clash[0].describe()
    # one sequence starting another
    prefix = find_conflicts({"palette.open": ["Ctrl+K"], "symbol.switch": ["Ctrl+K, Ctrl+P"]})
    assert len(prefix) == 1
    assert "one starts the other" in prefix[0].describe()
    # the same key listed twice for one action is not a conflict
    assert find_conflicts({"order.buy": ["Ctrl+Alt+B", "ctrl+alt+b"]}) == []


def test_scoped_contexts_only_clash_with_themselves() -> None:
    same_key = {"a": ["1"], "b": ["1"]}
    assert find_conflicts(same_key, {"a": Context.CHART, "b": Context.BOOK}) == []
    assert len(find_conflicts(same_key, {"a": Context.CHART, "b": Context.CHART})) == 1
    assert len(find_conflicts(same_key, {"a": Context.TICKET, "b": Context.TRADING})) == 1
    # ids the table does not know count as window-wide
    assert len(find_conflicts({"chart.interval.1m": ["1"], "some.future.action": ["1"]})) == 1


def test_user_keys_win_over_clashing_defaults() -> None:
    bindings, notes = resolve_bindings({"order.sell": ["Ctrl+Alt+B"]})
    assert bindings["order.sell"] == ("Ctrl+Alt+B",)
    assert bindings["order.buy"] == ()
    assert find_conflicts(bindings) == []
    assert any("removed from 'Buy (ticket)'" in n for n in notes)


def test_two_clashing_user_keys_are_both_dropped() -> None:
    bindings, notes = resolve_bindings({"order.sell": ["F5"], "order.buy": ["F5"]})
    assert bindings["order.sell"] == ()
    assert bindings["order.buy"] == ()
    assert len(notes) == 2


def test_bad_overrides_are_reported_and_ignored() -> None:
    bindings, notes = resolve_bindings({"order.nope": ["F5"], "order.buy": ["Ctrl+Banana"]})
    assert bindings["order.buy"] == ("Ctrl+Alt+B",)
    assert "order.nope" not in bindings
    assert len(notes) == 2
    assert "no such action" in notes[0]
    assert "unknown key" in notes[1]


def test_rebind_reports_clashes_with_the_changed_action_only() -> None:
    current = default_bindings()
    proposed, clashes = rebind(current, "order.buy", ["Ctrl+S"])
    assert [(c.first, c.second) for c in clashes] == [("layout.save", "order.buy")]
    proposed, clashes = rebind(current, "order.buy", ["Ctrl+Shift+B"])
    assert clashes == []
    assert proposed["order.buy"] == ("Ctrl+Shift+B",)
    assert current["order.buy"] == ("Ctrl+Alt+B",)
