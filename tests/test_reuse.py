"""A run reuses what did not change since the last one (internal/cache/): parsed files by content, drafts by the
notice they were drawn from. Whatever it reused, the outputs are the bytes a run from scratch writes."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import run_stages
from tests.sample_county import build, person

CSV = Path("沙头镇") / "沙头镇实际种粮一次性补贴.csv"
ENGINE_ONLY = ("internal/cache/", "internal/dagster/", ".lock")


def outputs_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.relative_to(folder).as_posix().startswith(ENGINE_ONLY)}


def stamps(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in (folder / "notices").rglob("*.pdf")}


def correct_a_name(inputs: Path) -> None:
    """The town corrects one person's name in its CSV (the file changes; the other files do not)."""
    path = inputs / CSV
    text = path.read_bytes().decode("gbk")
    old = person(44)[0]
    assert old in text
    path.write_bytes(text.replace(old, "改名某", 1).encode("gbk"))


def test_a_second_run_reuses_what_did_not_change_and_writes_the_same_bytes_as_a_fresh_run(tmp_path):
    inputs = build(tmp_path / "inputs")
    again, fresh = tmp_path / "again", tmp_path / "fresh"
    run_stages(inputs, again, 2022)
    first = stamps(again)
    assert (again / "internal" / "cache" / "notices.json").exists()

    correct_a_name(inputs)
    run_stages(inputs, again, 2022)
    parsed = list((again / "internal" / "cache" / "parsed").glob("*.pickle"))
    assert len(parsed) == sum(1 for p in inputs.rglob("*") if p.suffix in (".xlsx", ".xls", ".csv"))  # the old one pruned
    sheets = {p.name: p.stat().st_mtime_ns for p in (again / "internal" / "cache" / "sheets").glob("*.rows")}
    assert sheets  # the workbook's rows, a source file at a time
    later = stamps(again)
    redrawn = sorted(name for name in later if later[name] != first.get(name))
    assert redrawn and all("渔田村" in name for name in redrawn), redrawn  # only the corrected village is drawn again
    assert len(later) - len(redrawn) >= 10

    shutil.rmtree(fresh, ignore_errors=True)
    run_stages(inputs, fresh, 2022)
    mine, theirs = outputs_of(again), outputs_of(fresh)
    assert mine.keys() == theirs.keys()
    assert [name for name in mine if mine[name] != theirs[name]] == []

    run_stages(inputs, again, 2022)  # nothing changed: every file's workbook rows come from the cache, and are the same
    kept = {p.name: p.stat().st_mtime_ns for p in (again / "internal" / "cache" / "sheets").glob("*.rows")}
    assert kept == sheets  # the same rows: each used again (not written again), none pruned
    assert outputs_of(again) == theirs


def test_a_damaged_cache_is_rebuilt_not_trusted(tmp_path):
    inputs = build(tmp_path / "inputs")
    out = tmp_path / "out"
    run_stages(inputs, out, 2022)
    expected = outputs_of(out)
    for pickle in (out / "internal" / "cache" / "parsed").glob("*.pickle"):
        pickle.write_bytes(b"not a pickle")
    for rows in (out / "internal" / "cache" / "sheets").glob("*.rows"):
        rows.write_bytes(b"not compressed rows")
    notice = next((out / "notices").rglob("*.pdf"))
    notice.write_bytes(b"%PDF-1.7 damaged")  # a draft changed behind the tool's back is drawn again
    run_stages(inputs, out, 2022)
    assert outputs_of(out) == expected


