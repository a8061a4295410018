"""Process plumbing shared by the steps: commands run with a deadline, and the guard that makes
sure nothing the run starts outlives it."""
