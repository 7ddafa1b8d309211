"""Notices read back from the PDFs: content, masking, fonts, pages, large print, rare characters, settings."""

import re

import pytest
from pypdf import PdfReader

from tests.builders import county_year, make_id, read_csv, write_xlsx

TITLE = "永嘉县岩头镇2022年度耕地地力保护补贴资金发放清册"
HEAD = ["序号", "村名", "户主姓名", "身份证号码", "补贴面积", "补贴标准", "补贴金额", "备注"]
SETTINGS = 'county_bureau = "永嘉县农业农村局"\ncounty_bureau_phone = "0577-67221234"\n'


def roster(folder, names, village="苍坡村", remarks=None, amount=112):
    rows = [[TITLE], HEAD]
    for i, name in enumerate(names):
        rows.append([i + 1, village, name, make_id(seq=i + 1), 1, 112, amount, (remarks or {}).get(i, "")])
    write_xlsx(folder / "清册.xlsx", {"清册": rows})


def text_of(path):
    """The notice's text without the page footers."""
    pages = [page.extract_text() for page in PdfReader(path).pages]
    return "\n".join(re.sub(r"第 \d+ 页 共 \d+ 页", "", text) for text in pages)


def notice(res, village="330324108224_苍坡村", large=False):
    return res.outputs / "notices" / "岩头镇" / f"{village}{'_大字版' if large else ''}.pdf"


def test_sample_county_notices_list_every_household_and_the_totals(tmp_path, run_on):
    from tests.sample_county import build

    folder = build(tmp_path / "in")
    (folder / "notice.toml").write_text(SETTINGS, encoding="utf-8")
    res = run_on(folder)
    households = [h for h in res.households if h["village_name"] == "苍坡村"]
    for large in (False, True):
        text = text_of(notice(res, large=large))
        assert "岩头镇苍坡村2022年度惠农补贴资金发放情况公示" in text
        for h in households:
            assert h["name"] in text
            assert f"{float(h['amount']):,.2f}" in text
        assert "合计：2项补贴，共8户，金额2,695.00元（人民币贰仟陆佰玖拾伍元整）" in text.replace("\n", "")
        assert "公示期：自张贴之日起7天" in text  # a run makes drafts: no dates
        assert text.count("草稿（未公示）") >= 2 * len(PdfReader(notice(res, large=large)).pages)  # head and watermark
        assert "2022年12月" not in text
        flat = text.replace("\n", "")
        assert "监督电话：本村 0577-67351001；岩头镇 0577-67351000；永嘉县农业农村局 0577-67221234；政务服务便民热线 12345。" in flat
        assert flat.count("监督电话") == 2  # one label: the objection sentence's and the line's own
        assert "（盖章）" in flat
        assert "苍坡村村民委员会" in text
        assert not re.search(r"\d{17}[\dX]", text)  # never a full ID
        assert "330324********" in text
    index = read_csv(res.outputs / "notices" / "index.csv")
    assert len(index) == 10 and {r["status"] for r in index} == {"草稿（待公示）"}
    assert {r["village_name"]: r["amount"] for r in index}["苍坡村"] == "2695.00"  # machines read it: no separators


def test_status_column_comes_from_the_reconciliation(tmp_path, run_on):
    from tests.sample_county import build

    res = run_on(build(tmp_path / "in"))
    text = text_of(notice(res))
    assert "发放失败" in text and "户名不符" in text and "未发放" in text and "已发放" in text
    zhou = text_of(notice(res, "330324108225_周宅村")).replace("\n", "")
    assert "金额不符" in zhou and "实发627.20元" in zhou
    # a subsidy no bank file covers has no status
    forest = text_of(notice(res)).split("二、生态公益林补偿")[1]
    assert "已发放" not in forest


def test_pdf_fonts_are_embedded_and_pages_sized(inputs, run_on):
    roster(inputs, ["张三", "李四"])
    res = run_on(inputs)
    for large, (w, h) in ((False, (595.3, 841.9)), (True, (841.9, 595.3))):
        reader = PdfReader(notice(res, large=large))
        page = reader.pages[0]
        assert (round(float(page.mediabox.width), 1), round(float(page.mediabox.height), 1)) == (w, h)
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"] if "/DescendantFonts" in font \
                else font.get("/FontDescriptor")
            assert descriptor is not None, f"{font['/BaseFont']} is not embedded"
            assert "/FontFile2" in descriptor.get_object()
        assert "Helvetica" not in str(page["/Resources"]["/Font"])
        meta = reader.metadata
        assert meta.title.startswith("岩头镇苍坡村2022年度惠农补贴资金发放公示")  # no bank results: no 发放情况
        assert "村务公开栏公示" in meta.subject


