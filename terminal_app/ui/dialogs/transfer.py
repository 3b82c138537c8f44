"""Transfer between accounts: move a coin between the spot account and a futures account (USDT-M, coin-M, USDC-M),
e.g. BTC from spot to margin coin-M contracts. The dialog never awaits the network: it asks the account service
(``AccountService.transfer``) and shows the exchange's answer when the service reports it.

Which coin may go where is Bitget's rule: USDT-M holds USDT, USDC-M holds USDC, coin-M holds each contract's base coin
(BTC, ETH …, one account per coin).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from terminal_app.core.accounts import FuturesAccount, SpotAsset
from terminal_app.core.instruments import Product
from terminal_app.ui.dialogs.checked import Button, CheckedDialog
from terminal_app.ui.docks.common import DecimalEdit
from terminal_app.ui.format import coin_places, fmt_fixed
from terminal_app.ui.theme import current_colors

if TYPE_CHECKING:
    from terminal_app.services.account import AccountService

ACCOUNTS: tuple[tuple[str, Product], ...] = (
    ("Spot", Product.SPOT), ("USDT-M futures", Product.USDT_FUTURES), ("Coin-M futures", Product.COIN_FUTURES),
    ("USDC-M futures", Product.USDC_FUTURES),
)


class TransferDialog(CheckedDialog):
    """From, to, coin and amount; OK sends the transfer through the account service and waits for its answer."""

    def __init__(self, account: AccountService, parent: QWidget | None = None) -> None:
        super().__init__("TransferDialog", "Transfer between accounts", parent, close=Button.Close,
                         ok_text="Transfer")
        self.account = account
        self._sent = ""  # what the last send moved, said again when Bitget confirms it
        self.source = QComboBox(self)
        self.target = QComboBox(self)
        for label, product in ACCOUNTS:
            self.source.addItem(label, product.value)
            self.target.addItem(label, product.value)
        self.target.setCurrentIndex(2)                      # spot → coin-M: what a new demo user needs first
        self.coin = QComboBox(self)
        self.coin.setObjectName("TransferCoin")
        self.amount = DecimalEdit("amount", self)
        self.available = QLabel(self)
        self.available.setObjectName("TransferAvailable")
        self.form.addRow("From", self.source)
        self.form.addRow("To", self.target)
        self.form.addRow("Coin", self.coin)
        self.form.addRow("Amount", self.amount)
        self.form.addRow("", self.available)
        self.source.currentIndexChanged.connect(self._accounts_changed)
        self.target.currentIndexChanged.connect(self._accounts_changed)
        self.coin.currentIndexChanged.connect(self._show_available)
        account.transferred.connect(self._on_transferred)
        account.error.connect(self._on_error)
        account.balances_changed.connect(self._show_available)
        account.futures_account_changed.connect(self._show_available)
        self._accounts_changed()

    # --- reads --------------------------------------------------------------------------------------------------

    def from_product(self) -> Product:
        return Product(self.source.currentData())

    def to_product(self) -> Product:
        return Product(self.target.currentData())

    def futures_side(self) -> Product | None:
        """The futures account of the transfer; None when both or neither side is spot."""
        src, dst = self.from_product(), self.to_product()
        if (src is Product.SPOT) == (dst is Product.SPOT):
            return None
        return dst if src is Product.SPOT else src

    def coins(self) -> list[str]:
        """The coins the chosen futures account holds: its settle coin, or coin-M's margin coins."""
        line = self.futures_side()
        if line is None:
            return []
        if line.settle_coin:
            return [line.settle_coin]
        coins = sorted({a.margin_coin for p, a in self.account.futures_accounts() if p is line})
        return coins or ["BTC", "ETH"]

    def available_amount(self) -> Decimal | None:
        """What the source account can send of the chosen coin (futures: Bitget's maxTransferOut)."""
        coin = self.coin.currentText()
        if not coin:
            return None
        src = self.from_product()
        if src is Product.SPOT:
            asset: SpotAsset | None = self.account.asset(coin)
            return asset.available if asset is not None else Decimal(0)
        accounts: list[tuple[Product, FuturesAccount]] = self.account.futures_accounts()
        for product, acct in accounts:
            if product is src and acct.margin_coin == coin:
                out = acct.max_transfer_out
                return out if out is not None else acct.available
        return Decimal(0)

    def problem(self) -> str | None:
        if self.futures_side() is None:
            return "Choose the spot account on one side and a futures account on the other."
        amount = self.amount.value()
        if amount is None or amount <= 0:
            return "Enter an amount greater than 0."
        available = self.available_amount()
        if available is not None and amount > available:
            return f"Only {fmt_fixed(available, coin_places(self.coin.currentText()))} can be moved."
        return None

    # --- actions ------------------------------------------------------------------------------------------------

    def send(self) -> bool:
        """OK: refuse what cannot go (said in the dialog) or ask the account service; True when asked."""
        return self.try_accept()

    def submit(self) -> None:
        amount = self.amount.value()
        assert amount is not None
        coin = self.coin.currentText()
        self.account.transfer(self.from_product(), self.to_product(), coin, amount)
        self._sent = (f"{fmt_fixed(amount, coin_places(coin))} {coin} from {self.source.currentText()} "
                      f"to {self.target.currentText()}")
        self.show_status(f"Sending {fmt_fixed(amount, coin_places(coin))} {coin}…", current_colors().muted)

    def _accounts_changed(self) -> None:
        coins = self.coins()
        current = self.coin.currentText()
        self.coin.blockSignals(True)
        self.coin.clear()
        self.coin.addItems(coins)
        if current in coins:
            self.coin.setCurrentText(current)
        self.coin.blockSignals(False)
        self._show_available()

    def _show_available(self) -> None:
        available = self.available_amount()
        coin = self.coin.currentText()
        self.available.setText(f"Available {fmt_fixed(available, coin_places(coin))} {coin}"
                               if available is not None else "")

    def _on_transferred(self, transfer_id: str) -> None:
        self.show_status(f"Moved {self._sent} (transfer {transfer_id}).", current_colors().up)
        self.amount.set_value(None)
        self._show_available()

    def _on_error(self, text: str) -> None:
        if text.startswith("Transfer"):
            self.show_problem(text)


def open_transfer_dialog(parent: QWidget, account: AccountService) -> TransferDialog:
    dialog = TransferDialog(account, parent)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
