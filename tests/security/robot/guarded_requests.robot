*** Settings ***
Documentation    Requests made with ``resources/http.resource`` against hostile servers on loopback.
...
...              Run by ``tests/security``: each test sends one kind of request; the pytest side
...              starts the server, chooses the test and checks outcome, time and artifacts.

Resource         ../../../resources/http.resource

Suite Setup      Open Anonymous Session


*** Test Cases ***
Health Answer Is Read Up To The Size Cap
    [Documentation]    GET ``${HEALTH_PATH}`` anonymously; passes with any answer that arrives in time.
    ${response} =    Get Anonymously    ${HEALTH_PATH}
    Log    ${response.status_code} with ${{ len($response.content) }} bytes

Slow Answer Is Given Up At The Deadline
    [Documentation]    GET ``/slow`` anonymously; passes only when an answer arrives in time.
    ${response} =    Get Anonymously    /slow
    Log    ${response.status_code} with ${{ len($response.content) }} bytes

Login Answer Is Logged Without Its Secrets
    [Documentation]    POST ``/login`` with the password, anonymously; passes with any answer (pytest reads the log).
    VAR    &{credentials} =    email=someone@example.com    password=%{TEST_PASSWORD}
    ${response} =    Post Anonymously    /login    ${credentials}
    Log    ${response.status_code} with ${{ len($response.content) }} bytes
