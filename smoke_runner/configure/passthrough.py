"""The one parser of the options passed through to pabot/robot: an allow-list, not a deny-list.

Everything the runner does not handle itself is read with Robot Framework's own option parser
(so every spelling robot accepts is seen the same way: ``--SetTag=x``, ``--settag x``, ``--sett x``,
``-vNAME:x``, options inside ``--argumentfile``/``-A`` files and in ``ROBOT_OPTIONS``) and then
checked against ``ALLOWED``. What passes is handed on to pabot in one canonical spelling
(``--name=value``); argument files are expanded here and never reach pabot. pabot's own options
are refused: the runner sets them itself (``--processes``) or they change which tests run
(``--shard``, ``--testlevelsplit``, ``--argumentfileN``...).

Protected variables (``PROTECTED_VARIABLES``) decide what is tested and how; they come from the
environment only and can be set neither with ``--variable`` nor by a ``--variablefile`` (each
variable file is loaded with Robot's own variable-file loader and refused if it sets one).

Listeners (``--listener``) are allowed from an allow-list (``check_listener``): Allure's
(``allure_robotframework``, writing into the run folder's ``allure-results/`` unless given a folder)
and a team's own listener files in the repository's ``listeners/`` folder, reviewed like the rest of
the repository. A listener sees everything a run records, after SmokeLibrary's masking listener.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from smoke_runner import REPO_ROOT

if TYPE_CHECKING:
    from robot.utils import ArgumentParser


class OptionError(Exception):
    """A pass-through option that is refused (the runner exits with code 2)."""


#: Robot variables that decide what is tested and how -> the environment variable that sets them.
#: Add a name here to protect it from ``--variable`` and from variable files.
PROTECTED_VARIABLES: dict[str, str] = {
    "BASE_URL": "PRODUCTION_URL",
    "TLS_VERIFY": "CA_BUNDLE",
    "CA_BUNDLE": "CA_BUNDLE",
    "TEST_PASSWORD": "TEST_PASSWORD",
    "TEST_EMAIL": "TEST_EMAIL",
    "API_TIMEOUT": "API_TIMEOUT",
    "ALLOW_PLAINTEXT_CREDENTIALS": "ALLOW_PLAINTEXT_CREDENTIALS",
    "REDIS_REQUIRED": "REDIS_REQUIRED",
    "RUN_ID": "SMOKE_RUN_ID",
    "WEBHOOK_RECEIVER_ENABLED": "WEBHOOK_RECEIVER",
}

#: Robot options that may be passed through (as robot names them after parsing).
ALLOWED = (
    "test",
    "task",
    "include",
    "exclude",
    "variable",  # not for PROTECTED_VARIABLES
    "variablefile",  # not setting PROTECTED_VARIABLES
    "settag",  # not Robot's reserved robot:* tags
    "loglevel",
    "metadata",
    "tagdoc",
    "tagstatinclude",
    "tagstatexclude",
    "tagstatcombine",
    "tagstatlink",
    "expandkeywords",
    "maxerrorlines",
    "maxassignlength",
    "listener",  # allure_robotframework, or a file in listeners/ (check_listener)
)
#: Handled separately by the runner (kept out of ``PassThrough.args``).
_SELECTION = ("test", "task", "include", "exclude", "variablefile", "listener")
#: Allure's Robot Framework listener (pip install allure-robotframework), allowed by its module name.
ALLURE_LISTENER = "allure_robotframework"
#: Where Allure's listener writes, in the run folder, when it is given no folder.
ALLURE_RESULTS = "allure-results"
#: The folder of a team's own listeners: ``--listener NAME`` takes ``listeners/NAME.py``.
LISTENERS_DIR = REPO_ROOT / "listeners"

#: Robot options the runner sets itself.
MANAGED = (
    "outputdir",
    "output",
    "log",
    "report",
    "name",
    "rerunfailed",
    "rerunfailedsuites",
    "xunit",
    "runemptysuite",
    "consolecolors",
    "timestampoutputs",
)
#: pabot's own options (pabot matches them exactly, anywhere on its command line).
SHARDING = ("shard", "testlevelsplit", "chunk", "ordering", "suitesfrom")
PABOT_OPTIONS = (
    *SHARDING,
    "processes",
    "verbose",
    "help",
    "version",
    "pabotlib",
    "no-pabotlib",
    "pabotlibhost",
    "pabotlibport",
    "processtimeout",
    "artifacts",
    "artifactsinsubfolders",
    "no-rebot",
    "pabotconsole",
    "resourcefile",
    "pabotprerunmodifier",
    "hive",
    "command",
    "end-command",
)
_PABOT_ARGUMENTFILE = re.compile(r"--argumentfile\d+$")
RESERVED_TAG_PREFIX = "robot:"
#: Options whose values Robot resolves or shows (tags, metadata, patterns): no variable or expression
#: syntax in them (Robot would resolve ``${{...}}`` at run time, after every check), and no secret.
TEXT_OPTIONS = (
    "settag",
    "metadata",
    "tagdoc",
    "include",
    "exclude",
    "test",
    "task",
    "tagstatinclude",
    "tagstatexclude",
    "tagstatcombine",
    "tagstatlink",
)
_VARIABLE_SYNTAX = re.compile(r"[$@&%]\{")
#: Metadata the runner and SmokeLibrary write (normalised as Robot matches names): never from the command line.
RESERVED_METADATA = frozenset(
    re.sub(r"[\s_]+", "", name).lower()
    for name in (
        "Verdict",
        "Verdict Reason",
        "Run ID",
        "Target",
        "Counts",
        "Partial Run",
        "Waived Security Checks",
        "Run Evidence",
        "Overrides",
        "Environment",
        "Flaky Tests",
    )
)


def normalized_tag(text: str) -> str:
    """``text`` as Robot compares tags and names: spaces and underscores removed, lower case."""
    return re.sub(r"[\s_]+", "", text).lower()


def _refuse_resolved_text(given: Mapping[str, object]) -> None:
    """No variable or expression syntax and no secret in the values Robot resolves or shows."""
    from smoke_runner.domain.redaction import redact

    for name in TEXT_OPTIONS:
        for value in _values(given, name):
            if _VARIABLE_SYNTAX.search(value):
                raise OptionError(
                    f"--{name} {value!r}: variable and expression syntax (${{...}}, @{{...}}, &{{...}}, %{{...}}) "
                    "is not allowed in pass-through tags, names and metadata: Robot resolves it while the tests run"
                )
            if redact(value) != value:
                raise OptionError(f"--{name}: its value holds a secret (TEST_PASSWORD or a URL's credentials)")


@dataclass
class PassThrough:
    """The checked pass-through options."""

    tests: list[str] = field(default_factory=list)  # --test and --task patterns
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    variablefiles: list[str] = field(default_factory=list)  # resolved, checked (``path[:arg...]``)
    listeners: list[str] = field(default_factory=list)  # allowed, resolved (``check_listener``)
    args: list[str] = field(default_factory=list)  # the other allowed options, canonical --name=value


def normalise_variable_name(name: str) -> str:
    """Robot's matching of variable names: ``${Base Url}`` = ``BASE_URL`` = ``baseurl``."""
    name = name.strip()
    if len(name) > 3 and name[0] in "$@&" and name[1] == "{" and name.endswith("}"):
        name = name[2:-1]
    return re.sub(r"[\s_]", "", name).lower()


