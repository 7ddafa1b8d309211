"""Names from the data never decide where files go: hostile town, village and county names in villages.csv and
in rosters give notices inside the outputs, named by village code, and nothing anywhere else."""

import csv
import io

import pytest

from dagster_project.cli import main
from subsidy.base.safepaths import MAX_BYTES, UnsafePath, component, inside, village_stem
from tests.builders import make_id, write_xlsx

HOSTILE = [  # (code, official name, town, county)
    ("330324900001", "../../../逃逸村委会", "../../../逃逸镇", "永嘉县"),
    ("330324900002", "甲/乙村委会", "城关镇", "永嘉县"),
    ("330324900003", "甲\\丙村委会", "城关镇", "../../逃逸县"),
    ("330324900004", "长" * 300 + "村委会", "城关镇", "永嘉县"),
    ("330324900005", "CON", "NUL", "永嘉县"),
    ("330324900006", "末尾点. .", "城关镇. ", "永嘉县"),
    ("330324900007", "溪口／溪尾村委会", "城关镇", "永嘉县"),
    ("../../990008", "恶意代码村委会", "城关镇", "永嘉县"),
]


def _county(folder):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["village_code", "village_name", "town_name", "county_name"])
    writer.writerows(HOSTILE)
    (folder / "villages.csv").write_text(text.getvalue(), encoding="utf-8")
    rows = [["2022年耕地地力保护补贴发放清册"], ["序号", "村名", "户主姓名", "身份证号码", "补贴金额"]]
    for i, (code, name, *_) in enumerate(HOSTILE):
        written = code if code.isdigit() else name  # a roster may name a village by its code
        rows.append([i + 1, written, f"户主{i}", make_id(seq=i + 1), 100 + i])
    # a folder named like a path trick inside the inputs: read like any other
    write_xlsx(folder / "村.. ／" / "清册.xlsx", {"清册": rows})


def _files(root):
    return {p for p in root.rglob("*")}


def test_hostile_names_stay_inside_the_outputs(tmp_path, capsys):
    work = tmp_path / "work"
    inputs, outputs = work / "inputs", work / "outputs"
    inputs.mkdir(parents=True)
    _county(inputs)
    before = _files(tmp_path)
    code = main(["run", "--inputs", str(inputs), "--outputs", str(outputs), "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0, err
    new = _files(tmp_path) - before
    assert new and all(p == outputs or p.is_relative_to(outputs) for p in new), sorted(new)[:5]
    pdfs = sorted(p for p in (outputs / "notices").rglob("*.pdf") if "大字版" not in p.name)
    assert len(pdfs) == len(HOSTILE)
    for p in pdfs:
        assert len(p.name.encode()) <= MAX_BYTES + len(".pdf") + 10
        assert all(len(part.encode()) <= 255 for part in p.parts)
    names = {p.name.split("_")[0] for p in pdfs}
    assert {c for c, *_ in HOSTILE if c.isdigit()} <= names
    assert not (outputs / "notices" / "NUL").exists() and (outputs / "notices" / "_NUL").is_dir()
    assert not any(p.name.endswith((".", " ")) for p in (outputs / "notices").rglob("*"))


def test_the_pdf_keeps_the_full_real_name(tmp_path, capsys):
    from pypdf import PdfReader

    inputs, outputs = tmp_path / "inputs", tmp_path / "outputs"
    inputs.mkdir()
    _county(inputs)
    assert main(["run", "--inputs", str(inputs), "--outputs", str(outputs), "--quiet"]) == 0
    [long] = [p for p in (outputs / "notices").rglob("330324900004_*.pdf") if "大字版" not in p.name]
    reader = PdfReader(long)
    assert "长" * 300 + "村" in reader.metadata.title
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    assert "长" * 100 in text


@pytest.mark.parametrize("name,expected", [
    ("../../x", ".._.._x"), ("a/b", "a_b"), ("a\\b", "a_b"), ("..", "未命名"), ("CON", "_CON"), ("nul.txt", "_nul.txt"),
    ("com1", "_com1"), ("名字. .", "名字"), ("甲／乙", "甲_乙"), ("a\x00b\tc", "a_b_c"), ('a:b*c?"<>|', "a_b_c_____"),
    ("", "未命名"),
])
def test_component(name, expected):
    assert component(name) == expected


def test_a_long_name_is_cut_and_the_code_kept_whole():
    stem = village_stem("330324108224", "长" * 300)
    assert stem.startswith("330324108224_长") and len(stem.encode()) <= MAX_BYTES
    assert village_stem("../../9", "村") == ".._.._9_村"


def test_inside_refuses_a_path_outside(tmp_path):
    assert inside(tmp_path, tmp_path / "a" / "b") == tmp_path / "a" / "b"
    with pytest.raises(UnsafePath):
        inside(tmp_path / "out", tmp_path / "out" / ".." / "elsewhere")


def test_an_unexpected_failure_is_one_line_in_chinese_with_the_log(tmp_path, capsys, monkeypatch):
    from subsidy.season import notices_folder as publishing
    from tests.sample_county import build

    def broken(*args, **kwargs):
        raise OSError("simulated disk failure")

    monkeypatch.setattr(publishing, "render", broken)
    build(tmp_path / "in" / "2022" / "永嘉县")
    code = main(["run", "--inputs", str(tmp_path / "in"), "--outputs", str(tmp_path / "out"), "--quiet"])
    _, err = capsys.readouterr()
    assert code == 1
    assert err.strip().count("\n") == 0
    assert "“生成公示”这一步意外出错（2022-永嘉县）" in err and "error.log" in err
    assert "Traceback" not in err and "dagster" not in err.lower()
    log = tmp_path / "out" / "2022" / "永嘉县" / "internal" / "error.log"
    assert "simulated disk failure" in log.read_text(encoding="utf-8")
