"""What is checked once the rows are read: cross-checks and duplicates, the bank results matched to the households,
the clerk's decisions, which villages are ready to publish."""
