"""Spec discovery and YAML loading: which files are read, the line of every node, skips,
duplicate addresses, the specs digest, and values identical to PyYAML's SafeLoader.

Real files, directories and symlinks in tmp_path; the real upstream samples from
``../shared/conformance`` where a test needs them (skipped with a reason when absent).
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

import pytest
import yaml

from gitops_sm.errors import SpecError
from gitops_sm.model import DocumentStatusKind
from gitops_sm.specs import _yaml, collect_documents, load_specs
from tests.manifests import valid_training_job, write_spec_files

CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance"


def training_job(name: str) -> str:
    """The shared minimal valid job, with ``spec.region``."""
    return valid_training_job(name, region="us-east-1")


MULTI_DOCUMENT = """\
# leading comment
---
---
apiVersion: sagemaker.aws.amazon.com/v1
kind: TrainingJob
metadata:
  name: first
spec:
  hyperParameters:
    - name: eta
      value: "0.2"
---
# a comment inside the second document

apiVersion: sagemaker.services.k8s.aws/v1alpha1
kind: TrainingJob
metadata:
  name: second
  namespace: team-a
spec:
  inputDataConfig:
    - channelName: train
      dataSource:
        s3DataSource:
          s3URI: s3://bucket/train
    -   channelName: validation
        dataSource: {s3DataSource: {s3URI: s3://bucket/validation}}
  tags: [{key: a, value: b}, {key: c,
                                value: d}]
"""


# --------------------------------------------------------------------------- lines and values


def test_every_node_has_its_line_in_a_multi_document_file(tmp_path: Path) -> None:
    root = write_spec_files(tmp_path / "specs", {"jobs.yaml": MULTI_DOCUMENT})

    managed = {m.address.name: m.document for m in collect_documents(root).managed}

    first, second = managed["first"], managed["second"]
    assert (str(first.source), first.index) == ("jobs.yaml:4", 1)  # the empty document counts as index 0
    assert (str(second.source), second.index) == ("jobs.yaml:15", 2)
    assert first.line_of(("spec", "hyperParameters", 0, "value")) == 11
    assert first.line_of(("spec", "hyperParameters", 0)) == 10
    expected = {
        ("metadata", "namespace"): 19,
        ("spec", "inputDataConfig"): 21,
        ("spec", "inputDataConfig", 0): 22,
        ("spec", "inputDataConfig", 0, "dataSource", "s3DataSource", "s3URI"): 25,
        ("spec", "inputDataConfig", 1): 26,
        ("spec", "inputDataConfig", 1, "channelName"): 26,
        ("spec", "inputDataConfig", 1, "dataSource", "s3DataSource", "s3URI"): 27,
        ("spec", "tags", 1): 28,
        ("spec", "tags", 1, "value"): 29,
    }
    assert {path: second.line_of(path) for path in expected} == expected
    # A path the document does not have falls back to its closest known parent.
    assert second.line_of(("spec", "inputDataConfig", 1, "nothing", "here")) == 26
    assert str(second.location(("spec", "tags", 1, "value"))) == "jobs.yaml:29"


def test_values_are_exactly_what_safe_loader_builds(tmp_path: Path) -> None:
    content = (
        "apiVersion: example.com/v1\nkind: Thing\n"
        "when: 2024-01-02\nstamp: 2024-01-02T03:04:05Z\nyes_word: yes\noff_word: off\n"
        "octal: 0o17\nold_octal: 017\nhex: 0x1F\nfloat: 1e3\ninf: .inf\nnothing: ~\nquoted: '2024-01-02'\n"
        'binary: !!binary aGVsbG8=\nexplicit: !!str 42\nunicode: "caf\\u00e9 ☕"\nempty:\n'
    )
    parsed = _yaml.parse_documents(content, path="t.yaml")

    (document,) = parsed.documents
    assert document.issues == ()
    assert document.document.data == yaml.safe_load(content)
    assert document.document.data["when"] == datetime.date(2024, 1, 2)
    assert isinstance(document.document.data["stamp"], datetime.datetime)
    assert document.document.data["quoted"] == "2024-01-02"


def test_upstream_samples_parse_to_the_same_values_as_safe_loader() -> None:
    if not CONFORMANCE.is_dir():
        pytest.skip(f"conformance corpus not found at {CONFORMANCE}")
    files = sorted(CONFORMANCE.rglob("*.yaml"))
    assert files
    for path in files:
        parsed = _yaml.parse_spec_bytes(path.read_bytes(), path=path.name)
        assert parsed.issues == (), path
        expected = [d for d in yaml.safe_load_all(path.read_bytes()) if d is not None]
        assert [d.document.data for d in parsed.documents] == expected, path
        assert all(d.issues == () for d in parsed.documents), path


def test_libyaml_composes_the_nodes_when_pyyaml_has_it() -> None:
    if not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("this PyYAML was built without libyaml")
    assert _yaml.LOADER is yaml.CSafeLoader
    assert _yaml.USING_LIBYAML
    # libyaml's own wording (the pure-Python parser says "... not allowed here").
    problem = _yaml.parse_documents("a: b: c\n", path="x.yaml").issues[0].message
    assert "mapping values are not allowed in this context" in problem


def test_merge_keys_follow_safe_loader_and_keep_lines() -> None:
    content = (
        "base: &base\n  instanceType: ml.m5.large\n  instanceCount: 1\n"
        "extra: &extra\n  instanceCount: 3\n  volumeSizeInGB: 5\n"
        "resourceConfig:\n  instanceCount: 2\n  <<: [*base, *extra]\n"
    )

    (parsed,) = _yaml.parse_documents(content, path="m.yaml").documents

    assert parsed.issues == ()  # an explicit key beside a merge is not a duplicate
    assert parsed.document.data == yaml.safe_load(content)
    lines = parsed.document.lines
    assert lines[("resourceConfig", "instanceCount")] == 8  # written explicitly
    assert lines[("resourceConfig", "instanceType")] == 2  # from *base
    assert lines[("resourceConfig", "volumeSizeInGB")] == 6  # from *extra


def test_duplicate_keys_are_reported_once_even_when_aliased() -> None:
    content = "shared: &s\n  a: 1\n  a: 2\none: *s\ntwo: *s\n"

    (parsed,) = _yaml.parse_documents(content, path="d.yaml").documents

    assert [(str(i.source), i.path) for i in parsed.issues] == [("d.yaml:3", "shared.a")]


def test_bom_and_crlf_line_endings_keep_lines(tmp_path: Path) -> None:
    root = tmp_path / "specs"
    root.mkdir()
    content = ("# windows file\n" + training_job("crlf-job")).replace("\n", "\r\n")
    (root / "win.yaml").write_bytes(b"\xef\xbb\xbf" + content.encode("utf-8"))

    collected = collect_documents(root)

    assert collected.issues == ()
    (managed,) = collected.managed
    assert str(managed.document.source) == "win.yaml:2"
    assert managed.document.line_of(("spec", "resourceConfig", "instanceType")) == 16


# --------------------------------------------------------------------------- discovery


def test_files_are_found_recursively_in_sorted_order_with_posix_paths(tmp_path: Path) -> None:
    root = write_spec_files(
        tmp_path / "specs",
        {
            "z.yaml": training_job("z"),
            "a/b/deep.yml": training_job("deep"),
            "a/upper.YAML": training_job("upper"),
            "a/notes.txt": "not: a spec",
            "a/data.json": "{}",
            "m.yaml": training_job("m"),
        },
    )

    collected = collect_documents(root)

    assert collected.files == ("a/b/deep.yml", "a/upper.YAML", "m.yaml", "z.yaml")
    assert [str(m.document.source) for m in collected.managed] == [
        "a/b/deep.yml:1",
        "a/upper.YAML:1",
        "m.yaml:1",
        "z.yaml:1",
    ]


def test_hidden_directories_and_files_are_not_read(tmp_path: Path) -> None:
    junk = "\x00\x01 this would be an error if it were read: [\n"
    root = write_spec_files(
        tmp_path / "specs",
        {
            "job.yaml": training_job("visible"),
            ".git/objects/pack.yaml": junk,
            ".gitops-sm/status/TrainingJob.yaml": junk,
            "team/.hidden/job.yaml": junk,
            ".#job.yaml": junk,  # an editor's lock file
        },
    )

    collected = collect_documents(root)

    assert collected.files == ("job.yaml",)
    assert collected.issues == ()
    assert [m.address.name for m in collected.managed] == ["visible"]


def test_a_root_that_is_a_file_loads_just_that_file(tmp_path: Path) -> None:
    root = write_spec_files(
        tmp_path / "specs", {"one.yaml": training_job("one"), "two.yaml": training_job("two")}
    )

    collected = collect_documents(root / "one.yaml")

    assert collected.files == ("one.yaml",)
    assert [str(m.document.source) for m in collected.managed] == ["one.yaml:1"]


def test_a_missing_root_is_a_spec_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="does not exist"):
        load_specs(tmp_path / "nowhere")


def test_symlinks_inside_the_root_are_followed_and_loops_end(tmp_path: Path) -> None:
    root = write_spec_files(tmp_path / "specs", {"real/job.yaml": training_job("real")})
    (root / "alias.yaml").symlink_to(root / "real" / "job.yaml")
    (root / "real" / "loop").symlink_to(root, target_is_directory=True)

    collected = collect_documents(root)

    # real/loop leads back to the root, already walked: it is not entered again.
    assert collected.files == ("alias.yaml", "real/job.yaml")
    # The same file through two paths is one address twice: both are reported.
    assert collected.managed == ()
    assert {str(i.source) for i in collected.issues} == {"alias.yaml:4", "real/job.yaml:4"}


# --------------------------------------------------------------------------- skips and duplicates


def test_documents_that_are_not_ours_are_listed_as_skipped(tmp_path: Path) -> None:
    foreign = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
        "---\napiVersion: sagemaker.services.k8s.aws/v1alpha1\nkind: FeatureGroup\nmetadata: {name: fg}\n"
        "---\napiVersion: kustomize.config.k8s.io/v1beta1\n"  # no kind: still not ours, not an error
    )
    root = write_spec_files(tmp_path / "specs", {"foreign.yaml": foreign, "job.yaml": training_job("mine")})

    collected = collect_documents(root)

    assert collected.issues == ()
    assert [(str(s.source), s.api_version, s.kind, s.reason) for s in collected.skipped] == [
        ("foreign.yaml:1", "apps/v1", "Deployment", "apiVersion apps/v1 is not managed by gitops-sm"),
        (
            "foreign.yaml:5",
            "sagemaker.services.k8s.aws/v1alpha1",
            "FeatureGroup",
            "kind FeatureGroup is not managed by gitops-sm",
        ),
        (
            "foreign.yaml:9",
            "kustomize.config.k8s.io/v1beta1",
            None,
            "apiVersion kustomize.config.k8s.io/v1beta1 is not managed by gitops-sm",
        ),
    ]
    statuses = [(str(d.source), d.status) for d in collected.statuses]
    assert statuses.count(("foreign.yaml:5", DocumentStatusKind.SKIPPED)) == 1
    assert [m.address.name for m in collected.managed] == ["mine"]


def test_duplicate_addresses_in_one_file_are_errors_on_both_documents(tmp_path: Path) -> None:
    root = write_spec_files(
        tmp_path / "specs",
        {
            "jobs.yaml": training_job("same")
            + "---\n"
            + training_job("same").replace("name: same", "name: same\n  namespace: default"),
            "other-namespace.yaml": training_job("same").replace(
                "name: same", "name: same\n  namespace: team-b"
            ),
            "batch.yaml": "apiVersion: sagemaker.aws.amazon.com/v1\nkind: BatchTransformJob\nmetadata: {name: same}\n",
        },
    )

    collected = collect_documents(root)

    messages = {str(i.source): i.message for i in collected.issues}
    assert set(messages) == {"jobs.yaml:4", "jobs.yaml:23"}
    assert "also defined at jobs.yaml:23" in messages["jobs.yaml:4"]
    assert "also defined at jobs.yaml:4" in messages["jobs.yaml:23"]
    assert sorted(str(m.address) for m in collected.managed) == [
        "BatchTransformJob/default/same",
        "TrainingJob/team-b/same",
    ]
    errors = [str(d.source) for d in collected.statuses if d.status is DocumentStatusKind.ERROR]
    assert sorted(errors) == ["jobs.yaml:1", "jobs.yaml:20"]


# --------------------------------------------------------------------------- digest


def test_specs_digest_changes_with_content_and_nothing_else(tmp_path: Path) -> None:
    root = write_spec_files(
        tmp_path / "specs", {"a.yaml": training_job("a"), "team/b.yaml": training_job("b")}
    )
    digest = collect_documents(root).specs_digest
    assert digest.startswith("sha256:")

    assert collect_documents(root).specs_digest == digest
    os.utime(root / "a.yaml", (1_000_000, 1_000_000))
    (root / "README.md").write_text("docs are not specs")
    (root / ".gitops-sm").mkdir()
    (root / ".gitops-sm" / "status.yaml").write_text("status: changed")
    assert collect_documents(root).specs_digest == digest

    (root / "a.yaml").write_text(training_job("a") + "# a comment changes the bytes\n")
    changed = collect_documents(root).specs_digest
    assert changed != digest

    (root / "a.yaml").write_text(training_job("a"))
    assert collect_documents(root).specs_digest == digest

    (root / "a.yaml").rename(root / "renamed.yaml")
    assert collect_documents(root).specs_digest not in (digest, changed)


def test_load_result_lists_every_document_and_is_json_ready(tmp_path: Path) -> None:
    root = write_spec_files(
        tmp_path / "specs",
        {
            "jobs.yaml": training_job("ok-one")
            + "---\napiVersion: v1\nkind: ConfigMap\n---\n"
            + training_job("Bad"),
            "empty.yaml": "",
            "more/job.yaml": training_job("ok-two"),
        },
    )

    result = load_specs(root)

    assert [str(r.address) for r in result.resources] == [
        "TrainingJob/default/ok-one",
        "TrainingJob/default/ok-two",
    ]
    assert [(str(d.source), d.status.value) for d in result.documents] == [
        ("empty.yaml:1", "skipped"),
        ("jobs.yaml:1", "ok"),
        ("jobs.yaml:20", "skipped"),
        ("jobs.yaml:23", "error"),
        ("more/job.yaml:1", "ok"),
    ]
    assert [i.format() for i in result.issues] == [
        "jobs.yaml:26: metadata.name: 'Bad' is not a valid Kubernetes name (it has uppercase letters); "
        "it must be a DNS-1123 subdomain: at most 253 lowercase letters, digits, '-' and '.', "
        "starting and ending with a letter or digit"
    ]
    assert result.incomplete
    summary = json.loads(json.dumps(result.to_dict()))["summary"]
    assert summary == {"ok": 2, "error": 1, "skipped": 2}
