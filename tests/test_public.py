"""The public channel: open data, a static site villagers can search, and posters anyone can verify."""

import re
import shutil
from pathlib import Path

import html5lib
import pytest
from pypdf import PdfReader

from dagster_project.cli import main
from subsidy.season.archive import read_register
from tests.builders import read_csv
from tests.test_review_loop import CANGPO, ZHOUZHAI, county

BASE = "https://gk.example.gov.cn/butie"


@pytest.fixture
def published(tmp_path):
    inputs, out = county(tmp_path / "in", zhouzhai_amount=112), tmp_path / "out"
    (inputs / "notice.toml").write_text(f'site_base_url = "{BASE}"\n', encoding="utf-8")
    assert main(["run", "--inputs", str(inputs), "--outputs", str(out), "--quiet"]) == 0
    assert main(["publish", "--inputs", str(inputs), "--outputs", str(out), "--date", "2022-12-01", "--by", "王会计",
                 "--quiet"]) == 0
    return inputs, out


def _pdf_text(path: Path) -> str:
    return "".join(p.extract_text() for p in PdfReader(path).pages).replace("\n", "")


def _numbers_and_names(out: Path) -> tuple[set[str], set[str]]:
    households = read_csv(out / "internal" / "households.csv")
    return {h["id_number"] for h in households} | {h["account"] for h in households if h["account"]}, \
        {h["name"] for h in households}


def test_open_data_is_a_valid_data_package_of_published_versions_only(published):
    from frictionless import validate

    _, out = published
    folder = out / "open-data" / "永嘉县" / "2022"
    report = validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    villages = read_csv(folder / "villages.csv")
    assert {(v["village_code"], v["version"]) for v in villages} == {(CANGPO, "1"), (ZHOUZHAI, "1")}
    payouts = read_csv(folder / "payouts.csv")
    assert len(payouts) == 6 and all(re.fullmatch(r"\S\*+\S?|\S\*", p["name"]) for p in payouts)
    assert (folder / "villages.csv").read_bytes()[:3] != b"\xef\xbb\xbf"  # utf-8, as the package says


def test_nothing_personal_anywhere_under_site_or_open_data(published):
    _, out = published
    numbers, names = _numbers_and_names(out)
    files = [p for root in (out / "site", out / "open-data") for p in root.rglob("*") if p.is_file()]
    assert any(p.suffix == ".pdf" for p in files) and any(p.suffix == ".html" for p in files)
    for path in files:
        text = _pdf_text(path) if path.suffix == ".pdf" else path.read_text(encoding="utf-8")
        assert not re.search(r"\d{17}[\dXx]|\d{16,19}", text), path
        leaked = [n for n in numbers | names if n and n in text]
        assert leaked == [], (path, leaked)


def test_every_page_carries_a_code_that_verifies_and_a_draft_has_none(published, capsys):
    inputs, out = published
    archive = out / "archive"
    notice = out / "notices" / "岩头镇" / f"{CANGPO}_苍坡村.pdf"
    pages = [p.extract_text() for p in PdfReader(notice).pages]
    codes = {m for page in pages for m in re.findall(r"核验码：([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})", page)}
    assert len(codes) == 1 and all("核验码：" in page for page in pages)
    [code] = codes
    web = out / "site" / "village" / CANGPO / "2022-results-v1.pdf"
    assert f"核验码：{code}" in _pdf_text(web) and "姓名已部分隐去" in _pdf_text(web)
    assert code in (out / "site" / "village" / CANGPO / "2022.html").read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["verify-notice", code.lower().replace("-", ""), "--archive", str(archive)]) == 0
    said = capsys.readouterr().out
    assert "永嘉县岩头镇苍坡村（330324108224）2022年度发放结果公示 第1版，2022-12-01公示" in said and "最新版本" in said
    assert main(["verify-notice", "AAAA-BBBB-CCCC", "--archive", str(archive)]) == 1
    # a correction: the old code says it was replaced; the new notice has its own code; drafts carry none
    county(inputs, cangpo_area=2, zhouzhai_amount=112)
    assert main(["run", "--inputs", str(inputs), "--outputs", str(out), "--quiet"]) == 0
    assert "核验码" not in _pdf_text(notice)
    assert main(["publish", "--inputs", str(inputs), "--outputs", str(out), "--date", "2022-12-10", "--by", "王会计",
                 "--quiet"]) == 0
    capsys.readouterr()
    assert main(["verify-notice", code, "--archive", str(archive)]) == 0
    assert "已被第2版更正公示（2022-12-10）替代" in capsys.readouterr().out
    new = [r for r in read_register(archive) if r["version"] == "2"][0]["verification_code"]
    assert new != code and f"核验码：{new}" in _pdf_text(notice)
    history = (out / "site" / "village" / CANGPO / "2022.html").read_text(encoding="utf-8")
    assert code in history and new in history and "已被更正" in history
    v2 = (out / "site" / "village" / CANGPO / "2022-results-v2.html").read_text(encoding="utf-8")
    assert "更正第1版" in v2 and "112.00元改为224.00元" in v2 and "张*0" in v2