def _font_sizes(path):
    sizes = set()
    for page in PdfReader(path).pages:
        sizes |= {float(s) for s in re.findall(rb"/F[0-9+]+ ([0-9.]+) Tf", page.get_contents().get_data())}
    return sizes


def test_body_text_sizes_and_large_print(inputs, run_on):
    roster(inputs, ["张三"])
    res = run_on(inputs)
    assert min(_font_sizes(notice(res))) >= 10.5
    assert min(_font_sizes(notice(res, large=True))) >= 16


def test_long_notice_repeats_the_header_and_numbers_every_page(inputs, run_on):
    names = [f"农户{chr(0x4E00 + i)}" for i in range(120)]
    roster(inputs, names)
    res = run_on(inputs)
    reader = PdfReader(notice(res))
    pages = [p.extract_text() for p in reader.pages]
    assert len(pages) >= 3
    for n, text in enumerate(pages, 1):
        assert f"第 {n} 页 共 {len(pages)} 页" in text
        if "农户" in text:  # every page the table runs on starts with its header
            assert "户主姓名" in text and "身份证号" in text
    joined = "".join(pages)
    assert all(name in joined for name in names)
    assert "合计：1项补贴，共120户，金额13,440.00元（人民币壹万叁仟肆佰肆拾元整）" in joined.replace("\n", "")


def test_rare_characters_print_and_come_back_as_text(inputs, run_on):
    names = ["王䶮", "𠮷田", "李𪚥", "陈㐀"]  # Extension A, B (in Noto), B (HanaMin only), A
    roster(inputs, names)
    res = run_on(inputs)
    assert res.problems("missing_glyph") == []
    for large in (False, True):
        text = text_of(notice(res, large=large))
        for name in names:
            assert name in text


def test_a_character_no_font_has_withholds_the_notice(inputs, run_on):
    roster(inputs, ["张三", "王\U0003134A"])  # CJK Extension G: no bundled font has it
    res = run_on(inputs)
    assert res.problems("missing_glyph") == [("missing_glyph", "清册.xlsx", "清册", 4)]
    assert not notice(res).exists() and not notice(res, large=True).exists()
    [row] = read_csv(res.outputs / "notices" / "index.csv")
    assert (row["status"], row["reason"]) == ("已暂扣", "missing_glyph")


def test_a_full_id_in_a_remark_withholds_the_notice(inputs, run_on):
    roster(inputs, ["张三", "李四"], remarks={1: f"代领人身份证{make_id(seq=77)}"})
    roster_dir = inputs
    res = run_on(roster_dir)
    assert res.problems("unmasked_number") == [("unmasked_number", "清册.xlsx", "清册", 4)]
    assert not notice(res).exists()
    assert res.report["notices"]["withheld"] == ["330324108224 苍坡村"]


def test_account_number_in_a_remark_is_caught_too(inputs, run_on):
    roster(inputs, ["张三"], remarks={0: "卡号 6230910000001234567"})
    res = run_on(inputs)
    assert res.problems("unmasked_number") == [("unmasked_number", "清册.xlsx", "清册", 3)]


def test_same_inputs_same_bytes_and_a_draft_never_depends_on_the_clock(inputs, run_on, tmp_path):
    from tests.conftest import run

    roster(inputs, ["张三", "李四"])
    (inputs / "notice.toml").write_text(SETTINGS, encoding="utf-8")
    run(inputs, tmp_path / "a", year=2022)
    run(inputs, tmp_path / "b", year=2022)
    for name in ("330324108224_苍坡村.pdf", "330324108224_苍坡村_大字版.pdf"):
        a = (tmp_path / "a" / "notices" / "岩头镇" / name).read_bytes()
        assert a == (tmp_path / "b" / "notices" / "岩头镇" / name).read_bytes()
    reader = PdfReader(tmp_path / "a" / "notices" / "岩头镇" / "330324108224_苍坡村.pdf")
    assert reader.metadata["/CreationDate"].startswith("D:20220101")  # a fixed date: the subsidy year's first day


