"""Find every spec file under a root, parse it, sort its documents into ours / skipped / broken.

Called through ``gitops_sm.specs.load_specs`` (by ``app``); ``collect_documents`` is the same
walk without normalisation. One call reads the whole tree and never raises for bad input:

1. discovery: ``*.yaml``/``*.yml`` (any case) found recursively, in sorted order; hidden
   directories and files (``.git``, ``.gitops-sm``, editor lock files) are skipped; a symlink
   (file or directory) that resolves outside the root, is broken or loops (``loop.yaml ->
   loop.yaml``) is an error on that path and is never read; a root that is a file is loaded alone.
2. parsing with line numbers (``_yaml``): file-level problems (not UTF-8, too large, syntax
   error) make the file contribute no documents.
3. identity: a foreign apiVersion (``apps/v1``, ``v1``, other groups), or an upstream kind of
   our groups that gitops-sm does not manage (``kinds.UNMANAGED_MANIFEST_KINDS``), is *skipped*
   (listed, not an error); a near miss of our apiVersions (case, spaces, version, a few edits)
   or an unknown kind under ours is an error with a did-you-mean, so a typo makes the pass
   incomplete (no stop, delete or prune) instead of making a spec look like it left git; a
   missing/non-string apiVersion or kind, or an invalid ``metadata.name``/``metadata.namespace``,
   is an error. Two documents with the same
   address are both errors and neither is planned.
4. ``_normalize.normalize_document`` turns each remaining document into a ``DesiredResource``.

A file with no document at all (empty, only comments, only ``---``) is listed as skipped at
line 1; empty documents inside a file with content are dropped silently.
"""

from __future__ import annotations

import dataclasses
import difflib
import gc
import hashlib
import os
import re
import stat
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from gitops_sm.errors import SpecError
from gitops_sm.kinds import MANIFEST_KINDS, SUPPORTED_API_VERSIONS, UNMANAGED_MANIFEST_KINDS, Kind
from gitops_sm.model import (
    Address,
    DesiredResource,
    DocumentStatus,
    DocumentStatusKind,
    Issue,
    LoadResult,
    SkippedDocument,
    SourceLocation,
    digest,
)
from gitops_sm.specs._document import Document, FieldPath, format_path
from gitops_sm.specs._yaml import MAX_FILE_BYTES, parse_spec_bytes

SPEC_SUFFIXES = (".yaml", ".yml")
DEFAULT_NAMESPACE = "default"

_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_PLACEHOLDER = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|<[^<>]*>|\{\{[^{}]*\}\}|\{[A-Z_][A-Z0-9_]*\}")
_UNQUOTED_BRACES_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

NAME_PATH: FieldPath = ("metadata", "name")
_FILE_LINE = 1  # where a problem with a whole file (not one line of it) is reported


@dataclass(frozen=True, kw_only=True)
class ManagedDocument:
    """A document of a kind we manage, with a valid address, not yet normalised."""

    document: Document
    kind: Kind
    address: Address


@dataclass(frozen=True, kw_only=True)
class Collected:
    """Everything up to normalisation: ``managed`` documents are unique by address and
    ``statuses`` holds the final status of every other document (aligned by ``order``)."""

    root: str
    managed: tuple[ManagedDocument, ...]
    issues: tuple[Issue, ...]
    skipped: tuple[SkippedDocument, ...]
    statuses: tuple[DocumentStatus, ...]
    specs_digest: str
    files: tuple[str, ...]


def load_specs(root: Path | str, *, allowed_endpoint_urls: Collection[str] = ()) -> LoadResult:
    """Load, check and normalise every spec under ``root`` (a directory, or one file).

    Never raises for bad input: every problem is a located ``Issue``. Raises ``SpecError`` only
    when ``root`` does not exist or cannot be read at all. ``allowed_endpoint_urls`` are the
    endpoint URLs the operator (never a spec) allows beyond AWS's own (``allowlist.endpoint_problem``).
    """
    # Loading builds a large, almost acyclic heap that is all kept: the cyclic collector would only
    # rescan it over and over (about a fifth of the load time at 10,000 documents, bench/bench_load.py).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load_specs(root, allowed_endpoint_urls)
    finally:
        if collecting:
            gc.enable()


