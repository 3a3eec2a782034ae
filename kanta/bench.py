"""Benchmark: `python -m kanta bench`.

For each shop size (100k, 1M and 10M orders by default; customers = orders / 10; Parquet;
a fixed seed) the benchmark

1. generates the shop once into `.cache/bench/<size>/` (git-ignored) and reuses it later;
2. runs the full `dbt build` (every model, seed and test) in a child process, timing its
   wall clock and its peak memory (the child's maximum resident set size, from wait4 in a
   small launcher process, see run_measured); with --repeat N it runs N full builds, each
   into a fresh file, and the table shows the median;
3. computes customer_facts, customer_rfm and cohort_retention three ways on the same files,
   each in its own process, timed from start to exit:
     reference   bench/reference.sql run by DuckDB directly (the lower bound),
     dbt-select  `dbt build --select +customer_facts +customer_rfm +cohort_retention
                 --exclude-resource-type test unit_test`: the models and the seeds they read,
                 no tests, into a fresh DuckDB file,
     pandas      DataFrames loaded from the Parquet files and grouped, as RFM tutorials do;
   and checks that the three give identical marts, row for row;
4. prints a table and writes `bench/results.md` and `bench/results.json`.

The exit code is 1 when a run fails or the marts of the three methods differ.

What each method does, so that the times compare like with like: all three read the raw
Parquet files and apply the input rules of SPEC section 2 that change the numbers (valid
rows only, exact duplicates collapsed, conflicting duplicates dropped, guest checkouts
resolved, erased customers removed, counted statuses, revenue = order_total -
refunded_total, as_of_date = the day after the latest counted order). dbt does more on top:
it parses any CSV text into types, keeps every row with its quarantine reason, and writes
the staging and intermediate relations. The reference and pandas rely on the default vars
and on files as the generator writes them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from kanta.progress import StepProgress

if TYPE_CHECKING:
    import pandas as pd

PROJECT_DIR = Path(__file__).resolve().parents[1]
REFERENCE_SQL = PROJECT_DIR / "bench" / "reference.sql"
SEED_DIR = PROJECT_DIR / "seeds"
DEFAULT_CACHE_DIR = PROJECT_DIR / ".cache" / "bench"
DEFAULT_OUT_DIR = PROJECT_DIR / "bench"
DEFAULT_SIZES = "100k,1m,10m"
DEFAULT_SEED = 42
CUSTOMERS_PER_ORDER = 0.1  # customers = orders / 10

MARTS = ("customer_facts", "customer_rfm", "cohort_retention")
# The dbt Python models that fit and score customer_predictions inside the build.
PREDICTION_NODES = ("model.kanta.int_prediction_parameters", "model.kanta.int_customer_predictions_scored")
SLOWEST_NODES = 8
# The models that are incremental by buyer on DuckDB (macros/incremental.sql).
INCREMENTAL_NODES = tuple(f"model.kanta.{name}" for name in (
    "int_orders_sequenced", "int_customer_states_accumulated", "int_customer_periods_active"))
DBT_SELECT = ("+customer_facts", "+customer_rfm", "+cohort_retention")
METHODS = ("reference", "dbt-select", "pandas")

# The default of the dbt var counted_order_statuses (dbt_project.yml).
COUNTED_STATUSES = ("completed", "shipped", "delivered", "paid")

ORDER_COLUMNS = (
    "order_id", "customer_id", "customer_email", "ordered_at", "status", "order_total",
    "refunded_total", "shipping_total", "tax_total", "coupon_code", "shipping_city",
    "shipping_postcode", "billing_city",
)
CUSTOMER_COLUMNS = (
    "customer_id", "email", "created_at", "birth_year", "gender", "city", "postcode", "country",
    "company_name", "is_business", "referred_by_customer_id", "marketing_consent",
)
PRODUCT_COLUMNS = ("product_id", "product_name", "category", "brand", "is_consumable")
ORDER_LINE_COLUMNS = ("order_id", "product_id", "quantity", "line_total")


# --------------------------------------------------------------------------------------
# Sizes and shops
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    """One shop size: a label (100k) and its number of orders."""

    label: str
    orders: int

    @property
    def customers(self) -> int:
        return int(self.orders * CUSTOMERS_PER_ORDER)


def parse_size(text: str) -> Size:
    """'100k', '1m', '10M' or a plain number (underscores allowed) of orders."""
    label = text.strip().lower().replace("_", "")
    factor = 1
    if label.endswith("k"):
        factor, number = 1_000, label[:-1]
    elif label.endswith("m"):
        factor, number = 1_000_000, label[:-1]
    else:
        number = label
    try:
        orders = int(float(number) * factor)
    except ValueError as exc:
        raise ValueError(f"not a size: {text!r} (use e.g. 100k, 1m, 10m or 2000)") from exc
    if orders < 1000:
        raise ValueError(f"size {text!r} is below 1000 orders (the generator needs 100 customers)")
    return Size(label=label, orders=orders)


def parse_sizes(text: str) -> list[Size]:
    return [parse_size(part) for part in text.split(",") if part.strip()]


def ensure_shop(size: Size, cache_dir: Path, seed: int, progress: bool) -> tuple[Path, bool]:
    """The shop of this size in cache_dir/<label>/, generated unless already there.

    Returns (folder, reused). A cached shop is reused only when its manifest says it was
    made with the same orders, customers, seed and format; the generator writes into a
    side folder that replaces the cached one only when complete.
    """
    from kanta.generate import GenerateConfig, generate

    shop_dir = cache_dir / size.label
    manifest_path = shop_dir / "manifest.json"
    wanted = {"orders": size.orders, "customers": size.customers, "seed": seed, "format": "parquet"}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if all(manifest.get(key) == value for key, value in wanted.items()):
            return shop_dir, True
    partial = cache_dir / f"{size.label}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    generate(GenerateConfig(
        customers=size.customers, orders=size.orders, out_dir=partial, seed=seed, fmt="parquet",
        progress=progress,
    ))
    shutil.rmtree(shop_dir, ignore_errors=True)
    partial.rename(shop_dir)
    return shop_dir, False


def ensure_previous_day(shop_dir: Path) -> Path:
    """The same shop a day earlier, in <shop>-previous-day/ (cached): the orders of its last
    order day left out, with their lines; the other tables as they are. A build on it and
    then an incremental build on the whole shop is a daily load."""
    import duckdb

    previous = shop_dir.with_name(f"{shop_dir.name}-previous-day")
    stamp = previous / "source.json"
    source = (shop_dir / "manifest.json").read_text(encoding="utf-8")
    if stamp.exists() and stamp.read_text(encoding="utf-8") == source:
        return previous
    partial = shop_dir.with_name(f"{previous.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    orders = f"read_parquet({_sql_string(str(shop_dir / 'orders.parquet'))})"
    con = duckdb.connect()
    try:
        con.execute(f"create temp table last_day as select max(ordered_at)::date as day from {orders}")
        con.execute(f"copy (select * from {orders} where ordered_at is null or ordered_at::date < "
                    f"(select day from last_day)) to {_sql_string(str(partial / 'orders.parquet'))} (format parquet)")
        con.execute(
            f"copy (select * from read_parquet({_sql_string(str(shop_dir / 'order_lines.parquet'))}) "
            f"where order_id is null or order_id not in (select order_id from {orders} "
            f"where ordered_at::date >= (select day from last_day) and order_id is not null)) "
            f"to {_sql_string(str(partial / 'order_lines.parquet'))} (format parquet)")
    finally:
        con.close()
    for path in shop_dir.glob("*.parquet"):
        if not (partial / path.name).exists():
            shutil.copy2(path, partial / path.name)
    (partial / "source.json").write_text(source, encoding="utf-8")
    shutil.rmtree(previous, ignore_errors=True)
    partial.rename(previous)
    return previous


# --------------------------------------------------------------------------------------
# Measuring a child process
# --------------------------------------------------------------------------------------


@dataclass
class Measurement:
    """One child process: wall time, peak memory, exit code and disk spilled by DuckDB."""

    wall_s: float
    peak_rss_mb: float
    exit_code: int
    spilled_mb: float
    log: str
    # CPU time the command used, user and system, all its threads together (0 when unknown).
    cpu_s: float = 0.0
    # dbt only: the time dbt itself reports for running the nodes, without start-up and parsing.
    dbt_nodes_s: float | None = None
    # dbt only: the prediction models' fit and scoring (their nodes' time, run_results.json).
    predictions_s: float | None = None
    # dbt only: the incremental-by-buyer models' time (run_results.json).
    incremental_models_s: float | None = None
    # dbt only: the slowest nodes, [(unique_id, seconds)], slowest first.
    slowest_nodes: list[tuple[str, float]] = field(default_factory=list)
    # dbt only: how many nodes it ran at a time (its worker threads, run_results.json).
    dbt_threads: int | None = None


def _tree_bytes(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except OSError:  # a temp file removed while we look
                pass
    return total


class SpillWatcher:
    """Polls folders (DuckDB's temp directories) and keeps the largest total size seen."""

    def __init__(self, folders: Sequence[Path], interval_s: float = 0.2) -> None:
        self._folders = list(folders)
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.peak_bytes = 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self._interval_s)

    def _sample(self) -> None:
        size = sum(_tree_bytes(folder) for folder in self._folders if folder.exists())
        self.peak_bytes = max(self.peak_bytes, size)

    def __enter__(self) -> SpillWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def _max_rss_mb(ru_maxrss: int) -> float:
    # ru_maxrss is in kilobytes on Linux, in bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return float(ru_maxrss) * scale / 1e6


