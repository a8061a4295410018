*** Settings ***
Documentation    Is the freshly deployed service up, fast and safe?
...
...              These checks run right after a deployment, before users reach it. They read the
...              service's own health report and metrics, time its answers against the SLA and
...              probe the protections every response must carry: authentication, rate limits,
...              CORS, security headers, clean errors and a valid certificate. A failure here
...              means the deployment's infrastructure is broken or unsafe: roll it back. A
...              target that does not answer fails every test at once in the suite setup.

Resource         ../resources/health.resource

Suite Setup      Health Endpoint Should Answer
Test Timeout     60 seconds

Test Tags        health
...              guards:stand-in:catch-all


*** Test Cases ***
API Server Is Running And Responding
    [Documentation]    ``/health`` answers 200 with status pass (a degraded ``warn`` passes with a warning);
    ...    a ``fail`` body, a status that disagrees with the body, a report that contradicts itself
    ...    (overall pass while a component fails) or an unrecognisable body fails. The report carries
    ...    every component the profile lists.
    [Tags]
    ...    critical
    ...    guards:health_body_fail -> The service reports health status
    ...    guards:health_body_fail -> despite HTTP 200
    ...    guards:health_status_mismatch -> HTTP status 503 disagrees
    ...    guards:health_flat_contradiction -> the report contradicts itself: overall '
    ...    guards:health_flat_contradiction -> ' but database '
    ...    guards:health_pass_with_failed_check -> the report contradicts itself: overall '
    ...    guards:health_pass_with_failed_check -> ' but database '
    ...    guards:health_garbage -> Expected a JSON health document
    ...    guards:health_garbage -> text/plain
    ...    guards:mutate:GET /health:status=500 -> HTTP status 500 disagrees
    ${health} =    Current Health Report
    Health Report Should Be Healthy And Consistent    ${health}
    Other Health Components Should Be Reported    ${health}

Database Connection Is Active
    [Documentation]    The health report includes a database check, and it passes.
    [Tags]
    ...    critical
    ...    needs:health:database
    ...    guards:health_flat_contradiction -> Expected health check 'database' to be pass, but it is 'fail'
    ...    guards:health_no_database_check -> Expected a 'database' check
    ...    guards:health_no_database_check -> checks present: redis
    ...    guards:mutate:GET /health:remove-field=checks.database -> Expected a 'database' check
    ${health} =    Current Health Report
    Database Check Should Pass    ${health}

Redis Cache Is Accessible If Configured
    [Documentation]    A configured Redis passes its health check; a deployment that reports Redis as
    ...    not configured, or whose profile lists no cache, skips this test, unless REDIS_REQUIRED=true
    ...    makes Redis mandatory. A health report without the cache check the profile lists fails.
    [Tags]
    ...    critical
    ...    needs:health:cache
    ...    guards:health_no_redis_check -> Expected a 'redis' check
    ...    guards:health_no_redis_check -> checks present: database
    ${health} =    Current Health Report
    Redis Check Should Pass If Configured    ${health}

Prometheus Metrics Endpoint Is Working
    [Documentation]    ``/metrics`` serves a complete Prometheus exposition with the required families, and
    ...    its request counter moves when a request is made.
    [Tags]
    ...    critical
    ...    guards:metrics_garbage -> parseable Prometheus exposition
    ...    guards:metrics_wrong_content_type -> Content-Type application/json is not text/plain
    ...    guards:metrics_missing_family -> paths_computed_total is missing
    ...    guards:metrics_frozen -> Expected 'http_requests_total' to grow
    ...    guards:health_not_counted -> Expected 'http_requests_total' to grow for path=/health
    ${metrics} =    Metrics Should Be Exposed
    Request Counter Should Count A New Request    ${metrics}

Response Times Meet SLA
    [Documentation]    p95 and maximum response times of each SLA endpoint stay within its thresholds
    ...    over up to ${SLA_SAMPLES} sequential requests; sampling stops once the SLA can no longer be met.
    ...    A miss is a measurement, not re-run (``no-rerun``).
    [Tags]
    ...    sla
    ...    no-rerun
    ...    needs:register    needs:login    needs:current_user
    ...    guards:slow_responses -> Response times miss the SLA
    ...    guards:slow_responses -> exceeds 500 ms
    ...    guards:mutate:GET /health:delay=1500 -> exceeds 500 ms
    ...    guards-with:SLA_SAMPLES=3
    [Timeout]    120 seconds
    [Setup]    Create Throwaway Identity
    Response Times Should Meet SLA    @{SLA_ENDPOINTS}
    [Teardown]    Remove Throwaway Identity