def _load_specs(root: Path | str, allowed_endpoint_urls: Collection[str]) -> LoadResult:
    from gitops_sm.specs._normalize import normalize_document  # lazy: botocore's model is heavy

    collected = collect_documents(root)
    resources: list[DesiredResource] = []
    issues = list(collected.issues)
    statuses = list(collected.statuses)
    for managed in collected.managed:
        doc = managed.document
        address = str(managed.address)
        try:
            result = normalize_document(
                doc, kind=managed.kind, address=managed.address, allowed_endpoint_urls=allowed_endpoint_urls
            )
            resource, problems = result.resource, result.issues
        except Exception as exc:  # a bug must not turn one bad manifest into a traceback for all
            resource = None
            problems = (
                Issue(
                    source=doc.source,
                    address=address,
                    path="",
                    message=f"internal error while normalising this document ({type(exc).__name__}: {exc}); "
                    "please report it",
                ),
            )
        if resource is not None and not problems:
            resources.append(resource)
        else:
            issues.extend(problems)
            statuses.append(_status(doc, address=address, status=DocumentStatusKind.ERROR, issues=problems))
    documents = {str(m.address): m.document for m in collected.managed}
    unknown_variants = _unknown_variants(resources, documents)
    for resource in resources:
        doc = documents[str(resource.address)]
        problems = tuple(unknown_variants.get(str(resource.address), ()))
        if problems:
            issues.extend(problems)
        statuses.append(
            _status(doc, address=str(resource.address),
                    status=DocumentStatusKind.ERROR if problems else DocumentStatusKind.OK, issues=problems)
        )
    resources = [r for r in resources if str(r.address) not in unknown_variants]
    return LoadResult(
        root=collected.root,
        resources=tuple(sorted(resources, key=lambda r: (r.source, str(r.address)))),
        issues=tuple(sorted(issues, key=_issue_order)),
        skipped=collected.skipped,
        documents=tuple(sorted(statuses, key=lambda s: s.source)),
        specs_digest=collected.specs_digest,
    )


_RESOURCE_ID = re.compile(r"endpoint/([^/]+)/variant/([^/]+)")


def _unknown_variants(
    resources: list[DesiredResource], documents: dict[str, Document]
) -> dict[str, list[Issue]]:
    """Autoscaling specs naming a variant that the endpoint's spec in this repo does not have.

    Only endpoints some spec here creates (HostingDeployment, or an ACK Endpoint whose
    EndpointConfig is here too) are checked, in the same region as written; other endpoints are
    judged against AWS by the planner.
    """
    configs = {
        (r.region, r.names["endpoint_config"]): r for r in resources if r.kind is Kind.ENDPOINT_CONFIG
    }
    variants: dict[tuple[str | None, str], tuple[DesiredResource, set[str]]] = {}
    for res in resources:
        config_request = None
        if res.kind is Kind.HOSTING_DEPLOYMENT:
            config_request = next((q for q in res.requests if q.operation == "CreateEndpointConfig"), None)
        elif res.kind is Kind.ENDPOINT:
            config = configs.get((res.region, str(res.requests[0].params.get("EndpointConfigName"))))
            config_request = config.requests[0] if config is not None else None
        if config_request is None:
            continue
        names = {
            str(v.get("VariantName"))
            for v in config_request.params.get("ProductionVariants") or ()
            if isinstance(v, dict)
        }
        variants[(res.region, res.names["endpoint"])] = (res, names)
    found: dict[str, list[Issue]] = {}
    for res in resources:
        if not res.kind.scales_endpoints:
            continue
        doc = documents[str(res.address)]
        for request in res.requests:
            match = _RESOURCE_ID.fullmatch(str(request.params.get("ResourceId", "")))
            if match is None or (res.region, match.group(1)) not in variants:
                continue
            endpoint, variant = match.groups()
            owner, names = variants[(res.region, endpoint)]
            if variant in names:
                continue
            issue = Issue(
                source=doc.location(_variant_path(doc, endpoint, variant)),
                address=str(res.address),
                path=format_path(_variant_path(doc, endpoint, variant)),
                message=(
                    f'endpoint {endpoint} has no variant "{variant}": {owner.address} ({owner.source}) defines '
                    f"{', '.join(sorted(names)) or 'none'}"
                ),
            )
            if all(i.message != issue.message for i in found.get(str(res.address), ())):
                found.setdefault(str(res.address), []).append(issue)
    return found


