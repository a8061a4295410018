# Production overrides for the smoke suites: ./run_smoke.sh --variablefile production
# (or --variablefile variables/production.py). Command-line variable files override the suites'
# *** Variables *** tables. Keep to plain NAME = value lines; uncomment a line to override.
# Target, timeout and identity come from the environment (PRODUCTION_URL, API_TIMEOUT, TEST_EMAIL,
# TEST_PASSWORD, CA_BUNDLE): never put a secret here.

# Response-time SLA (variables/health.resource): sequential samples per endpoint.
SLA_SAMPLES = 20
# A wrong login must be refused within this many milliseconds.
AUTH_MAX_MS = 1000
# Bulk create/delete of the workflow suite must each finish within this budget.
BULK_STEP_BUDGET = "5 seconds"

# Rate limiting: how many anonymous requests to send before giving up, and the longest wait.
# RATE_LIMIT_PROBE_MAX = 200
# RATE_LIMIT_MAX_WAIT = 15

# TLS certificate: fail below / warn below this many days before expiry.
# CERT_EXPIRY_FAIL_DAYS = 7
# CERT_EXPIRY_WARN_DAYS = 30

# HSTS: minimum max-age in seconds (6 months).
# HSTS_MIN_MAX_AGE = 15768000

# Redis must be configured in production (same as REDIS_REQUIRED=true).
# REDIS_REQUIRED = True

# Webhook deliveries must arrive within this time.
# WEBHOOK_DELIVERY_TIMEOUT = "5 seconds"
