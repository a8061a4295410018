@echo off
rem Post-deployment smoke tests (Robot Framework + pabot) with a rollback verdict - Windows wrapper.
rem Same options, artifacts and choice of Python as run_smoke.sh: SMOKE_PYTHON=C:\path\to\python.exe
rem uses that interpreter as it is (no virtual environment, nothing installed); otherwise the
rem virtual environment %SMOKE_VENV% (default .venv) is created with the first Python that is new
rem enough and requirements.txt (and reference_api\requirements.txt for --demo) installed when
rem imports fail. The oldest supported Python is requires-python in pyproject.toml.
rem All logic lives in smoke_runner\: this runs "python -m smoke_runner %*".
rem
rem Usage:  set PRODUCTION_URL=https://api.example.com
rem         run_smoke.bat [options]            (run_smoke.bat --help)
rem Exit:   0 PROCEED, 10 MONITOR, 20 INVESTIGATE, 30 ROLLBACK, 3 dry run (no verdict),
rem         2 usage/configuration error, 130 interrupted, 1 internal error of the runner
setlocal EnableExtensions DisableDelayedExpansion

set "ROOT=%~dp0"
if "%ROOT:~-1%"=="\" set "ROOT=%ROOT:~0,-1%"
if defined SMOKE_VENV (set "VENV=%SMOKE_VENV%") else (set "VENV=%ROOT%\.venv")

rem A Python is new enough when the runner's own reader of requires-python (pyproject.toml) says so.
set "NEW_ENOUGH=import sys; sys.path.insert(0, sys.argv[1]); from smoke_runner.preflight.python_version import unsupported_python; sys.exit(unsupported_python())"
set "FLOOR=the version requires-python of pyproject.toml names"
set "CHECK=import importlib.util, sys; sys.exit(any(importlib.util.find_spec(m) is None for m in sys.argv[1:]))"

set "DEMO=0"
for %%A in (%*) do if /I "%%~A"=="--demo" set "DEMO=1"

if not defined SMOKE_PYTHON goto use_venv
set "VPY=%SMOKE_PYTHON%"
"%VPY%" -c "%NEW_ENOUGH%" "%ROOT%" >nul 2>&1
if errorlevel 1 (
    echo ERROR: SMOKE_PYTHON=%VPY% is not a Python of %FLOOR% 1>&2
    exit /b 2
)
echo == Using SMOKE_PYTHON=%VPY% as it is ^(no virtual environment, nothing installed^) 1>&2
"%VPY%" -c "%CHECK%" robot pabot RequestsLibrary JSONLibrary requests prometheus_client cryptography psutil yaml
if errorlevel 1 (
    echo ERROR: SMOKE_PYTHON=%VPY% lacks packages of requirements.txt: install them into that Python ^(or unset SMOKE_PYTHON^) 1>&2
    exit /b 2
)
if "%DEMO%"=="1" (
    "%VPY%" -c "%CHECK%" fastapi uvicorn sqlalchemy jwt argon2
    if errorlevel 1 (
        echo ERROR: SMOKE_PYTHON=%VPY% lacks packages of reference_api\requirements.txt, which --demo needs 1>&2
        exit /b 2
    )
)
for %%P in ("%VPY%") do set "BIN=%%~dpP"
goto run

:use_venv
set "VPY=%VENV%\Scripts\python.exe"
if exist "%VPY%" goto have_venv
set "PY="
if defined PYTHON (
    "%PYTHON%" -c "%NEW_ENOUGH%" "%ROOT%" >nul 2>&1 && set "PY=%PYTHON%"
)
if not defined PY (
    py -3 -c "%NEW_ENOUGH%" "%ROOT%" >nul 2>&1 && set "PY=py -3"
)
if not defined PY (
    python -c "%NEW_ENOUGH%" "%ROOT%" >nul 2>&1 && set "PY=python"
)
if not defined PY (
    echo ERROR: no Python of %FLOOR% found ^(install it from python.org or set PYTHON=C:\path\to\python.exe^) 1>&2
    exit /b 2
)
echo == Creating virtual environment %VENV% 1>&2
%PY% -m venv "%VENV%"
if errorlevel 1 (
    echo ERROR: could not create the virtual environment %VENV% 1>&2
    exit /b 2
)

:have_venv
"%VPY%" -c "%NEW_ENOUGH%" "%ROOT%" >nul 2>&1
if errorlevel 1 (
    echo ERROR: the virtual environment %VENV% has a Python older than %FLOOR%; remove it or set SMOKE_VENV 1>&2
    exit /b 2
)
"%VPY%" -c "%CHECK%" robot pabot RequestsLibrary JSONLibrary requests prometheus_client cryptography psutil yaml
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
set "BIN=%VENV%\Scripts"

:run
set "PATH=%BIN%;%PATH%"
if defined PYTHONPATH (set "PYTHONPATH=%ROOT%;%PYTHONPATH%") else (set "PYTHONPATH=%ROOT%")
"%VPY%" -m smoke_runner %*
exit /b %ERRORLEVEL%
