"""Dagster definitions and the `subsidy` command line; both call the `subsidy` library."""
