"""What a running simulator tells its clients (its URLs and the demo key), in a module that imports nothing heavy:
the terminal's process reads it from the simulator's child (``sim.process``) without loading the simulator itself."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class SimInfo:
    rest: str
    ws_public: str
    ws_private: str
    api_key: str
    secret: str
    passphrase: str
    account_mode: str = "classic"            # the demo key's account: classic (V2) or unified (V3)
    ws_public_v3: str = ""
    ws_private_v3: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def json_line(self) -> str:
        return json.dumps(self.as_dict())