def _variant_path(doc: Document, endpoint: str, variant: str) -> FieldPath:
    spec = doc.data.get("spec") if isinstance(doc.data, dict) else None
    if isinstance(spec, dict):
        listed = spec.get("resourceId")
        if isinstance(listed, list):
            for i, item in enumerate(listed):
                if isinstance(item, dict) and item.get("endpointName") == endpoint and item.get("variantName") == variant:
                    return ("spec", "resourceId", i, "variantName")
        for key in spec:
            if str(key).lower() == "resourceid":
                return ("spec", str(key))
    return ("spec",)


def collect_documents(root: Path | str) -> Collected:
    """Discover, read and parse every spec file, and sort documents into managed / skipped / errors."""
    root_path = Path(root)
    try:
        root_real = root_path.resolve(strict=True)
        root_stat = root_real.stat()
    except FileNotFoundError:
        raise SpecError(f"spec root {root_path} does not exist") from None
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop
        raise SpecError(f"spec root {root_path} cannot be read: {exc}") from None

    issues: list[Issue] = []
    if stat.S_ISDIR(root_stat.st_mode):
        if not os.access(root_real, os.R_OK | os.X_OK):
            raise SpecError(f"spec root {root_path} cannot be read: permission denied")
        files, unread = _discover(root_real)
    elif stat.S_ISREG(root_stat.st_mode):
        files, unread = [(root_real.name, root_real)], []
    else:
        raise SpecError(f"spec root {root_path} is neither a directory nor a file")

    statuses: list[DocumentStatus] = []
    skipped: list[SkippedDocument] = []
    fingerprints: list[tuple[str, str]] = []
    for relative, issue in unread:
        fingerprints.append((relative, "unread"))
        _file_error(issue, issues, statuses)

    candidates: list[tuple[Document, Kind, Address]] = []
    for relative, absolute in files:
        raw, problem = _read(relative, absolute)
        fingerprints.append((relative, hashlib.sha256(raw).hexdigest() if raw is not None else "unread"))
        if raw is None:
            assert problem is not None
            _file_error(problem, issues, statuses)
            continue
        parsed = parse_spec_bytes(raw, path=relative)
        for issue in parsed.issues:
            _file_error(issue, issues, statuses)
        if not parsed.issues and not parsed.documents:
            reason = "file has no YAML documents (it is empty or holds only comments or '---')"
            entry = SkippedDocument(
                source=SourceLocation(path=relative, line=_FILE_LINE),
                api_version=None,
                kind=None,
                reason=reason,
            )
            skipped.append(entry)
            statuses.append(
                DocumentStatus(
                    source=entry.source,
                    api_version=None,
                    kind=None,
                    address=None,
                    status=DocumentStatusKind.SKIPPED,
                    reason=reason,
                )
            )
        for parsed_doc in parsed.documents:
            doc = parsed_doc.document
            if parsed_doc.issues:
                address = _address_if_known(doc)
                problems = tuple(dataclasses.replace(issue, address=address) for issue in parsed_doc.issues)
                issues.extend(problems)
                statuses.append(
                    _status(doc, address=address, status=DocumentStatusKind.ERROR, issues=problems)
                )
                continue
            outcome = _identify(doc)
            if isinstance(outcome, SkippedDocument):
                skipped.append(outcome)
                statuses.append(
                    _status(doc, address=None, status=DocumentStatusKind.SKIPPED, reason=outcome.reason)
                )
            elif isinstance(outcome, tuple):
                candidates.append(outcome)
            else:
                issues.extend(outcome)
                statuses.append(
                    _status(doc, address=None, status=DocumentStatusKind.ERROR, issues=tuple(outcome))
                )

    managed = _without_duplicates(candidates, issues, statuses)
    return Collected(
        root=str(root_path),
        managed=managed,
        issues=tuple(issues),
        skipped=tuple(sorted(skipped, key=lambda s: s.source)),
        statuses=tuple(statuses),
        specs_digest=digest(sorted(fingerprints)),
        files=tuple(sorted(relative for relative, _ in fingerprints)),
    )


