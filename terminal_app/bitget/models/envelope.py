"""The REST response envelope: ``{"code": "00000", "msg": "success", "requestTime": …, "data": …}``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from terminal_app.bitget.errors import error_for_code
from terminal_app.bitget.models.fields import BadValue, as_mapping, fail, int_ms, text

SUCCESS_CODE = "00000"


@dataclass(frozen=True, slots=True)
class Envelope:
    """A decoded envelope. ``request_time`` is ``None`` when Bitget left it out."""

    code: str
    msg: str
    request_time: int | None
    data: Any

    @property
    def ok(self) -> bool:
        return self.code == SUCCESS_CODE


def _code(value: Any) -> str:
    # Success is the string "00000"; a number 0 (seen on some gateways) means the same.
    if isinstance(value, int) and not isinstance(value, bool):
        return SUCCESS_CODE if value == 0 else str(value)
    return text(value).strip()


def parse_envelope(payload: Any) -> Envelope:
    """Decode the envelope without judging the code. Some endpoints say ``message`` instead of ``msg``."""
    body = as_mapping(payload, "response envelope")
    if "code" not in body or body["code"] is None:
        fail("response envelope", "field 'code' is missing")
    raw_time = body.get("requestTime")
    try:
        code = _code(body["code"])
        request_time = None if raw_time in (None, "") else int_ms(raw_time)
    except BadValue as exc:
        fail("response envelope", str(exc))
    msg = body.get("msg")
    if msg is None:
        msg = body.get("message")
    return Envelope(code=code, msg=text(msg) if isinstance(msg, str | int) else "", request_time=request_time,
                    data=body.get("data"))


def unwrap(payload: Any, *, http_status: int | None = None) -> Any:
    """``data`` of a successful envelope; otherwise the typed error for Bitget's code (``errors.error_for_code``)."""
    env = parse_envelope(payload)
    if env.ok:
        return env.data
    raise error_for_code(env.code, env.msg, http_status=http_status)