def test_application_kind_a3_paper_and_masked_names(inputs, run_on):
    roster(inputs, ["张三", "欧阳小明"])
    (inputs / "notice.toml").write_text('kind = "application"\npaper = "A3"\nmask_names = true\n', encoding="utf-8")
    res = run_on(inputs)
    reader = PdfReader(notice(res))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "岩头镇苍坡村2022年度惠农补贴申报审核情况公示" in text
    assert "发放情况" not in text
    assert "张*" in text and "欧**明" in text and "张三" not in text
    assert round(float(reader.pages[0].mediabox.width)) == 842  # A3 portrait: 297 mm
    assert min(_font_sizes(notice(res))) >= 14


def test_contacts_give_village_and_town_phones(inputs, run_on):
    roster(inputs, ["张三"])
    (inputs / "contacts.csv").write_text("town_name,village_name,village_code,phone\n,苍坡村,,0577-11112222\n"
                                         "岩头镇,,,0577-33334444\n", encoding="utf-8")
    text = text_of(notice(run_on(inputs))).replace("\n", "")
    assert "本村 0577-11112222；岩头镇 0577-33334444" in text


@pytest.mark.parametrize("toml, words", [
    ('kind = "other"', "kind 应为"),
    ("publicity_days = 0", "publicity_days"),
    ("colour = 1", "不认识的设置"),
    ("publish_date = 2022-13-01", "格式有误"),
])
def test_bad_settings_stop_the_run_with_a_chinese_reason(inputs, toml, words, capsys):
    from dagster_project.cli import main

    roster(inputs, ["张三"])
    (inputs / "notice.toml").write_text(toml, encoding="utf-8")
    assert main(["run", "--inputs", str(inputs), "--outputs", str(inputs.parent / "out"), "--quiet"]) == 1
    assert words in capsys.readouterr().err


def test_an_id_pasted_into_the_subsidy_column_never_reaches_a_public_output(inputs, run_on):
    rows = [[TITLE], ["村名", "户主姓名", "身份证号码", "补贴项目", "补贴金额"],
            ["苍坡村", "张三", make_id(seq=1), f"补助{make_id(seq=2)}", 100]]
    write_xlsx(inputs / "清册.xlsx", {"清册": rows})
    res = run_on(inputs)
    summary = (res.outputs / "summary.csv").read_text(encoding="utf-8-sig")
    assert not re.search(r"\d{17}[\dX]", summary) and "补助330324********" in summary
    assert res.problems("unmasked_number") and not notice(res).exists()


def test_the_rendering_pool_works_with_spawn_as_on_windows(tmp_path):
    """No code path needs fork: workers started with spawn write the same bytes, themselves."""
    from subsidy.season.notices_folder import RenderJob, render_files
    from subsidy.stages import assemble, prepare_notices, read_inputs, reconcile_books
    from tests.sample_county import build

    folder = build(tmp_path / "in")
    books = reconcile_books(assemble(read_inputs(county_year(folder, 2022)), 2022))
    notices = [n for n in prepare_notices(books, county_year(folder)).notices if not n.withheld][:4]

    def jobs(where: str) -> list:
        return [RenderJob(n, "A4", tmp_path / where / f"{k}.pdf", tmp_path / where / f"{k}L.pdf")
                for k, n in enumerate(notices)]

    spawned = render_files(jobs("spawn"), workers=2, start_method="spawn")
    assert spawned == render_files(jobs("one"), workers=1) and len(spawned) == 4
    for k in range(4):
        for name in (f"{k}.pdf", f"{k}L.pdf"):
            data = (tmp_path / "spawn" / name).read_bytes()
            assert data.startswith(b"%PDF") and data == (tmp_path / "one" / name).read_bytes()


def test_xmp_and_document_information_say_the_same(inputs, run_on):
    import pikepdf

    roster(inputs, ["张三"])
    path = notice(run_on(inputs))
    with pikepdf.open(path) as pdf:
        info = pdf.docinfo
        with pdf.open_metadata() as xmp:
            assert str(xmp["dc:title"]) == str(info["/Title"])
            assert str(xmp["dc:description"]) == str(info["/Subject"])
            assert list(xmp["dc:creator"]) == [str(info["/Author"])]
            assert str(xmp["pdf:Keywords"]) == str(info["/Keywords"]) and "subsidy-disclosure" in str(info["/Keywords"])
            assert str(xmp["pdf:Producer"]) == str(info["/Producer"])
            assert str(info["/CreationDate"]).startswith("D:20220101000000")
            assert str(xmp["xmp:CreateDate"]).startswith("2022-01-01T00:00:00")
            assert str(info["/ModDate"]).startswith("D:20220101000000")
            assert str(xmp["xmp:ModifyDate"]).startswith("2022-01-01T00:00:00")


