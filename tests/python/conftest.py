"""pytest harness: build the kanta dbt project in-process on a raw folder, then query the marts.

`build_shop(raw_dir, as_of_date=..., vars=...)` runs `dbt build` (or another command) with
dbtRunner into a fresh DuckDB file and returns a `Build` to query. `demo_build` is the demo
shop in data/demo, built once per test session.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt.cli.main import dbtRunner

PROJECT_DIR = Path(__file__).resolve().parents[2]
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))  # the kanta package, whatever the working directory
DEMO_DIR = PROJECT_DIR / "data" / "demo"


@dataclass
class Build:
    """The outcome of one dbt invocation on one raw folder."""

    db_path: Path
    success: bool
    messages: list[str] = field(default_factory=list)

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """Rows of a query as dicts (column name -> value)."""
        con = duckdb.connect(str(self.db_path))
        try:
            result = con.execute(sql, params or [])
            names = [column[0] for column in result.description]
            return [dict(zip(names, row)) for row in result.fetchall()]
        finally:
            con.close()

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        rows = self.rows(sql, params)
        return next(iter(rows[0].values())) if rows else None

    def error_text(self) -> str:
        return "\n".join(self.messages)


def run_dbt(
    work_dir: Path,
    raw_dir: Path,
    *,
    command: str = "build",
    as_of_date: str | None = None,
    variables: dict[str, Any] | None = None,
    extra_args: list[str] | None = None,
) -> Build:
    """Run one dbt command in-process on `raw_dir`, into `work_dir/kanta.duckdb`."""
    work_dir.mkdir(parents=True, exist_ok=True)
    db_path = work_dir / "kanta.duckdb"
    all_vars: dict[str, Any] = {"raw_dir": str(raw_dir)}
    if as_of_date is not None:
        all_vars["as_of_date"] = as_of_date
    all_vars.update(variables or {})
    args = [
        command,
        "--project-dir", str(PROJECT_DIR),
        "--profiles-dir", str(PROJECT_DIR / "profiles"),
        "--target-path", str(work_dir / "target"),
        "--log-path", str(work_dir / "logs"),
        "--vars", json.dumps(all_vars),
        "--quiet",
        *(extra_args or []),
    ]
    previous = os.environ.get("KANTA_DB")
    os.environ["KANTA_DB"] = str(db_path)
    try:
        result = dbtRunner().invoke(args)
    finally:
        if previous is None:
            os.environ.pop("KANTA_DB", None)
        else:
            os.environ["KANTA_DB"] = previous
    messages: list[str] = []
    if result.exception is not None:
        messages.append(str(result.exception))
    for node_result in getattr(result.result, "results", None) or []:
        if str(node_result.status) not in ("success", "pass"):
            messages.append(f"{node_result.node.name}: {node_result.status}: {node_result.message}")
    return Build(db_path=db_path, success=bool(result.success), messages=messages)


BuildShop = Callable[..., Build]


def assert_reconciles_with_manifest(build: Build, manifest: dict[str, Any]) -> None:
    """audit.load_reconciliation and audit.quarantined_rows of a build equal the generator's
    manifest.json tables (an independent count of every row's fate)."""
    from decimal import Decimal

    reconciliation = {r["table_name"]: r for r in build.rows("select * from audit.load_reconciliation")}
    reasons: dict[str, dict[str, int]] = {}
    for r in build.rows("select table_name, reason, count(*) as n from audit.quarantined_rows group by all"):
        reasons.setdefault(r["table_name"], {})[r["reason"]] = r["n"]
    for table, expected in manifest.items():
        got = reconciliation[table]
        assert got["rows_read"] == expected["rows_read"], table
        assert got["rows_loaded"] == expected["loaded"], table
        assert got["duplicates_collapsed"] == expected["collapsed_duplicates"], table
        assert got["rows_erased"] == expected["erased"], table
        assert reasons.get(table, {}) == expected["quarantined"], table
    orders = reconciliation["orders"]
    for key in ("revenue_loaded", "revenue_quarantined", "revenue_erased"):
        assert orders[key] == Decimal(manifest["orders"][key]), key


@pytest.fixture
def build_shop(tmp_path: Path) -> BuildShop:
    """Build the project on a raw folder into a fresh DuckDB file under tmp_path."""
    counter = iter(range(1000))

    def _build(raw_dir: Path, **kwargs: Any) -> Build:
        return run_dbt(tmp_path / f"build_{next(counter)}", raw_dir, **kwargs)

    return _build


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Build]:
    """The demo shop of data/demo, built once with every data test."""
    work_dir = tmp_path_factory.mktemp("demo_build")
    build = run_dbt(work_dir, DEMO_DIR)
    assert build.success, build.error_text()
    yield build
    shutil.rmtree(work_dir, ignore_errors=True)