# The launcher between the benchmark and each measured command. Linux folds the memory
# high-water mark of the process that starts a command into the command's own maximum resident
# set size (Python starts children with vfork, whose child runs in the parent's memory until it
# executes the command). The benchmark grows to gigabytes (a shop generated in-process, marts
# compared), so a command it started itself would report at least that. This launcher is a
# fresh interpreter of a few megabytes: it forks, runs the command, waits for it with wait4 and
# writes the command's ru_maxrss and CPU time to the report file, then exits as the command did.
_LAUNCHER = """
import json, os, signal, sys
report, command = sys.argv[1], sys.argv[2:]
pid = os.fork()
if pid == 0:
    try:
        os.execvp(command[0], command)
    except OSError as error:
        print(f"kanta bench: cannot run {command[0]}: {error}", file=sys.stderr, flush=True)
    os._exit(127)
for name in ("SIGTERM", "SIGINT"):
    signal.signal(getattr(signal, name), lambda number, frame: os.kill(pid, number))
_pid, status, usage = os.wait4(pid, 0)
with open(report, "w", encoding="utf-8") as handle:
    json.dump({"ru_maxrss": usage.ru_maxrss, "cpu_s": usage.ru_utime + usage.ru_stime}, handle)
code = os.waitstatus_to_exitcode(status)
if code < 0:  # ended by a signal: end the same way (SIGKILL cannot be caught anyway)
    if -code != signal.SIGKILL:
        signal.signal(-code, signal.SIG_DFL)
    os.kill(os.getpid(), -code)
sys.exit(code)
"""


def run_measured(command: Sequence[str], *, env: dict[str, str], cwd: Path, log_path: Path,
                 spill_dirs: Sequence[Path] = (), on_line: Callable[[str], None] | None = None) -> Measurement:
    """Run a command to its end, output to log_path; time it and read its peak memory.

    The peak is the command's maximum resident set size as the kernel reports it on exit
    (wait4): the largest the process ever was, also when the peak lasted a millisecond. The
    command runs under a small launcher (_LAUNCHER) so that the benchmark's own size is not
    counted in it; the wall time includes the launcher's start, a few tens of milliseconds.
    on_line, when given, sees every output line as it comes (for a progress bar).
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    report = log_path.with_name(log_path.name + ".rusage.json")
    report.unlink(missing_ok=True)
    with log_path.open("wb") as log, SpillWatcher(spill_dirs) as watcher:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(report), *command], env=env, cwd=cwd,
            stdout=subprocess.PIPE if on_line else log, stderr=subprocess.STDOUT,
        )
        try:
            if on_line is not None and process.stdout is not None:
                with process.stdout:
                    for raw_line in process.stdout:
                        log.write(raw_line)
                        on_line(raw_line.decode("utf-8", errors="replace"))
            exit_code = process.wait()
        except BaseException:
            process.terminate()  # the launcher passes it on to the command
            process.wait()
            raise
        wall_s = time.perf_counter() - started
    try:
        usage = json.loads(report.read_text(encoding="utf-8"))
        peak_rss_mb, cpu_s = _max_rss_mb(int(usage["ru_maxrss"])), float(usage["cpu_s"])
    except (OSError, ValueError, KeyError) as error:
        if exit_code == 0:
            raise RuntimeError(f"kanta bench: no peak memory reported for {command[0]} ({report}): {error}") from error
        peak_rss_mb, cpu_s = 0.0, 0.0  # the launcher itself was killed (out of memory, say): the run failed anyway
    finally:
        report.unlink(missing_ok=True)
    return Measurement(
        wall_s=wall_s,
        peak_rss_mb=peak_rss_mb,
        cpu_s=cpu_s,
        exit_code=exit_code,
        spilled_mb=watcher.peak_bytes / 1e6,
        log=str(log_path),
    )


class DbtNodeBar:
    """A tqdm bar over the nodes of a dbt run, fed with dbt's output lines ("3 of 29 OK ...")."""

    DONE = re.compile(r"\b\d+ of (\d+) (?!START\b)[A-Z]")

    def __init__(self, desc: str, enabled: bool) -> None:
        self._desc = desc
        self._enabled = enabled
        self._bar: tqdm | None = None

    def __call__(self, line: str) -> None:
        match = self.DONE.search(line)
        if match is None or not self._enabled:
            return
        if self._bar is None:
            self._bar = tqdm(total=int(match.group(1)), desc=self._desc, unit="node", file=sys.stderr,
                             leave=False, dynamic_ncols=True)
        self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _log_tail(path: str, lines: int = 25) -> str:
    text = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:])


# --------------------------------------------------------------------------------------
# The three methods
# --------------------------------------------------------------------------------------


def _dbt_executable() -> str:
    beside_python = Path(sys.executable).with_name("dbt")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("dbt")
    if found is None:
        raise RuntimeError("dbt is not installed (run `make venv`)")
    return found


@dataclass(frozen=True)
class Workspace:
    """A temporary folder for one size: the DuckDB files, dbt's target and logs."""

    root: Path
    raw_dir: Path
    memory_limit: str | None

    @property
    def dbt_db(self) -> Path:
        return self.root / "kanta.duckdb"

    @property
    def reference_db(self) -> Path:
        return self.root / "reference.duckdb"

    @property
    def pandas_dir(self) -> Path:
        return self.root / "pandas"

    @property
    def temp_dir(self) -> Path:
        return self.root / "duckdb_tmp"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "DBT_PROFILES_DIR": str(PROJECT_DIR / "profiles"),
            "KANTA_TARGET": "duckdb",
            "KANTA_RAW_DIR": str(self.raw_dir),
            "KANTA_DB": str(self.dbt_db),
            # DuckDB's spill folder when profiles.yml reads it (its default is <KANTA_DB>.tmp).
            "KANTA_TEMP_DIR": str(self.temp_dir),
            # No usage pings from inside a timed run.
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_DIR), env.get("PYTHONPATH")])),
        })
        if self.memory_limit:
            env["KANTA_MEMORY_LIMIT"] = self.memory_limit
        return env

    def spill_dirs(self, db_path: Path) -> list[Path]:
        return [self.temp_dir, Path(f"{db_path}.tmp")]

    def remove_db(self, db_path: Path) -> None:
        for path in (db_path, Path(f"{db_path}.wal")):
            path.unlink(missing_ok=True)
        shutil.rmtree(f"{db_path}.tmp", ignore_errors=True)
        shutil.rmtree(self.temp_dir, ignore_errors=True)


