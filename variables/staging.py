# Staging overrides for the smoke suites: ./run_smoke.sh --variablefile staging
# (or --variablefile variables/staging.py). Staging runs on smaller machines: the thresholds are
# relaxed, the checks are the same. Keep to plain NAME = value lines; uncomment a line to override.
# Target, timeout and identity come from the environment (PRODUCTION_URL, API_TIMEOUT, TEST_EMAIL,
# TEST_PASSWORD, CA_BUNDLE): never put a secret here.

# Response-time SLA: fewer samples per endpoint (a faster run).
SLA_SAMPLES = 10
# A wrong login must be refused within this many milliseconds (smaller machines).
AUTH_MAX_MS = 2000
# Bulk create/delete budget.
BULK_STEP_BUDGET = "10 seconds"

# Rate limiting: staging may use lower limits.
# RATE_LIMIT_PROBE_MAX = 100
# RATE_LIMIT_MAX_WAIT = 15

# TLS certificate: staging certificates are short-lived; warn later.
# CERT_EXPIRY_FAIL_DAYS = 3
# CERT_EXPIRY_WARN_DAYS = 14

# HSTS: staging may use a short max-age.
# HSTS_MIN_MAX_AGE = 300

# Redis is optional in staging ("not configured" is a skip).
# REDIS_REQUIRED = False

# Webhook deliveries may be slower.
# WEBHOOK_DELIVERY_TIMEOUT = "10 seconds"