def test_row_records_pickle_compactly_and_come_back_the_same():
    import copy
    import pickle
    from decimal import Decimal

    from subsidy.intake.banks import Payment
    from subsidy.intake.parsed import Household

    h = Household(file="a.xlsx", sheet="清册", row=3, name="张三", id="330324196503120011", id_status="ok",
                  village_code="330324108224", village_name="苍坡村", subsidy="耕地地力保护补贴", year=2022,
                  area=Decimal("1.5"), rate=Decimal("112"), amount=Decimal("168.00"), account="", role="roster",
                  remark="", group="")
    back = pickle.loads(pickle.dumps([h, h], protocol=5))
    assert repr(back[0]) == repr(h) and back[0] is back[1]  # shared records stay shared
    assert repr(copy.copy(h)) == repr(h)
    p = Payment(file="b.xlsx", sheet="代发", row=2, name="张三", id=h.id, id_usable=True, account="6230910000000000017",
                amount=Decimal("168.00"), subsidy=h.subsidy, year=2022, ok=True, status_text="成功", reason="",
                date="2022-12-20", villages=frozenset({"330324108224"}))
    assert repr(pickle.loads(pickle.dumps(p))) == repr(p)


def test_work_alongside_returns_its_result_or_raises_its_error():
    from subsidy.base.workers import alongside

    rows = list(range(1000))
    assert alongside(lambda: sum(rows))() == sum(rows)
    failing = alongside(lambda: 1 / 0)
    try:
        failing()
    except ZeroDivisionError:
        pass
    else:
        raise AssertionError("the error in the other process was not raised here")


def _collecting(_item=None) -> bool:
    import gc

    return gc.isenabled()


def test_a_stage_runs_without_the_cyclic_collector_and_the_processes_that_draw_run_with_it():
    import gc

    from dagster_project.assets import _fail_clearly
    from subsidy.base.workers import alongside, cyclic_gc, spread

    assert gc.isenabled()
    assert _fail_clearly(_collecting)() is False  # every asset's work
    assert gc.isenabled()  # on again afterwards
    with cyclic_gc(False):
        assert list(spread(_collecting, range(8), workers=2)) == [True] * 8  # forked workers (reportlab makes cycles)
        assert list(spread(_collecting, range(2), workers=2)) == [True] * 2  # a few items, drawn in this process
        assert not gc.isenabled()
        assert alongside(_collecting)() is True
    assert gc.isenabled()


def test_a_command_line_run_drops_each_result_once_its_last_step_has_it():
    import dagster as dg

    from dagster_project.io import ReleasingMemIOManager

    manager = ReleasingMemIOManager({"books": 2})
    manager.handle_output(dg.build_output_context(asset_key=dg.AssetKey("books")), ["rows"])
    manager.handle_output(dg.build_output_context(asset_key=dg.AssetKey("report")), {"done": 1})
    for _ in range(2):
        assert manager.load_input(dg.build_input_context(asset_key=dg.AssetKey("books"))) == ["rows"]
    assert "books" not in manager.values  # both steps that take it have it: no longer held
    assert manager.load_input(dg.build_input_context(asset_key=dg.AssetKey("report"))) == {"done": 1}
    assert "report" in manager.values  # no step takes it: kept for the command's report


def test_equal_amounts_from_different_files_become_one_object_and_keep_their_exact_text():
    import io
    import pickle
    from decimal import Decimal

    from subsidy.base.pickling import SharingUnpickler

    shared: dict = {}
    first = SharingUnpickler(io.BytesIO(pickle.dumps([Decimal("112.00"), Decimal("1.5")])), shared).load()
    second = SharingUnpickler(io.BytesIO(pickle.dumps([Decimal("112.00"), Decimal("1.50")])), shared).load()
    assert first[0] is second[0]  # pickled apart (one file each), one object once loaded
    assert str(second[1]) == "1.50" and first[1] is not second[1]  # equal but written differently: kept apart


def test_a_file_unpickled_leaves_nothing_for_the_cyclic_collector():
    """Stages run with the cyclic collector off: an unpickler caught in a cycle kept every byte of each parsed
    file's pickle until the end of the stage (about 400 MB at a million rows)."""
    import gc
    import io
    import pickle
    import weakref
    from decimal import Decimal

    from subsidy.base.pickling import SharingUnpickler
    from subsidy.base.workers import cyclic_gc

    class Source(io.BytesIO):
        pass

    with cyclic_gc(False):
        gc.collect()
        source = Source(pickle.dumps([Decimal("112.00")] * 10))
        gone = weakref.ref(source)
        assert SharingUnpickler(source, {}).load() == [Decimal("112.00")] * 10
        del source
        assert gone() is None  # freed by reference counting, as soon as it was read


