"""Reading what a county sends: every file format, grids and merged cells, header rows, rosters, bank results,
villages, subsidy names, formulas; the parsed record types. Reading never raises for bad data: it reports
problems."""
