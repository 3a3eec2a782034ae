"""Small raw shops written by hand for the tests: CSV files with exactly the bytes given."""

from __future__ import annotations

from pathlib import Path


def write_csv(
    path: Path,
    header: str,
    lines: list[str | bytes],
    *,
    bom: bool = False,
    crlf: bool = False,
) -> None:
    """Write a CSV file: a header line and data lines, kept byte for byte."""
    end = b"\r\n" if crlf else b"\n"
    out = bytearray(b"\xef\xbb\xbf" if bom else b"")
    for line in [header, *lines]:
        out += line if isinstance(line, bytes) else line.encode("utf-8")
        out += end
    path.write_bytes(bytes(out))


ORDER_COLUMNS = (
    "order_id,customer_id,customer_email,ordered_at,status,order_total,"
    "refunded_total,shipping_total,tax_total,coupon_code,shipping_city,billing_city"
)


def order(
    order_id: str,
    customer_id: str,
    ordered_at: str,
    total: str,
    *,
    email: str = "",
    status: str = "completed",
    refunded: str = "",
    shipping: str = "",
    tax: str = "",
    coupon: str = "",
    shipping_city: str = "",
    billing_city: str = "",
) -> str:
    """One orders.csv line in ORDER_COLUMNS order (no quoting: pass quoted text yourself)."""
    return ",".join([
        order_id, customer_id, email, ordered_at, status, total,
        refunded, shipping, tax, coupon, shipping_city, billing_city,
    ])
