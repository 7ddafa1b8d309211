"""村务公开 subsidy disclosure: the library (reading, normalising, validating, summarising, writing).

It never imports dagster; `dagster_project/` wires these functions into assets and the CLI.
"""

__version__ = "0.1.0"
