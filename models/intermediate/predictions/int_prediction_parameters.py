"""Fit BG/NBD and Gamma-Gamma on every buyer's history (int_customer_clv_inputs): one row per
parameter, with each model's log-likelihood, buyers fitted and fit status (SPEC section 3,
customer_predictions). The maths lives in kanta/clv.py; this model only moves data.

dbt-duckdb runs this in the dbt process. A shop too small to fit (fewer buyers or repeat buyers
than the vars clv_min_buyers / clv_min_repeat_buyers), or data the models cannot fit, gives
null values and a fit_status other than 'ok', with a warning, never a failed build.
"""

import os
import sys

import pyarrow as pa

ROW_SCHEMA = pa.schema([
    ("model", pa.string()),
    ("parameter", pa.string()),
    ("value", pa.float64()),
    ("log_likelihood", pa.float64()),
    ("buyers_fitted", pa.int64()),
    ("fit_status", pa.string()),
    ("fit_message", pa.string()),
])


def _import_clv():
    """kanta.clv: the installed package, else the kanta folder beside dbt_project.yml (the
    project folder of this dbt invocation, which runs this model in its own process)."""
    try:
        from kanta import clv
    except ImportError:
        from dbt.flags import get_flags

        sys.path.append(os.path.abspath(getattr(get_flags(), "PROJECT_DIR", None) or os.getcwd()))
        from kanta import clv
    return clv


def _warn(message):
    """A warning in dbt's own log (console and logs/dbt.log), else on stderr."""
    try:
        from dbt_common.events.base_types import EventLevel
        from dbt_common.events.functions import fire_event
        from dbt_common.events.types import Note

        fire_event(Note(msg=message), level=EventLevel.WARN)
    except Exception:  # noqa: BLE001 - logging must never fail the model
        print(message, file=sys.stderr)


def model(dbt, session):
    dbt.config(materialized="table")
    clv = _import_clv()
    min_buyers = int(dbt.config.get("clv_min_buyers"))
    min_repeat_buyers = int(dbt.config.get("clv_min_repeat_buyers"))

    inputs = dbt.ref("int_customer_clv_inputs").to_arrow_table()
    x = inputs.column("x").to_numpy(zero_copy_only=False)
    t_x = inputs.column("t_x").to_numpy(zero_copy_only=False)
    t = inputs.column("t").to_numpy(zero_copy_only=False)
    zbar = inputs.column("repeat_mean_revenue").to_numpy(zero_copy_only=False)

    bgnbd, gamma_gamma = clv.fit_models(x, t_x, t, zbar, min_buyers=min_buyers,
                                        min_repeat_buyers=min_repeat_buyers)
    for line in clv.fit_warnings(bgnbd, gamma_gamma):
        _warn(line)

    rows = clv.parameter_rows(bgnbd, gamma_gamma)
    return pa.Table.from_pylist(rows, schema=ROW_SCHEMA)
