*** Settings ***
Documentation     Critical workflows: can a real user still do the ten things the product is for?
...
...               Runs right after a deployment, against the deployed Lattice API, as a throwaway
...               user of its own (``TEST_EMAIL`` and ``TEST_PASSWORD``, default
...               ``smoketest-<run id>-<random>@example.com``). A failing flow means users cannot do that thing
...               now: the seed's rollback matrix counts every flow of this suite (below 50 % passing:
...               roll back; 50-80 %: investigate). Everything the run creates is deleted in the
...               suite teardown as the profile's cleanup strategy says, also after failures, and the
...               deletion is verified; what cannot be removed is reported, never failed. Beside each test,
...               ``needs:`` and ``without:`` tags declare the operations it needs and those it can do
...               without (it then runs narrowed, saying what it left out). Tokens, passwords and
...               webhook secrets are masked in every artifact.

Resource          ../resources/identity.resource
Resource          ../resources/account.resource
Resource          ../resources/lattices.resource
Resource          ../resources/webhooks.resource

Suite Setup       Create Test Identity
Suite Teardown    Remove Test Data
Test Timeout      30 seconds

Test Tags         workflow    critical
...               needs:register
...               needs:login


*** Test Cases ***
User Registration Flow
    [Documentation]    A new user can sign up and gets the user's fields back;
    ...    the same email address cannot be registered twice; deleting the user (as the profile's
    ...    cleanup strategy does) removes it: it can no longer log in.
    [Tags]
    ...    auth
    ...    without:user-deletion -> deleting the new user and proving its login is refused
    ...    guards:register_allows_duplicate -> a second time': expected HTTP
    ...    guards:delete_user_keeps_data -> can still log in after 3 deletions
    ${email} =    Unique Throwaway Email
    ${password} =    Throwaway Password
    Register New User    ${email}    ${password}
    Registration Should Be Refused As Duplicate    ${email}    ${password}
    User Deletion Should Remove The User    ${email}

User Login Flow
    [Documentation]    The right password yields a bearer token that expires; a wrong password
    ...    is refused with no token.
    [Tags]
    ...    auth    security
    ...    guards:login_no_expiry -> the answer holds nothing at $
    ...    guards:login_no_expiry -> expires_in
    ${response} =    Log In    ${TEST_EMAIL}    ${TEST_PASSWORD}
    Login Should Grant An Expiring Bearer Token    ${response}
    ${wrong_password} =    Throwaway Password
    Login Should Be Refused    ${TEST_EMAIL}    ${wrong_password}

Authenticated API Access Flow
    [Documentation]    A valid token reads its own user; no, malformed, tampered and unsigned tokens are refused (401);
    ...    another tenant finds the user's lattice by none of id, listing, counts the deployment offers.
    [Tags]
    ...    auth    security    needs:current_user    needs:create_lattice
    ...    without:read_lattice -> reading another user's lattice by id
    ...    without:list_lattices -> another user's lattice listing and its total
    ...    without:usage -> another user's usage counters
    ...    guards:accept_tampered_token -> with a token with a tampered signature': expected HTTP 401
    ...    guards:accept_alg_none -> with an unsigned (alg none) token': expected HTTP 401
    ...    guards:tenant_leak -> Read another user's lattice
    ...    guards:tenant_leak_listing -> Tenant isolation broken in the listing: another user's
    ...    guards:tenant_leak_count -> of a user who has created nothing reports total=1
    ...    guards:tenant_leak_usage -> of a user who has created nothing reports lattices=
    Current User Should Be    ${TEST_EMAIL}
    Request Without Token Should Be Unauthorized    current_user
    ${token} =    Access Token Of    ${TEST_EMAIL}    ${TEST_PASSWORD}
    Forged Tokens Should Be Rejected    ${token}
    ${lattice} =    Create Lattice    ${LATTICE_2D}
    Lattice Should Be Hidden From Another User    ${lattice}

