"""The command line as a clerk uses it: exit codes and the Chinese text it prints."""

from dagster_project.cli import main
from tests.sample_county import build


def test_run_prints_what_it_read_and_found(tmp_path, capsys):
    build(tmp_path / "in")
    code = main(["run", "--inputs", str(tmp_path / "in"), "--outputs", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 0
    assert "年度：2022" in out
    assert "文件：共12个，读取8个，无法读取1个，非表格/设置文件3个" in out
    assert "村：10个" in out
    assert "duplicate_payment（疑似重复发放）：4" in out
    assert "应发5794.40 = 实发4493.60 + 失败100.80 + 未发1227.20 + 差额-27.20（按村和补贴逐项核对：相符）" in out
    assert "summary.csv" in out and "reconciliation.xlsx" in out
    assert "[10/10] 读取 说明.txt" in err and "跳过 notice.toml（设置文件）" in err  # progress
    assert "公示：发放结果公示：草稿10个村" in out
    assert "公示准备：可公示0个村，暂缓10个村" in out
    assert "暂缓 330324108224 苍坡村：未处理的问题：身份证号精度丢失1个；全县性问题未处理（可能涉及任何村）" in out
    assert not (tmp_path / "out" / "archive").exists()  # a run never writes the archive


def test_missing_inputs_folder_is_one_line_and_non_zero(tmp_path, capsys):
    code = main(["run", "--inputs", str(tmp_path / "nope"), "--outputs", str(tmp_path / "out")])
    _, err = capsys.readouterr()
    assert code == 1
    assert err.strip().count("\n") == 0 and "输入文件夹不存在" in err


def test_no_readable_roster_is_non_zero(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.xlsx").write_bytes(b"broken")
    code = main(["run", "--inputs", str(tmp_path / "in"), "--outputs", str(tmp_path / "out"), "--quiet"])
    _, err = capsys.readouterr()
    assert code == 1 and "没有可读取的发放清册" in err
    # the clerk still gets the reason per file
    assert "unreadable_file" in (tmp_path / "out" / "internal" / "exceptions.csv").read_text(encoding="utf-8-sig")


def test_year_option(tmp_path, capsys):
    build(tmp_path / "in")
    assert main(["run", "--inputs", str(tmp_path / "in"), "--outputs", str(tmp_path / "out"), "--year", "2021", "--quiet"]) == 1
    assert "没有2021年度的发放清册，读到的是2022年度" in capsys.readouterr().err


def test_partitioned_inputs_run_each_county_year_and_appear_in_the_run_history(tmp_path, capsys, monkeypatch):
    import dagster as dg

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    build(tmp_path / "in" / "2022" / "永嘉县")
    code = main(["run", "--inputs", str(tmp_path / "in"), "--outputs", str(tmp_path / "out"), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    assert (tmp_path / "out" / "2022" / "永嘉县" / "summary.csv").exists()
    assert "outputs" not in out or "2022/永嘉县" in out
    with dg.DagsterInstance.get() as instance:
        [run] = instance.get_runs()
        assert run.is_success and run.tags["dagster/partition"] == "2022-永嘉县"
        assert run.tags["subsidy/started_by"] == "command line"


def test_a_county_outside_the_bundled_roster_gets_a_hint_and_its_year(tmp_path, capsys):
    from tests.builders import make_id, write_xlsx

    head = ["序号", "村名", "户主姓名", "身份证号码", "补贴金额"]
    rows = [["某县城关镇2022年耕地地力保护补贴发放清册"], head] + [[i + 1, "潮记村", f"周{i}", make_id("110105", seq=i), 100]
                                                           for i in range(3)]
    write_xlsx(tmp_path / "in" / "清册.xlsx", {"清册": rows})
    code = main(["run", "--inputs", str(tmp_path / "in"), "--outputs", str(tmp_path / "out"), "--quiet"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "年度：2022" in out  # from the title, though no row could be used
    assert "提示：3行的村名不在内置的温州市村名册中" in out and "villages.csv" in out
    assert "公示内容无变化" not in out
