# QA environment for the smoke suites: save as variables/qa.py, then
#   PRODUCTION_URL=https://api.qa.example.com ./run_smoke.sh --variablefile qa
# Plain NAME = value lines. They override the *** Variables *** tables of variables/*.resource.
# Never put a secret here: TEST_PASSWORD and friends come from the environment.

# The QA machines are small: fewer SLA samples and a slower login are acceptable.
SLA_SAMPLES = 10
AUTH_MAX_MS = 2000
# Bulk create/delete of 50 lattices may take up to 10 seconds each.
BULK_STEP_BUDGET = "10 seconds"
# QA's front end runs on its own origin.
CORS_ALLOWED_ORIGIN = "https://app.qa.example.com"