Subscription Management Flow
    [Documentation]    A new user is on the default plan; an upgrade is stored (a fresh read shows it),
    ...    an unknown plan is refused and cancelling returns the user to the default plan.
    [Tags]
    ...    billing
    ...    needs:subscription    needs:change_plan    needs:cancel_subscription
    ...    guards:subscription_not_persisted -> Step 'Read the subscription': it is
    ...    guards:subscription_accepts_unknown_plan -> unknown plan 'platinum-smoketest'': expected HTTP
    Subscription Should Be    ${DEFAULT_PLAN}    ${DEFAULT_PLAN_STATUS}
    Change Plan    ${UPGRADE_PLAN}
    Subscription Should Be    ${UPGRADE_PLAN}    ${DEFAULT_PLAN_STATUS}
    Plan Change Should Be Refused    ${UNKNOWN_PLAN}
    Subscription Should Be    ${UPGRADE_PLAN}    ${DEFAULT_PLAN_STATUS}
    Cancel Subscription
    Subscription Should Be    ${DEFAULT_PLAN}    ${CANCELED_PLAN_STATUS}

Lattice Creation Flow
    [Documentation]    A lattice with blocked cells is stored exactly as sent and listed; invalid
    ...    lattices (empty name, blocked cell out of bounds) are refused and create nothing.
    [Tags]
    ...    lattices
    ...    needs:create_lattice    needs:list_lattices
    ...    without:read_lattice -> reading the lattice back to compare it with what was sent
    ...    guards:lattice_drops_blocked -> read back with blocked [] instead of
    ...    guards:lattice_accepts_invalid -> Create a lattice with an empty name': expected HTTP
    ...    guards:error_leaves_data -> refused lattices must not be stored
    ${id} =    Create Lattice    ${LATTICE_2D}
    Lattice Should Be Stored As Sent    ${id}    ${LATTICE_2D}
    Lattices Should Be Listed    ${id}
    ${total} =    Lattice Total Of
    Lattice Creation Should Be Refused    ${EMPTY_NAME_LATTICE}    an empty name
    Lattice Creation Should Be Refused    ${OUT_OF_BOUNDS_LATTICE}    a blocked cell out of bounds
    Lattice Total Should Be    ${total}    refused lattices must not be stored