def test_areas_print_with_two_decimals_and_uncovered_subsidies_have_no_status_column(tmp_path, run_on):
    from tests.sample_county import build

    res = run_on(build(tmp_path / "in"))
    text = text_of(notice(res))
    assert "2.50" in text and "1.80" in text and "4.10" in text  # 苍坡村's areas, fixed to two decimals
    forest = text.split("二、生态公益林补偿")[1]
    assert "发放情况" not in forest.split("小计")[0]  # no bank file covers it: the column is left out, not blank
    assert "发放情况" in text.split("二、生态公益林补偿")[0]
    north = text_of(notice(res, "330324111220_北山村").parent.parent / "沙头镇" / "330324111220_北山村.pdf")
    assert "惠农补贴资金发放公示" in north and "发放情况" not in north.split("公示如下")[1]


def test_a_page_never_holds_only_a_header_and_a_subtotal():
    """Over many group sizes, both sizes of notice: the last rows of a group stay with its 小计."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from subsidy.notices import drawing as rendering
    from subsidy.notices.content import Group, Notice, Row

    def notice_of(sizes):
        groups = [Group(f"补贴{g}", f"{g}、补贴{g}（政策依据：某文件；补贴标准：112元/亩）",
                        [Row(i + 1, f"户主{i}", "330324********1234", "1.00", "112", "112.00", "", "", ("f", "s", i))
                         for i in range(n)], n, "", "112.00") for g, n in enumerate(sizes)]
        return Notice("330324108224", "苍坡村", "岩头镇", "永嘉县", 2022, "results", "标题", "开头", groups, "合计", ["公示期"],
                      "苍坡村村民委员会", "", sum(sizes), 0)

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.integers(min_value=1, max_value=70), min_size=1, max_size=3), st.booleans(), st.sampled_from(["A4", "A3"]))
    def check(sizes, large, paper):
        lay = rendering.layout(paper, large, True)
        width = lay.page[0] - 2 * lay.margin_x
        usable = lay.page[1] - lay.margin_top - lay.margin_bottom - lay.body * 2.2
        for page in rendering._paginate(rendering._flow(notice_of(sizes), lay, width), usable):
            rows = [i for i in page if i.kind == "row"]
            if rows and all(i.payload[3] for i in rows):  # only subtotal rows on the page
                raise AssertionError(f"a page with only a 小计: sizes {sizes}, large {large}, {paper}")

    check()


def test_the_cadres_section_from_a_cadre_roster_with_ids(tmp_path, run_on):
    from tests.sample_county import build, person

    res = run_on(build(tmp_path / "in"))  # the sample's 村干部清册 beside the roster: names, posts, IDs, amounts
    text = text_of(notice(res)).replace("\n", "")
    section = text.split("村干部享受惠农补贴情况")[1]
    assert f"{person(1)[0]}村委会主任耕地地力保护补贴280.00" in section.replace(" ", "")
    zhou = text_of(notice(res, "330324108225_周宅村")).replace("\n", "").replace(" ", "")
    assert f"{person(7)[0]}村支部书记耕地地力保护补贴140.00" in zhou
    assert "村干部享受惠农补贴情况" not in text_of(notice(res, "330324108226_方岙村"))


def test_the_cadres_section_from_a_name_list_without_ids(inputs, run_on):
    roster(inputs, ["张三", "李四", "王五"])
    write_xlsx(inputs / "村干部名单.xlsx", {"名单": [["岩头镇苍坡村村干部名单"], ["序号", "姓名", "职务"],
                                                   [1, "张三", "村党支部书记"], [2, "赵六", "村委会委员"]]})
    res = run_on(inputs)
    assert res.problems() == []
    section = text_of(notice(res)).replace("\n", "").split("村干部享受惠农补贴情况")[1].replace(" ", "")
    assert "张三村党支部书记耕地地力保护补贴112.00" in section
    assert "赵六村委会委员无" in section  # a cadre with no payout is listed as 无
    reasons = {r[3] for r in res.reasons() if r[0] == "村干部名单.xlsx"}
    assert reasons == {"title", "header", "cadre"}


def test_a_cadre_name_two_villagers_share_is_a_problem_not_a_guess(inputs, run_on):
    rows = [[TITLE], HEAD, [1, "苍坡村", "张三", make_id(seq=1), 1, 112, 112, ""],
            [2, "苍坡村", "张三", make_id(seq=2), 1, 112, 112, ""]]
    write_xlsx(inputs / "清册.xlsx", {"清册": rows})
    write_xlsx(inputs / "村干部名单.xlsx", {"名单": [["序号", "村名", "姓名", "职务"], [1, "苍坡村", "张三", "村委会主任"]]})
    res = run_on(inputs)
    assert res.problems("ambiguous_match") == [("ambiguous_match", "村干部名单.xlsx", "名单", 2)]
    assert "同名" in res.detail("ambiguous_match")[0]


def test_a_publication_dates_the_drafts_as_a_dated_build_would(tmp_path):
    """publish dates the run's notices (sharing their rows) instead of building them again: the same notices."""
    from datetime import date

    from subsidy.notices.content import Change, dated
    from subsidy.stages import assemble, prepare_notices, read_inputs
    from tests.sample_county import build

    inputs = build(tmp_path / "inputs")
    books = assemble(read_inputs(county_year(inputs, 2022)), 2022)
    drafts = prepare_notices(books, county_year(inputs))
    built = prepare_notices(books, county_year(inputs), publish_date=date(2022, 12, 1))
    drafts.notices[0].correct(1, "2022-11-01", drafts.notices[0].title,  # a draft correction
                              [Change(what="amount", name="张三", subsidy="耕地地力保护补贴", before="1.00", after="2.00")])
    derived = [dated(n, built.settings) for n in drafts.notices]
    assert len(derived) == len(built.notices) > 5
    assert derived == built.notices
    assert derived[0].closing[0].startswith("公示时间：2022年12月1日至") and derived[0].date_line == "2022年12月1日"


