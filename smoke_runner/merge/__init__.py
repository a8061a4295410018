"""Step 5, merge: the outputs of what ran combined into one result, and read into the run's own model."""
