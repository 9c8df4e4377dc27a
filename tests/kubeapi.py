"""A small stateful Kubernetes API server for tests, on ``http.server`` (threaded, loopback, port 0).

The official ``kubernetes`` client talks to it over real HTTP through a kubeconfig the
``kube_api`` / ``kubeconfig`` fixtures (``tests/conftest.py``) write. It implements the part of the
API gitops-sm uses, with the real server's semantics where a client could notice:

* discovery: ``/apis``, ``/apis/{group}/{version}`` (what ``CustomObjectsApi.get_api_resources`` reads),
  and ``apiextensions.k8s.io/v1`` CustomResourceDefinitions (create installs a kind, list, get);
* namespaced custom objects and ``coordination.k8s.io/v1`` Leases: create (409 AlreadyExists), get,
  list per namespace or across namespaces with ``limit``/``continue`` (``remainingItemCount``) and
  ``labelSelector`` (``=``, ``==``, ``!=``, ``in``, ``notin``, exists, ``!key``), replace (PUT, 409 on a
  stale ``metadata.resourceVersion``), merge-patch and JSON-patch (``add``/``remove``/``replace``/``test``;
  a ``metadata.resourceVersion`` in a merge patch is a precondition), delete with ``preconditions``
  honouring finalizers (``deletionTimestamp`` set, the object goes when its last finalizer is removed);
* the ``status`` subresource where the CRD declares it: the main resource ignores status writes,
  ``…/status`` writes only status; ``metadata.generation`` moves on spec changes only.

Tests seed it with :meth:`FakeKubeApi.install_crd` / :meth:`FakeKubeApi.put_object`, read it with
:meth:`FakeKubeApi.object` and :attr:`FakeKubeApi.requests`, and can park one request
(:meth:`FakeKubeApi.hold`) to kill a client process while that request is in flight.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

TOKEN = "fake-kube-token"
LEASE_GROUP = "coordination.k8s.io"


class ApiFailure(Exception):
    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    plural: str
    kind: str
    singular: str
    namespaced: bool = True
    status_subresource: bool = False
    short_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    content_type: str
    body: Any


@dataclass
class Hold:
    """One parked request: ``reached`` is set when it arrives; ``release()`` lets it go on."""

    method: str
    path: str
    apply_first: bool
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()


def _now() -> str:
    return datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge_patch(result.get(key), value)
    return result


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise ApiFailure(422, "Invalid", f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _json_patch(doc: Any, ops: Any) -> Any:
    """RFC 6902: add, remove, replace, test."""
    if not isinstance(ops, list):
        raise ApiFailure(400, "BadRequest", "a JSON patch is a list of operations")
    doc = copy.deepcopy(doc)
    for op in ops:
        parts = _pointer(str(op.get("path", "")))
        if not parts:
            raise ApiFailure(422, "Invalid", "patching the whole document is not supported")
        parent: Any = doc
        for part in parts[:-1]:
            try:
                parent = parent[int(part)] if isinstance(parent, list) else parent[part]
            except (KeyError, IndexError, ValueError) as exc:
                raise ApiFailure(422, "Invalid", f"path {op.get('path')} does not exist") from exc
        last = parts[-1]
        kind = op.get("op")
        if kind == "test":
            try:
                current = parent[int(last)] if isinstance(parent, list) else parent[last]
            except (KeyError, IndexError, ValueError) as exc:
                raise ApiFailure(422, "Invalid", f"test failed: {op.get('path')} does not exist") from exc
            if current != op.get("value"):
                raise ApiFailure(422, "Invalid", f"test failed: {op.get('path')} is {current!r}, not {op.get('value')!r}")
        elif kind == "remove":
            try:
                if isinstance(parent, list):
                    parent.pop(int(last))
                else:
                    del parent[last]
            except (KeyError, IndexError, ValueError) as exc:
                raise ApiFailure(422, "Invalid", f"remove: {op.get('path')} does not exist") from exc
        elif kind in ("add", "replace"):
            value = copy.deepcopy(op.get("value"))
            if isinstance(parent, list):
                index = len(parent) if last == "-" else int(last)
                if kind == "add":
                    parent.insert(index, value)
                else:
                    parent[index] = value
            else:
                if kind == "replace" and last not in parent:
                    raise ApiFailure(422, "Invalid", f"replace: {op.get('path')} does not exist")
                parent[last] = value
        else:
            raise ApiFailure(422, "Invalid", f"unsupported JSON patch op {kind!r}")
    return doc


def _parse_selector(selector: str) -> list[tuple[str, str, set[str]]]:
    """``a=b,c!=d,e in (x,y),f notin (z),g,!h`` → (key, op, values)."""
    terms: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(selector):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            terms.append(selector[start:i])
            start = i + 1
    terms.append(selector[start:])
    parsed: list[tuple[str, str, set[str]]] = []
    for raw in (t.strip() for t in terms):
        if not raw:
            continue
        for word in (" notin ", " in "):
            if word in raw:
                key, values = raw.split(word, 1)
                items = {v.strip() for v in values.strip().strip("()").split(",") if v.strip()}
                parsed.append((key.strip(), word.strip(), items))
                break
        else:
            if "!=" in raw:
                key, value = raw.split("!=", 1)
                parsed.append((key.strip(), "!=", {value.strip()}))
            elif "==" in raw or "=" in raw:
                key, value = raw.split("==", 1) if "==" in raw else raw.split("=", 1)
                parsed.append((key.strip(), "=", {value.strip()}))
            elif raw.startswith("!"):
                parsed.append((raw[1:].strip(), "!exists", set()))
            else:
                parsed.append((raw, "exists", set()))
    return parsed


def _selects(labels: dict[str, str], terms: list[tuple[str, str, set[str]]]) -> bool:
    for key, op, values in terms:
        present = key in labels
        value = labels.get(key)
        ok = {
            "=": present and value in values,
            "in": present and value in values,
            "!=": not present or value not in values,
            "notin": not present or value not in values,
            "exists": present,
            "!exists": not present,
        }[op]
        if not ok:
            return False
    return True


def crd_resource_types(crd: dict[str, Any]) -> list[ResourceType]:
    spec = crd["spec"]
    names = spec["names"]
    out = []
    top_status = "status" in (spec.get("subresources") or {})  # apiextensions v1beta1 (the v1 operator's CRDs)
    for version in spec.get("versions") or [{"name": spec["version"]}]:
        if not version.get("served", True):
            continue
        out.append(
            ResourceType(
                group=spec["group"],
                version=version["name"],
                plural=names["plural"],
                kind=names["kind"],
                singular=names.get("singular") or names["kind"].lower(),
                namespaced=spec.get("scope", "Namespaced") == "Namespaced",
                status_subresource=top_status or "status" in (version.get("subresources") or {}),
                short_names=tuple(names.get("shortNames") or ()),
            )
        )
    return out


LEASE_TYPE = ResourceType(group=LEASE_GROUP, version="v1", plural="leases", kind="Lease", singular="lease")
CRD_TYPE = ResourceType(
    group="apiextensions.k8s.io", version="v1", plural="customresourcedefinitions",
    kind="CustomResourceDefinition", singular="customresourcedefinition", namespaced=False,
)


class FakeKubeApi:
    """The server's state and its HTTP front. Start with :meth:`start`, or use the fixtures."""

    def __init__(self, *, require_token: bool = True) -> None:
        self.require_token = require_token
        self.lock = threading.RLock()
        self.rv = 100
        self.types: dict[tuple[str, str, str], ResourceType] = {}
        # (group, plural, namespace, name) -> object
        self.objects: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        self.requests: list[Request] = []
        self.holds: list[Hold] = []
        self._add_type(LEASE_TYPE)
        self._add_type(CRD_TYPE)
        self.httpd: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # --- seeding and reading (test side) ---------------------------------------------------

    def _add_type(self, rtype: ResourceType) -> None:
        self.types[(rtype.group, rtype.version, rtype.plural)] = rtype

    def install_crd(self, crd: dict[str, Any]) -> None:
        """Install a CRD document (as read from a CRD yaml file)."""
        with self.lock:
            self._create(CRD_TYPE, "", copy.deepcopy(crd))

    def install_crd_file(self, path: Path) -> None:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        for doc in yaml.load_all(path.read_text(encoding="utf-8"), Loader=loader):
            if doc and doc.get("kind") == "CustomResourceDefinition":
                self.install_crd(doc)

    def put_object(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Create ``obj`` as a client would, but keep the ``status`` it carries (seeding)."""
        with self.lock:
            rtype = self._type_for(obj)
            ns = (obj.get("metadata") or {}).get("namespace") or "default"
            created = self._create(rtype, ns, copy.deepcopy(obj), keep_status=True)
            return copy.deepcopy(created)

    def object(self, *, api_version: str, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        with self.lock:
            rtype = self._type_for({"apiVersion": api_version, "kind": kind})
            found = self.objects.get((rtype.group, rtype.plural, namespace if rtype.namespaced else "", name))
            return copy.deepcopy(found) if found else None

    def objects_of(self, *, api_version: str, kind: str) -> list[dict[str, Any]]:
        with self.lock:
            rtype = self._type_for({"apiVersion": api_version, "kind": kind})
            return [copy.deepcopy(o) for k, o in sorted(self.objects.items()) if k[:2] == (rtype.group, rtype.plural)]

    def writes(self) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.method in ("POST", "PUT", "PATCH", "DELETE")]

    def hold(self, *, method: str, path: str, apply_first: bool = False) -> Hold:
        """Park the next ``method`` request to exactly ``path`` (before, or after, it takes effect)."""
        hold = Hold(method=method, path=path, apply_first=apply_first)
        with self.lock:
            self.holds.append(hold)
        return hold

    def _type_for(self, obj: dict[str, Any]) -> ResourceType:
        api_version = str(obj.get("apiVersion", ""))
        group, _, version = api_version.rpartition("/")
        for rtype in self.types.values():
            if rtype.group == group and rtype.version == version and rtype.kind == obj.get("kind"):
                return rtype
        raise KeyError(f"no resource type for {api_version} {obj.get('kind')}")

    # --- server lifecycle ------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> FakeKubeApi:
        api = self

        class Handler(_Handler):
            server_api = api

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                       name="fake-kube-api", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        with self.lock:
            for hold in self.holds:
                hold.release()
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()

    def write_kubeconfig(self, path: Path, *, context: str = "fake", namespace: str = "default",
                         extra_contexts: tuple[str, ...] = ()) -> Path:
        contexts = [{"name": c, "context": {"cluster": "fake", "user": "fake", "namespace": namespace}}
                    for c in (context, *extra_contexts)]
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "fake", "user": {"token": TOKEN}}],
            "contexts": contexts,
            "current-context": context,
        }
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        return path

    # --- semantics -------------------------------------------------------------------------

    def _next_rv(self) -> str:
        self.rv += 1
        return str(self.rv)

    def _create(self, rtype: ResourceType, namespace: str, body: dict[str, Any], *,
                keep_status: bool = False) -> dict[str, Any]:
        meta = body.setdefault("metadata", {})
        if not meta.get("name"):
            if meta.get("generateName"):
                meta["name"] = f"{meta['generateName']}{uuid.uuid4().hex[:5]}"
            else:
                raise ApiFailure(422, "Invalid", "metadata.name: Required value")
        ns = namespace if rtype.namespaced else ""
        if rtype.namespaced:
            if meta.get("namespace") and meta["namespace"] != ns:
                raise ApiFailure(400, "BadRequest", "the namespace of the object does not match the namespace of the request")
            meta["namespace"] = ns
        key = (rtype.group, rtype.plural, ns, meta["name"])
        if key in self.objects:
            raise ApiFailure(409, "AlreadyExists", f'{rtype.plural}.{rtype.group} "{meta["name"]}" already exists')
        body["apiVersion"] = f"{rtype.group}/{rtype.version}"
        body["kind"] = rtype.kind
        for server_field in ("deletionTimestamp", "deletionGracePeriodSeconds"):
            meta.pop(server_field, None)
        meta["uid"] = str(uuid.uuid4())
        meta["resourceVersion"] = self._next_rv()
        meta["creationTimestamp"] = _now()
        meta["generation"] = 1
        if rtype.status_subresource and not keep_status:
            body.pop("status", None)
        self.objects[key] = body
        if rtype is CRD_TYPE:
            for new_type in crd_resource_types(body):
                self._add_type(new_type)
        return body

    def _get(self, rtype: ResourceType, namespace: str, name: str) -> dict[str, Any]:
        found = self.objects.get((rtype.group, rtype.plural, namespace if rtype.namespaced else "", name))
        if found is None:
            raise ApiFailure(404, "NotFound", f'{rtype.plural}.{rtype.group} "{name}" not found')
        return found

    def _store(self, rtype: ResourceType, old: dict[str, Any], new: dict[str, Any], *, status_only: bool) -> dict[str, Any]:
        """Write ``new`` over ``old`` with the server's rules; returns what is stored (or was, if gone)."""
        meta_old = old["metadata"]
        new = copy.deepcopy(new)
        meta_new = new.setdefault("metadata", {})
        sent_rv = meta_new.get("resourceVersion")
        if sent_rv and sent_rv != meta_old["resourceVersion"]:
            raise ApiFailure(
                409, "Conflict",
                f'Operation cannot be fulfilled on {rtype.plural}.{rtype.group} "{meta_old["name"]}": '
                "the object has been modified; please apply your changes to the latest version and try again",
            )
        for fixed in ("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "generation"):
            if fixed in meta_old:
                meta_new[fixed] = meta_old[fixed]
            else:
                meta_new.pop(fixed, None)
        new["apiVersion"], new["kind"] = old["apiVersion"], old["kind"]
        if status_only:
            stored = copy.deepcopy(old)
            if "status" in new:
                stored["status"] = new["status"]
            else:
                stored.pop("status", None)
            new = stored
        elif rtype.status_subresource:
            if "status" in old:
                new["status"] = copy.deepcopy(old["status"])
            else:
                new.pop("status", None)
        if meta_old.get("deletionTimestamp"):
            added = set(meta_new.get("finalizers") or ()) - set(meta_old.get("finalizers") or ())
            if added:
                raise ApiFailure(422, "Forbidden", f"no new finalizers can be added if the object is being deleted: {sorted(added)}")
        spec_fields = lambda o: {k: v for k, v in o.items() if k not in ("metadata", "status", "apiVersion", "kind")}  # noqa: E731
        if spec_fields(new) != spec_fields(old):
            meta_new["generation"] = int(meta_old.get("generation", 1)) + 1
        if new == old:
            return old  # a no-op write keeps the resourceVersion, as the real server does
        meta_new["resourceVersion"] = self._next_rv()
        key = (rtype.group, rtype.plural, meta_old.get("namespace", ""), meta_old["name"])
        if meta_new.get("deletionTimestamp") and not meta_new.get("finalizers"):
            del self.objects[key]
        else:
            self.objects[key] = new
        return new

    def _delete(self, rtype: ResourceType, namespace: str, name: str, body: Any) -> dict[str, Any]:
        obj = self._get(rtype, namespace, name)
        pre = (body or {}).get("preconditions") or {}
        meta = obj["metadata"]
        if pre.get("uid") and pre["uid"] != meta["uid"]:
            raise ApiFailure(409, "Conflict", f"Precondition failed: UID in precondition: {pre['uid']}, UID in object meta: {meta['uid']}")
        if pre.get("resourceVersion") and pre["resourceVersion"] != meta["resourceVersion"]:
            raise ApiFailure(409, "Conflict", f"Precondition failed: ResourceVersion in precondition: {pre['resourceVersion']}, "
                             f"ResourceVersion in object meta: {meta['resourceVersion']}")
        key = (rtype.group, rtype.plural, meta.get("namespace", ""), name)
        if meta.get("finalizers"):
            if not meta.get("deletionTimestamp"):
                meta["deletionTimestamp"] = _now()
                meta["deletionGracePeriodSeconds"] = 0
                meta["resourceVersion"] = self._next_rv()
            return copy.deepcopy(obj)
        del self.objects[key]
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                "details": {"name": name, "group": rtype.group, "kind": rtype.plural, "uid": meta["uid"]}}

    def _list(self, rtype: ResourceType, namespace: str | None, query: dict[str, list[str]]) -> dict[str, Any]:
        terms = _parse_selector(query.get("labelSelector", [""])[0])
        items = [
            (k, o) for k, o in sorted(self.objects.items())
            if k[:2] == (rtype.group, rtype.plural) and (namespace is None or k[2] == namespace)
            and _selects((o.get("metadata") or {}).get("labels") or {}, terms)
        ]
        token = query.get("continue", [""])[0]
        list_rv = str(self.rv)
        if token:
            try:
                state = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
                after = tuple(state["after"])
                list_rv = state["rv"]
            except (ValueError, KeyError, TypeError) as exc:
                raise ApiFailure(400, "BadRequest", "invalid continue token") from exc
            items = [(k, o) for k, o in items if k > after]
        limit = int(query.get("limit", ["0"])[0] or 0)
        meta: dict[str, Any] = {"resourceVersion": list_rv}
        if limit and len(items) > limit:
            page = items[:limit]
            last = page[-1][0]
            meta["continue"] = base64.urlsafe_b64encode(json.dumps({"after": list(last), "rv": list_rv}).encode()).decode()
            meta["remainingItemCount"] = len(items) - limit
            items = page
        return {
            "apiVersion": f"{rtype.group}/{rtype.version}",
            "kind": f"{rtype.kind}List",
            "metadata": meta,
            "items": [copy.deepcopy(o) for _, o in items],
        }

    def _discovery(self, group: str, version: str) -> dict[str, Any]:
        resources = []
        for rtype in self.types.values():
            if (rtype.group, rtype.version) != (group, version):
                continue
            verbs = ["create", "delete", "get", "list", "patch", "update"]
            resources.append({"name": rtype.plural, "singularName": rtype.singular, "namespaced": rtype.namespaced,
                              "kind": rtype.kind, "verbs": verbs, "shortNames": list(rtype.short_names)})
            if rtype.status_subresource:
                resources.append({"name": f"{rtype.plural}/status", "singularName": "", "namespaced": rtype.namespaced,
                                  "kind": rtype.kind, "verbs": ["get", "patch", "update"]})
        if not resources:
            raise ApiFailure(404, "NotFound", "the server could not find the requested resource")
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{group}/{version}", "resources": resources}

    def _groups(self) -> dict[str, Any]:
        by_group: dict[str, list[str]] = {}
        for rtype in self.types.values():
            by_group.setdefault(rtype.group, [])
            if rtype.version not in by_group[rtype.group]:
                by_group[rtype.group].append(rtype.version)
        groups = []
        for group, versions in sorted(by_group.items()):
            vs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
            groups.append({"name": group, "versions": vs, "preferredVersion": vs[0]})
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    def handle(self, method: str, path: str, query: dict[str, list[str]], content_type: str, body: Any) -> tuple[int, Any]:
        parts = [p for p in path.split("/") if p]
        if parts == ["apis"]:
            return 200, self._groups()
        if parts == ["api"]:
            return 200, {"kind": "APIVersions", "versions": ["v1"]}
        if len(parts) < 3 or parts[0] != "apis":
            raise ApiFailure(404, "NotFound", "the server could not find the requested resource")
        group, version, rest = parts[1], parts[2], parts[3:]
        if not rest:
            if method != "GET":
                raise ApiFailure(405, "MethodNotAllowed", "method not allowed")
            return 200, self._discovery(group, version)
        namespace: str | None = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        rtype = self.types.get((group, version, rest[0]))
        if rtype is None:
            raise ApiFailure(404, "NotFound", "the server could not find the requested resource")
        if rtype.namespaced and namespace is None and len(rest) > 1:
            raise ApiFailure(404, "NotFound", "the server could not find the requested resource")
        ns = namespace or ""
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        if sub not in (None, "status") or (sub == "status" and not rtype.status_subresource):
            raise ApiFailure(404, "NotFound", "the server could not find the requested resource")
        if name is None:
            if method == "GET":
                return 200, self._list(rtype, namespace if rtype.namespaced else None, query)
            if method == "POST":
                if not isinstance(body, dict):
                    raise ApiFailure(400, "BadRequest", "body must be an object")
                return 201, copy.deepcopy(self._create(rtype, ns, copy.deepcopy(body)))
            raise ApiFailure(405, "MethodNotAllowed", "method not allowed")
        if method == "GET":
            return 200, copy.deepcopy(self._get(rtype, ns, name))
        if method == "DELETE":
            return 200, self._delete(rtype, ns, name, body)
        old = self._get(rtype, ns, name)
        if method == "PUT":
            if not isinstance(body, dict):
                raise ApiFailure(400, "BadRequest", "body must be an object")
            if not (body.get("metadata") or {}).get("resourceVersion"):
                # An unconditional update is allowed for CRs and Leases; keep the stored version.
                body = _merge_patch(body, {"metadata": {"resourceVersion": old["metadata"]["resourceVersion"]}})
            return 200, copy.deepcopy(self._store(rtype, old, body, status_only=sub == "status"))
        if method == "PATCH":
            ctype = content_type.split(";")[0].strip()
            if ctype == "application/merge-patch+json" or (
                ctype == "application/strategic-merge-patch+json" and rtype.group == LEASE_GROUP
            ):
                if not isinstance(body, dict):
                    raise ApiFailure(400, "BadRequest", "a merge patch must be a JSON object")
                new = _merge_patch(old, body)
            elif ctype == "application/json-patch+json":
                new = _json_patch(old, body)
                if (new.get("metadata") or {}).get("resourceVersion") == old["metadata"]["resourceVersion"]:
                    new["metadata"].pop("resourceVersion")  # JSON patch: only an explicit test is a precondition
            else:
                raise ApiFailure(415, "UnsupportedMediaType", f"the body of the request was in an unknown format - "
                                 f"accepted media types include: application/json-patch+json, application/merge-patch+json "
                                 f"(got {ctype})")
            return 200, copy.deepcopy(self._store(rtype, old, new, status_only=sub == "status"))
        raise ApiFailure(405, "MethodNotAllowed", "method not allowed")


class _Handler(BaseHTTPRequestHandler):
    server_api: FakeKubeApi
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, code: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _serve(self) -> None:
        api = self.server_api
        split = urlsplit(self.path)
        query = parse_qs(split.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        content_type = self.headers.get("Content-Type", "")
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            self._send(400, _status(400, "BadRequest", "request body is not JSON"))
            return
        if api.require_token and self.headers.get("Authorization", "") != f"Bearer {TOKEN}":
            self._send(401, _status(401, "Unauthorized", "Unauthorized"))
            return
        with api.lock:
            api.requests.append(Request(self.command, split.path, query, content_type, body))
            hold = next((h for h in api.holds if h.method == self.command and h.path == split.path), None)
            if hold is not None:
                api.holds.remove(hold)
        if hold is not None and not hold.apply_first:
            hold.reached.set()
            hold.released.wait(timeout=60)
        try:
            with api.lock:
                code, payload = api.handle(self.command, split.path, query, content_type, body)
        except ApiFailure as failure:
            code, payload = failure.code, _status(failure.code, failure.reason, failure.message)
        except Exception as exc:  # a bug in this fake: answer 500 instead of dropping the connection
            code, payload = 500, _status(500, "InternalError", f"{type(exc).__name__}: {exc}")
        if hold is not None and hold.apply_first:
            hold.reached.set()
            hold.released.wait(timeout=60)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._send(code, payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}


def running(*, require_token: bool = True) -> Iterator[FakeKubeApi]:
    """Start a server, yield it, stop it (the body of the ``kube_api`` fixture)."""
    api = FakeKubeApi(require_token=require_token).start()
    try:
        yield api
    finally:
        api.stop()
