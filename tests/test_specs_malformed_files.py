"""Malformed spec files: every one is a located error (or a listed skip), never an exception,
and never stops a valid spec beside it from loading.

Each case writes real files (and real symlinks, a real FIFO) into a fresh spec root next to a
valid v1 TrainingJob, runs the real ``load_specs`` and checks the exact ``file:line``, the field
path and a fragment of the message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from gitops_sm.model import Address, DocumentStatusKind, LoadResult
from gitops_sm.specs import MAX_DEPTH, MAX_FILE_BYTES, load_specs
from tests.manifests import (
    GOOD_JOB,
    TRAINING_JOB_HEADER,
    Writer,
    alias_bomb,
    broken_symlink,
    bytes_file,
    combined,
    fifo,
    huge_file,
    root_beside_valid_job,
    self_symlink,
    symlink_cycle,
    symlinked_dir_outside,
    symlinked_file_outside,
    text_file,
    valid_training_job,
)

GOOD_ADDRESS = Address(kind="TrainingJob", namespace="default", name="good-job")

HEADER = TRAINING_JOB_HEADER


def job(name_line: str, *, body: str = "spec: {}\n") -> str:
    """A v1 TrainingJob whose metadata block is ``name_line`` (line 4 of the file)."""
    return HEADER + "metadata:\n" + name_line + "\n" + body


@dataclass(frozen=True)
class Case:
    id: str
    write: Writer
    location: str  # exact file:line of the reported issue (or skip)
    fragment: str  # part of the message (or skip reason)
    field: str = ""  # the issue's field path; "" for file-level
    skipped: bool = False  # listed as skipped, not an error
    address: str | None = None  # the issue's address, when the document still shows it


CASES = [
    Case("yaml-mapping-in-scalar", text_file("bad.yaml", HEADER + "metadata: name: x\n"), "bad.yaml:3",
         "invalid YAML: mapping values are not allowed"),
    Case("tab-indentation", text_file("bad.yaml", HEADER + "metadata:\n\tname: x\n"), "bad.yaml:4",
         "a tab character is not allowed here (YAML indentation must use spaces)"),
    Case("unterminated-quote", text_file("bad.yaml", HEADER + "metadata:\n  name: 'abc\nspec: {}\n"), "bad.yaml:6",
         "found unexpected end of stream (column 1), while scanning a quoted scalar that started at line 4"),
    Case("unclosed-flow-list", text_file("bad.yaml", HEADER + "metadata: {name: x}\nspec:\n  tags: [a, b\n"), "bad.yaml:6",
         "did not find expected ',' or ']'"),
    Case("undefined-alias", text_file("bad.yaml", HEADER + "metadata:\n  name: *missing\n"), "bad.yaml:4",
         "invalid YAML: found undefined alias"),
    Case("anchor-defined-twice", text_file("bad.yaml", HEADER + "metadata: &m {name: x}\nspec: &m {}\n"), "bad.yaml:4",
         "anchor defined twice (first at line 3, again at line 4)"),
    Case("duplicate-key", text_file("bad.yaml", job("  name: first\n  name: second")), "bad.yaml:5",
         "duplicate key 'name': first at line 4, again at line 5", field="metadata.name"),
    Case("empty-file", text_file("bad.yaml", ""), "bad.yaml:1", "file has no YAML documents", skipped=True),
    Case("only-comments", text_file("bad.yaml", "# nothing here yet\n\n   # still nothing\n"), "bad.yaml:1",
         "file has no YAML documents", skipped=True),
    Case("only-separators", text_file("bad.yaml", "---\n---\n...\n"), "bad.yaml:1", "file has no YAML documents",
         skipped=True),
    Case("binary-junk", bytes_file("bad.yaml", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256))), "bad.yaml:1",
         "file looks binary (it contains NUL bytes)"),
    Case("invalid-utf8", bytes_file("bad.yaml", (HEADER + "metadata:\n  name: caf").encode() + b"\xe9\n"), "bad.yaml:4",
         "file is not valid UTF-8 (byte 0xe9 at column 12)"),
    Case("control-character", text_file("bad.yaml", HEADER + "metadata:\n  name: a\x07b\n"), "bad.yaml:4",
         "character U+0007 is not allowed in YAML text"),
    Case("huge-file", huge_file, "huge.yaml:1", f"over the {MAX_FILE_BYTES:,}-byte limit"),
    Case("deep-flow-nesting", text_file("bad.yaml", HEADER + "spec:\n  x: " + "[" * 200_000 + "]" * 200_000 + "\n"),
         "bad.yaml:4", f"nested deeper than {MAX_DEPTH} levels"),
    Case("deep-block-nesting", text_file("bad.yaml", "- " * 100_000 + "x\n"), "bad.yaml:1",
         f"nested deeper than {MAX_DEPTH} levels"),
    # Deeper than libyaml 0.2.6's own limit (1,000) yet under the cheap text bound: our limit and
    # message must still decide, whichever PyYAML wheel the resolver installed.
    Case("flow-nesting-past-libyaml-limit", text_file("bad.yaml", HEADER + "spec:\n  x: " + "[" * 1_200 + "]" * 1_200 + "\n"),
         "bad.yaml:4", f"nested deeper than {MAX_DEPTH} levels"),
    Case("block-nesting-past-libyaml-limit", text_file("bad.yaml", "".join(" " * i + "k:\n" for i in range(1_100))),
         "bad.yaml:101", f"nested deeper than {MAX_DEPTH} levels"),
    Case("moderately-deep-nesting", text_file("bad.yaml", job("  name: deep", body="spec:\n  x: " + "[" * 150 + "]" * 150)),
         "bad.yaml:6", f"nested deeper than {MAX_DEPTH} levels", field="spec.x" + "[0]" * 10),
    Case("alias-bomb", text_file("bad.yaml", alias_bomb()), "bad.yaml:5", "alias expansion bomb", field="e[7][8][9][3]"),
    Case("self-referencing-alias", text_file("bad.yaml", job("  name: loop", body="spec: &s\n  again: *s\n")),
         "bad.yaml:6", "or an alias contains itself", field="spec" + ".again" * 11,
         address="TrainingJob/default/loop"),
    Case("python-object-tag", text_file("bad.yaml", job("  name: x", body="spec: !!python/object/apply:os.system ['true']\n")),
         "bad.yaml:5", "tag !!python/object/apply:os.system is refused", field="spec",
         address="TrainingJob/default/x"),
    Case("custom-tag", text_file("bad.yaml", job("  name: x", body="spec:\n  roleArn: !Ref Role\n")), "bad.yaml:6",
         "tag !Ref is not supported", field="spec.roleArn", address="TrainingJob/default/x"),
    Case("impossible-date", text_file("bad.yaml", job("  name: x", body="spec:\n  since: 2024-13-45\n")), "bad.yaml:6",
         "'2024-13-45' reads as a YAML timestamp but is not a valid one", field="spec.since",
         address="TrainingJob/default/x"),
    Case("scalar-document", text_file("bad.yaml", "just some words\n"), "bad.yaml:1",
         "a document must be a mapping with apiVersion, kind and metadata, not the string 'just some words'"),
    Case("list-at-top-level", text_file("bad.yaml", "# a list\n- apiVersion: v1\n- kind: Pod\n"), "bad.yaml:2",
         "a document must be a mapping with apiVersion, kind and metadata, not a list"),
    Case("missing-api-version", text_file("bad.yaml", "\nkind: TrainingJob\nmetadata: {name: x}\n"), "bad.yaml:2",
         "missing apiVersion"),
    Case("missing-kind", text_file("bad.yaml", "apiVersion: sagemaker.aws.amazon.com/v1\nmetadata: {name: x}\n"), "bad.yaml:1",
         "missing kind"),
    Case("numeric-api-version", text_file("bad.yaml", "apiVersion: 1.0\nkind: TrainingJob\n"), "bad.yaml:1",
         "apiVersion must be a string, not float 1.0", field="apiVersion"),
    Case("list-kind", text_file("bad.yaml", "apiVersion: sagemaker.aws.amazon.com/v1\nkind: [TrainingJob]\n"), "bad.yaml:2",
         "kind must be a string, not a list", field="kind"),
    Case("missing-metadata", text_file("bad.yaml", HEADER + "spec: {}\n"), "bad.yaml:1",
         "missing metadata: metadata.name is required"),
    Case("missing-metadata-name", text_file("bad.yaml", job("  namespace: team-a")), "bad.yaml:3",
         "missing metadata.name", field="metadata"),
    Case("uppercase-name", text_file("bad.yaml", job("  name: My_Job")), "bad.yaml:4",
         "'My_Job' is not a valid Kubernetes name (it has uppercase letters)", field="metadata.name"),
    Case("name-too-long", text_file("bad.yaml", job("  name: " + "a" * 254)), "bad.yaml:4",
         "(it is 254 characters long); it must be a DNS-1123 subdomain", field="metadata.name"),
    Case("numeric-name", text_file("bad.yaml", job("  name: 42")), "bad.yaml:4", "must be a string", field="metadata.name"),
    Case("dollar-placeholder-name", text_file("bad.yaml", job("  name: $MODEL_NAME")), "bad.yaml:4",
         "unfilled placeholder $MODEL_NAME: replace it with a real name", field="metadata.name"),
    Case("angle-placeholder-name", text_file("bad.yaml", job("  name: <YOUR JOB NAME>")), "bad.yaml:4",
         "unfilled placeholder <YOUR JOB NAME>", field="metadata.name"),
    Case("unquoted-brace-placeholder-name", text_file("bad.yaml", job("  name: {JOB_NAME}")), "bad.yaml:4",
         "unfilled placeholder {JOB_NAME}", field="metadata.name"),
    Case("invalid-namespace", text_file("bad.yaml", job("  name: ok\n  namespace: team.a")), "bad.yaml:5",
         "'team.a' is not a valid Kubernetes name", field="metadata.namespace"),
    Case("error-in-second-document", text_file("bad.yaml", job("  name: first") + "---\n# second\n" + job("  name: Second")),
         "bad.yaml:11", "uppercase letters", field="metadata.name"),
    Case("symlink-file-outside-root", symlinked_file_outside, "linked.yaml:1",
         "symlink to a file outside the spec root"),
    Case("symlink-dir-outside-root", symlinked_dir_outside, "shared:1",
         "symlink to a directory outside the spec root"),
    Case("broken-symlink", broken_symlink, "dangling.yaml:1", "broken symlink"),
    Case("self-symlink", self_symlink, "loop.yaml:1", "symlink loop"),  # issue 7: was a RuntimeError
    Case("symlink-cycle", symlink_cycle, "ping.yaml:1", "symlink loop"),
    Case("fifo-named-yaml", fifo, "pipe.yaml:1", "not a regular file"),
]  # fmt: skip


def load_beside_valid(tmp_path: Path, write: Writer) -> LoadResult:
    return load_specs(root_beside_valid_job(tmp_path, write))


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_malformed_file_is_located_and_does_not_block_a_valid_spec(tmp_path: Path, case: Case) -> None:
    result = load_beside_valid(tmp_path, case.write)

    if case.skipped:
        assert not result.issues, [issue.format() for issue in result.issues]
        reported = [(str(s.source), "", s.reason) for s in result.skipped]
    else:
        reported = [(str(i.source), i.path, i.message) for i in result.issues]
    matching = [r for r in reported if r[0] == case.location and case.fragment in r[2]]
    assert matching, f"no report at {case.location} containing {case.fragment!r}; got {reported}"
    assert any(path == case.field for _, path, _ in matching), (case.field, matching)
    if case.address:
        assert case.address in {i.address for i in result.issues if str(i.source) == case.location}

    expected_status = DocumentStatusKind.SKIPPED if case.skipped else DocumentStatusKind.ERROR
    assert any(
        str(d.source.path) == case.location.split(":")[0] and d.status is expected_status
        for d in result.documents
    )
    assert [r.address for r in result.resources] == [GOOD_ADDRESS]
    assert result.incomplete is not case.skipped


def test_the_corpus_covers_at_least_eighteen_cases() -> None:
    assert len(CASES) >= 18
    assert len({case.id for case in CASES}) == len(CASES)


def test_symlinks_outside_the_root_are_never_read(tmp_path: Path) -> None:
    result = load_beside_valid(tmp_path, combined(symlinked_file_outside, symlinked_dir_outside))

    # Had either link been followed, "outside-job" would be a resource or at least a document.
    assert all("outside-job" not in str(d.address) for d in result.documents)
    assert {str(i.source) for i in result.issues} == {"linked.yaml:1", "shared:1"}
    assert [r.address for r in result.resources] == [GOOD_ADDRESS]


def test_duplicate_addresses_across_files_are_errors_on_both(tmp_path: Path) -> None:
    def twin(root: Path, outside: Path) -> None:
        (root / "team").mkdir()
        (root / "team" / "copy.yaml").write_text("# a copy\n\n" + GOOD_JOB)
        (root / "other.yaml").write_text(valid_training_job("other-job", region="us-east-1"))

    result = load_beside_valid(tmp_path, twin)

    duplicates = {str(i.source): i for i in result.issues}
    assert set(duplicates) == {"good.yaml:4", "team/copy.yaml:6"}
    assert "also defined at team/copy.yaml:6" in duplicates["good.yaml:4"].message
    assert "also defined at good.yaml:4" in duplicates["team/copy.yaml:6"].message
    assert {i.address for i in result.issues} == {"TrainingJob/default/good-job"}
    assert {i.path for i in result.issues} == {"metadata.name"}
    assert [str(r.address) for r in result.resources] == ["TrainingJob/default/other-job"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_is_an_error_on_that_file(tmp_path: Path) -> None:
    def locked(root: Path, outside: Path) -> None:
        (root / "locked.yaml").write_text(valid_training_job("locked-job", region="us-east-1"))
        (root / "locked.yaml").chmod(0)

    result = load_beside_valid(tmp_path, locked)

    assert [(str(i.source), "cannot be read" in i.message) for i in result.issues] == [
        ("locked.yaml:1", True)
    ]
    assert [r.address for r in result.resources] == [GOOD_ADDRESS]
