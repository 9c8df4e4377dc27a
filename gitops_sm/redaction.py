"""Deciding what is secret, by key name and by value shape, and hiding it from every output.

Used by the renderers (text, Markdown and the redacted ``--output json``), by ``specs`` (a
validation message about a secret field never quotes its value), by ``awsclients`` (an error
message never carries a URL's password or a token), and by ``app`` (a plan file that holds the
redaction marker is refused). Pure: strings in, strings out.

A value is secret when

* its key looks secret (``DB_PASSWORD``, ``hfToken``, ``hf_tok``, ``x-api-key``, ``webhook_url``, ...),
  also as the ``Name``/``Key`` of a ``{Name, Value}`` pair (environment, tags, v1 hyperParameters);
* it follows a secret-looking flag in an argument list (``["--password", VALUE]``) or is one
  (``--api-key=VALUE``);
* its shape says so wherever it appears: a URL with a password (``postgres://u:pw@db``), a
  webhook URL (Slack, Discord, Teams), or a known token format (AWS access key IDs, GitHub, Hugging
  Face, Slack, Stripe, OpenAI, JWTs, PEM private keys).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import pairwise
from typing import Any

SENSITIVE = "(sensitive)"

# A key is secret when its letters and digits, lower-cased and run together, contain one of these
# ("DB_PASSWORD", "AWS_SECRET_ACCESS_KEY", "apiKey", "private-key"), when a word ends in "token"
# ("hfToken", "GITHUB_TOKEN"), when a word is a common short form ("hf_tok", "db_pwd"), or when
# two adjacent words form a secret pair ("x-api-key").
_SECRET_SUBSTRINGS = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "credential",
    "apikey",
    "privatekey",
    "accesskey",
    "webhook",
)
_SECRET_WORDS = frozenset({"tok", "pwd", "pw", "pass", "dsn", "bearer"})
_SECRET_PAIRS = {("api", "key"), ("private", "key"), ("access", "key"), ("auth", "header")}
_ACRONYM_BOUNDARY = re.compile(r"([A-Z]+)([A-Z][a-z])")
_CAMEL_BOUNDARY = re.compile(r"([a-z0-9])([A-Z])")
_NAME_KEYS = ("Name", "Key", "name", "key")
_VALUE_KEYS = ("Value", "value")


def looks_secret(key: str) -> bool:
    """True when a map key, variable or flag name looks like it holds a secret (case-insensitive)."""
    spaced = _CAMEL_BOUNDARY.sub(r"\1 \2", _ACRONYM_BOUNDARY.sub(r"\1 \2", key))
    words = [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]
    compact = "".join(words)
    if any(s in compact for s in _SECRET_SUBSTRINGS):
        return True
    # "token" only as a word ending, so "max_tokens" or "tokenizer" hyperparameters stay visible.
    if any(w.endswith("token") or w in _SECRET_WORDS for w in words):
        return True
    return any(pair in _SECRET_PAIRS for pair in pairwise(words))


# --------------------------------------------------------------------------- value shapes

# scheme://user:password@host — the password part (userinfo without a password is a user name).
_URL_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@'\"]*:)(?P<secret>[^\s/@'\"]+)(?=@)")
_TOKEN_PATTERNS = (
    r"\b(?:AKIA|ASIA|AIDA|AROA)[A-Z0-9]{16}\b",  # AWS access key IDs
    r"\bgh[pousr]_[A-Za-z0-9]{20,}\b",  # GitHub tokens
    r"\bgithub_pat_[A-Za-z0-9_]{20,}\b",
    r"\bhf_[A-Za-z0-9]{20,}\b",  # Hugging Face
    r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b",  # Slack
    r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{10,}\b",  # Stripe
    r"\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}\b",  # OpenAI and alike
    r"\bglpat-[A-Za-z0-9_-]{20,}\b",  # GitLab
    r"\bAIza[0-9A-Za-z_-]{35}\b",  # Google API keys
    r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+",  # JWTs
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
    # Webhook URLs: the path is the credential.
    r"https?://hooks\.slack\.com/\S+",
    r"https?://(?:[a-z0-9-]+\.)?discord(?:app)?\.com/api/webhooks/\S+",
    r"https?://[a-z0-9-]+\.webhook\.office\.com/\S+",
    r"https?://outlook\.office\.com/webhook/\S+",
)
_TOKEN = re.compile("|".join(f"(?:{p})" for p in _TOKEN_PATTERNS))
# --password VALUE / --api-key=VALUE in a container's argument list.
_FLAG = re.compile(r"^-{1,2}(?P<name>[A-Za-z][A-Za-z0-9_.-]*)(?:=(?P<value>.*))?$", re.DOTALL)


def secret_in_text(text: str) -> bool:
    """Whether ``text`` holds a URL password, a webhook URL or a known token format."""
    return bool(_URL_PASSWORD.search(text) or _TOKEN.search(text))


def scrub_text(text: str) -> str:
    """``text`` with URL passwords, webhook URLs and known tokens replaced by ``(sensitive)``.

    For free text (error messages from AWS or botocore, validation messages) where the key of a
    value is unknown.
    """
    if not text:
        return text
    text = _URL_PASSWORD.sub(lambda m: m.group("head") + SENSITIVE, text)
    return _TOKEN.sub(SENSITIVE, text)


def hide_values(text: str, values: Any) -> str:
    """``text`` with each of ``values`` (scalars: their str, repr and YAML spelling) replaced, then scrubbed."""
    for value in values if isinstance(values, list | tuple | set) else [values]:
        if value is None or isinstance(value, dict | list):
            continue
        spellings = {str(value), repr(value)}
        if isinstance(value, bool):
            spellings.add(str(value).lower())
        for spelling in sorted(spellings, key=len, reverse=True):
            if len(spelling) >= 3 and spelling not in ("True", "False", "None", "true", "false"):
                text = text.replace(spelling, SENSITIVE)
    return scrub_text(text)


# --------------------------------------------------------------------------- structures


def is_pair_secret(item: Any) -> bool:
    """A ``{Name|Key: k, Value: v}`` entry (environment, tags, v1 hyperParameters) whose name is secret."""
    if not isinstance(item, Mapping):
        return False
    name = next((item[k] for k in _NAME_KEYS if k in item), None)
    has_value = any(k in item for k in _VALUE_KEYS)
    return has_value and isinstance(name, str) and looks_secret(name)


def _redact_pair(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (SENSITIVE if k in _VALUE_KEYS else redact(v)) for k, v in item.items()}


def redact(value: Any) -> Any:
    """A copy of ``value`` with every secret (by key, flag or shape) replaced by ``"(sensitive)"``.

    Handles maps (``{"DB_PASSWORD": …}``), name/value lists, argument lists and secret-shaped
    strings at any depth. The input is not modified.
    """
    if isinstance(value, Mapping):
        return {
            k: (SENSITIVE if isinstance(k, str) and looks_secret(k) and v is not None else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return _redact_list(list(value))
    if isinstance(value, str):
        return SENSITIVE if secret_in_text(value) else value
    return value


def _redact_list(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    hide_next = False
    for item in items:
        if hide_next and isinstance(item, str):
            out.append(SENSITIVE)
            hide_next = False
            continue
        hide_next = False
        if is_pair_secret(item):
            out.append(_redact_pair(item))
            continue
        if isinstance(item, str) and (flag := _FLAG.match(item)) and looks_secret(flag.group("name")):
            if flag.group("value") is None:
                hide_next = True
                out.append(item)
            else:
                out.append(item.split("=", 1)[0] + "=" + SENSITIVE)
            continue
        out.append(redact(item))
    return out


def is_sensitive_at(path: tuple[str | int, ...], root: Any) -> bool:
    """Whether the node at ``path`` inside ``root`` is secret: a secret key on the way, a secret pair,
    a value after a secret flag, or a secret-shaped string."""
    node = root
    parent: Any = None
    for part in path:
        if isinstance(part, str) and looks_secret(part):
            return True
        if isinstance(part, int) and isinstance(node, list):
            if 0 <= part < len(node):
                if is_pair_secret(node[part]):
                    return True
                previous = node[part - 1] if part > 0 else None
                if isinstance(previous, str) and (flag := _FLAG.match(previous)) and looks_secret(flag.group("name")):
                    return True
                parent, node = node, node[part]
                continue
            return False
        if isinstance(node, Mapping) and part in node:
            parent, node = node, node[part]
            continue
        return False
    del parent
    if isinstance(node, str):
        flag = _FLAG.match(node)
        return secret_in_text(node) or bool(flag and flag.group("value") is not None and looks_secret(flag.group("name")))
    return False


def holds_marker(value: Any) -> str | None:
    """The path of the first ``"(sensitive)"`` marker inside ``value`` (a redacted plan), if any."""
    if isinstance(value, str):
        return "" if SENSITIVE in value else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            found = holds_marker(item)
            if found is not None:
                return f".{key}{found}"
        return None
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = holds_marker(item)
            if found is not None:
                return f"[{i}]{found}"
    return None
