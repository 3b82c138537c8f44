"""``terminal-app bench faults``: one compound scenario end to end (the figures must be clear), and the command line."""

from __future__ import annotations

import json
from typing import Any

import pytest

from terminal_app.__main__ import _build_parser
from terminal_app.bench import faults


@pytest.mark.asyncio
async def test_the_compound_drop_while_rest_fails_scenario_is_all_clear() -> None:
    result = await faults.run(["ws_drop_while_rest_fails"])
    figures = result["scenarios"]["ws_drop_while_rest_fails"]
    assert result["all_clear"], figures
    assert figures["orders"] >= 4  # three resting (one then cancelled elsewhere), one market order from elsewhere
    assert figures["fills"] >= 2  # the order the market fell through, and the market order
    assert set(result["totals"]) >= {"lost_orders", "duplicated_orders", "phantom_orders", "stale_after_recovery",
                                     "book_recovered"}


def test_an_unknown_scenario_is_refused_in_one_json_line(capsys: Any) -> None:
    args = _build_parser().parse_args(["bench", "faults", "--only", "meteor_strike"])
    assert faults.main(args) == 2
    line = json.loads(capsys.readouterr().out)
    assert (line["bench"], line["ok"]) == ("faults", False)
    assert "ws_stall" in line["reason"]