# "Finished running 2 seeds, 16 table models, ... in 0 hours 0 minutes and 6.12 seconds (6.12s)."
DBT_FINISHED = re.compile(r"Finished running .* \(([0-9.]+)s\)")


def _dbt_command(workspace: Workspace, subcommand: str, extra_args: Sequence[str]) -> list[str]:
    """A dbt command on the project with the workspace's target and log folders."""
    return [
        _dbt_executable(), subcommand,
        "--project-dir", str(PROJECT_DIR),
        "--target-path", str(workspace.root / "target"),
        "--log-path", str(workspace.root / "logs"),
        *extra_args,
    ]


def parse_project(workspace: Workspace) -> Measurement:
    """`dbt parse` of the whole project into the workspace's target path, timed.

    dbt saves the parsed project there, and every later dbt run of the workspace (same target
    path, same profile values) starts from it and parses again only what changed (dbt's partial
    parsing), as every run after the first does in a user's project. So every timed dbt run
    starts alike; this first parse, which a fresh clone pays once, is reported on its own.
    """
    return run_measured(
        _dbt_command(workspace, "parse", []), env=workspace.env(), cwd=workspace.root,
        log_path=workspace.root / "logs" / "parse.out",
    )


def run_dbt(workspace: Workspace, name: str, extra_args: Sequence[str], progress: bool = False,
            fresh: bool = True) -> Measurement:
    """`dbt build` (plus extra_args) into a fresh workspace.dbt_db (or, not fresh, into the
    one there, as a daily build does), in a child process.

    Every dbt run of a workspace uses the same target path and profile values, so each starts
    from the project parsed before it (parse_project, or the run before) with dbt's partial
    parsing, as repeated runs do for a user.
    """
    if fresh:
        workspace.remove_db(workspace.dbt_db)
    command = _dbt_command(workspace, "build", extra_args)
    bar = DbtNodeBar(name.replace("_", " "), enabled=progress)
    try:
        measurement = run_measured(
            command, env=workspace.env(), cwd=workspace.root, log_path=workspace.root / "logs" / f"{name}.out",
            spill_dirs=workspace.spill_dirs(workspace.dbt_db), on_line=bar,
        )
    finally:
        bar.close()
    finished = DBT_FINISHED.search(Path(measurement.log).read_text(encoding="utf-8", errors="replace"))
    measurement.dbt_nodes_s = float(finished.group(1)) if finished else None
    results = read_run_results(workspace.root / "target" / "run_results.json")
    node_times = node_seconds(results)
    measurement.dbt_threads = thread_count(results)
    if set(PREDICTION_NODES) <= set(node_times):
        measurement.predictions_s = sum(node_times[node] for node in PREDICTION_NODES)
    if set(INCREMENTAL_NODES) <= set(node_times):
        measurement.incremental_models_s = sum(node_times[node] for node in INCREMENTAL_NODES)
    measurement.slowest_nodes = sorted(node_times.items(), key=lambda item: -item[1])[:SLOWEST_NODES]
    return measurement


def read_run_results(run_results: Path) -> list[dict[str, Any]]:
    """The node results of a dbt run_results.json ([] if absent or unreadable)."""
    try:
        return list(json.loads(run_results.read_text(encoding="utf-8"))["results"])
    except (OSError, ValueError, KeyError):
        return []


def node_seconds(results: Sequence[dict[str, Any]]) -> dict[str, float]:
    """{unique_id: execution seconds} of the given dbt node results."""
    return {result["unique_id"]: float(result["execution_time"]) for result in results}


def thread_count(results: Sequence[dict[str, Any]]) -> int | None:
    """How many worker threads ran the given dbt node results (None for none)."""
    return len({result["thread_id"] for result in results}) or None


def run_worker(workspace: Workspace, method: str, name: str) -> Measurement:
    """The reference or pandas method in a child process (python -m kanta.bench _worker ...)."""
    if method == "reference":
        workspace.remove_db(workspace.reference_db)
        output, spill = workspace.reference_db, workspace.spill_dirs(workspace.reference_db)
    else:
        shutil.rmtree(workspace.pandas_dir, ignore_errors=True)
        output, spill = workspace.pandas_dir, []
    command = [sys.executable, "-m", "kanta.bench", "_worker", method, str(workspace.raw_dir), str(output)]
    return run_measured(
        command, env=workspace.env(), cwd=workspace.root,
        log_path=workspace.root / "logs" / f"{name}.out", spill_dirs=spill,
    )


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def reference_marts(raw_dir: Path, db_path: Path, memory_limit: str | None = None) -> None:
    """Run bench/reference.sql on raw_dir; the marts become tables of db_path."""
    import duckdb

    con = duckdb.connect(str(db_path))
    try:
        if memory_limit:
            con.execute(f"set memory_limit = {_sql_string(memory_limit)}")
        # The block reuse that profiles/profiles.yml gives dbt, so that both run alike.
        block_memory = os.environ.get("KANTA_BLOCK_ALLOCATOR_MEMORY", "50%")
        con.execute(f"set block_allocator_memory = {_sql_string(block_memory)}")
        con.execute(f"set variable raw_dir = {_sql_string(str(raw_dir))}")
        con.execute(f"set variable seed_dir = {_sql_string(str(SEED_DIR))}")
        con.execute(REFERENCE_SQL.read_text(encoding="utf-8"))
    finally:
        con.close()


# --------------------------------------------------------------------------------------
# pandas
# --------------------------------------------------------------------------------------


def _clean(text: pd.Series) -> pd.Series:
    """Text trimmed of spaces, missing when empty (how staging reads every text column)."""
    trimmed = text.str.strip(" ")
    return trimmed.mask(trimmed == "")


def _cents(amount: pd.Series) -> pd.Series:
    """Money (float euros with two decimals) as whole cents, still float: sums stay exact."""
    return (amount * 100).round()