_PROTECTED = {normalise_variable_name(name): name for name in PROTECTED_VARIABLES}


def protected_variable(name: str) -> str | None:
    """The protected variable ``name`` stands for, or None."""
    return _PROTECTED.get(normalise_variable_name(name))


def _refuse_protected(name: str, where: str) -> None:
    protected = protected_variable(name)
    if protected:
        raise OptionError(
            f"{where} sets ${{{protected}}}, which decides what is tested and how: it is set only through "
            f"the environment ({PROTECTED_VARIABLES[protected]}), never with --variable or a variable file"
        )


def resolve_variablefile(text: str) -> tuple[Path, list[str]]:
    """A path (with Robot's optional ``:arg`` suffix), or the name of a file in ``variables/``
    (``staging`` -> ``variables/staging.py``); returns the file and its arguments."""
    from robot.utils import split_args_from_name_or_path

    name, args = split_args_from_name_or_path(text)
    path = Path(name).expanduser()
    if path.is_file():
        return path.resolve(), list(args)
    for candidate in (REPO_ROOT / "variables" / name, REPO_ROOT / "variables" / f"{name}.py"):
        if candidate.is_file():
            return candidate, list(args)
    raise OptionError(f"variable file not found: {text}")


#: Variable files read as profiles: untrusted data, loaded with the profile tooling's safe loader
#: (size cap, no object tags, an alias budget) and validated against the committed schema.
PROFILE_SUFFIXES = (".yaml", ".yml", ".json")
#: What only a profile may set (its waivers and the policies it loosens, both printed with every
#: verdict): never a --variable or a Python variable file.
PROFILE_ONLY_VARIABLES = ("POLICIES", "WAIVERS")


