"""Keeps passwords, bearer tokens and webhook secrets out of every Robot Framework artifact.

Three layers, because no single one is enough (see ``known-traps.md``):

1. A registry of secret *values*: every secret the library sees (``TEST_PASSWORD``, the user part
   of ``PRODUCTION_URL``, access tokens read from login responses, webhook secrets read from
   creation responses) is registered in every spelling (URL- and form-encoded, JSON-, HTML- and
   XML-escaped, repr) and replaced by ``***`` wherever it appears. Answers are searched at the
   registered secret locations (JSONPath, e.g. ``$.access_token``) before they are logged.
2. Pattern masking for what was never registered: ``Bearer <token>``, JWT-shaped strings,
   ``whsec_`` secrets and JSON fields named like ``password`` or ``secret``.
3. A Robot Framework listener (installed by ``SmokeLibrary``) that applies both to every log
   message (cut at ``LOG_MESSAGE_LIMIT`` characters first), keyword argument and failure message
   *before* it reaches output.xml, log.html, report.html, xUnit or the console. RequestsLibrary logs
   every request and answer itself; the library's transport registers each answer's secrets
   (``register_answer_secrets``) before that, so the listener masks them there too.

Masking runs in linear time: long bodies are cut before they are masked, and every pattern is
anchored at word starts with possessive repetitions. It is also cheap, because the listener masks
every message, argument and documentation string of a run (about ten thousand a suite): the
registered spellings are found in a single pass of one compiled pattern (a trie of their first
characters, recompiled only when a secret with new first characters is registered), the
secret-shape patterns run only when the text contains what they need (``eyJ``, ``://``, a secret
word...), and the masked form of a short text is remembered until the next secret is registered.
"""

from __future__ import annotations

import html
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import quote, quote_plus, unquote, urlsplit

from jsonpath_ng.exceptions import JSONPathError
from jsonpath_ng.ext.parser import ExtendedJsonPathParser
from jsonpath_ng.ext.string import DefintionInvalid as JSONPathFunctionError

MASK = "***"
#: Words that make a field secret wherever they appear in its name (``new_password``,
#: ``signing_secret``, ``apiKey``, ``X-Auth-Token``); ``token_type`` is not a secret.
_SECRET_WORDS = (
    r"(?:pass(?:word|wd|phrase)|secret|token(?!_?type)|api[-_]?key|authorization|credential|private[-_]?key)"
)
_SECRET_WORD = re.compile(_SECRET_WORDS, re.IGNORECASE)
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-signature-256", "x-api-key"}
)


class _SensitiveKeys:
    """``SENSITIVE_KEYS.match(name)``: whether a field name holds a secret (linear in the name)."""

    @staticmethod
    def match(name: str) -> bool:
        return _SECRET_WORD.search(name) is not None


SENSITIVE_KEYS = _SensitiveKeys()


def _mask_key_value(match: re.Match[str]) -> str:
    quote_char = '"' if match.group("dq") is not None else "'"
    return f"{match.group('key')}{quote_char}{MASK}{quote_char}"


# Every pattern runs in linear time, whatever the text: each starts only at the beginning of a
# word (a look-behind) or at a fixed prefix, and each repetition is followed by something it cannot
# itself match (a word, then a quote or "="), so a failed match gives characters back one at a time
# and never tries a split twice. (The old ``[\w-]*password[\w-]*`` could start at every character
# of a long word: 60 KB took minutes.) tests/security/test_masking_structure.py times hostile shapes.
_KEY = rf"(?<![\w-])[\"']?(?=[\w-]*?{_SECRET_WORDS})[\w-]+[\"']?"
#: A value that is an ordinary literal (true, false, null...) is a setting, never a secret.
_NOT_A_LITERAL = r"(?!(?:true|false|null|none|yes|no|on|off)(?![\w-]))"
_PATTERNS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"(?i)(?<![\w-])(bearer\s+)[A-Za-z0-9\-_.~+/=]+"), r"\1" + MASK),
    (re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*"), MASK),
    (re.compile(r"whsec_[A-Za-z0-9_\-]+"), MASK),
    (re.compile(r"(?i)(?<![\w-])(basic\s+)[A-Za-z0-9+/=]{8,}"), r"\1" + MASK),
    # the user part of a URL (https://user:password@host, https://<token>@host)
    (re.compile(r"(://)[^/:@\s]+(?::[^/@\s]*)?@"), r"\1" + MASK + "@"),
    (  # "new_password": "…", 'apiKey'='…' (escaped quotes inside the value included)
        re.compile(rf"""(?i)(?P<key>{_KEY}\s*[:=]\s*)(?:"(?P<dq>(?:\\.|[^"\\])*)"|'(?P<sq>(?:\\.|[^'\\])*)')"""),
        _mask_key_value,
    ),
    (  # form-encoded or query text: password=…&secret=… (not a literal such as ..._CREDENTIALS=true)
        re.compile(rf"""(?i)((?<![\w-])(?=[\w-]*?{_SECRET_WORDS})[\w-]+=)(?!["']){_NOT_A_LITERAL}[^&\s"',;]+"""),
        r"\1" + MASK,
    ),
)