# --------------------------------------------------------------------------- discovery


def _discover(root: Path) -> tuple[list[tuple[str, Path]], list[tuple[str, Issue]]]:
    """Spec files (relative posix path, path to read) in sorted order, and paths refused unread."""
    files: list[tuple[str, Path]] = []
    refused: list[tuple[str, Issue]] = []
    visited = {root}  # real paths of directories entered: a symlink loop is walked once
    pending: list[tuple[Path, str]] = [(root, "")]
    while pending:
        directory, prefix = pending.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            relative = prefix.rstrip("/") or "."
            refused.append(
                (relative, _path_issue(relative, f"directory cannot be read: {exc.strerror or exc}"))
            )
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue  # .git, .gitops-sm, editor lock and swap files
            relative = prefix + entry.name
            is_spec_name = entry.name.lower().endswith(SPEC_SUFFIXES)
            if entry.is_symlink():
                try:
                    target = Path(entry.path).resolve()
                except (OSError, RuntimeError):  # RuntimeError: "Symlink loop" (loop.yaml -> loop.yaml)
                    if is_spec_name:
                        refused.append((relative, _path_issue(relative, "symlink loop (following it never reaches a file); not read")))
                    continue
                if not target.exists():
                    if is_spec_name:
                        refused.append(
                            (
                                relative,
                                _path_issue(relative, f"broken symlink (its target {target} does not exist)"),
                            )
                        )
                    continue
                if not target.is_relative_to(root):
                    what = "directory" if target.is_dir() else "file"
                    if target.is_dir() or is_spec_name:
                        refused.append(
                            (
                                relative,
                                _path_issue(
                                    relative,
                                    f"symlink to a {what} outside the spec root ({target}); not read",
                                ),
                            )
                        )
                    continue
                if target.is_dir():
                    if target not in visited:
                        visited.add(target)
                        pending.append((target, relative + "/"))
                elif is_spec_name:
                    files.append((relative, target))
                continue
            if entry.is_dir(follow_symlinks=False):
                real = Path(entry.path)
                visited.add(real)
                pending.append((real, relative + "/"))
            elif is_spec_name:
                files.append((relative, Path(entry.path)))
    files.sort()
    refused.sort(key=lambda item: item[0])
    return files, refused


