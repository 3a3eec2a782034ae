"""Command line of kanta: `python -m kanta <command> [options]`.

Each subcommand has an `add_<name>_parser` function that declares its options
and a `cmd_<name>` function that runs it and returns the exit code. To add a
command, write both and register the first in `_subcommands()`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from kanta import __version__


def _iso_date(text: str) -> date:
    """argparse type for YYYY-MM-DD dates."""
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from exc


def _positive_int(text: str) -> int:
    """argparse type for counts (underscores allowed: 1_000_000)."""
    try:
        value = int(text.replace("_", ""))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from exc
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


# --------------------------------------------------------------------------------------
# generate
# --------------------------------------------------------------------------------------


def add_generate_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from kanta.generate import DEFAULT_END, DEFAULT_START, FORMATS

    parser = subparsers.add_parser(
        "generate",
        help="write a synthetic web shop (raw files and manifest.json)",
        description=(
            "Write a realistic, deterministic web shop as raw files, one per table "
            "(products, customers, orders, order_lines, consent_events, erasure_requests), "
            "plus DIR/manifest.json with the outcome the pipeline must reach for every row. "
            "The same arguments always give byte-identical files."
        ),
    )
    parser.add_argument("--customers", type=_positive_int, default=3000, metavar="N",
                        help="number of customer accounts (default: %(default)s)")
    parser.add_argument("--orders", type=_positive_int, default=15000, metavar="M",
                        help="number of orders, guest checkouts included (default: %(default)s)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="output directory (created if missing; existing files are overwritten)")
    parser.add_argument("--seed", type=_positive_int, default=42, metavar="S",
                        help="random seed (default: %(default)s)")
    parser.add_argument("--format", dest="fmt", choices=FORMATS, default="csv",
                        help="file format (default: %(default)s)")
    parser.add_argument("--start", type=_iso_date, default=DEFAULT_START, metavar="YYYY-MM-DD",
                        help="first day of orders (default: %(default)s)")
    parser.add_argument("--end", type=_iso_date, default=DEFAULT_END, metavar="YYYY-MM-DD",
                        help="day after the last day of orders, exclusive (default: %(default)s)")
    parser.add_argument("--bad-rows", action=argparse.BooleanOptionalAction, default=True,
                        help="add bad rows the pipeline must quarantine or collapse (default: on)")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True,
                        help="show a progress bar on stderr (default: on)")
    parser.set_defaults(func=cmd_generate)


def cmd_generate(args: argparse.Namespace) -> int:
    from kanta.generate import GenerateConfig, generate

    config = GenerateConfig(
        customers=args.customers,
        orders=args.orders,
        out_dir=args.out,
        seed=args.seed,
        fmt=args.fmt,
        start=args.start,
        end=args.end,
        bad_rows=args.bad_rows,
        progress=args.progress,
    )
    try:
        config.validate()
    except ValueError as exc:
        print(f"kanta generate: error: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    manifest = generate(config)
    elapsed = time.perf_counter() - started
    tables = manifest["tables"]
    assert isinstance(tables, dict)
    summary = ", ".join(f"{name} {info['rows_read']}" for name, info in tables.items())
    print(f"wrote {args.out} in {elapsed:.1f} s: {summary} rows", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------

def _subcommands() -> tuple[Callable[[argparse._SubParsersAction], None], ...]:  # type: ignore[type-arg]
    from kanta import audiences, bench, predict, publish, report

    return (
        add_generate_parser,
        publish.add_parser,    # build, publish
        report.add_parser,     # report
        audiences.add_parser,  # export
        bench.add_parser,      # bench
        predict.add_parser,    # predict
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kanta",
        description="kanta: tools around the kanta dbt project (web shop data to marketing marts).",
    )
    parser.add_argument("--version", action="version", version=f"kanta {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in _subcommands():
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
