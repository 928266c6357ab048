"""Atomic outputs and --resume: an interrupted or failed run leaves only OUT.partial, never an OUT
that looks complete, and `--resume` finishes it with every document exactly once.  These runs
use the small linear model: they test outputs, not the classifier."""

import errno
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

import jprivacy.readers
from jprivacy.cli import main
from jprivacy.data import POLICIES
from jprivacy.outputs import read_records

JPRIVACY = shutil.which("jprivacy")


@pytest.fixture(scope="module")
def policies():
    return sorted(POLICIES.glob("00[0-4]_*.txt"))


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, policies, linear_model):
    """The records of an uninterrupted run, documents named by their file name."""
    out = tmp_path_factory.mktemp("uninterrupted") / "out.jsonl"
    result = subprocess.run([JPRIVACY, "tag", "--model", linear_model, *policies, "-o", out],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return by_name(read_records(out))


def by_name(records: list[dict]) -> list[dict]:
    return [{**r, "doc": Path(r["doc"]).name} for r in records]


def partial_docs(partial: Path) -> list[str]:
    """File names of the documents in a partial output, in order (a cut-short last line is ignored)."""
    names = []
    for line in partial.read_bytes().splitlines():
        try:
            name = Path(json.loads(line)["doc"]).name
        except ValueError:
            continue
        if not names or names[-1] != name:
            names.append(name)
    return names


def copies(folder: Path, policies: list[Path]) -> list[Path]:
    paths = []
    for source in policies:
        shutil.copy(source, folder / source.name)
        paths.append(folder / source.name)
    return paths


@pytest.mark.parametrize("sig, exit_code", [(signal.SIGKILL, -signal.SIGKILL), (signal.SIGINT, 130)],
                         ids=["SIGKILL", "SIGINT"])
def test_killed_run_leaves_only_the_partial_and_resume_finishes_it(tmp_path, policies, uninterrupted, sig, exit_code,
                                                                   linear_model):
    paths = copies(tmp_path, policies)
    blocked = paths[3]
    blocked.unlink()
    os.mkfifo(blocked)  # the run stops on it: reading it waits for a writer that writes nothing
    out, partial = tmp_path / "out.jsonl", tmp_path / "out.jsonl.partial"
    child = subprocess.Popen([JPRIVACY, "tag", "--model", linear_model, *paths, "-o", out, "--batch-size", "1"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    writer, deadline = None, time.monotonic() + 120
    while writer is None:  # the FIFO opens for writing once the run opens it: documents 0-2 are tagged
        try:
            writer = os.open(blocked, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as err:
            assert err.errno == errno.ENXIO
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "the run never reached the FIFO"
            time.sleep(0.05)
    try:
        child.send_signal(sig)
        assert child.wait(timeout=60) == exit_code
    finally:
        os.close(writer)
    stderr = child.stderr.read().decode()
    if sig == signal.SIGINT:
        assert stderr.strip().splitlines()[-1] == "interrupted; rerun with --resume to finish"
        assert "Traceback" not in stderr
        assert partial_docs(partial) == [p.name for p in paths[:3]]
    assert not out.exists() and partial.exists()
    assert partial_docs(partial)[:2] == [p.name for p in paths[:2]]

    blocked.unlink()
    shutil.copy(policies[3], blocked)
    result = subprocess.run([JPRIVACY, "tag", "--model", linear_model, *paths, "-o", out, "--resume"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    # documents 0 and 1 are kept; document 2, the last one in the partial, may be cut short: tagged again
    assert "resuming: 2 document(s) already in the output" in result.stderr
    assert "tagged 3 document(s)" in result.stderr
    assert by_name(read_records(out)) == uninterrupted and not partial.exists()


def test_a_failed_run_leaves_no_csv_and_resume_finishes_it(tmp_path, policies, uninterrupted, monkeypatch, capsys,
                                                            linear_model):
    paths = copies(tmp_path, policies)
    out = tmp_path / "out.csv"
    read_document = jprivacy.readers.read_document

    def fail_on_the_third(path):
        if Path(path) == paths[2]:
            raise RuntimeError("disk on fire")
        return read_document(path)

    monkeypatch.setattr(jprivacy.readers, "read_document", fail_on_the_third)
    with pytest.raises(RuntimeError, match="disk on fire"):
        # records of documents 0-1 are written
        main(["tag", "--model", str(linear_model), *map(str, paths), "-o", str(out), "--batch-size", "1"])
    assert not out.exists() and not (tmp_path / "out.csv.tmp").exists()
    assert partial_docs(tmp_path / "out.csv.partial") == [p.name for p in paths[:2]]

    monkeypatch.undo()
    capsys.readouterr()
    assert main(["tag", "--model", str(linear_model), *map(str, paths), "-o", str(out), "--resume"]) == 0
    assert "resuming: 1 document(s) already in the output" in capsys.readouterr().err
    assert by_name(read_records(out)) == uninterrupted
    assert not (tmp_path / "out.csv.partial").exists()


def test_resume_after_a_finished_run_keeps_it_and_tags_only_new_inputs(tmp_path, policies, uninterrupted, capsys,
                                                                       linear_model):
    paths = copies(tmp_path, policies)
    out = tmp_path / "out.jsonl"
    assert main(["tag", "--model", str(linear_model), *map(str, paths[:2]), "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["tag", "--model", str(linear_model), *map(str, paths), "-o", str(out), "--resume"]) == 0
    err = capsys.readouterr().err
    assert "resuming: 2 document(s)" in err and "tagged 3 document(s)" in err
    assert by_name(read_records(out)) == uninterrupted


@pytest.mark.parametrize("case", ["parent is a file", "disk full"])
def test_an_output_that_cannot_be_written_is_one_line_and_exit_2(tmp_path, policies, capsys, case, linear_model):
    if case == "parent is a file":
        (tmp_path / "file").write_text("x")
        out = tmp_path / "file" / "out.jsonl"
    else:
        if not os.path.exists("/dev/full"):
            pytest.skip("no /dev/full")
        out = tmp_path / "out.jsonl"
        os.symlink("/dev/full", tmp_path / "out.jsonl.partial")
    code = main(["tag", "--model", str(linear_model), *map(str, policies[:2]), "-o", str(out)])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"jprivacy tag: {out}: cannot write the output (")
    assert not out.exists()
    if case == "parent is a file":  # nothing was written, so there is nothing to resume
        assert "--resume" not in lines[0]