Authentication Endpoint Is Accessible
    [Documentation]    Login refuses wrong credentials quickly with a refusal in the API's error format, and
    ...    registration rejects an empty body: the auth service is up and validating.
    [Tags]
    ...    critical    security
    ...    needs:login
    ...    without:register -> the refusal of a registration with an empty body
    ...    guards:login_500 -> expected HTTP 401
    ...    guards:login_500 -> answered 500
    ...    guards:register_accepts_empty -> Register with an empty body': expected HTTP
    Login With Wrong Credentials Should Be Refused Quickly
    Registration With An Empty Body Should Be Rejected

Rate Limiting Is Enforced
    [Documentation]    The announced rate limit counts down with each anonymous request; when it fits in the
    ...    probe's maximum and is not shared with other requests from this address, a bounded burst
    ...    meets HTTP 429 with Retry-After and problem details. Otherwise the countdown is the proof
    ...    and a warning says why the 429 was not probed (the workflows never meet 429 because of it).
    [Tags]
    ...    security
    ...    guards:no_rate_limit -> Expected HTTP 429 within 200 requests
    ...    guards:rate_limit_no_headers -> carried no RateLimit
    ${probe} =    Rate Limit Probe Result
    Rate Limit Headers Should Count Down    ${probe}
    Limited Response Should Tell When To Retry    ${probe}

CORS Headers Are Configured
    [Documentation]    Preflights from the allowed origin are approved for that origin only; other origins
    ...    and ``Origin: null`` get no Access-Control-Allow-Origin; never ``*`` with credentials.
    [Tags]
    ...    security
    ...    needs:current_user
    ...    guards:cors_reflect_any_origin -> disallowed origin
    ...    guards:cors_reflect_any_origin -> expected no Access-Control-Allow-Origin
    ...    guards:cors_wildcard_credentials -> '*' together with Access-Control-Allow-Credentials: true
    Allowed Origin Should Get Its Preflight Approved
    Origin Should Get No CORS Approval    ${CORS_DISALLOWED_ORIGIN}
    Origin Should Get No CORS Approval    ${CORS_NULL_ORIGIN}

Security Headers Are Present
    [Documentation]    Normal, authenticated, error answers (and the profile's pages) carry the policy's security headers
    ...    with safe values, name no server software, and authenticated data is not cached.
    [Tags]
    ...    security    needs:register    needs:login    needs:current_user
    ...    guards:missing_security_headers -> X-Content-Type-Options is missing
    ...    guards:missing_security_headers -> Content-Security-Policy is missing
    ...    guards:weak_security_headers -> Content-Security-Policy-Report-Only
    ...    guards:weak_security_headers -> X-Frame-Options) is 'ALLOWALL'
    ...    guards:server_disclosure -> X-Powered-By
    ...    guards:hsts_short -> Strict-Transport-Security max-age=300 is below 15768000
    ...    guards:mutate:GET /health:remove-header=Referrer-Policy -> Referrer-Policy is missing
    [Setup]    Create Throwaway Identity
    ${normal} =    Current Health Report
    ${authenticated} =    Authenticated Answer
    ${error} =    Answer To An Unknown Path
    ${pages} =    Answers Of The Header Check Paths
    Responses Should Have Secure Headers    ${normal}    ${authenticated}    ${error}    @{pages}
    Responses Should Not Name Their Software    ${normal}    ${authenticated}    ${error}    @{pages}
    Authenticated Data Should Not Be Cached    ${authenticated}
    [Teardown]    Remove Throwaway Identity

Error Handling Returns Proper Responses
    [Documentation]    Unknown paths, wrong methods and malformed JSON get 404, 405 and 400/422 problem
    ...    details that leak no stack trace, file path, SQL or framework name.
    [Tags]
    ...    critical    security
    ...    needs:login
    ...    guards:error_stack_trace -> leak internals
    ...    guards:error_stack_trace -> Traceback
    ...    guards:error_not_problem_json -> answered 404 (application/json): {"detail":
    ${not_found} =    Answer To An Unknown Path
    ${wrong_method} =    Answer To A Wrong Method
    ${malformed} =    Answer To Malformed JSON
    Response Should Be An Error    ${not_found}    404
    Response Should Be An Error    ${wrong_method}    405
    Response Should Be A Client Error Problem    ${malformed}
    Responses Should Not Leak Internals    ${LEAK_PATTERNS}    ${not_found}    ${wrong_method}    ${malformed}

SSL Certificate Is Valid For HTTPS
    [Documentation]    Over HTTPS the certificate is trusted, matches the host, is far from expiry and uses a
    ...    strong key, and only TLS 1.2 or newer is accepted. Plain HTTP targets skip this test.
    [Tags]
    ...    critical    security    tls
    ...    needs:https
    ...    guards:stand-in:bad-certificate
    ...    -guards:stand-in:catch-all
    Target Should Use HTTPS Or Skip
    Certificate Should Be Valid And Modern