def test_the_workbook_checks_for_exactly_the_characters_it_escapes():
    """Text cells are escaped only where the quick check finds something: it must find every character the escape
    table changes, and nothing else."""
    from subsidy.staff.workbook import _UNSAFE, _XML_TEXT

    wrong = [code for code in [*range(0x10000), *range(0x10000, 0x110000, 97)]
             if bool(_UNSAFE.search(chr(code))) != (chr(code).translate(_XML_TEXT) != chr(code))]
    assert wrong == []


def test_a_manifest_is_read_again_once_it_is_replaced(tmp_path):
    import json
    import os

    from subsidy.season.archive import read_manifest

    path = tmp_path / "v1" / "manifest.json"
    assert read_manifest(path) is None
    path.parent.mkdir()
    path.write_text(json.dumps({"published_by": ""}), encoding="utf-8")
    assert read_manifest(path) == {"published_by": ""}
    (tmp_path / "new.json").write_text(json.dumps({"published_by": "张三"}), encoding="utf-8")
    os.replace(tmp_path / "new.json", path)  # as the archive writes: a new file renamed into place
    assert read_manifest(path) == {"published_by": "张三"}


def test_reading_on_threads_keeps_the_order_and_works_in_a_forked_child(tmp_path):
    """Files are read ahead on a pool of threads kept for the process; a child forked after the pool started has
    none of its threads and must start its own (else it would wait for ever)."""
    from subsidy.base.workers import alongside, on_threads, warm

    files = []
    for n in range(40):
        files.append(tmp_path / f"{n}.txt")
        files[-1].write_text(str(n))
    warm([*files, tmp_path / "missing.txt"])  # a missing file is left to the reading that follows
    assert on_threads(lambda p: int(p.read_text()), files) == list(range(40))
    assert alongside(lambda: on_threads(lambda p: int(p.read_text()) * 2, files))() == [n * 2 for n in range(40)]


def test_a_crc_of_two_pieces_is_combined_as_zlib_sums_the_whole():
    import os
    import random
    import zlib

    from subsidy.staff.xlsxfile import crc32_combine

    rng = random.Random(7)
    for _ in range(200):
        a, b = os.urandom(rng.randint(0, 5000)), os.urandom(rng.randint(0, 5000))
        assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def test_the_workbook_made_of_kept_pieces_is_a_sound_zip_with_every_row(tmp_path):
    """The 户明细 and 银行明细 rows go into the workbook already deflated, their CRC-32 combined: every entry must
    still check out, and the rows read back in order."""
    import zipfile

    from openpyxl import load_workbook

    inputs = build(tmp_path / "inputs")
    out = tmp_path / "out"
    for _ in range(2):  # made, then from the kept pieces
        run_stages(inputs, out, 2022)
        path = out / "internal" / "reconciliation.xlsx"
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None
        sheet = load_workbook(path, read_only=True)["户明细"]
        rows = [r for r in sheet.iter_rows(values_only=True)]
        assert rows[0][:3] == ("村代码", "村名", "补贴项目") and rows[-1][0].startswith("说明：")
        households = [r for r in rows[1:-2]]
        assert len(households) == 32 and all(r[14] for r in households)  # every roster row, its source row number


def test_an_edit_to_any_module_of_any_package_starts_the_caches_afresh():
    """code_key covers every module, in the packages too (the parse cache pickles their classes)."""
    from subsidy.base import caching

    modules = [name for name, _ in caching._modules(__import__("importlib.resources").resources.files("subsidy"))]
    assert "intake/rosters.py" in modules and "base/caching.py" in modules and "stages.py" in modules
    assert not any(name.startswith("data/") for name in modules)