def _contains(*parts: str) -> Callable[[str], object]:
    return lambda text: all(part in text for part in parts)


#: What each of ``_PATTERNS`` needs in a text to match at all (the same flags, so never stricter):
#: a pattern runs only on a text that passes its gate, so that most messages cost a few substring
#: searches instead of seven regular-expression scans.
_GATES: tuple[Callable[[str], object], ...] = (
    re.compile(r"(?i)bearer\s").search,
    _contains("eyJ", "."),
    _contains("whsec_"),
    re.compile(r"(?i)basic\s").search,
    _contains("://", "@"),
    _SECRET_WORD.search,
    _SECRET_WORD.search,
)
assert len(_GATES) == len(_PATTERNS)
#: Matches wherever any gate could pass (a superset): a text without it skips every pattern.
_ANY_GATE = re.compile(rf"(?i)bearer\s|basic\s|eyJ|whsec_|://|{_SECRET_WORDS}")
LOG_BODY_LIMIT = 2000
#: The longest log message kept whole (characters); a longer one is cut before it is masked.
LOG_MESSAGE_LIMIT = 4_000
#: The most answers withheld from the log at a time (``withhold_answer``), the newest kept.
MAX_WITHHELD_ANSWERS = 16
_WITHHELD_PREFIX = 200  # an answer is recognised in a message by its first characters
_CUT_MARGIN = 4096  # characters masked beyond a cut, so that a secret across it is masked whole
_MIN_SECRET_LENGTH = 4

_lock = threading.Lock()
_secrets: set[str] = set()
_ordered: list[str] = []  # _secrets, longest first (an encoded form may contain the plain one)
_locations: dict[str, Any] = {}
_withheld: dict[str, str] = {}  # the start of a withheld answer -> what the log shows instead
#: Counts registrations that added a spelling: the search index and the remembered masked texts
#: belong to one generation and are rebuilt or forgotten when it changes.
_generation = 0
_PREFIX = 8  # spellings are found by their first characters (one small pattern), then compared whole


class _SecretIndex:
    """The registered spellings of one generation: a pattern of their prefixes (``_PREFIX``
    characters: small, and unchanged when a new token shares its prefix with earlier ones, as JWTs
    do) and, per prefix, the spellings that start with it, longest first."""

    def __init__(self, generation: int, words: list[str], previous: _SecretIndex | None) -> None:
        self.generation = generation
        self.buckets: dict[str, list[str]] = {}
        for word in words:  # longest first
            self.buckets.setdefault(word[:_PREFIX], []).append(word)
        self.prefixes = frozenset(self.buckets)
        self.pattern: re.Pattern[str] | None
        if previous is not None and previous.prefixes == self.prefixes:
            self.pattern = previous.pattern  # nothing new to look for first: no recompilation
        elif self.prefixes:
            try:
                self.pattern = re.compile(_trie_regex(_trie(self.prefixes)))
            except (RecursionError, re.error):  # absurdly nested prefixes: a plain alternation
                self.pattern = re.compile("|".join(re.escape(prefix) for prefix in sorted(self.prefixes)))
        else:
            self.pattern = None

    def end_at(self, text: str, start: int) -> int:
        """The end of the longest spelling at ``start`` of ``text``, or -1."""
        for length in range(min(_PREFIX, len(text) - start), _MIN_SECRET_LENGTH - 1, -1):
            for word in self.buckets.get(text[start : start + length], ()):
                if text.startswith(word, start):
                    return start + len(word)
        return -1