def _ratio_cents(cents: pd.Series, count: pd.Series) -> pd.Series:
    """Whole cents / count, rounded half away from zero exactly (as kanta_money_ratio)."""
    whole = cents.round().astype("int64")
    n = count.astype("int64")
    sign = (whole > 0).astype("int64") - (whole < 0).astype("int64")
    return sign * ((2 * whole.abs() + n) // (2 * n))






def _guest_id(email_key: str) -> str:
    return "guest_" + hashlib.sha256(email_key.encode("utf-8")).hexdigest()[:16]


def _first_per(frame: pd.DataFrame, key: str, by: list[str], ascending: list[bool]) -> pd.DataFrame:
    """The first row per key after sorting by `by` (the key goes first)."""
    return frame.sort_values([key, *by], ascending=[True, *ascending]).drop_duplicates(key)


def pandas_marts(raw_dir: Path, seed_dir: Path = SEED_DIR) -> dict[str, pd.DataFrame]:
    """customer_facts, customer_rfm and cohort_retention with pandas, from the Parquet files.

    Plain DataFrame work as RFM tutorials do it (read_parquet, boolean masks, merge, groupby,
    rank), with the input rules of SPEC section 2 and the default vars. Money is handled in
    whole cents so that sums are exact; rounding follows DuckDB's so that results are equal.
    """
    import numpy as np
    import pandas as pd

    def read(table: str, columns: Sequence[str]) -> pd.DataFrame:
        return pd.read_parquet(raw_dir / f"{table}.parquet", columns=list(columns))

    # Erasure requests: these customers leave every mart.
    erasures = read("erasure_requests", ["customer_id", "requested_at"])
    erased = _clean(erasures["customer_id"])[erasures["requested_at"].notna()].dropna().unique()

    # Customers: valid rows, exact copies collapsed, ids with differing rows dropped.
    customers = read("customers", CUSTOMER_COLUMNS).drop_duplicates()
    customers["customer_id"] = _clean(customers["customer_id"])
    customers = customers[customers["customer_id"].notna()]
    customers = customers[~customers["customer_id"].duplicated(keep=False)]
    customers["email_key"] = _clean(customers["email"]).str.lower()

    # Orders: the same rules, then the buyer of each order and its revenue in cents.
    orders = read("orders", ORDER_COLUMNS)
    for column in ("order_total", "refunded_total", "shipping_total", "tax_total"):
        orders[column] = orders[column].astype("float64")
    orders = orders.drop_duplicates()
    orders["order_id"] = _clean(orders["order_id"])
    orders = orders[orders["order_id"].notna()]
    orders = orders[~orders["order_id"].duplicated(keep=False)]
    orders["refunded_total"] = orders["refunded_total"].fillna(0)
    orders = orders[
        orders["ordered_at"].notna()
        & (orders["order_total"] >= 0)
        & (orders["refunded_total"] >= 0)
        & (orders["shipping_total"].fillna(0) >= 0)
        & (orders["tax_total"].fillna(0) >= 0)
        & (orders["refunded_total"] <= orders["order_total"])
    ]
    orders = pd.DataFrame({
        "order_id": orders["order_id"],
        "customer_id": _clean(orders["customer_id"]),
        "email_key": _clean(orders["customer_email"]).str.lower(),
        "ordered_at": orders["ordered_at"],
        "status": _clean(orders["status"]).str.lower(),
        "revenue_cents": _cents(orders["order_total"]) - _cents(orders["refunded_total"]),
        "billing_city": _clean(orders["billing_city"]),
    })
    orders = orders[orders["customer_id"].notna() | orders["email_key"].notna()]

    # Guest checkouts: the registered customer with that email, else a guest identity.
    with_email = customers[customers["email_key"].notna() & (customers["email_key"] != "")]
    customer_by_email = with_email.groupby("email_key")["customer_id"].min()
    is_guest = orders["customer_id"].isna()
    orders.loc[is_guest, "customer_id"] = orders.loc[is_guest, "email_key"].map(customer_by_email)
    is_guest = orders["customer_id"].isna()
    orders.loc[is_guest, "customer_id"] = orders.loc[is_guest, "email_key"].map(_guest_id)
    orders = orders[~orders["customer_id"].isin(erased)].drop(columns="email_key")
    orders["order_date"] = orders["ordered_at"].dt.normalize()
    orders["is_counted"] = orders["status"].isin(COUNTED_STATUSES)

    # as_of_date: the day after the latest counted order; counted orders before it.
    as_of = orders.loc[orders["is_counted"], "order_date"].max() + pd.Timedelta(days=1)
    year_ago = as_of - pd.Timedelta(days=365)
    counted = orders[orders["is_counted"] & (orders["order_date"] < as_of)]
    counted = counted.sort_values(["customer_id", "ordered_at", "order_id"])
    by_buyer = counted.groupby("customer_id", sort=True)
    counted["order_number"] = by_buyer.cumcount() + 1
    counted["days_since_previous"] = (counted["order_date"] - by_buyer["order_date"].shift()).dt.days

    # customer_facts
    facts = counted.groupby("customer_id").agg(
        first_order_date=("order_date", "min"),
        last_order_date=("order_date", "max"),
        order_count=("order_id", "size"),
        total_cents=("revenue_cents", "sum"),
        median_days_between_orders=("days_since_previous", "median"),
    )
    recent = counted[counted["order_date"] >= year_ago].groupby("customer_id")
    facts["orders_last_365d"] = recent.size().reindex(facts.index, fill_value=0)
    facts["revenue_last_365d_cents"] = recent["revenue_cents"].sum().reindex(facts.index, fill_value=0)
    seconds = counted[counted["order_number"] == 2].set_index("customer_id")["days_since_previous"]
    facts["first_to_second_order_days"] = seconds.reindex(facts.index)

    hours = counted.groupby(["customer_id", counted["ordered_at"].dt.hour.rename("hour")]).size()
    hours = _first_per(hours.rename("orders").reset_index(), "customer_id", ["orders", "hour"], [False, True])
    facts["preferred_order_hour"] = hours.set_index("customer_id")["hour"].reindex(facts.index)

    # Categories and brands from order lines of counted orders, by line revenue.
    products = read("products", PRODUCT_COLUMNS).drop_duplicates()
    products["product_id"] = _clean(products["product_id"])
    products = products[products["product_id"].notna()]
    products = products[~products["product_id"].duplicated(keep=False)]
    products = pd.DataFrame({
        "product_id": products["product_id"],
        "category": _clean(products["category"]).str.lower(),
        "brand": _clean(products["brand"]),
    })
    lines = read("order_lines", ORDER_LINE_COLUMNS)
    lines["line_total"] = lines["line_total"].astype("float64")
    lines = lines.drop_duplicates()
    lines = lines[(lines["quantity"] >= 0) & (lines["line_total"].fillna(0) >= 0)]
    lines = pd.DataFrame({
        "order_id": _clean(lines["order_id"]),
        "product_id": _clean(lines["product_id"]),
        "line_cents": _cents(lines["line_total"].fillna(0)),
    }).dropna(subset=["order_id", "product_id"])
    lines = lines.merge(counted[["order_id", "customer_id", "order_date"]], on="order_id", how="inner")
    lines = lines.merge(products, on="product_id", how="left")
    facts["distinct_categories"] = lines.groupby("customer_id")["category"].nunique().reindex(
        facts.index, fill_value=0)
    facts["distinct_categories_365d"] = (
        lines[lines["order_date"] >= year_ago].groupby("customer_id")["category"].nunique()
        .reindex(facts.index, fill_value=0)
    )
    for attribute in ("category", "brand"):
        spend = lines.groupby(["customer_id", attribute])["line_cents"].sum().reset_index()
        favourite = _first_per(spend, "customer_id", ["line_cents", attribute], [False, True])
        facts[f"favourite_{attribute}"] = (
            favourite.set_index("customer_id")[attribute].reindex(facts.index).fillna("unknown")
        )

    # Who they are: the customer record, the latest billing city, the latest consent.
    latest_orders = _first_per(
        orders[orders["customer_id"].isin(facts.index)], "customer_id", ["ordered_at", "order_id"], [False, False])
    billing_city = latest_orders.set_index("customer_id")["billing_city"].reindex(facts.index)
    consents = read("consent_events", ["customer_id", "consent", "changed_at"])
    consents["customer_id"] = _clean(consents["customer_id"])
    consents = consents[
        consents["customer_id"].notna()
        & consents["consent"].notna()
        & consents["changed_at"].notna()
        & ~consents["customer_id"].isin(erased)
    ]
    latest_consent = _first_per(consents, "customer_id", ["changed_at", "consent"], [False, True])
    consent = latest_consent.set_index("customer_id")["consent"].astype("boolean").reindex(facts.index)
    registered = customers[~customers["customer_id"].isin(erased)].set_index("customer_id").reindex(facts.index)
    is_business = registered["is_business"].astype("boolean").fillna(False)
    has_company = _clean(registered["company_name"]).notna()
    age = as_of.year - registered["birth_year"].astype("float64")
    age_band = np.select(
        [age.isna(), age < 25, age < 35, age < 45, age < 55, age < 65],
        ["unknown", "under_25", "25_34", "35_44", "45_54", "55_64"],
        default="65_plus",
    )

    total_euros = facts["total_cents"] / 100
    avg_order_cents = _ratio_cents(facts["total_cents"], facts["order_count"])
    customer_facts = pd.DataFrame({
        "customer_id": facts.index,
        "first_order_date": facts["first_order_date"],
        "last_order_date": facts["last_order_date"],
        "order_count": facts["order_count"],
        "total_revenue": total_euros,
        "avg_order_value": avg_order_cents / 100,
        "recency_days": (as_of - facts["last_order_date"]).dt.days,
        "tenure_days": (as_of - facts["first_order_date"]).dt.days,
        "avg_days_between_orders": (
            (facts["last_order_date"] - facts["first_order_date"]).dt.days / (facts["order_count"] - 1)
        ).where(facts["order_count"] >= 2),
        "orders_last_365d": facts["orders_last_365d"],
        "revenue_last_365d": facts["revenue_last_365d_cents"] / 100,
        "distinct_categories": facts["distinct_categories"],
        "favourite_category": facts["favourite_category"],
        "favourite_brand": facts["favourite_brand"],
        "preferred_order_hour": facts["preferred_order_hour"],
        "customer_type": np.where(is_business | has_company, "b2b", "b2c"),
        "age_band": age_band,
        "gender": _clean(registered["gender"]).str.lower().fillna("unknown"),
        "city": _clean(registered["city"]).fillna(billing_city).fillna("unknown"),
        "is_marketable": consent.fillna(registered["marketing_consent"].astype("boolean")).fillna(False),
        "distinct_categories_365d": facts["distinct_categories_365d"],
        "median_days_between_orders": facts["median_days_between_orders"],
        "first_to_second_order_days": facts["first_to_second_order_days"],
    }).reset_index(drop=True)

    # customer_rfm: tie-consistent quintiles, 1 + floor(5 * (rank - 1) / n), rank "min".
    buyers = len(facts)

    def quintile(metric: pd.Series, worst_first_descending: bool) -> pd.Series:
        rank = metric.rank(method="min", ascending=not worst_first_descending)
        return (1 + np.floor(5 * (rank - 1) / buyers)).astype("int64")

    rfm = pd.DataFrame({
        "customer_id": facts.index,
        "recency_days": customer_facts["recency_days"].to_numpy(),
        "frequency": facts["order_count"].to_numpy(),
        "monetary": total_euros.to_numpy(),
    })
    rfm["r_score"] = quintile(rfm["recency_days"], worst_first_descending=True)
    rfm["f_score"] = quintile(rfm["frequency"], worst_first_descending=False)
    rfm["m_score"] = quintile(facts["total_cents"].reset_index(drop=True), worst_first_descending=False)
    rfm["rfm_code"] = rfm["r_score"].astype(str) + rfm["f_score"].astype(str) + rfm["m_score"].astype(str)
    segment_map = pd.read_csv(seed_dir / "rfm_segment_map.csv")
    rfm = rfm.merge(segment_map.rename(columns={"segment": "rfm_segment"}), on=["r_score", "f_score"], how="left")
    rfm["rfm_segment"] = rfm["rfm_segment"].fillna("unknown")

    # cohort_retention: months as year * 12 + month - 1, every month up to as_of_date - 1 day.
    month = counted["order_date"].dt.year * 12 + counted["order_date"].dt.month - 1
    customer_months = counted.groupby(["customer_id", month.rename("month")])["revenue_cents"].sum().reset_index()
    customer_months["cohort"] = customer_months.groupby("customer_id")["month"].transform("min")
    customer_months["months_since_first"] = customer_months["month"] - customer_months["cohort"]
    activity = customer_months.groupby(["cohort", "months_since_first"]).agg(
        active_customers=("customer_id", "size"), revenue_cents=("revenue_cents", "sum"))
    cohort_size = activity.xs(0, level="months_since_first")["active_customers"]
    last_day = as_of - pd.Timedelta(days=1)
    last_month = last_day.year * 12 + last_day.month - 1
    spans = (last_month - cohort_size.index.to_numpy() + 1).clip(min=0)
    grid = pd.DataFrame({
        "cohort": np.repeat(cohort_size.index.to_numpy(), spans),
        "months_since_first": np.concatenate([np.arange(span) for span in spans]) if len(spans) else [],
    })
    grid["cohort_size"] = grid["cohort"].map(cohort_size)
    grid = grid.merge(activity.reset_index(), on=["cohort", "months_since_first"], how="left")
    grid["active_customers"] = grid["active_customers"].fillna(0).astype("int64")
    grid["revenue_cents"] = grid["revenue_cents"].fillna(0)
    grid = grid.sort_values(["cohort", "months_since_first"])
    cohort_retention = pd.DataFrame({
        "cohort_month": pd.to_datetime(pd.DataFrame({
            "year": grid["cohort"] // 12, "month": grid["cohort"] % 12 + 1, "day": 1})),
        "months_since_first": grid["months_since_first"],
        "cohort_size": grid["cohort_size"],
        "active_customers": grid["active_customers"],
        "retention_rate": grid["active_customers"] / grid["cohort_size"],
        "revenue": grid["revenue_cents"] / 100,
        "cumulative_revenue_per_customer": _ratio_cents(
            grid.groupby("cohort")["revenue_cents"].cumsum(), grid["cohort_size"]
        ) / 100,
    })
    return {"customer_facts": customer_facts, "customer_rfm": rfm, "cohort_retention": cohort_retention}


def write_pandas_marts(raw_dir: Path, out_dir: Path) -> None:
    """pandas_marts, each mart written as out_dir/<mart>.parquet."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in pandas_marts(raw_dir).items():
        frame.to_parquet(out_dir / f"{name}.parquet", index=False)


# --------------------------------------------------------------------------------------
# Comparing the marts
# --------------------------------------------------------------------------------------


@dataclass
class MartCheck:
    """One mart of one method against dbt's: row counts and rows found on one side only."""

    mart: str
    method: str
    dbt_rows: int
    rows: int
    only_in_dbt: int
    only_in_method: int
    error: str | None = None
    sample: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return self.error is None and self.only_in_dbt == 0 and self.only_in_method == 0 and self.rows == self.dbt_rows


def compare_marts(dbt_db: Path, reference_db: Path, pandas_dir: Path) -> list[MartCheck]:
    """Compare the reference and pandas marts with dbt's, row for row (EXCEPT ALL both ways).

    Every column is cast to the type of dbt's contract (pandas keeps money as floats of
    whole cents / 100, which cast back exactly), so equal means equal values, not close.
    """
    import duckdb

    con = duckdb.connect()
    checks: list[MartCheck] = []
    try:
        con.execute(f"attach {_sql_string(str(dbt_db))} as dbt_db (read_only)")
        con.execute(f"attach {_sql_string(str(reference_db))} as reference_db (read_only)")
        for mart in MARTS:
            columns = con.execute(
                "select column_name, data_type from duckdb_columns() "
                "where database_name = 'dbt_db' and schema_name = 'marts' and table_name = ? "
                "order by column_index",
                [mart],
            ).fetchall()
            select_list = ", ".join(f'cast("{name}" as {data_type}) as "{name}"' for name, data_type in columns)
            dbt_rows = f"(select {select_list} from dbt_db.marts.{mart})"
            dbt_count = con.execute(f"select count(*) from {dbt_rows}").fetchall()[0][0]
            sources = {
                "reference": f"reference_db.main.{mart}",
                "pandas": f"read_parquet({_sql_string(str(pandas_dir / (mart + '.parquet')))})",
            }
            for method, source in sources.items():
                rows = f"(select {select_list} from {source})"
                check = MartCheck(mart=mart, method=method, dbt_rows=dbt_count, rows=0, only_in_dbt=0,
                                  only_in_method=0)
                try:
                    check.rows = con.execute(f"select count(*) from {rows}").fetchall()[0][0]
                    check.only_in_dbt = con.execute(
                        f"select count(*) from ({dbt_rows} except all {rows})").fetchall()[0][0]
                    check.only_in_method = con.execute(
                        f"select count(*) from ({rows} except all {dbt_rows})").fetchall()[0][0]
                    if not check.identical:
                        for side, query in (("dbt", f"{dbt_rows} except all {rows}"),
                                            (method, f"{rows} except all {dbt_rows}")):
                            for row in con.execute(f"select * from ({query}) order by all limit 3").fetchall():
                                check.sample.append(f"only in {side}: {row}")
                except duckdb.Error as exc:
                    check.error = str(exc).splitlines()[0]
                checks.append(check)
    finally:
        con.close()
    return checks


# --------------------------------------------------------------------------------------
# One size
# --------------------------------------------------------------------------------------


def _passed(run: Measurement | None) -> Measurement | None:
    """The run if it exited 0, else None."""
    return run if run is not None and run.exit_code == 0 else None


@dataclass
class SizeResult:
    """Everything measured for one shop size."""

    size: str
    orders: int
    customers: int
    shop_reused: bool
    # Every full build, in the order run (--repeat N runs N of them, each into a fresh file).
    full_builds: list[Measurement]
    runs: dict[str, list[Measurement]]
    checks: list[MartCheck]
    # A build on the shop without its last order day, then the timed daily build on the whole shop.
    previous_day_build: Measurement | None = None
    daily_build: Measurement | None = None
    # `dbt parse` of the whole project, before the timed dbt runs (which start from its result).
    parse: Measurement | None = None

    @property
    def full_build(self) -> Measurement | None:
        """The full build the table shows: the median of the passed runs by wall time (of an
        even number, the faster of the two middle ones, so that it is a real run with its own
        memory and node times); the first failed run when none passed; None when none ran."""
        passed = sorted((run for run in self.full_builds if _passed(run)), key=lambda run: run.wall_s)
        if passed:
            return passed[(len(passed) - 1) // 2]
        return self.full_builds[0] if self.full_builds else None

    def best_run(self, method: str) -> Measurement | None:
        """The method's fastest run that passed (None if none did)."""
        passed = [run for run in self.runs.get(method, []) if _passed(run)]
        return min(passed, key=lambda run: run.wall_s) if passed else None

    def best_s(self, method: str) -> float | None:
        best = self.best_run(method)
        return best.wall_s if best else None

    @property
    def failed(self) -> list[str]:
        failures = []
        builds = (("dbt parse", [self.parse]), ("full dbt build", self.full_builds),
                  ("previous-day build", [self.previous_day_build]), ("daily build", [self.daily_build]))
        for what, runs in builds:
            if any(run is not None and run.exit_code != 0 for run in runs):
                failures.append(what)
        for method, runs in self.runs.items():
            if any(run.exit_code != 0 for run in runs):
                failures.append(method)
        return failures

    @property
    def identical(self) -> bool | None:
        """True when every mart of both methods equals dbt's; None when nothing was compared."""
        if not self.checks:
            return None
        return all(check.identical for check in self.checks)

    def summary(self) -> dict[str, Any]:
        full = _passed(self.full_build)
        daily = _passed(self.daily_build)
        reference, dbt_select, pandas_s = (self.best_s(m) for m in METHODS)
        return {
            "size": self.size,
            "orders": self.orders,
            "customers": self.customers,
            "parse_s": self.parse.wall_s if _passed(self.parse) else None,
            "full_build_s": full.wall_s if full else None,
            "predictions_s": full.predictions_s if full else None,
            "daily_build_s": daily.wall_s if daily else None,
            "incremental_full_s": full.incremental_models_s if full else None,
            "incremental_daily_s": daily.incremental_models_s if daily else None,
            "peak_memory_mb": full.peak_rss_mb if full else None,
            "full_build_cpu_s": full.cpu_s if full else None,
            "rows_per_s": self.orders / full.wall_s if full else None,
            "reference_s": reference,
            "dbt_select_s": dbt_select,
            "pandas_s": pandas_s,
            "dbt_over_reference": dbt_select / reference if dbt_select and reference else None,
            "pandas_over_dbt": pandas_s / dbt_select if pandas_s and dbt_select else None,
            "identical": self.identical,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "shop_reused": self.shop_reused,
            "parse": asdict(self.parse) if self.parse else None,
            "full_build": asdict(self.full_build) if self.full_build else None,
            "full_build_runs": [asdict(run) for run in self.full_builds],
            "previous_day_build": asdict(self.previous_day_build) if self.previous_day_build else None,
            "daily_build": asdict(self.daily_build) if self.daily_build else None,
            "runs": {method: [asdict(run) for run in runs] for method, runs in self.runs.items()},
            "checks": [{**asdict(check), "identical": check.identical} for check in self.checks],
            "failed": self.failed,
        }


def bench_size(size: Size, *, cache_dir: Path, work_parent: Path | None, seed: int, repeat: int,
               memory_limit: str | None, full_build: bool, keep_work: bool, progress: StepProgress,
               show_progress: bool, daily_load: bool = True) -> SizeResult:
    """Generate (or reuse) one shop, run the full build, the three methods and the comparison."""
    with progress.step(f"{size.label}: shop"):
        raw_dir, reused = ensure_shop(size, cache_dir, seed, show_progress)
    root = Path(tempfile.mkdtemp(prefix=f"kanta-bench-{size.label}-", dir=work_parent))
    workspace = Workspace(root=root, raw_dir=raw_dir, memory_limit=memory_limit)
    result = SizeResult(size=size.label, orders=size.orders, customers=size.customers, shop_reused=reused,
                        full_builds=[], runs={method: [] for method in METHODS}, checks=[])
    try:
        with progress.step(f"{size.label}: dbt parse"):
            result.parse = parse_project(workspace)
        _report_failure("dbt parse", result.parse)
        for round_number in range(repeat if full_build else 0):
            with progress.step(f"{size.label}: full dbt build ({round_number + 1}/{repeat})"):
                run = run_dbt(workspace, f"full_build_{round_number + 1}", [], progress=show_progress)
            result.full_builds.append(run)
            _report_failure("full dbt build", run)
        if full_build and daily_load:
            with progress.step(f"{size.label}: daily load"):
                daily = Workspace(root=root / "daily", raw_dir=ensure_previous_day(raw_dir),
                                  memory_limit=memory_limit)
                daily.root.mkdir()
                result.previous_day_build = run_dbt(
                    daily, "previous_day", ["--exclude-resource-type", "test", "unit_test"],
                    progress=show_progress)
                _report_failure("previous-day build", result.previous_day_build)
                if result.previous_day_build.exit_code == 0:
                    today = Workspace(root=daily.root, raw_dir=raw_dir, memory_limit=memory_limit)
                    result.daily_build = run_dbt(today, "daily_load", [], progress=show_progress, fresh=False)
                    _report_failure("daily build", result.daily_build)
        select_args = ["--select", *DBT_SELECT, "--exclude-resource-type", "test", "unit_test"]
        for round_number in range(repeat):
            # Rotate the order from round to round so that no method always runs first.
            order = METHODS[round_number % 3:] + METHODS[:round_number % 3]
            for method in order:
                name = f"{method}_{round_number + 1}"
                with progress.step(f"{size.label}: {method} ({round_number + 1}/{repeat})"):
                    if method == "dbt-select":
                        measurement = run_dbt(workspace, name, select_args, progress=show_progress)
                    else:
                        measurement = run_worker(workspace, method, name)
                result.runs[method].append(measurement)
                _report_failure(method, measurement)
        with progress.step(f"{size.label}: compare"):
            if not result.failed or result.failed == ["full dbt build"]:
                result.checks = compare_marts(workspace.dbt_db, workspace.reference_db, workspace.pandas_dir)
        for check in result.checks:
            if not check.identical:
                detail = check.error or (f"{check.rows} rows vs dbt {check.dbt_rows}; "
                                         f"{check.only_in_dbt} only in dbt, {check.only_in_method} only in {check.method}")
                print(f"kanta bench: {size.label}: {check.mart} of {check.method} differs from dbt: {detail}",
                      file=sys.stderr)
                for line in check.sample:
                    print(f"    {line}", file=sys.stderr)
    finally:
        if keep_work:
            print(f"kanta bench: {size.label}: work folder kept: {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    return result


def _report_failure(what: str, measurement: Measurement) -> None:
    if measurement.exit_code != 0:
        print(f"kanta bench: {what} failed (exit {measurement.exit_code}); end of {measurement.log}:\n"
              f"{_log_tail(measurement.log)}", file=sys.stderr)


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------

TABLE_COLUMNS = (
    ("size", "size"),
    ("orders", "orders"),
    ("customers", "customers"),
    ("full build wall s", "full_build_s"),
    ("fit+score s", "predictions_s"),
    ("daily build s", "daily_build_s"),
    ("incremental models full / daily s", "incremental_models"),
    ("peak memory MB", "peak_memory_mb"),
    ("rows/s", "rows_per_s"),
    ("reference s", "reference_s"),
    ("dbt-select s", "dbt_select_s"),
    ("pandas s", "pandas_s"),
    ("dbt/reference", "dbt_over_reference"),
    ("pandas/dbt", "pandas_over_dbt"),
    ("identical", "identical"),
)


def _cell(key: str, value: Any) -> str:
    if key == "incremental_models":
        full, daily = value
        return f"{full:.1f} / {daily:.1f}" if full is not None and daily is not None else "-"
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key in ("orders", "customers", "rows_per_s", "peak_memory_mb"):
        return f"{value:,.0f}"
    if key == "dbt_over_reference":
        # Two decimals: the target is 1.5x, and 1.46x and 1.54x would both print as 1.5x.
        return f"{value:.2f}x"
    if key == "pandas_over_dbt":
        return f"{value:.1f}x" if value >= 1 else f"{value:.2f}x"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def format_table(results: Sequence[SizeResult]) -> list[list[str]]:
    rows = [[header for header, _key in TABLE_COLUMNS]]
    for result in results:
        summary = result.summary()
        summary["incremental_models"] = (summary["incremental_full_s"], summary["incremental_daily_s"])
        rows.append([_cell(key, summary[key]) for _header, key in TABLE_COLUMNS])
    return rows


def format_text_table(results: Sequence[SizeResult]) -> str:
    rows = format_table(results)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.rjust(width) for cell, width in zip(row, widths)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def environment_info(memory_limit: str | None, repeat: int, seed: int) -> dict[str, Any]:
    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    memory_gb = None
    try:
        memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (ValueError, OSError, AttributeError):
        pass
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": platform.machine(),
        "system": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gb": round(memory_gb, 1) if memory_gb else None,
        "python": platform.python_version(),
        "dbt_core": version("dbt-core"),
        "dbt_duckdb": version("dbt-duckdb"),
        "duckdb": version("duckdb"),
        "pandas": version("pandas"),
        "memory_limit": memory_limit or os.environ.get("KANTA_MEMORY_LIMIT") or "75% (profile default)",
        "repeat": repeat,
        "seed": seed,
    }


def _cpu_note(result: SizeResult) -> str:
    """CPU time (user + system) of the full and daily builds and of each method's fastest run,
    with how many cores it kept busy on average: "CPU time full build 190.2 s (1.8 cores), ..."."""
    runs = [("full build", _passed(result.full_build)), ("daily build", _passed(result.daily_build))]
    runs += [(method, result.best_run(method)) for method in result.runs]
    parts = [
        f"{name} {run.cpu_s:.1f} s ({run.cpu_s / run.wall_s:.1f} cores)"
        for name, run in runs if run is not None and run.cpu_s > 0 and run.wall_s > 0
    ]
    return f"CPU time {', '.join(parts)}" if parts else ""


def _repeat_note(repeat: int) -> str:
    if repeat == 1:
        return "One run of each build and method"
    return (f"{repeat} runs of the full build (the table shows the median) and of each method (the "
            f"table shows the best)")


def _full_builds_note(result: SizeResult) -> str:
    """The wall times of all the full builds, when there were several: "full builds 91.2, 88.4,
    89.9 s (in the order run; the table: the median)"."""
    if len(result.full_builds) < 2:
        return ""
    times = ", ".join(f"{run.wall_s:.1f}" if _passed(run) else "failed" for run in result.full_builds)
    return f"full builds {times} s (in the order run; the table: the median)"


def write_results(results: Sequence[SizeResult], info: dict[str, Any], out_dir: Path) -> None:
    """bench/results.md (a markdown table and what it measures) and bench/results.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = format_table(results)
    table = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join("---" for _ in rows[0]) + "|"]
    table += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    spilled = [
        f"{result.size} {result.full_build.spilled_mb:,.0f} MB"
        for result in results if result.full_build and result.full_build.spilled_mb > 0
    ]
    lines = [
        "# kanta benchmark",
        "",
        f"`python -m kanta bench` on {info['date']}: {info['cpus']} CPUs, {info['memory_gb']} GB memory, "
        f"{info['system']}; Python {info['python']}, dbt-core {info['dbt_core']}, dbt-duckdb "
        f"{info['dbt_duckdb']}, DuckDB {info['duckdb']}, pandas {info['pandas']}. DuckDB memory limit: "
        f"{info['memory_limit']}. {_repeat_note(info['repeat'])}; seed {info['seed']}.",
        "",
        *table,
        "",
        "- **full build**: `dbt build` (every model, seed, unit and data test) on the Parquet shop, into a "
        "fresh DuckDB file; wall time of the dbt process, start-up and parsing included. Every timed "
        "dbt run starts from the project as `dbt parse` saved it just before (dbt's partial parsing, "
        "as in every run after a project's first); that first parse is timed on its own (below the table). "
        "**peak memory**: its maximum resident set size. **CPU time** (below the table): user and "
        "system seconds of all its threads, and the cores that kept busy on average (CPU / wall). "
        "**rows/s**: orders / full build wall time. "
        "**fit+score**: the part of the full build spent fitting and scoring customer_predictions "
        "(the nodes int_prediction_parameters and int_customer_predictions_scored). **daily build**: "
        "the same `dbt build` on the whole shop into a DuckDB file built the day before (the shop "
        "without its last order day): incremental models rebuild only the buyers whose orders changed, "
        "everything else is rebuilt. **incremental models full / daily**: the time of the three "
        "incremental-by-buyer models in the full build and in the daily build.",
        "- **reference**: `bench/reference.sql` run by DuckDB directly, the lower bound. **dbt-select**: "
        "`dbt build --select +customer_facts +customer_rfm +cohort_retention --exclude-resource-type test "
        "unit_test` (the staging and intermediate models and the seeds these marts need, no tests) into a "
        "fresh DuckDB file. **pandas**: DataFrames from the Parquet files, grouped. Each runs in its own "
        "process, timed from start to exit; all three read the raw files and apply the same input rules.",
        "- **identical**: the reference and pandas marts equal dbt's row for row, every column.",
    ]
    if spilled:
        lines.append(f"- DuckDB spilled to disk during the full build: {', '.join(spilled)} at most.")
    for result in results:
        peaks = ", ".join(
            f"{method} {max(run.peak_rss_mb for run in runs):,.0f} MB"
            for method, runs in result.runs.items() if runs
        )
        own = [run.dbt_nodes_s for run in result.runs.get("dbt-select", []) if run.dbt_nodes_s is not None]
        full_own = result.full_build.dbt_nodes_s if result.full_build else None
        details = []
        full_builds = _full_builds_note(result)
        if full_builds:
            details.append(full_builds)
        if peaks:
            details.append(f"peak memory {peaks}")
        if _passed(result.parse):
            details.append(f"first `dbt parse` of the project {result.parse.wall_s:.1f} s")
        if own:
            details.append(f"dbt-select's own timer (nodes only, no start-up or parsing) {min(own):.1f} s")
        if full_own is not None:
            details.append(f"full build's own timer {full_own:.1f} s")
        cpu = _cpu_note(result)
        if cpu:
            details.append(cpu)
        if result.full_build and result.full_build.slowest_nodes:
            slowest = ", ".join(f"{node.split('.')[-1]} {seconds:.1f}"
                                for node, seconds in result.full_build.slowest_nodes)
            at_a_time = result.full_build.dbt_threads or "several"
            details.append(f"slowest nodes of the full build (s, run {at_a_time} at a time on "
                           f"{os.cpu_count()} cores): {slowest}")
        if details:
            lines.append(f"- {result.size}: {'; '.join(details)}.")
    (out_dir / "results.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    payload = {"environment": info, "results": [result.to_json() for result in results]}
    (out_dir / "results.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _sizes(text: str) -> list[Size]:
    try:
        sizes = parse_sizes(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    if not sizes:
        raise argparse.ArgumentTypeError("no size given")
    return sizes


DESCRIPTION = (
    "Generate shops of 100k, 1M and 10M orders (cached in .cache/bench), time the full dbt build "
    "and its peak memory, and time customer_facts, customer_rfm and cohort_retention three ways: "
    "bench/reference.sql in DuckDB, dbt, and pandas. Checks that all three give identical marts "
    "(exit 1 if not) and writes bench/results.md and bench/results.json."
)


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", type=_sizes, default=parse_sizes(DEFAULT_SIZES), metavar="LIST",
                        help=f"shop sizes in orders, comma separated (default: {DEFAULT_SIZES}); "
                             "customers = orders / 10")
    parser.add_argument("--repeat", type=_positive_int, default=1, metavar="N",
                        help="full builds per size (the median counts) and runs of each of the three "
                             "methods, interleaved (the best counts) (default: %(default)s)")
    parser.add_argument("--memory-limit", metavar="LIMIT",
                        help="DuckDB memory_limit for dbt (as KANTA_MEMORY_LIMIT) and the reference, "
                             "e.g. 1GB; beyond it DuckDB spills to disk (default: the profile's, 75%%)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed (default: %(default)s)")
    parser.add_argument("--skip-full-build", dest="full_build", action="store_false",
                        help="only compare the three methods, without the full dbt build")
    parser.add_argument("--skip-daily-load", dest="daily_load", action="store_false",
                        help="without the daily-load build (a build on the shop a day earlier, then "
                             "an incremental build on the whole shop)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR, metavar="DIR",
                        help="where generated shops are kept (default: .cache/bench)")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR, metavar="DIR",
                        help="where results.md and results.json go (default: bench/)")
    parser.add_argument("--work-dir", type=Path, default=None, metavar="DIR",
                        help="parent of the temporary DuckDB files (default: the system temp folder)")
    parser.add_argument("--keep-work", action="store_true",
                        help="keep the temporary folders (DuckDB files, dbt logs) for inspection")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True,
                        help="show progress bars on stderr (default: on)")
    parser.set_defaults(func=cmd_bench)


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `bench` on the `python -m kanta` command line."""
    parser = subparsers.add_parser(
        "bench",
        help="time dbt build at 100k/1M/10M orders against plain DuckDB SQL and pandas",
        description=DESCRIPTION,
    )
    configure_parser(parser)


def cmd_bench(args: argparse.Namespace) -> int:
    sizes: list[Size] = args.sizes
    steps = []
    for size in sizes:
        steps += [f"{size.label}: shop", f"{size.label}: dbt parse"]
        if args.full_build:
            steps += [f"{size.label}: full dbt build"] * args.repeat
            if args.daily_load:
                steps.append(f"{size.label}: daily load")
        steps += [f"{size.label}: {method}" for _ in range(args.repeat) for method in METHODS]
        steps.append(f"{size.label}: compare")
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    if args.work_dir is not None:
        args.work_dir.mkdir(parents=True, exist_ok=True)
    info = environment_info(args.memory_limit, args.repeat, args.seed)
    results: list[SizeResult] = []
    with StepProgress(steps, desc="bench", enabled=args.progress) as progress:
        for size in sizes:
            results.append(bench_size(
                size, cache_dir=args.cache_dir.resolve(), work_parent=args.work_dir, seed=args.seed,
                repeat=args.repeat, memory_limit=args.memory_limit, full_build=args.full_build,
                keep_work=args.keep_work, progress=progress, show_progress=args.progress,
                daily_load=args.daily_load,
            ))
            write_results(results, info, args.out_dir)  # after every size: a long run keeps its results
    print(format_text_table(results))
    print(f"written: {args.out_dir / 'results.md'}, {args.out_dir / 'results.json'}", file=sys.stderr)
    failed = [f"{result.size}: {', '.join(result.failed)}" for result in results if result.failed]
    differing = [result.size for result in results if result.identical is False]
    unchecked = [result.size for result in results if result.identical is None]
    if failed:
        print(f"kanta bench: runs failed: {'; '.join(failed)}", file=sys.stderr)
    if differing:
        print(f"kanta bench: the three methods disagree at: {', '.join(differing)}", file=sys.stderr)
    if unchecked:
        print(f"kanta bench: marts not compared (a run failed) at: {', '.join(unchecked)}", file=sys.stderr)
    return 1 if failed or differing or unchecked else 0


def main(argv: Sequence[str] | None = None) -> int:
    """`bench` on its own: python -m kanta.bench [options]."""
    parser = argparse.ArgumentParser(prog="python -m kanta bench", description=DESCRIPTION)
    configure_parser(parser)
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


def worker(argv: Sequence[str]) -> int:
    """A child process of the benchmark: `_worker reference|pandas RAW_DIR OUTPUT`."""
    method, raw_dir, output = argv
    if method == "reference":
        reference_marts(Path(raw_dir), Path(output), os.environ.get("KANTA_MEMORY_LIMIT"))
    elif method == "pandas":
        write_pandas_marts(Path(raw_dir), Path(output))
    else:
        raise SystemExit(f"unknown method: {method}")
    return 0


if __name__ == "__main__":
    arguments = sys.argv[1:]
    sys.exit(worker(arguments[1:]) if arguments[:1] == ["_worker"] else main(arguments))