def variablefile_path(text: str) -> Path:
    """The file of a checked ``--variablefile`` value (``path[:arg...]``; a Windows drive kept)."""
    drive, rest = (text[:2], text[2:]) if text[1:2] == ":" else ("", text)
    return Path(drive + rest.split(":", 1)[0])


def is_profile(path: Path) -> bool:
    """Whether the variable file ``path`` is a profile (YAML or JSON data, not Python code)."""
    return path.suffix.lower() in PROFILE_SUFFIXES


def check_profile_file(path: Path) -> None:
    """Load the profile ``path`` safely and validate it; an OptionError names each problem (key and line)."""
    from smoke_runner.profiles import ProfileError, load_profile

    try:
        profile = load_profile(path)
    except ProfileError as error:
        raise OptionError(f"profile {path}: {error}") from None
    for name in profile.own:
        _refuse_protected(str(name), f"profile {path}")
    if profile.schema_problems:
        raise OptionError("; ".join(str(problem) for problem in profile.schema_problems))


def check_variable_file(path: Path, args: Sequence[str] = ()) -> None:
    """Check a variable file before any robot process loads it: a profile (YAML/JSON) with the
    profile tooling; a Python variable file with Robot's own loader, refused when it sets a
    protected variable or what only a profile may set."""
    if is_profile(path):
        check_profile_file(path)
        return
    from robot.errors import DataError
    from robot.variables import Variables

    variables = Variables()
    try:
        variables.set_from_file(str(path.resolve()), list(args))
    except DataError as error:
        raise OptionError(f"variable file {path} cannot be loaded: {str(error).splitlines()[0]}") from None
    for name in variables.as_dict():
        _refuse_protected(str(name), f"variable file {path}")
        _refuse_profile_only(str(name), f"variable file {path}")


def _refuse_profile_only(name: str, where: str) -> None:
    if normalise_variable_name(name) in {normalise_variable_name(only) for only in PROFILE_ONLY_VARIABLES}:
        raise OptionError(
            f"{where} sets ${{{name.strip('${}')}}}: waivers and policies are set only by a profile "
            "(variables/profiles/*.yaml), where every run prints them"
        )


def overrides(variable_args: Sequence[str], variablefiles: Sequence[str]) -> list[str]:
    """Every variable the run sets from outside the repository's defaults: ``--variable`` values and
    what Python variable files set (profiles are data of their own, named with the verdict), as
    ``NAME=VALUE (where)`` lines for the summary, the history and the JUnit properties."""
    from robot.errors import DataError
    from robot.variables import Variables

    found = []
    for argument in variable_args:
        name, _, value = argument.partition(":")
        found.append(f"{name}={value} (--variable)")
    for text in variablefiles:
        path = variablefile_path(text)
        if is_profile(path):
            continue
        variables = Variables()
        try:
            variables.set_from_file(str(path))
        except DataError:
            continue  # checked when it was given: it loads
        shown = _shown_path(path)
        found += [f"{str(name).strip('${}')}={value!r} ({shown})" for name, value in variables.as_dict().items()]
    return found


def _shown_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def checked_variablefile(text: str) -> str:
    """``text`` resolved (``staging`` -> ``<repo>/variables/staging.py``) and checked; Robot's
    ``path:arg`` form keeps its arguments."""
    path, file_args = resolve_variablefile(text)
    check_variable_file(path, file_args)
    return ":".join([str(path), *file_args])


