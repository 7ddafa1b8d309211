"""One partition per county and year ("2022-永嘉县"), added by the sensor as folders appear in inputs/."""

import dagster as dg

COUNTY_YEAR = "county_year"
county_year = dg.DynamicPartitionsDefinition(name=COUNTY_YEAR)
