"""The tests' run of the library's stages alone (conftest.run_stages) is the graph's run: on the sample inputs both
leave the same files, byte for byte (summary, staff files and workbook, every notice PDF, the index)."""

import shutil
from pathlib import Path

from tests.conftest import run, run_stages

ROOT = Path(__file__).resolve().parent.parent


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".lock" and not p.relative_to(folder).as_posix().startswith(
                ("internal/cache/", "internal/dagster/"))}


def test_the_stages_alone_leave_what_the_graph_leaves(tmp_path):
    inputs = tmp_path / "inputs"
    shutil.copytree(ROOT / "inputs" / "2022" / "永嘉县", inputs)
    graph, alone = tmp_path / "graph", tmp_path / "alone"
    run(inputs, graph, year=2022)
    run_stages(inputs, alone, year=2022)
    by_graph, by_stages = files(graph), files(alone)
    assert sorted(by_graph) == sorted(by_stages) and len(by_graph) > 20
    assert [name for name in by_graph if by_graph[name] != by_stages[name]] == []


def test_a_publication_by_the_stages_alone_leaves_what_the_publish_job_leaves(tmp_path):
    inputs = tmp_path / "inputs"
    shutil.copytree(ROOT / "inputs" / "2022" / "永嘉县", inputs)
    request = {"date": "2022-12-01", "by": "王会计", "villages": []}
    graph, alone = tmp_path / "graph", tmp_path / "alone"
    assert run(inputs, graph, year=2022, request=request)["publication"]["published"] == 5
    assert run_stages(inputs, alone, year=2022, request=request)["publication"]["published"] == 5
    by_graph, by_stages = files(graph), files(alone)
    assert sorted(by_graph) == sorted(by_stages) and any(name.startswith("archive/") for name in by_graph)
    assert [name for name in by_graph if by_graph[name] != by_stages[name]] == []