def check_listener(text: str) -> str:
    """``text`` (``--listener NAME[:ARG...]``) when it names an allowed listener, in the form the
    runner hands on: ``allure_robotframework[:FOLDER]`` (the folder made absolute: the robot
    processes run elsewhere), or the absolute path of a file in ``listeners/`` (given as ``NAME``,
    ``NAME.py`` or its path) with its arguments. Anything else raises ``OptionError``."""
    from robot.utils import split_args_from_name_or_path

    from smoke_runner.domain.redaction import redact

    if redact(text) != text:
        raise OptionError("--listener: its arguments hold a secret; a listener reads secrets from the environment")
    name, args = split_args_from_name_or_path(text)
    if name == ALLURE_LISTENER:
        import importlib.util

        if importlib.util.find_spec(ALLURE_LISTENER) is None:
            raise OptionError(
                f"--listener {ALLURE_LISTENER}: Allure's listener is not installed "
                "(pip install allure-robotframework into the runner's Python)"
            )
        if len(args) > 1:
            raise OptionError(f"--listener {ALLURE_LISTENER} takes one argument, its results folder")
        return _listener_spec(name, [str(Path(args[0]).expanduser().resolve())] if args else [])
    folder = LISTENERS_DIR.resolve()
    for candidate in (Path(name).expanduser(), REPO_ROOT / name, LISTENERS_DIR / name, LISTENERS_DIR / f"{name}.py"):
        if candidate.suffix == ".py" and candidate.is_file():
            path = candidate.resolve()
            if path.parent == folder:
                return _listener_spec(str(path), args)
    raise OptionError(
        f"--listener {name} is not allowed: only {ALLURE_LISTENER} (Allure) and the listener files in "
        f"{folder} (--listener NAME for listeners/NAME.py) are (see docs/runner.md#listeners)"
    )


def _listener_spec(name: str, args: Sequence[str]) -> str:
    """``name`` and ``args`` as Robot reads ``--listener`` (``;`` between them when an argument holds ``:``)."""
    if not args:
        return name
    separator = ";" if any(":" in arg for arg in args) else ":"
    if any(separator in arg for arg in args):
        raise OptionError(f"--listener {name}: an argument holds both ':' and ';', which Robot cannot tell apart")
    return separator.join([name, *args])


def listener_options(listeners: Sequence[str], run_dir: Path) -> list[str]:
    """The robot options of the checked ``listeners`` for the run in ``run_dir``: Allure without a
    folder writes into ``run_dir/allure-results``."""
    return [
        f"--listener={_listener_spec(spec, [str(run_dir / ALLURE_RESULTS)]) if spec == ALLURE_LISTENER else spec}"
        for spec in listeners
    ]


def _refuse_pabot_options(args: Sequence[str]) -> None:
    for arg in args:
        if _PABOT_ARGUMENTFILE.match(arg):
            raise OptionError(
                f"pabot's {arg} cannot be passed through: it runs the suites once more per file "
                "with other options; use --argumentfile FILE, which is read and checked"
            )
        if not arg.startswith("--") or arg[2:] not in PABOT_OPTIONS:
            continue
        name = arg[2:]
        if name in SHARDING:
            raise OptionError(
                f"--{name} cannot be passed through: it changes which tests run (sharding), "
                "and a gate runs every selected test"
            )
        if name == "processes":
            raise OptionError("pabot's --processes cannot be passed through: use the runner's --processes N")
        raise OptionError(f"pabot's --{name} cannot be passed through: the runner sets pabot's options itself")


def _robot_parser(env_options: str | None) -> ArgumentParser:
    from robot.run import USAGE
    from robot.utils import ArgumentParser

    return ArgumentParser(USAGE, auto_argumentfile=True, env_options=env_options)


