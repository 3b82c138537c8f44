"""Bitget V2's spellings of the terminal's domain words, in one place: wire text ↔ ``terminal_app.core`` enums.

Every V2 parser reads wire words through these tables and every V2 request writes them through them, so nothing
above ``terminal_app.bitget`` sees a V2 spelling. A V3 (UTA) client keeps its own tables beside these (``category``
``usdt-futures``, ``qty``, ``posSide``), mapping to the same enums.
"""

from __future__ import annotations

from terminal_app.core.instruments import Product, UnknownSymbol

# productType (REST) and instType (WebSocket) of each product line; the S… lines are the old demo-coin futures.
PRODUCT_TO_WIRE: dict[Product, str] = {
    Product.SPOT: "SPOT",
    Product.USDT_FUTURES: "USDT-FUTURES",
    Product.COIN_FUTURES: "COIN-FUTURES",
    Product.USDC_FUTURES: "USDC-FUTURES",
    Product.DEMO_USDT_FUTURES: "SUSDT-FUTURES",
    Product.DEMO_COIN_FUTURES: "SCOIN-FUTURES",
    Product.DEMO_USDC_FUTURES: "SUSDC-FUTURES",
}
PRODUCT_FROM_WIRE: dict[str, Product] = {wire: product for product, wire in PRODUCT_TO_WIRE.items()}


def wire_product(product: Product) -> str:
    """V2's ``productType``/``instType`` of ``product``: ``USDT-FUTURES``."""
    return PRODUCT_TO_WIRE[product]


def product_from_wire(text: str) -> Product:
    """The product of a V2 ``productType``/``instType`` in any case; :class:`UnknownSymbol` (a ``ValueError``) for
    a type V2 does not have."""
    product = PRODUCT_FROM_WIRE.get(text.strip().upper())
    if product is None:
        raise UnknownSymbol(f"Unknown product type {text!r}.")
    return product