def _read(relative: str, absolute: Path) -> tuple[bytes | None, Issue | None]:
    """The file's bytes, or why it was not read (never blocks on a FIFO, never reads a huge file)."""
    try:
        info = absolute.stat()
        if not stat.S_ISREG(info.st_mode):
            return None, _path_issue(relative, "not a regular file; not read")
        if info.st_size > MAX_FILE_BYTES:
            return None, _path_issue(
                relative,
                f"file is {info.st_size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit for a spec file; not read",
            )
        with absolute.open("rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1), None  # one byte more: _yaml reports a file that grew
    except OSError as exc:
        return None, _path_issue(relative, f"file cannot be read: {exc.strerror or exc}")


def _path_issue(relative: str, message: str) -> Issue:
    return Issue(
        source=SourceLocation(path=relative, line=_FILE_LINE), address=None, path="", message=message
    )


def _file_error(issue: Issue, issues: list[Issue], statuses: list[DocumentStatus]) -> None:
    """A file that yields no documents still gets one error status so ``validate`` lists it."""
    issues.append(issue)
    assert issue.source is not None
    statuses.append(
        DocumentStatus(
            source=issue.source,
            api_version=None,
            kind=None,
            address=None,
            status=DocumentStatusKind.ERROR,
            issues=(issue,),
        )
    )


# --------------------------------------------------------------------------- identity


def _identify(doc: Document) -> tuple[Document, Kind, Address] | SkippedDocument | list[Issue]:
    """Ours (with its kind and address), skipped (not ours), or the problems that hide what it is."""
    data = doc.data
    if not isinstance(data, dict):
        return [
            _issue(
                doc,
                (),
                None,
                f"a document must be a mapping with apiVersion, kind and metadata, not {_describe(data)}",
            )
        ]
    problems: list[Issue] = []
    api_version = data.get("apiVersion")
    kind = data.get("kind")
    if api_version is None:
        problems.append(_issue(doc, (), None, "missing apiVersion: every document needs apiVersion and kind"))
    elif not isinstance(api_version, str):
        problems.append(
            _issue(doc, ("apiVersion",), None, f"apiVersion must be a string, not {_describe(api_version)}")
        )
    if kind is None:
        problems.append(_issue(doc, (), None, "missing kind: every document needs apiVersion and kind"))
    elif not isinstance(kind, str):
        problems.append(_issue(doc, ("kind",), None, f"kind must be a string, not {_describe(kind)}"))
    if isinstance(api_version, str) and api_version not in SUPPORTED_API_VERSIONS:
        meant = near_miss_api_version(api_version, kind=kind if isinstance(kind, str) else None)
        if meant is None:
            return SkippedDocument(
                source=doc.source,
                api_version=api_version,
                kind=kind if isinstance(kind, str) else None,
                reason=f"apiVersion {api_version} is not managed by gitops-sm",
            )
        problems.append(
            _issue(
                doc,
                ("apiVersion",),
                _loose_address(doc, kind),
                f"apiVersion {api_version!r} is not one gitops-sm reads, but it is close to one of ours; "
                f'did you mean "{meant}"? (an error, not a skip: a typo must never look like a spec that left git)',
            )
        )
    if problems:
        return problems
    assert isinstance(api_version, str) and isinstance(kind, str)
    managed_kind = MANIFEST_KINDS.get((api_version, kind))
    if managed_kind is None:
        if kind in UNMANAGED_MANIFEST_KINDS.get(api_version, frozenset()):
            return SkippedDocument(
                source=doc.source,
                api_version=api_version,
                kind=kind,
                reason=f"kind {kind} is not managed by gitops-sm",
            )
        return [_issue(doc, ("kind",), _loose_address(doc, kind), unknown_kind_message(api_version, kind))]
    name, namespace, problems = _name_and_namespace(doc, data.get("metadata"))
    if problems or name is None:
        return problems
    return doc, managed_kind, Address(kind=kind, namespace=namespace, name=name)


# --------------------------------------------------------------------------- near misses of ours


def _squash(text: str) -> str:
    """Lower case, no whitespace: how a typo'd apiVersion or kind is compared with ours."""
    return "".join(text.split()).lower()


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


_NEAR_GROUP_DISTANCE = 3  # sagemaker.aws.amazon.con, sagemaker.aws.amazon.com., sagemaker.service.k8s.aws
_OUR_WORDS = ("sagemaker", "applicationautoscaling")


def near_miss_api_version(api_version: str, *, kind: str | None) -> str | None:
    """The supported apiVersion that ``api_version`` (not itself supported) is a near miss of, or None.

    A near miss: our group in another case or with spaces, another version of our group
    (``v1beta1``, ``V1``), a group within a few edits of ours (``amazon.con``), or any group that
    names SageMaker / Application Auto Scaling. Everything else (``apps/v1``, ``v1``, other groups,
    ACK's other services) is foreign and skipped.
    """
    squashed = _squash(api_version)
    group, _, _version = squashed.rpartition("/")
    if not group:
        group = squashed  # "sagemaker.aws.amazon.com" with no version
    ranked: list[tuple[int, int, str]] = []
    for supported in SUPPORTED_API_VERSIONS:
        our_group = supported.rpartition("/")[0]
        distance = _edit_distance(group, our_group)
        named = any(word in group.replace("-", "") for word in _OUR_WORDS)
        if distance <= _NEAR_GROUP_DISTANCE or (named and distance <= len(our_group) // 2):
            knows_kind = kind is not None and any(
                _squash(k) == _squash(kind) for (v, k) in MANIFEST_KINDS if v == supported
            )
            ranked.append((distance, 0 if knows_kind else 1, supported))
    if not ranked and any(word in group for word in _OUR_WORDS):
        ranked = [(0, 0, SUPPORTED_API_VERSIONS[0])]
    return min(ranked)[2] if ranked else None


def unknown_kind_message(api_version: str, kind: str) -> str:
    """``kind "Trainingjob" is not a kind of …; did you mean "TrainingJob"?``."""
    known = sorted(
        {k for (v, k) in MANIFEST_KINDS if v == api_version} | UNMANAGED_MANIFEST_KINDS.get(api_version, frozenset())
    )
    exact = [k for k in known if _squash(k) == _squash(kind)]
    close = exact or difflib.get_close_matches(kind.strip(), known, n=1, cutoff=0.6)
    if not close:
        lowered = {k.lower(): k for k in known}
        close = [lowered[m] for m in difflib.get_close_matches(_squash(kind), list(lowered), n=1, cutoff=0.6)]
    message = f"kind {kind!r} is not a kind of {api_version}"
    elsewhere = sorted(v for (v, k) in MANIFEST_KINDS if k == kind and v != api_version)
    if elsewhere:
        message += f" ({kind} is a kind of {', '.join(elsewhere)})"
    if close:
        return f'{message}; did you mean "{close[0]}"? (an error, not a skip: a typo must never look like a spec that left git)'
    managed = sorted(k for (v, k) in MANIFEST_KINDS if v == api_version)
    return f"{message}; gitops-sm manages: {', '.join(managed)}"


def _loose_address(doc: Document, kind: object) -> str | None:
    """The address a document would have, when its metadata is valid (for error entries)."""
    name, namespace, problems = _name_and_namespace(doc, doc.data.get("metadata") if isinstance(doc.data, dict) else None)
    if problems or name is None or not isinstance(kind, str):
        return None
    return str(Address(kind=kind.strip() or "?", namespace=namespace, name=name))


def _address_if_known(doc: Document) -> str | None:
    """The address of a document that failed for YAML reasons, when what is left still shows it."""
    outcome = _identify(doc)
    return str(outcome[2]) if isinstance(outcome, tuple) else None


def _name_and_namespace(doc: Document, metadata: object) -> tuple[str | None, str, list[Issue]]:
    if metadata is None:
        return None, DEFAULT_NAMESPACE, [_issue(doc, (), None, "missing metadata: metadata.name is required")]
    if not isinstance(metadata, dict):
        return (
            None,
            DEFAULT_NAMESPACE,
            [_issue(doc, ("metadata",), None, f"metadata must be a mapping, not {_describe(metadata)}")],
        )
    problems: list[Issue] = []
    name = metadata.get("name")
    if name is None:
        problems.append(
            _issue(doc, ("metadata",), None, "missing metadata.name: every managed document needs a name")
        )
    else:
        problem = _kubernetes_name_problem(name, label=False)
        if problem:
            problems.append(_issue(doc, ("metadata", "name"), None, problem))
    namespace = metadata.get("namespace", DEFAULT_NAMESPACE)
    if namespace is None:
        namespace = DEFAULT_NAMESPACE
    problem = _kubernetes_name_problem(namespace, label=True)
    if problem:
        problems.append(_issue(doc, ("metadata", "namespace"), None, problem))
    if problems:
        return None, DEFAULT_NAMESPACE, problems
    assert isinstance(name, str) and isinstance(namespace, str)
    return name, namespace, []


def _kubernetes_name_problem(value: object, *, label: bool) -> str | None:
    """Why ``value`` is not a Kubernetes name (DNS-1123 subdomain, or label for a namespace)."""
    rule = (
        "a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit"
        if label
        else "a DNS-1123 subdomain: at most 253 lowercase letters, digits, '-' and '.', "
        "starting and ending with a letter or digit"
    )
    if isinstance(value, dict) and len(value) == 1:
        ((key, inner),) = value.items()
        if inner is None and isinstance(key, str) and _UNQUOTED_BRACES_KEY.fullmatch(key):
            return (
                f"unfilled placeholder {{{key}}}: replace it with a real name "
                "(unquoted, YAML reads {...} as a mapping, not a string)"
            )
    if not isinstance(value, str):
        return f"must be a string ({rule}), not {_describe(value)}"
    if not value:
        return f"must not be empty; it must be {rule}"
    placeholder = _PLACEHOLDER.search(value)
    if placeholder:
        where = "" if placeholder.group(0) == value else f" in {value!r}"
        return f"unfilled placeholder {placeholder.group(0)}{where}: replace it with a real name"
    limit = 63 if label else 253
    pattern = _DNS1123_LABEL if label else _DNS1123_SUBDOMAIN
    if len(value) <= limit and pattern.fullmatch(value):
        return None
    if len(value) > limit:
        detail = f"it is {len(value)} characters long"
    elif value != value.lower():
        detail = "it has uppercase letters"
    elif "_" in value:
        detail = "it has '_'"
    else:
        detail = "it has characters that are not allowed, or does not start and end with a letter or digit"
    return f"{value!r} is not a valid Kubernetes name ({detail}); it must be {rule}"


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {value!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the string {value!r}"
    return f"{type(value).__name__} {value!r}"


def _issue(doc: Document, path: FieldPath, address: str | None, message: str) -> Issue:
    return Issue(source=doc.location(path), address=address, path=format_path(path), message=message)


# --------------------------------------------------------------------------- duplicates


def _without_duplicates(
    candidates: list[tuple[Document, Kind, Address]], issues: list[Issue], statuses: list[DocumentStatus]
) -> tuple[ManagedDocument, ...]:
    """Documents whose address is unique; every document of a repeated address becomes an error."""
    by_address: dict[Address, list[tuple[Document, Kind]]] = {}
    for doc, kind, address in candidates:
        by_address.setdefault(address, []).append((doc, kind))
    managed: list[ManagedDocument] = []
    for address, docs in by_address.items():
        if len(docs) == 1:
            managed.append(ManagedDocument(document=docs[0][0], kind=docs[0][1], address=address))
            continue
        for doc, _ in docs:
            others = ", ".join(str(other.location(NAME_PATH)) for other, _ in docs if other is not doc)
            problem = _issue(
                doc,
                NAME_PATH,
                str(address),
                f"duplicate address: {address} is also defined at {others}; neither is planned until one is renamed or removed",
            )
            issues.append(problem)
            statuses.append(
                _status(doc, address=str(address), status=DocumentStatusKind.ERROR, issues=(problem,))
            )
    return tuple(managed)


def _status(
    doc: Document,
    *,
    address: str | None,
    status: DocumentStatusKind,
    issues: tuple[Issue, ...] = (),
    reason: str = "",
) -> DocumentStatus:
    return DocumentStatus(
        source=doc.source,
        api_version=doc.api_version,
        kind=doc.kind,
        address=address,
        status=status,
        issues=issues,
        reason=reason,
    )


def _issue_order(issue: Issue) -> tuple[str, int, str, str]:
    source = issue.source
    return (source.path if source else "", source.line if source else 0, issue.path, issue.message)
