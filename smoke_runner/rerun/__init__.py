"""Step 4, re-run: which failed tests get a second attempt (flaky detection)."""