def test_the_quick_glyph_scan_finds_exactly_the_characters_no_font_has():
    """fonts.missing rules a text out with one scan over the covered ranges; it must give what a look at every
    character gives (rare ideographs, private-use characters, emoji, blanks that are drawn as space)."""
    import random

    from subsidy.notices import fonts

    every = fonts._every()
    rng = random.Random(3)
    pool = [chr(c) for c in (*range(0x20, 0x3000, 7), *range(0x4E00, 0xA000, 97), *range(0xE000, 0xE100, 3),
                             *range(0x20000, 0x2B000, 501), 0x1F600, 0x3000, 0x0A, 0x09)]
    edges = sorted(c for c in every if c - 1 not in every or c + 1 not in every)  # each covered range's ends
    pool += [chr(c + d) for c in edges for d in (-1, 0, 1) if c + d > 0]
    for ch in pool:  # each character on its own: every end of every range
        assert fonts.missing(ch) == ([] if ord(ch) in every or ch in fonts._INVISIBLE else [ch]), hex(ord(ch))
    seen = 0
    for _ in range(3000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(1, 12)))
        expected = sorted({ch for ch in text if ord(ch) not in every and ch not in fonts._INVISIBLE})
        assert fonts.missing(text) == expected, text
        seen += bool(expected)
    assert 500 < seen < 3000  # both kinds of text were tried


CAPITALS = {
    "0": "人民币零元整", "0.01": "人民币壹分", "0.05": "人民币伍分", "0.50": "人民币伍角", "3.00": "人民币叁元整",
    "10.00": "人民币壹拾元整", "10.50": "人民币壹拾元伍角", "12.30": "人民币壹拾贰元叁角", "15.00": "人民币壹拾伍元整",
    "20.20": "人民币贰拾元贰角", "100.07": "人民币壹佰元零柒分", "1000.00": "人民币壹仟元整", "1000.05": "人民币壹仟元零伍分",
    "1001.00": "人民币壹仟零壹元整", "1234.56": "人民币壹仟贰佰叁拾肆元伍角陆分", "10000.00": "人民币壹万元整",
    "30050.60": "人民币叁万零伍拾元陆角", "100000.00": "人民币壹拾万元整", "100010.00": "人民币壹拾万零壹拾元整",
    "101000.00": "人民币壹拾万壹仟元整", "110000.00": "人民币壹拾壹万元整", "100001.01": "人民币壹拾万零壹元零壹分",
    "1000001.00": "人民币壹佰万零壹元整", "1200000.00": "人民币壹佰贰拾万元整", "-27.20": "人民币负贰拾柒元贰角",
    "99999999.99": "人民币玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分",
}


def test_amounts_in_capitals_read_as_a_bank_writes_them():
    """人民币大写 on each notice's total line (these are the texts cn2an gave, which the tool used before)."""
    from decimal import Decimal

    from subsidy.notices.content import capitals

    assert {amount: capitals(Decimal(amount)) for amount in CAPITALS} == CAPITALS
