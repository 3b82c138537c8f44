"""What differs between Bitget V2's futures lines, as data: adding a line (coin-M, USDC-M) is one entry here.

The ``productType`` spelling of each line is in :data:`terminal_app.bitget.models.mapping.PRODUCT_TO_WIRE` (requests
and parsers share it); the margin coin rule is here: linear lines (USDT-M, USDC-M) margin every contract in their
quote coin, inverse ones (coin-M) in each contract's base coin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from terminal_app.bitget.errors import InvalidOrder
from terminal_app.core.instruments import MarketInfo, Product


@dataclass(frozen=True, slots=True)
class FuturesLine:
    """One futures product line of V2. ``margined_in_base``: the inverse rule (coin-M)."""

    product: Product
    margined_in_base: bool = False

    def margin_coin(self, market: MarketInfo | None) -> str:
        """The ``marginCoin`` of a contract of this line. Without the contract's market only a linear line with a
        fixed settle coin can answer."""
        if market is not None:
            return market.base_coin if self.margined_in_base else market.quote_coin
        settle = None if self.margined_in_base else self.product.settle_coin
        if settle is None:
            raise InvalidOrder(f"The margin coin of this {self.product.label} contract is not known yet.")
        return settle

    @property
    def account_coin(self) -> str | None:
        """The one margin coin of the line's account, when it has only one (linear lines)."""
        return None if self.margined_in_base else self.product.settle_coin


FUTURES_LINES: Mapping[Product, FuturesLine] = {
    Product.USDT_FUTURES: FuturesLine(Product.USDT_FUTURES),
    Product.USDC_FUTURES: FuturesLine(Product.USDC_FUTURES),
    Product.COIN_FUTURES: FuturesLine(Product.COIN_FUTURES, margined_in_base=True),
    Product.DEMO_USDT_FUTURES: FuturesLine(Product.DEMO_USDT_FUTURES),
    Product.DEMO_USDC_FUTURES: FuturesLine(Product.DEMO_USDC_FUTURES),
    Product.DEMO_COIN_FUTURES: FuturesLine(Product.DEMO_COIN_FUTURES, margined_in_base=True),
}
