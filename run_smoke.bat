@echo off
rem Post-deployment smoke tests (Robot Framework + pabot) with a rollback verdict - Windows wrapper.
rem Same options and artifacts as run_smoke.sh: finds Python 3.9+, creates/uses the virtual
rem environment (%SMOKE_VENV% or .venv), installs requirements.txt (and reference_api\requirements.txt
rem for --demo) when imports fail, puts the venv's Scripts\ first on PATH and runs
rem "python -m smoke_runner %*". All logic lives in smoke_runner\.
rem
rem Usage:  set PRODUCTION_URL=https://api.example.com
rem         run_smoke.bat [options]            (run_smoke.bat --help)
rem Exit:   0 PROCEED, 10 MONITOR, 20 INVESTIGATE, 30 ROLLBACK, 3 dry run (no verdict),
rem         2 usage/configuration error, 130 interrupted, 1 internal error of the runner
setlocal EnableExtensions DisableDelayedExpansion

set "ROOT=%~dp0"
if "%ROOT:~-1%"=="\" set "ROOT=%ROOT:~0,-1%"
if defined SMOKE_VENV (set "VENV=%SMOKE_VENV%") else (set "VENV=%ROOT%\.venv")
set "VPY=%VENV%\Scripts\python.exe"

if exist "%VPY%" goto have_venv
set "PY="
if defined PYTHON (
    "%PYTHON%" -c "import sys; sys.exit(sys.version_info < (3, 9))" >nul 2>&1 && set "PY=%PYTHON%"
)
if not defined PY (
    py -3 -c "import sys; sys.exit(sys.version_info < (3, 9))" >nul 2>&1 && set "PY=py -3"
)
if not defined PY (
    python -c "import sys; sys.exit(sys.version_info < (3, 9))" >nul 2>&1 && set "PY=python"
)
if not defined PY (
    echo ERROR: Python 3.9+ not found ^(install it from python.org or set PYTHON=C:\path\to\python.exe^) 1>&2
    exit /b 2
)
echo == Creating virtual environment %VENV% 1>&2
%PY% -m venv "%VENV%"
if errorlevel 1 (
    echo ERROR: could not create the virtual environment %VENV% 1>&2
    exit /b 2
)

:have_venv
"%VPY%" -c "import sys; sys.exit(sys.version_info < (3, 9))" >nul 2>&1
if errorlevel 1 (
    echo ERROR: the virtual environment %VENV% has Python older than 3.9; remove it or set SMOKE_VENV 1>&2
    exit /b 2
)

set "DEMO=0"
for %%A in (%*) do if /I "%%~A"=="--demo" set "DEMO=1"

set "CHECK=import importlib.util, sys; sys.exit(any(importlib.util.find_spec(m) is None for m in sys.argv[1:]))"
"%VPY%" -c "%CHECK%" robot pabot RequestsLibrary JSONLibrary requests prometheus_client cryptography
if errorlevel 1 (
    echo == Installing requirements.txt into %VENV% 1>&2
    "%VPY%" -m pip install --quiet --disable-pip-version-check -r "%ROOT%\requirements.txt"
    if errorlevel 1 (
        echo ERROR: pip install -r requirements.txt failed 1>&2
        exit /b 2
    )
)
if "%DEMO%"=="1" (
    "%VPY%" -c "%CHECK%" fastapi uvicorn sqlalchemy jwt argon2
    if errorlevel 1 (
        echo == Installing reference_api\requirements.txt into %VENV% ^(--demo^) 1>&2
        "%VPY%" -m pip install --quiet --disable-pip-version-check -r "%ROOT%\reference_api\requirements.txt"
        if errorlevel 1 (
            echo ERROR: pip install -r reference_api\requirements.txt failed 1>&2
            exit /b 2
        )
    )
)

set "PATH=%VENV%\Scripts;%PATH%"
if defined PYTHONPATH (set "PYTHONPATH=%ROOT%;%PYTHONPATH%") else (set "PYTHONPATH=%ROOT%")
"%VPY%" -m smoke_runner %*
exit /b %ERRORLEVEL%
