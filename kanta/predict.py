"""`python -m kanta predict`: fit and score the prediction models outside dbt.

On DuckDB `dbt build` fits inside the build (dbt Python models). On Spark, where dbt-spark runs
Python models only on Databricks, the build leaves predictions null (fit_status not_run) and
this step fills them: it reads the small per-buyer summary intermediate.int_customer_clv_inputs,
fits and scores with kanta.clv, and writes intermediate.kanta_clv_parameters and
intermediate.kanta_clv_scores, which the models int_prediction_parameters_loaded and
int_customer_predictions_loaded read on the next `dbt build --select ...loaded+`.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import pyarrow as pa

from kanta import clv

INPUTS = "intermediate.int_customer_clv_inputs"
PARAMETERS = "intermediate.kanta_clv_parameters"
SCORES = "intermediate.kanta_clv_scores"


def fit_and_score(
    inputs: pa.Table, *, min_buyers: int = 100, min_repeat_buyers: int = 20
) -> tuple[pa.Table, pa.Table]:
    """The parameter rows and the per-buyer scores for a table of int_customer_clv_inputs."""
    x, t_x, big_t, zbar = (
        np.asarray(inputs.column(name).to_numpy(zero_copy_only=False), dtype=float)
        for name in ("x", "t_x", "t", "repeat_mean_revenue")
    )
    bgnbd, spend = clv.fit_models(
        x, t_x, big_t, zbar, min_buyers=min_buyers, min_repeat_buyers=min_repeat_buyers
    )
    parameters = pa.Table.from_pylist(clv.parameter_rows(bgnbd, spend))
    scores = clv.score_columns(bgnbd.parameters, spend.parameters, x, t_x, big_t, zbar)
    scored = pa.table({
        "customer_id": inputs.column("customer_id"),
        **{name: pa.array(values, mask=np.isnan(values)) for name, values in scores.items()},
    })
    return parameters, scored


def predict_duckdb(db_path: Path, **limits: int) -> tuple[int, int]:
    """Run the step on a built DuckDB file; returns (parameter rows, scored buyers)."""
    import duckdb

    con = duckdb.connect(str(db_path))
    try:
        inputs = con.sql(f"select * from {INPUTS}").to_arrow_table()
        parameters, scored = fit_and_score(inputs, **limits)
        con.register("fitted_rows", parameters)
        con.register("scored_rows", scored)
        con.execute(f"create or replace table {PARAMETERS} as select * from fitted_rows")
        con.execute(f"create or replace table {SCORES} as select * from scored_rows")
    finally:
        con.close()
    return parameters.num_rows, scored.num_rows


def predict_spark(**limits: int) -> tuple[int, int]:
    """Run the step in a local Spark session configured like the profile's spark target."""
    from pyspark.sql import SparkSession

    spark_dir = os.environ.get("KANTA_SPARK_DIR", ".spark")
    spark = (
        SparkSession.builder.appName("kanta predict")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", f"{spark_dir}/warehouse")
        .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                f"jdbc:derby:;databaseName={spark_dir}/metastore_db;create=true")
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .enableHiveSupport()
        .getOrCreate()
    )
    try:
        inputs = pa.Table.from_pandas(spark.table(INPUTS).toPandas(), preserve_index=False)
        parameters, scored = fit_and_score(inputs, **limits)
        for name, table in ((PARAMETERS, parameters), (SCORES, scored)):
            frame = spark.createDataFrame(table.to_pandas())
            frame.write.mode("overwrite").format("parquet").saveAsTable(name)
    finally:
        spark.stop()
    return parameters.num_rows, scored.num_rows


def cmd_predict(args: argparse.Namespace) -> int:
    limits = {"min_buyers": args.min_buyers, "min_repeat_buyers": args.min_repeat_buyers}
    if args.target == "spark":
        rows, buyers = predict_spark(**limits)
    else:
        rows, buyers = predict_duckdb(args.db, **limits)
    print(f"kanta predict: {rows} parameter rows, {buyers} buyers scored into {SCORES}")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "predict",
        help="fit and score the prediction models outside dbt (the Spark target's step)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--target", choices=("duckdb", "spark"),
                        default=os.environ.get("KANTA_TARGET", "duckdb"),
                        help="engine of the built project (default: $KANTA_TARGET or duckdb)")
    parser.add_argument("--db", type=Path, default=Path(os.environ.get("KANTA_DB", "kanta.duckdb")),
                        help="DuckDB file (default: $KANTA_DB or kanta.duckdb)")
    parser.add_argument("--min-buyers", type=int, default=100,
                        help="the var clv_min_buyers (default 100)")
    parser.add_argument("--min-repeat-buyers", type=int, default=20,
                        help="the var clv_min_repeat_buyers (default 20)")
    parser.set_defaults(func=cmd_predict)
