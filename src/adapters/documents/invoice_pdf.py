"""PDF invoices and credit notes with fpdf2: any script a name may be written in.

DejaVu Sans (shipped in ``fonts/``, Bitstream Vera licence) covers Latin, Cyrillic and Hebrew and
the currency signs we use; text shaping (HarfBuzz, through uharfbuzz) joins and orders
right-to-left runs, so a Hebrew name reads correctly inside a left-to-right page. Amounts are
formatted from integer minor units, never floats.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from fpdf import FPDF

from core.billing.domain.invoices import Invoice, InvoiceKind, Party
from core.shared.money import MINOR_UNITS, Money

FONTS = Path(__file__).parent / "fonts"
_FAMILY = "DejaVu"
_SIGNS = {"USD": "$", "EUR": "€", "ILS": "₪", "RUB": "₽"}
_TITLES = {
    "en": {InvoiceKind.INVOICE: "Invoice", InvoiceKind.CREDIT_NOTE: "Credit note"},
    "ru": {InvoiceKind.INVOICE: "Счёт-фактура", InvoiceKind.CREDIT_NOTE: "Кредит-нота"},
    "he": {InvoiceKind.INVOICE: "חשבונית מס", InvoiceKind.CREDIT_NOTE: "הודעת זיכוי"},
}


def format_money(amount: Money) -> str:
    """``€1,234.50``: exact decimal places of the currency, from minor units."""
    places = MINOR_UNITS[amount.currency]
    value = Decimal(amount.amount_minor).scaleb(-places)
    return f"{_SIGNS.get(amount.currency, amount.currency + ' ')}{value:,.{places}f}"


class PdfInvoiceRenderer:
    """ports.billing.invoices.InvoiceRenderer."""

    media_type = "application/pdf"

    def render(self, invoice: Invoice, *, language: str = "en") -> bytes:
        pdf = FPDF(format="A4")
        pdf.set_creator("Lyceum")
        pdf.set_title(str(invoice.number))
        pdf.add_font(_FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        pdf.add_font(_FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        pdf.set_text_shaping(True)
        pdf.add_page()
        titles = _TITLES.get(language, _TITLES["en"])

        pdf.set_font(_FAMILY, "B", 18)
        pdf.cell(0, 10, f"{titles[invoice.kind]} {invoice.number}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(_FAMILY, "", 10)
        pdf.cell(0, 6, f"Issued {invoice.issued_on.isoformat()}", new_x="LMARGIN", new_y="NEXT")
        if invoice.credits:
            pdf.cell(0, 6, f"Credits invoice {invoice.credits}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)

        top = pdf.get_y()
        self._party(pdf, "Seller", invoice.seller, x=pdf.l_margin, y=top)
        self._party(pdf, "Buyer", invoice.buyer, x=pdf.w / 2, y=top)
        pdf.set_y(max(pdf.get_y(), top + 36))
        pdf.ln(4)

        widths = (80, 25, 25, 25, 30)
        pdf.set_font(_FAMILY, "B", 10)
        for width, heading in zip(widths, ("Description", "Net", "Tax rate", "Tax", "Total"), strict=True):
            pdf.cell(width, 8, heading, border="B", align="L" if heading == "Description" else "R")
        pdf.ln()
        pdf.set_font(_FAMILY, "", 10)
        for line in invoice.lines:
            rate = f"{line.tax_percent.normalize():f}%" if line.tax_name else "—"
            cells = (line.description, format_money(line.net), rate, format_money(line.tax), format_money(line.total))
            for width, text, align in zip(widths, cells, ("L", "R", "R", "R", "R"), strict=True):
                pdf.cell(width, 7, text, align=align)
            pdf.ln()

        pdf.ln(2)
        pdf.set_font(_FAMILY, "B", 10)
        for label, amount in (("Net", invoice.net_total), ("Tax", invoice.tax_total), ("Total", invoice.total)):
            pdf.cell(sum(widths[:-1]), 7, label, align="R")
            pdf.cell(widths[-1], 7, format_money(amount), align="R", new_x="LMARGIN", new_y="NEXT")
        if invoice.note:
            pdf.ln(4)
            pdf.set_font(_FAMILY, "", 9)
            pdf.multi_cell(0, 5, invoice.note)
        return bytes(pdf.output())

    @staticmethod
    def _party(pdf: FPDF, label: str, party: Party, *, x: float, y: float) -> None:
        width = pdf.w / 2 - pdf.l_margin
        pdf.set_xy(x, y)
        pdf.set_font(_FAMILY, "B", 10)
        pdf.cell(width, 6, label, new_x="LEFT", new_y="NEXT")
        pdf.set_font(_FAMILY, "", 10)
        for text in (party.name, party.address, party.country, f"VAT {party.vat_id}" if party.vat_id else ""):
            if text:
                pdf.set_x(x)
                pdf.multi_cell(width, 5, text, new_x="LEFT", new_y="NEXT")
