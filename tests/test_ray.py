"""Ray Data integration on a local two-CPU Ray instance (skipped without the ray extra)."""

import json
import runpy
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

import pyarrow.parquet as pq  # noqa: E402

import jprivacy  # noqa: E402
from jprivacy.data import POLICIES  # noqa: E402
from jprivacy.distributed import read_documents, tag_dataset  # noqa: E402
from jprivacy.readers import read_document  # noqa: E402

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "tag_with_ray.py"


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def policies():
    return sorted(POLICIES.glob("00*.txt"))[:3]


def expected_records(paths):
    return [r for r in jprivacy.load().iter_records([read_document(p) for p in paths]) if isinstance(r, dict)]


def key(record):
    return record["doc"], record["clause"]


def test_tag_dataset_matches_the_local_tagger_and_skips_bad_rows(local_ray, policies):
    rows = [{"doc": str(p), "text": read_document(p).text} for p in policies]
    rows.insert(1, {"doc": "empty", "text": "  "})
    records = sorted(tag_dataset(ray.data.from_items(rows), actors=1, documents_per_batch=2).take_all(), key=key)
    expected = sorted(expected_records(policies), key=key)
    assert [key(r) for r in records] == [key(r) for r in expected]
    for got, want in zip(records, expected):
        assert (got["start"], got["end"], got["section"], got["text"]) == \
               (want["start"], want["end"], want["section"], want["text"])
        assert list(got["labels"]) == want["labels"]
        assert got["scores"] == pytest.approx(want["scores"], abs=1e-4)


def test_tag_dataset_can_give_each_documents_fields(local_ray, policies):
    import jprivacy

    rows = [{"doc": str(p), "text": read_document(p).text} for p in policies]
    got = {r["doc"]: r for r in tag_dataset(ray.data.from_items(rows), actors=1, fields=True).take_all()}
    assert set(got) == {str(p) for p in policies}
    for path in policies:
        want = jprivacy.load().fields_file(path).to_dict()
        assert list(got[str(path)]["data_types"]) == want["data_types"] and got[str(path)]["fee"] == want["fee"]
        assert json.loads(got[str(path)]["evidence"]) == want["evidence"]


@pytest.mark.slow
def test_example_reads_a_folder_and_writes_parquet_atomically(local_ray, policies, tmp_path):
    folder = tmp_path / "crawl"
    folder.mkdir()
    for path in policies:
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "broken.html").write_bytes(b"%PDF-1.4 not a policy")
    main = runpy.run_path(str(EXAMPLE))["main"]
    assert main([str(folder), "--output", str(tmp_path / "out"), "--actors", "1"]) == 0
    assert not (tmp_path / "out.partial").exists()
    table = pq.read_table(tmp_path / "out")
    assert table.num_rows == len(expected_records(policies))
    assert {Path(d).name for d in table.column("doc").to_pylist()} == {p.name for p in policies}
    assert main([str(folder), "--output", str(tmp_path / "out")]) == 2  # never overwrites


def test_jsonl_inputs_become_doc_and_text_rows(local_ray, policies, tmp_path):
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text("".join(json.dumps({"doc": p.name, "text": read_document(p).text}, ensure_ascii=False) + "\n"
                             for p in policies), encoding="utf-8")
    rows = read_documents(str(jsonl)).take_all()
    assert [r["doc"] for r in rows] == [p.name for p in policies]
    assert rows[0]["text"] == read_document(policies[0]).text


def test_actor_pool_must_leave_a_cpu_for_reading_and_writing(local_ray):
    documents = ray.data.from_items([{"doc": "a", "text": "当社は氏名を取得します。"}])
    with pytest.raises(ValueError, match="leave none for reading and writing"):
        tag_dataset(documents, actors=2)
