"""kanta bench: bench/reference.sql and the pandas version give exactly dbt's marts.

A correctness test, not a timing test: the benchmark's comparison runs once on a tiny
generated shop (2,000 orders, with the generator's bad rows, guest checkouts and erasures),
without the full build, and every mart of both methods must equal dbt's row for row.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import duckdb
import pytest

from kanta import bench

ORDERS = 2000


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """`python -m kanta bench --sizes 2000 --skip-full-build`, work folder kept; (root, exit code)."""
    root = tmp_path_factory.mktemp("bench")
    exit_code = bench.main([
        "--sizes", str(ORDERS),
        "--skip-full-build",
        "--cache-dir", str(root / "cache"),
        "--out-dir", str(root / "out"),
        "--work-dir", str(root / "work"),
        "--keep-work",
        "--no-progress",
    ])
    return root, exit_code


def _results(root: Path) -> dict:
    return json.loads((root / "out" / "results.json").read_text(encoding="utf-8"))


def _workspace(root: Path) -> Path:
    (folder,) = (root / "work").iterdir()
    return folder


def test_three_methods_give_identical_marts(bench_run: tuple[Path, int]) -> None:
    root, exit_code = bench_run
    (result,) = _results(root)["results"]
    assert result["failed"] == [], result["failed"]
    checks = {(check["mart"], check["method"]): check for check in result["checks"]}
    assert set(checks) == {(mart, method) for mart in bench.MARTS for method in ("reference", "pandas")}
    for (mart, method), check in checks.items():
        assert check["dbt_rows"] > 0, mart
        assert check["identical"], f"{mart} of {method} differs from dbt: {check}"
    assert result["identical"] is True
    assert exit_code == 0


def test_results_are_written(bench_run: tuple[Path, int]) -> None:
    root, _exit_code = bench_run
    results = _results(root)
    (result,) = results["results"]
    assert (result["size"], result["orders"], result["customers"]) == ("2000", ORDERS, ORDERS // 10)
    assert result["full_build_s"] is None  # --skip-full-build
    assert set(result["runs"]) == set(bench.METHODS)
    assert results["environment"]["repeat"] == 1
    markdown = (root / "out" / "results.md").read_text(encoding="utf-8")
    assert "| size | orders | customers | full build wall s |" in markdown
    assert "| 2000 | 2,000 | 200 |" in markdown
    assert (root / "cache" / "2000" / "orders.parquet").exists()


def test_timed_dbt_runs_start_from_the_saved_parse(bench_run: tuple[Path, int]) -> None:
    """The project is parsed once, timed on its own; the timed dbt run starts from that parse
    (dbt's partial parsing) instead of parsing everything again inside its time."""
    root, _exit_code = bench_run
    (result,) = _results(root)["results"]
    assert result["parse"]["exit_code"] == 0
    assert result["parse_s"] == result["parse"]["wall_s"] > 0
    logs = _workspace(root) / "logs"
    full_parse = "Unable to do partial parsing"
    assert full_parse in (logs / "parse.out").read_text(encoding="utf-8")
    select_log = (logs / "dbt-select_1.out").read_text(encoding="utf-8")
    assert "Completed successfully" in select_log
    assert full_parse not in select_log
    markdown = (root / "out" / "results.md").read_text(encoding="utf-8")
    assert f"first `dbt parse` of the project {result['parse_s']:.1f} s" in markdown


def test_comparison_catches_one_changed_cent(bench_run: tuple[Path, int], tmp_path: Path) -> None:
    """The check is not vacuous: one customer's revenue off by a cent is found."""
    root, _exit_code = bench_run
    workspace = _workspace(root)
    pandas_dir = tmp_path / "pandas"
    shutil.copytree(workspace / "pandas", pandas_dir)
    facts = pandas_dir / "customer_facts.parquet"
    con = duckdb.connect()
    con.execute(
        f"copy (select * replace (case when row_number() over (order by customer_id) = 1 "
        f"then total_revenue + 0.01 else total_revenue end as total_revenue) "
        f"from read_parquet('{facts}')) to '{tmp_path / 'changed.parquet'}' (format parquet)"
    )
    con.close()
    shutil.move(tmp_path / "changed.parquet", facts)
    checks = bench.compare_marts(workspace / "kanta.duckdb", workspace / "reference.duckdb", pandas_dir)
    by_key = {(check.mart, check.method): check for check in checks}
    changed = by_key[("customer_facts", "pandas")]
    assert (changed.only_in_dbt, changed.only_in_method) == (1, 1)
    assert not changed.identical
    assert all(check.identical for key, check in by_key.items() if key != ("customer_facts", "pandas"))


def test_a_cached_shop_is_reused(bench_run: tuple[Path, int]) -> None:
    root, _exit_code = bench_run
    shop, reused = bench.ensure_shop(bench.parse_size(str(ORDERS)), root / "cache", bench.DEFAULT_SEED, False)
    assert reused
    assert shop == root / "cache" / "2000"


@pytest.mark.parametrize(
    ("text", "orders"),
    [("100k", 100_000), ("1m", 1_000_000), ("10M", 10_000_000), ("2_000", 2000), ("2.5k", 2500)],
)
def test_sizes(text: str, orders: int) -> None:
    size = bench.parse_size(text)
    assert size.orders == orders
    assert size.customers == orders // 10


def test_sizes_below_the_generator_minimum_are_refused() -> None:
    with pytest.raises(ValueError):
        bench.parse_size("500")
    with pytest.raises(ValueError):
        bench.parse_size("lots")


def test_node_times_give_the_prediction_time(tmp_path: Path) -> None:
    """fit+score is the two prediction nodes' time as dbt's run_results.json records it."""
    run_results = tmp_path / "run_results.json"
    run_results.write_text(json.dumps({"results": [
        {"unique_id": "model.kanta.int_prediction_parameters", "execution_time": 2.5},
        {"unique_id": "model.kanta.int_customer_predictions_scored", "execution_time": 1.25},
        {"unique_id": "model.kanta.customer_facts", "execution_time": 4.0},
    ]}), encoding="utf-8")
    times = bench.node_seconds(bench.read_run_results(run_results))
    assert sum(times[node] for node in bench.PREDICTION_NODES) == 3.75
    assert times["model.kanta.customer_facts"] == 4.0
    assert bench.node_seconds(bench.read_run_results(tmp_path / "absent.json")) == {}


def _touched(megabytes: int) -> bytearray:
    """A buffer of that many megabytes with every page written, so that it is resident."""
    buffer = bytearray(megabytes * 1_000_000)
    for offset in range(0, len(buffer), 4096):
        buffer[offset] = 1
    return buffer


def test_peak_memory_is_the_commands_own(tmp_path: Path) -> None:
    """A command that holds 150 MB reports about 150 MB, however large the benchmark has grown.

    The benchmark process here first grows past 600 MB. A child started straight from it with
    subprocess would report at least that (Linux counts the starting process's high-water mark
    in the child's), which is what the launcher in run_measured avoids.
    """
    grown = _touched(600)
    with open("/proc/self/status", encoding="utf-8") as status:
        high_water_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    assert high_water_kb * 1024 / 1e6 > 600
    command = [
        sys.executable, "-c",
        "x = bytearray(150_000_000)\nfor i in range(0, len(x), 4096): x[i] = 1\nprint('held', len(x))",
    ]
    measured = bench.run_measured(command, env=dict(os.environ), cwd=tmp_path, log_path=tmp_path / "held.log")
    assert measured.exit_code == 0
    assert "held 150000000" in (tmp_path / "held.log").read_text(encoding="utf-8")
    # 150 MB of buffer plus the interpreter (well under 100 MB), far from the 600 MB above.
    assert 150 <= measured.peak_rss_mb < 250
    del grown


def test_a_command_that_fails_reports_its_exit_code(tmp_path: Path) -> None:
    lines: list[str] = []
    measured = bench.run_measured(
        [sys.executable, "-c", "import sys; print('failing'); sys.exit(3)"],
        env=dict(os.environ), cwd=tmp_path, log_path=tmp_path / "fail.log", on_line=lines.append,
    )
    assert measured.exit_code == 3
    assert lines == ["failing\n"]
    missing = bench.run_measured(["/nonexistent/kanta-command"], env=dict(os.environ), cwd=tmp_path,
                                 log_path=tmp_path / "missing.log")
    assert missing.exit_code == 127
    assert "cannot run /nonexistent/kanta-command" in (tmp_path / "missing.log").read_text(encoding="utf-8")


def test_cpu_time_is_the_commands_own(tmp_path: Path) -> None:
    """CPU time counts the command's work (a child it runs included), not its waiting.

    The command spins in a child process until that child has used 0.6 s of CPU, then sleeps
    0.5 s and prints the child's own CPU time (its process_time, a second measurement).
    """
    spin = "import time\nwhile time.process_time() < 0.6: pass\nprint(time.process_time())"
    command = [
        sys.executable, "-c",
        "import subprocess, sys, time\n"
        f"done = subprocess.run([sys.executable, '-c', {spin!r}], capture_output=True, text=True, check=True)\n"
        "time.sleep(0.5)\n"
        "print('child cpu', done.stdout.strip())",
    ]
    measured = bench.run_measured(command, env=dict(os.environ), cwd=tmp_path, log_path=tmp_path / "spin.log")
    assert measured.exit_code == 0
    child_cpu = float((tmp_path / "spin.log").read_text(encoding="utf-8").split("child cpu")[1])
    assert child_cpu >= 0.6
    # The child's CPU plus two interpreter start-ups (a few tenths of a second at most); the
    # half-second sleep is wall time only.
    assert child_cpu <= measured.cpu_s < child_cpu + 0.5
    assert measured.wall_s >= child_cpu + 0.5


def _measurement(wall_s: float, cpu_s: float, exit_code: int = 0, peak_rss_mb: float = 1.0) -> bench.Measurement:
    """A made-up finished run, for the tests of what the results say about runs."""
    return bench.Measurement(wall_s=wall_s, peak_rss_mb=peak_rss_mb, exit_code=exit_code, spilled_mb=0.0,
                             log="", cpu_s=cpu_s)


def test_cpu_note_names_cores_kept_busy() -> None:
    run = _measurement
    result = bench.SizeResult(
        size="10m", orders=10, customers=1, shop_reused=True, full_builds=[run(100.0, 180.0)],
        runs={"reference": [run(30.0, 45.0), run(28.0, 56.0)], "dbt-select": [run(39.0, 70.2, exit_code=1)],
              "pandas": []},
        checks=[], daily_build=run(90.0, 108.0),
    )
    # The fastest passing run of each method (reference: the 28 s one, 56 / 28 = 2.0 cores);
    # the failed dbt-select run and the empty pandas list give nothing.
    assert bench._cpu_note(result) == (
        "CPU time full build 180.0 s (1.8 cores), daily build 108.0 s (1.2 cores), reference 56.0 s (2.0 cores)"
    )


def test_repeated_full_builds_show_the_median() -> None:
    def run(wall_s: float, exit_code: int = 0) -> bench.Measurement:
        return _measurement(wall_s, cpu_s=wall_s * 2, exit_code=exit_code, peak_rss_mb=wall_s * 10)

    def result(*full_builds: bench.Measurement) -> bench.SizeResult:
        return bench.SizeResult(size="10m", orders=100, customers=10, shop_reused=True,
                                full_builds=list(full_builds), runs={method: [] for method in bench.METHODS},
                                checks=[])

    # Three runs: the middle one by wall time, with its own peak memory and CPU time.
    three = result(run(95.0), run(87.0), run(91.0))
    summary = three.summary()
    assert (summary["full_build_s"], summary["peak_memory_mb"], summary["full_build_cpu_s"]) == (91.0, 910.0, 182.0)
    assert summary["rows_per_s"] == 100 / 91.0
    assert three.failed == []
    assert bench._full_builds_note(three) == "full builds 95.0, 87.0, 91.0 s (in the order run; the table: the median)"
    # An even number: the faster of the two middle runs (a real run, not an average).
    assert result(run(93.0), run(88.0), run(90.0), run(99.0)).summary()["full_build_s"] == 90.0
    # A failed run is listed as a failure and left out of the median; the others still count.
    with_failure = result(run(89.0), run(5.0, exit_code=1), run(92.0))
    assert with_failure.failed == ["full dbt build"]
    assert with_failure.summary()["full_build_s"] == 89.0
    assert "89.0, failed, 92.0 s" in bench._full_builds_note(with_failure)
    # Only failed runs: the table shows none, the first failure is kept for its log.
    only_failed = result(run(5.0, exit_code=2), run(6.0, exit_code=1))
    assert only_failed.summary()["full_build_s"] is None
    assert only_failed.full_build is not None and only_failed.full_build.exit_code == 2
    # One run: no note, that run; none (--skip-full-build): nothing.
    assert bench._full_builds_note(result(run(90.0))) == ""
    assert result(run(90.0)).summary()["full_build_s"] == 90.0
    assert result().full_build is None and result().failed == []


def test_a_killed_launcher_is_a_failed_run(tmp_path: Path) -> None:
    """No peak to report when the launcher itself dies (as under the out-of-memory killer)."""
    measured = bench.run_measured(
        [sys.executable, "-c", "import os, signal; os.kill(os.getppid(), signal.SIGKILL)"],
        env=dict(os.environ), cwd=tmp_path, log_path=tmp_path / "killed.log",
    )
    assert measured.exit_code == -9
    assert measured.peak_rss_mb == 0.0


def test_ratio_cells() -> None:
    # dbt/reference keeps two decimals next to its 1.5x target (1.459 would print as 1.5x with one).
    assert bench._cell("dbt_over_reference", 1.459) == "1.46x"
    assert bench._cell("dbt_over_reference", 1.541) == "1.54x"
    assert bench._cell("pandas_over_dbt", 3.28) == "3.3x"
    assert bench._cell("pandas_over_dbt", 0.264) == "0.26x"
    assert bench._cell("dbt_over_reference", None) == "-"


def _duckdb_settings(memory_limit: str, block_memory: str) -> tuple[str, str]:
    """memory_limit and block_allocator_memory as DuckDB shows them, set by hand."""
    con = duckdb.connect()
    try:
        con.execute(f"set memory_limit = '{memory_limit}'")
        con.execute(f"set block_allocator_memory = '{block_memory}'")
        row = con.execute(
            "select current_setting('memory_limit'), current_setting('block_allocator_memory')"
        ).fetchone()
    finally:
        con.close()
    return row[0], row[1]


@pytest.mark.parametrize(("override", "expected_block_memory"), [(None, "1GB"), ("0B", "0B")])
def test_dbt_keeps_half_the_memory_limit_for_reuse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   override: str | None, expected_block_memory: str) -> None:
    """The profile sets block_allocator_memory after memory_limit, as half of it by default
    (2GB -> 1GB), and KANTA_BLOCK_ALLOCATOR_MEMORY replaces it."""
    from dbt.cli.main import dbtRunner

    monkeypatch.setenv("KANTA_MEMORY_LIMIT", "2GB")
    monkeypatch.setenv("KANTA_DB", str(tmp_path / "settings.duckdb"))
    if override is None:
        monkeypatch.delenv("KANTA_BLOCK_ALLOCATOR_MEMORY", raising=False)
    else:
        monkeypatch.setenv("KANTA_BLOCK_ALLOCATOR_MEMORY", override)
    result = dbtRunner().invoke([
        "show", "--inline",
        "select current_setting('memory_limit') as memory_limit, "
        "current_setting('block_allocator_memory') as block_memory",
        "--project-dir", str(bench.PROJECT_DIR),
        "--profiles-dir", str(bench.PROJECT_DIR / "profiles"),
        "--target-path", str(tmp_path / "target"),
        "--log-path", str(tmp_path / "logs"),
        "--quiet",
    ])
    assert result.success, result.exception
    table = result.result.results[0].agate_table
    shown = (table.rows[0]["memory_limit"], table.rows[0]["block_memory"])
    assert shown == _duckdb_settings("2GB", expected_block_memory)


def test_reference_runs_with_the_same_block_reuse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hand-written reference gets dbt's setting: half its memory limit by default."""
    script = tmp_path / "settings.sql"
    script.write_text(
        "create table settings as select current_setting('memory_limit') as memory_limit, "
        "current_setting('block_allocator_memory') as block_memory;\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(bench, "REFERENCE_SQL", script)
    monkeypatch.delenv("KANTA_BLOCK_ALLOCATOR_MEMORY", raising=False)
    db_path = tmp_path / "reference.duckdb"
    bench.reference_marts(tmp_path, db_path, "2GB")
    con = duckdb.connect(str(db_path))
    try:
        shown = con.execute("select memory_limit, block_memory from settings").fetchone()
    finally:
        con.close()
    assert shown == _duckdb_settings("2GB", "1GB")
