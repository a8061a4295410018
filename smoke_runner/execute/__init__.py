"""Step 3, execute: pabot runs the selected suites, one robot process per suite."""
