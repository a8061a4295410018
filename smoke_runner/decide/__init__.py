"""Step 6, decide: the verdict, a pure decision table over the run's results (no process code)."""