_index: _SecretIndex | None = None
_MEMO_TEXT_LIMIT = 4096  # longer texts are masked every time (they are rare, and large)

_END = ""  # the key that marks "a spelling ends here" in a trie node (a real key is one character)


def _trie(words: Iterable[str]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[_END] = {}
    return root


def _trie_regex(node: Mapping[str, Any]) -> str:
    """A regular expression that matches exactly the words of trie ``node``, the longest first.

    Branches start with distinct characters, so at most one of them gets past its first character:
    a match attempt costs at most the longest spelling's length, whatever the text (no
    backtracking over repetitions: there are none). Chains without branches are emitted as one
    literal, so the nesting depth is the number of branch points, not the spellings' length.
    """
    branches = []
    for char in sorted(key for key in node if key != _END):
        literal = [re.escape(char)]
        child = node[char]
        while len(child) == 1 and _END not in child:
            ((next_char, child),) = child.items()
            literal.append(re.escape(next_char))
        branches.append("".join(literal) + _trie_regex(child))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    if _END in node:
        return f"(?:{body})?" if len(branches) == 1 else f"{body}?"
    return body


def _secret_index() -> _SecretIndex:
    """The index of the registered spellings, rebuilt once per generation."""
    global _index
    index = _index
    if index is not None and index.generation == _generation:
        return index
    with _lock:
        generation, words = _generation, list(_ordered)
    index = _SecretIndex(generation, words, index)
    _index = index
    return index


def _secret_spans(text: str) -> list[tuple[int, int]]:
    """Where registered spellings occur in ``text``, overlapping occurrences merged into one span.

    One search finds the leftmost place where a spelling's prefix occurs, and the spellings with
    that prefix are compared there; only inside a match is every position tried again, for a
    spelling that starts inside it and reaches further. Linear: each position costs at most the
    prefix length in the pattern and one comparison per spelling sharing the prefix.
    """
    index = _secret_index()
    spans: list[tuple[int, int]] = []
    if index.pattern is None:
        return spans
    position = 0
    while (found := index.pattern.search(text, position)) is not None:
        start = found.start()
        end = index.end_at(text, start)
        if end < 0:
            position = start + 1
            continue
        inside = start + 1
        while inside < end:
            if index.pattern.match(text, inside) is not None:
                end = max(end, index.end_at(text, inside))
            inside += 1
        spans.append((start, end))
        position = end
    return spans


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


#: The spellings in which a secret can reach an artifact: URL-encoded (path and query, form
#: bodies), JSON strings, Python reprs (Robot logs arguments with repr), HTML and XML text.
_ENCODINGS: tuple[Callable[[str], str], ...] = (
    lambda text: quote(text, safe=""),
    quote,
    quote_plus,
    lambda text: json.dumps(text)[1:-1],
    lambda text: json.dumps(text, ensure_ascii=False)[1:-1],
    lambda text: repr(text)[1:-1],
    lambda text: html.escape(text, quote=True),
    lambda text: html.escape(text, quote=False),
    _xml_escape,
)


def secret_forms(value: str) -> set[str]:
    """``value`` and every encoding of it, also encodings of encodings (a JSON string in HTML)."""
    forms = {value}
    for _ in range(2):
        forms |= {encode(form) for form in forms for encode in _ENCODINGS}
    return forms


#: Values that are never a secret worth masking (a JSON literal where an answer should hold a token):
#: masking them would eat ordinary words, such as the "true" of "ALLOW_PLAINTEXT_CREDENTIALS=true".
_ORDINARY_WORDS = frozenset({"true", "false", "null", "none", "yes", "no", "on", "off"})


def register_secret(value: object) -> None:
    """Remember ``value`` (in every spelling of ``secret_forms``) so that it is masked wherever it appears later.

    Booleans, ``None`` and ordinary literal words (``true``, ``null``...) are not secrets and are not remembered."""
    register_secrets((value,))


def register_secrets(values: Iterable[object]) -> None:
    """``register_secret`` for each of ``values``, with one update of the registry for all of them."""
    forms: set[str] = set()
    for value in values:
        if value is None or isinstance(value, bool):
            continue
        text = str(value)
        if len(text) < _MIN_SECRET_LENGTH or text.strip().lower() in _ORDINARY_WORDS:
            continue
        forms.update(form for form in secret_forms(text) if len(form) >= _MIN_SECRET_LENGTH)
    global _generation
    with _lock:
        if forms <= _secrets:
            return
        _secrets.update(forms)
        _ordered[:] = sorted(_secrets, key=len, reverse=True)
        _generation += 1


def known_secrets() -> list[str]:
    """Every registered secret in every registered spelling, longest first."""
    with _lock:
        return list(_ordered)


def contains_secret(text: str | bytes | None) -> bool:
    """Whether ``text`` holds a registered secret in any of its spellings."""
    if not text:
        return False
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return bool(_secret_spans(text))


def register_url_credentials(url: str) -> None:
    """Register the user part of ``url`` (``user:password`` or a token as user name), decoded and as written."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return
    for value in (parts.username, parts.password):
        if value:
            register_secret(value)
            register_secret(unquote(value))


def register_environment_secrets() -> None:
    """Register the secrets that arrive through the environment.

    ``TEST_PASSWORD``, and the user part of ``PRODUCTION_URL`` (``https://user:pw@host`` or
    ``https://<token>@host``): it would otherwise appear in every logged request URL.
    """
    for name in ("TEST_PASSWORD",):
        if os.environ.get(name):
            register_secret(os.environ[name])
    register_url_credentials(os.environ.get("PRODUCTION_URL", ""))


_jsonpath_parser: ExtendedJsonPathParser | None = None
_jsonpath_lock = threading.Lock()


def parse_jsonpath(location: str) -> Any:
    """``location`` parsed by jsonpath-ng's extended parser (JSONLibrary's), one parser reused: a new
    one per expression, as ``jsonpath_ng.ext.parse`` makes, costs three times the parse."""
    global _jsonpath_parser
    with _jsonpath_lock:  # the parser keeps its state while it parses
        if _jsonpath_parser is None:
            _jsonpath_parser = ExtendedJsonPathParser()
        return _jsonpath_parser.parse(location)


@lru_cache(maxsize=512)
def _compiled_location(location: str) -> Any:
    try:
        return parse_jsonpath(location)
    # Lexer and parser errors, a malformed string function (`split(x)`), a bad regex in `sub(/(/, x)`.
    except (JSONPathError, JSONPathFunctionError, re.error) as error:
        raise AssertionError(f"{location!r} is not a JSONPath expression (e.g. $.session.token): {error}") from None


def values_at(data: Any, location: str) -> list[Any]:
    """The values found at JSONPath ``location`` (``$.access_token``, ``$.session.key``) in ``data``.

    The same expressions as JSONLibrary's ``Get Value From Json``.
    """
    return [match.value for match in _compiled_location(location).find(data)]


def register_secret_locations(locations: Iterable[str]) -> None:
    """Remember where answers hold secrets (JSONPath expressions such as ``$.access_token``).

    Every answer logged from now on is searched there first, and what is found is registered
    as a secret before anything of the answer is logged.
    """
    for location in locations:
        if location and str(location).strip():
            compiled = _compiled_location(str(location).strip())
            with _lock:
                _locations[str(location).strip()] = compiled


def secret_locations() -> list[str]:
    """The JSONPath expressions registered with ``register_secret_locations``."""
    with _lock:
        return list(_locations)


def register_secrets_found_in(data: Any) -> bool:
    """Register every value at a registered secret location of JSON ``data``; whether one was found."""
    found = False
    for location in secret_locations():
        for value in values_at(data, location):
            if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value):
                register_secret(value)
                found = True
    return found


def mask_text(text: str) -> str:
    """Return ``text`` with every registered secret and every secret-looking value masked."""
    if not text:
        return text
    if len(text) > _MEMO_TEXT_LIMIT:
        return _mask(text)
    return _remembered_mask(text, _generation)


@lru_cache(maxsize=2048)
def _remembered_mask(text: str, generation: int) -> str:
    """``_mask(text)``, remembered per generation of the registry (a new secret forgets nothing
    it must not: the key changes, so every text is masked again with the new secret)."""
    return _mask(text)


def _mask(text: str) -> str:
    spans = _secret_spans(text)
    if spans:
        pieces, done = [], 0
        for start, end in spans:
            pieces += [text[done:start], MASK]
            done = end
        pieces.append(text[done:])
        text = "".join(pieces)
    if _ANY_GATE.search(text) is None:
        return text
    for (pattern, replacement), gate in zip(_PATTERNS, _GATES):
        if gate(text):
            text = pattern.sub(replacement, text)
    return text


def mask_data(data: Any) -> Any:
    """Return a copy of JSON-like ``data`` with sensitive fields and registered values masked."""
    if isinstance(data, dict):
        return {
            key: MASK if SENSITIVE_KEYS.match(str(key)) and value else mask_data(value) for key, value in data.items()
        }
    if isinstance(data, list):
        return [mask_data(item) for item in data]
    if isinstance(data, str):
        return mask_text(data)
    return data


def mask_body(body: Any, limit: int = LOG_BODY_LIMIT) -> str:
    """Return a request or response body as masked, length-bounded text for the log.

    A long body is cut *before* it is masked, so that masking time depends on ``limit``, not on
    what the server sent; the cut leaves a margin in which a secret crossing it is still whole.
    """
    if body is None or body == b"" or body == "":
        return ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    text = str(body)
    if len(text) <= limit:
        try:
            masked = mask_text(json.dumps(mask_data(json.loads(text)), ensure_ascii=False))
        except (ValueError, TypeError, RecursionError):
            masked = mask_text(text)
        if len(masked) <= limit:
            return masked
    return _cut_and_mask(text, limit)


def _cut_and_mask(text: str, limit: int) -> str:
    """``text`` cut at ``limit`` characters, then masked, with a note of what was cut: masking time
    depends on ``limit``, and the margin masked beyond the cut keeps a secret across it whole."""
    with _lock:
        longest = len(_ordered[0]) if _ordered else 0
    margin = max(_CUT_MARGIN, longest)
    window = mask_text(text[: limit + margin])
    return f"{window[:limit]}… ({len(text) - limit} more characters not logged)"


def mask_for_log(text: str, limit: int = LOG_MESSAGE_LIMIT) -> str:
    """A log message masked, and cut at ``limit`` characters first when longer (RequestsLibrary logs
    whole bodies at ``--loglevel DEBUG``; an answer may be up to ``MAX_RESPONSE_BYTES``)."""
    if not text or len(text) <= limit:
        return mask_text(text)
    return _cut_and_mask(text, limit)


def json_or_none(content: bytes | str | None) -> Any:
    """``content`` parsed as JSON, or None when it is not JSON."""
    if not content:
        return None
    try:
        return json.loads(content)
    except (ValueError, TypeError, RecursionError):
        return None


def keys_of(data: Any) -> str:
    """The field names of JSON ``data`` (nested ones as ``a.b``), never a value."""
    names: list[str] = []

    def walk(item: Any, prefix: str, depth: int) -> None:
        if isinstance(item, dict):
            for key, value in item.items():
                names.append(f"{prefix}{key}")
                if depth < 2:
                    walk(value, f"{prefix}{key}.", depth + 1)
        elif isinstance(item, list) and not prefix:
            names.append(f"[{len(item)} items]")

    walk(data, "", 0)
    return mask_text(", ".join(names[:50]) or "none")


def answer_for_log(response: Any, limit: int = LOG_BODY_LIMIT) -> str:
    """The body of ``response`` as it may be logged: masked, cut at ``limit``, with a note when cut.

    First registers every value at a secret location (``register_secret_locations``), so that a
    token is masked wherever the answer repeats it. A successful JSON answer to a request that
    carried a password or token in its body, in which no secret location holds a value, is shown
    by its keys only: the suite does not know where its secret is.
    """
    text = getattr(response, "text", "") or ""
    data = json_or_none(getattr(response, "content", None) or text)
    found = data is not None and register_secrets_found_in(data)
    request = getattr(response, "request", None)
    if (
        data is not None
        and not found
        and 200 <= int(getattr(response, "status_code", 0)) < 300
        and contains_secret(getattr(request, "body", None))
    ):
        text = (
            f"<values not shown: no secret at {' or '.join(secret_locations()) or 'any known location'} "
            f"in this answer to a request that carried credentials; its keys: {keys_of(data)}>"
        )
    else:
        text = mask_body(text, limit) or "<empty body>"
    cut_at = getattr(response, "cut_at_bytes", None)
    if cut_at:
        text += f" [the answer was cut at {cut_at} bytes (MAX_RESPONSE_BYTES); the rest was not read]"
    return text


class MaskedDict(dict[str, Any]):
    """A JSON payload whose printed form never shows its sensitive fields.

    ``requests`` serialises the real values; Robot Framework's log shows ``repr``.
    """

    def __repr__(self) -> str:
        return repr(mask_data(dict(self)))

    __str__ = __repr__


class MaskingListener:
    """Listener (API v3) that masks secrets in everything Robot Framework records."""

    ROBOT_LISTENER_API_VERSION = 3
    #: Called before every other listener (Robot Framework 7 calls the highest priority first, and
    #: command-line listeners before library listeners of the same priority): what Allure or a team's
    #: listener (--listener) receives is masked already.
    ROBOT_LISTENER_PRIORITY = 1000

    def __init__(self) -> None:
        register_environment_secrets()

    def log_message(self, message: Any) -> None:
        text = without_withheld_answers(message.message)
        message.message = mask_text(text) if message.html else mask_for_log(text)

    def message(self, message: Any) -> None:
        message.message = mask_text(message.message) if message.html else mask_for_log(message.message)

    def end_keyword(self, data: Any, result: Any) -> None:
        # Called for every keyword: the arguments are replaced only when masking changed one.
        args = result.args
        if args:
            masked = tuple(mask_text(str(arg)) for arg in args)
            if masked != args:
                result.args = masked
        _mask_message_and_doc(result)

    def end_test(self, data: Any, result: Any) -> None:
        _mask_message_and_doc(result)

    def end_suite(self, data: Any, result: Any) -> None:
        _mask_message_and_doc(result)


def _mask_message_and_doc(result: Any) -> None:
    """Failure messages and documentation (Robot resolves variables such as ``${BASE_URL}`` in it)."""
    for name in ("message", "doc"):
        text = getattr(result, name, None)
        if text:
            masked = mask_text(text)
            if masked != text:
                setattr(result, name, masked)


def register_answer_secrets(response: Any) -> None:
    """Register, before anything of ``response`` is logged, every secret it brings.

    - every value at a registered secret location (``register_secret_locations``);
    - the values of credential headers sent (``Authorization``, ``Cookie``, ``X-API-Key``...) and
      the cookies the answer sets;

    A successful JSON answer to a request that carried a password or token, with nothing at any
    secret location (a registration; a login whose token sits elsewhere), is *withheld*: the suite
    does not know which of its values is a secret, so wherever a log message shows that answer the
    listener shows its keys instead (``withhold_answer``), as every failure message does.

    The library's transport (``GuardedAdapter``) calls it for every answer, so RequestsLibrary's own
    request and response logging, which the masking listener masks, never shows these values either.
    """
    request = getattr(response, "request", None)
    for headers in (getattr(request, "headers", None) or {}, getattr(response, "headers", None) or {}):
        for name, value in dict(headers).items():
            if str(name).lower() in SENSITIVE_HEADERS and value:
                register_secret(str(value))
                register_secret(str(value).split()[-1])
    for cookie in getattr(response, "cookies", None) or ():
        if cookie.value:
            register_secret(cookie.value)
    data = json_or_none(getattr(response, "content", None))
    if data is None or register_secrets_found_in(data):
        return
    if 200 <= int(getattr(response, "status_code", 0)) < 300 and contains_secret(getattr(request, "body", None)):
        withhold_answer(getattr(response, "text", "") or "", data)


def withhold_answer(text: str, data: Any) -> None:
    """From now on, a log message that shows answer ``text`` shows the keys of its JSON ``data`` from
    there on instead (the last ``MAX_WITHHELD_ANSWERS`` answers are remembered)."""
    start = text.strip()[:_WITHHELD_PREFIX]
    if len(start) < _MIN_SECRET_LENGTH:
        return
    shown = (
        f"<values not shown: no secret at {' or '.join(secret_locations()) or 'any known location'} in this "
        f"answer to a request that carried credentials; its keys: {keys_of(data)}>"
    )
    with _lock:
        _withheld.pop(start, None)
        _withheld[start] = shown
        while len(_withheld) > MAX_WITHHELD_ANSWERS:
            _withheld.pop(next(iter(_withheld)))


def without_withheld_answers(text: str) -> str:
    """``text`` cut where it starts to show a withheld answer, followed by that answer's keys."""
    with _lock:
        if not _withheld:
            return text
        withheld = list(_withheld.items())
    for start, shown in withheld:
        at = text.find(start)
        if at >= 0:
            text = text[:at] + shown
    return text
