"""The notebooks run top to bottom from a clean kernel, offline, and are stored without outputs."""

import tempfile
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
FAST = ["01_corpus.ipynb", "03_tag_a_policy.ipynb", "04_fields.ipynb"]
SLOW = ["02_train_and_evaluate.ipynb"]  # trains a linear model and a tiny transformer


def test_every_notebook_is_tested_and_stored_without_outputs():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(FAST + SLOW)
    for path in NOTEBOOKS.glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert all(not cell.outputs and cell.execution_count is None for cell in code), path.name


def run_notebook(name: str):
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    return notebook


def outputs(notebook, mime: str) -> list[str]:
    return [out["data"][mime] for cell in notebook.cells if cell.cell_type == "code"
            for out in cell.outputs if mime in out.get("data", {})]


@pytest.mark.parametrize("name", FAST)
def test_notebook_runs(name):
    notebook = run_notebook(name)
    assert outputs(notebook, "image/png"), "each notebook draws at least one chart"
    if name == "03_tag_a_policy.ipynb":
        html = "".join(outputs(notebook, "text/html"))
        assert 'class="jp-clause"' in html and 'class="jp-checklist"' in html


@pytest.mark.slow
@pytest.mark.parametrize("name", SLOW)
def test_slow_notebook_runs(name):
    before = set(Path(tempfile.gettempdir()).glob("jprivacy-notebook-*"))
    notebook = run_notebook(name)
    assert len(outputs(notebook, "image/png")) >= 2
    assert set(Path(tempfile.gettempdir()).glob("jprivacy-notebook-*")) == before, "the notebook removes its folder"