def _given(args: Sequence[str], env: Mapping[str, str]) -> dict[str, object]:
    """The robot options ``args`` (and ``ROBOT_OPTIONS``) set, as robot's own parser reads them."""
    from robot.errors import DataError, Information

    if not args and not env.get("ROBOT_OPTIONS", "").strip():
        return {}  # nothing given: no need to ask robot's parser (a tenth of a second)
    marker = "__smoke_runner_source__"
    saved = os.environ.get("ROBOT_OPTIONS")
    if env.get("ROBOT_OPTIONS", "").strip():
        os.environ["ROBOT_OPTIONS"] = env["ROBOT_OPTIONS"]
    else:
        os.environ.pop("ROBOT_OPTIONS", None)
    try:
        baseline = _robot_parser(None).parse_args([marker])[0]
        parsed, sources = _robot_parser("ROBOT_OPTIONS").parse_args([*args, marker])
    except Information:
        raise OptionError("--help/--version of pabot/robot cannot be passed through; use the runner's --help") from None
    except DataError as error:
        raise OptionError(f"pabot/robot option error: {str(error).splitlines()[0]}") from None
    finally:
        if saved is None:
            os.environ.pop("ROBOT_OPTIONS", None)
        else:
            os.environ["ROBOT_OPTIONS"] = saved
    strays = [source for source in sources if source != marker]
    if strays:
        raise OptionError(f"unexpected argument {strays[0]!r} (suites are chosen with --suite)")
    return {name: value for name, value in parsed.items() if baseline.get(name) != value}


def _refuse(name: str) -> None:
    if name == "dryrun":
        raise OptionError(
            "--dryrun cannot be passed through: use the runner's own --dryrun, "
            "which labels the run DRY RUN and never gives a verdict"
        )
    if name.startswith("skip"):
        raise OptionError(f"--{name} cannot be passed through: skipped tests or teardowns never fail the gate")
    if name in MANAGED:
        raise OptionError(f"--{name} is managed by the runner and cannot be passed through")
    allowed = ", ".join(f"--{option}" for option in ALLOWED)
    raise OptionError(f"--{name} cannot be passed through: only {allowed} are (see docs/runner.md#options)")


def _values(given: Mapping[str, object], name: str) -> list[str]:
    """The values of option ``name`` as a list of strings (empty when not given)."""
    value = given.get(name)
    if value is None:
        return []
    return [str(item) for item in value] if isinstance(value, (list, tuple)) else [str(value)]


def parse_passthrough(args: Sequence[str], env: Mapping[str, str] | None = None) -> PassThrough:
    """Check the pass-through options ``args`` (and ``ROBOT_OPTIONS`` of ``env``); raise OptionError
    for anything that is not allowed."""
    env = os.environ if env is None else env
    if env.get("REBOT_OPTIONS", "").strip():
        raise OptionError("REBOT_OPTIONS is set: the runner's merge of the results cannot be changed; unset it")
    _refuse_pabot_options(args)
    given = _given(args, env)
    for name in sorted(given):
        if name not in ALLOWED:
            _refuse(name)
    for variable in _values(given, "variable"):
        name = variable.split(":", 1)[0]
        _refuse_protected(name, f"--variable {name}")
        _refuse_profile_only(name, f"--variable {name}")
    _refuse_resolved_text(given)
    for tag in _values(given, "settag"):
        if normalized_tag(tag).startswith(RESERVED_TAG_PREFIX):
            raise OptionError(
                f"--settag {tag}: Robot's reserved robot:* tags (robot:skip, robot:exclude "
                "and the others, in any spelling Robot accepts) change how tests end and cannot be set"
            )
    for metadata in _values(given, "metadata"):
        name = metadata.split(":", 1)[0]
        if normalized_tag(name) in RESERVED_METADATA:
            raise OptionError(
                f"--metadata {name}: the runner writes that metadata itself (the verdict and its evidence)"
            )
    result = PassThrough(
        tests=_values(given, "test") + _values(given, "task"),
        include=_values(given, "include"),
        exclude=_values(given, "exclude"),
        variablefiles=[checked_variablefile(text) for text in _values(given, "variablefile")],
        listeners=[check_listener(text) for text in _values(given, "listener")],
    )
    for name in given:
        if name not in _SELECTION:
            result.args += [f"--{name}={value}" for value in _values(given, name)]
    return result