def test_every_page_parses_strictly(published):
    _, out = published
    parser = html5lib.HTMLParser(strict=True)
    pages = list((out / "site").rglob("*.html"))
    assert len(pages) >= 8
    for page in pages:
        parser.parse(page.read_bytes())  # raises on any parse error


def _browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.skip("headless Chromium is not installed (apt-get install chromium chromium-driver fonts-noto-cjk)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=options)


def test_a_villager_finds_the_village_in_a_real_browser(published):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    _, out = published
    browser = _browser()
    try:
        browser.get((out / "site" / "index.html").as_uri())
        box = browser.find_element(By.ID, "q")
        box.send_keys("苍坡")
        link = WebDriverWait(browser, 10).until(ec.element_to_be_clickable((By.CSS_SELECTOR, "#results a")))
        assert "苍坡村" in link.text and CANGPO in link.text
        link.click()
        WebDriverWait(browser, 10).until(ec.title_contains("苍坡村"))
        assert f"/village/{CANGPO}/2022.html" in browser.current_url
        page = browser.find_element(By.TAG_NAME, "main").text
        assert "336.00" in page  # three households of 112.00
        browser.find_element(By.PARTIAL_LINK_TEXT, "公示全文与核验码").click()
        WebDriverWait(browser, 10).until(ec.url_contains("2022-results-v1.html"))
        assert f"{BASE}/village/{CANGPO}/2022-results-v1.html" in browser.find_element(By.TAG_NAME, "main").text
        browser.get((out / "site" / "search.html").as_uri() + "?q=周宅")
        results = WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#results a")))
        assert "周宅村" in results.text
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
    finally:
        browser.quit()


def test_publishing_several_county_years_rebuilds_the_public_channel_once(tmp_path, monkeypatch, capsys):
    import subsidy.stages as pipeline
    from tests import test_review_loop

    inputs, out = tmp_path / "in", tmp_path / "out"
    county(inputs / "2022" / "永嘉县", zhouzhai_amount=112)
    monkeypatch.setattr(test_review_loop, "TITLE", test_review_loop.TITLE.replace("2022", "2021"))
    county(inputs / "2021" / "永嘉县", zhouzhai_amount=112)
    builds = []
    build_public = pipeline.build_public
    monkeypatch.setattr(pipeline, "build_public", lambda root: builds.append(root) or build_public(root))
    assert main(["publish", "--inputs", str(inputs), "--outputs", str(out), "--date", "2022-12-01", "--by", "王会计"]) == 0
    printed = capsys.readouterr().out
    assert builds == [out / "archive"]  # once, after both county-years (it was once per county-year)
    assert printed.count("网站：") == 1 and printed.index("网站：") > printed.rindex("正式公示：")
    for year in ("2021", "2022"):
        assert {v["village_code"] for v in read_csv(out / "open-data" / "永嘉县" / year / "villages.csv")} == {
            CANGPO, ZHOUZHAI}