Lattice Pathfinding Flow
    [Documentation]    On 2-D and 3-D lattices with walls, the path returned is a shortest one (checked
    ...    step by step against the library's own search); a walled-off end is answered as not found.
    [Tags]
    ...    lattices    pathfinding
    ...    needs:create_lattice    needs:find_path
    ...    guards:lattice_drops_blocked -> the path enters blocked cells
    ...    guards:path_not_shortest -> takes 14 steps but the shortest path takes 12
    ...    guards:path_through_blocked -> the path enters blocked cells
    ...    guards:path_wrong_distance -> 'distance' is 13 but the path has 13 cells (expected 12)
    Shortest Path Should Be Found On    ${LATTICE_2D}    ${LATTICE_2D_START}    ${LATTICE_2D_END}
    ...    ${LATTICE_2D_SHORTEST}
    Shortest Path Should Be Found On    ${LATTICE_3D}    ${LATTICE_3D_START}    ${LATTICE_3D_END}
    ...    ${LATTICE_3D_SHORTEST}
    No Path Should Be Found On    ${LATTICE_WALLED}    ${LATTICE_WALLED_START}    ${LATTICE_WALLED_END}

Webhook Registration Flow
    [Documentation]    A webhook is registered and listed without its secret; a test ``ping`` is
    ...    recorded and (when the target can reach this machine) arrives correctly signed; a deleted
    ...    webhook is no longer listed. Skipped when the profile does not offer webhooks.
    [Tags]
    ...    webhooks    security
    ...    needs:create_webhook    needs:list_webhooks    needs:test_webhook
    ...    needs:webhook_deliveries    needs:delete_webhook
    ...    guards:webhook_unsigned -> arrived without an X-Signature-256 header
    ...    guards:webhook_bad_signature -> does not match the HMAC-SHA256 of its body
    ...    guards:webhook_secret_in_listing -> The listing reveals secrets (a value at $.items[*].secret
    ...    guards:webhook_no_delivery -> delivery record(s) in the listing, but 1 are missing
    ${url} =    Start Webhook Receiver When Reachable
    ${webhook_id}    ${secret} =    Register Webhook    ${url}
    Webhook Should Be Listed Without Secret    ${webhook_id}    ${secret}
    ${delivery_id} =    Send Test Delivery    ${webhook_id}
    Delivery Should Be Recorded    ${webhook_id}    ${delivery_id}
    Signed Ping Should Arrive When Receiver Runs    ${delivery_id}    ${secret}
    Delete Webhook    ${webhook_id}
    Webhook Should Not Be Listed    ${webhook_id}
    [Teardown]    Stop Webhook Receiver

Usage Tracking Flow
    [Documentation]    Creating one lattice and computing one path add exactly one to the user's
    ...    lattice and path counters, and the request counter grows: each counter the profile reads.
    [Tags]
    ...    billing
    ...    needs:usage    needs:create_lattice    needs:find_path
    ...    without:usage.lattices -> the lattice counter
    ...    without:usage.paths -> the path counter
    ...    without:usage.requests -> the request counter
    ...    guards:usage_not_counted -> Usage counter 'lattices' went from
    ${before} =    Usage Of
    ${id} =    Create Lattice    ${LATTICE_2D}
    Find Path    ${id}    ${LATTICE_2D_START}    ${LATTICE_2D_END}    ${LATTICE_2D}[dimensions]
    ${after} =    Usage Of
    Usage Should Count One Lattice And One Path    ${before}    ${after}

Error Recovery Flow
    [Documentation]    Malformed JSON, invalid fields and an unknown lattice each get a 4xx error
    ...    answer; the same session keeps working and the failed requests left no data behind.
    [Tags]
    ...    errors
    ...    needs:create_lattice    needs:list_lattices    needs:current_user
    ...    without:read_lattice -> reading a lattice that does not exist
    ...    guards:error_leaves_data -> requests that failed must leave no data behind
    ...    guards:lattice_accepts_invalid -> a blocked cell out of bounds': expected HTTP
    ${total} =    Lattice Total Of
    Send Malformed JSON
    Lattice Creation Should Be Refused    ${INVALID_FIELDS_LATTICE}    invalid fields
    Lattice Creation Should Be Refused    ${OUT_OF_BOUNDS_LATTICE}    a blocked cell out of bounds
    Unknown Lattice Should Not Be Found
    Current User Should Be    ${TEST_EMAIL}
    Lattice Total Should Be    ${total}    requests that failed must leave no data behind

Bulk Operations Performance Flow
    [Documentation]    ${BULK_LATTICE_COUNT} lattices are created in one call, listed, used for a path
    ...    and deleted in one call, each step within ``${BULK_STEP_BUDGET}`` (ops/second are logged);
    ...    a bulk create with one invalid item creates nothing (all or nothing).
    [Tags]
    ...    lattices    performance
    ...    needs:bulk_create_lattices    needs:bulk_delete_lattices    needs:list_lattices    needs:find_path
    ...    guards:bulk_partial -> a refused bulk create must create none of its items
    ...    guards:path_not_shortest -> is not a valid shortest path
    ...    guards:path_wrong_distance -> 'distance' is 7 but the path has 7 cells (expected 6)
    ...    guards:lattice_accepts_invalid -> Bulk-create lattices with one invalid item': expected HTTP
    ...    guards:bulk_slow -> over its time budget of 5 s
    ...    guards:bulk_delete_keeps_rows -> to be gone, but they are still listed
    ${ids} =    Bulk Create Lattices Within Budget    ${BULK_LATTICE_COUNT}
    Lattices Should Be Listed Within Budget    @{ids}
    Path Should Be Found Within Budget    ${ids}[0]
    Bulk Delete Lattices Within Budget    @{ids}
    Bulk Create With One Invalid Item Should Create Nothing
