"""The domain: the run's results model and the redaction of secrets. No process code, no Robot Framework."""
