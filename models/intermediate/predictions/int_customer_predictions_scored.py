"""Score every buyer with the parameters of int_prediction_parameters: P(alive), expected
orders (order days) in the next 90 and 365 days, expected average order value and the
undiscounted 365-day value (SPEC section 3, customer_predictions). The maths lives in
kanta/clv.py; this model only moves data. Null where a model could not be fitted.
"""

import os
import sys

import numpy as np
import pyarrow as pa


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


def _nullable(values):
    """A float column with NaN (not fitted) as null."""
    return pa.array(values, type=pa.float64(), mask=np.isnan(values))


def model(dbt, session):
    dbt.config(materialized="table")
    clv = _import_clv()

    parameters = dbt.ref("int_prediction_parameters").to_arrow_table().to_pylist()
    bgnbd, gamma_gamma = clv.parameters_from_rows(parameters)

    inputs = dbt.ref("int_customer_clv_inputs").to_arrow_table()
    x = inputs.column("x").to_numpy(zero_copy_only=False)
    t_x = inputs.column("t_x").to_numpy(zero_copy_only=False)
    t = inputs.column("t").to_numpy(zero_copy_only=False)
    zbar = inputs.column("repeat_mean_revenue").to_numpy(zero_copy_only=False)

    scores = clv.score_columns(bgnbd, gamma_gamma, x, t_x, t, zbar)
    columns = {"customer_id": inputs.column("customer_id")}
    columns.update({name: _nullable(scores[name]) for name in clv.SCORE_COLUMNS})
    return pa.table(columns)
