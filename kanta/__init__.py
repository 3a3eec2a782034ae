"""kanta: the Python side of the kanta dbt project (data generation, publishing, reports)."""

__version__ = "0.1.0"
