*** Settings ***
Documentation     Example from docs/adding-a-smoke-test.md: a workflow test built only from existing keywords.
...
...               A user who deletes a lattice must not find it again: it leaves the listing and reading
...               it is refused as missing. If deletion silently keeps the lattice, users pay for data they
...               removed and see it come back.

Resource          ../../resources/identity.resource
Resource          ../../resources/account.resource
Resource          ../../resources/lattices.resource
Resource          ../../resources/webhooks.resource

Suite Setup       Create Test Identity
Suite Teardown    Remove Test Data
Test Timeout      30 seconds

Test Tags         workflow    critical
...               needs:register
...               needs:login


*** Test Cases ***
Lattice Deletion Flow
    [Documentation]    A lattice the user deletes is gone: it is no longer listed and reading it is refused as missing.
    [Tags]
    ...    lattices
    ...    needs:create_lattice    needs:list_lattices    needs:delete_lattice    needs:read_lattice
    ...    guards:mutate:GET /api/v1/lattices/*:status=200 -> Step 'Read the deleted lattice
    ${id} =    Create Lattice    ${LATTICE_2D}
    Lattices Should Be Listed    ${id}
    Delete Lattice    ${id}
    Lattice Should Be Gone    ${id}
