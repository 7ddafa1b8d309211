"""The public channel: a static site villagers can search (outputs/site/), built from published versions only.

    site/index.html                          counties and years, and a search box (finds as you type)
    site/search.html?q=芙蓉                   the same search, as a link
    site/search-index.js                     the index, a script file (browsers will not fetch files from file://)
    site/<county>/<year>/index.html          totals per subsidy and per town, with charts (SVG, no scripts needed)
    site/<county>/<year>/<town>.html         the town's villages and totals
    site/village/<code>/index.html           the village over the years: households and totals
    site/village/<code>/<year>.html          the year's published notices, payouts (masked), totals, version history
    site/village/<code>/<year>-<kind>-v<N>.html and .pdf    one published version and its web copy (the QR's target)

No server, no external fonts, scripts or CDNs: the folder works from file:// and from any web server, with
relative links. Every page and script passes the public check (disclosure.Guard) before it is written: no full ID or
account number, and no full name of a village's households or cadres on its pages while names are masked (张*明:
web_mask_names, the default). The site is built into a fresh folder and swapped in whole.
"""

from __future__ import annotations

import json
import os
import shutil
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from subsidy.base.files import atomic_write_bytes
from subsidy.base.safepaths import Within, component
from subsidy.disclosure import NUMBERS_ONLY, Guard, NameFinder
from subsidy.intake.normalising import parse_decimal
from subsidy.public.versions import PublishedVersion, load_published, money2
from subsidy.season.check_codes import version_page

if TYPE_CHECKING:  # pandas is imported where the site is built: a `subsidy run` never needs it (0.3 s to import)
    import pandas as pd


def build_site(archive_root: Path, site_root: Path, staged: tuple[Path, ...] = ()) -> None:
    """Build the whole site into `site_root` (a fresh folder: the caller swaps it in once whole) from the archive's
    published versions and the `staged` ones of the publication under way. Every text passes the public check
    first (disclosure.Guard): PublicLeak on a hit, and the site as it was stays."""
    versions = load_published(archive_root, staged)
    site = _Writer(site_root)
    site.assets()
    frame = summary_frame(versions)
    years = village_years(frame)
    for code, group in _by(versions, lambda v: v.village_code).items():
        _village_pages(site, code, group, years.get(code, {}))
    for (county, year), group in _by([v for v in versions if v.latest], lambda v: (v.county, v.year)).items():
        site.county_year(county, year, group, frame)
    site.home(versions)


def check_staged(archive_root: Path, staged: tuple[Path, ...]) -> None:
    """The pages of the villages of `staged` versions put through the public check without writing anything (a
    publication that leaves the site to be rebuilt once, after several county-years): PublicLeak on a hit."""
    if not staged:
        return
    versions = load_published(archive_root, staged)
    codes = {v.village_code for v in versions if v.folder in set(staged)}
    site = _Writer(None)
    for code, group in _by([v for v in versions if v.village_code in codes], lambda v: v.village_code).items():
        _village_pages(site, code, group, None)


def _village_pages(site: _Writer, code: str, versions: list[PublishedVersion], years: dict[int, list] | None) -> None:
    """A village's pages: each version's, each year's and (given its years' totals) the village's own, each through
    the check of its names (or of full numbers only where the versions shown give names in full)."""
    masked = village_guard(versions)
    for v in versions:
        site.version(v, masked if v.masked else NUMBERS_ONLY)
    for year, of_year in _by(versions, lambda v: v.year).items():
        site.village_year(code, year, of_year, masked if all(v.masked for v in of_year) else NUMBERS_ONLY)
    if years is not None:
        site.village_index(code, [v for v in versions if v.latest], years, masked)
    for v in versions:
        v.release()


OLD_CORRECTION = "这份更正公示的网上公布版 PDF 不在网上提供（早期版本的更正说明中未隐去姓名），请到村务公开栏或村委会查阅；更正内容见下"


def _serves_pdfs(v: PublishedVersion) -> bool:
    """The site serves a version's web copies unless they are a correction's from before the public check, whose
    lines named households in full (the archive keeps them as they were; the web does not show them)."""
    return bool(v.manifest.get("public_check")) or not v.correction_of or not v.masked


def village_guard(versions: list[PublishedVersion]) -> Guard:
    """The check of a village's pages where names are masked: the full names of its households and cadres in
    every version (a correction names those it removed). Holds each version's rows for the pages (release them)."""
    names = [name for v in versions for name in v.hold()]
    places = [word for v in versions for word in v.places()]
    return Guard(NameFinder(names, places))


def summary_frame(versions: list[PublishedVersion]) -> pd.DataFrame:
    """One row per village, year, kind and subsidy of the latest published versions (money as exact Decimals)."""
    rows = [{"county": v.county, "year": v.year, "town": v.town, "code": v.village_code, "village": v.village_name,
             "kind": v.kind, "subsidy": s["subsidy_type"], "households": int(s["households"]),
             "due": parse_decimal(s["amount_due"]), "paid": parse_decimal(s["amount_paid"]) if s["amount_paid"] else None}
            for v in versions if v.latest for s in v.summaries]
    columns = ["county", "year", "town", "code", "village", "kind", "subsidy", "households", "due", "paid"]
    import pandas as pd

    return pd.DataFrame(rows, columns=columns)


def village_years(frame: pd.DataFrame) -> dict[str, dict[int, list]]:
    """Village code -> year -> [households, due, paid] over the latest versions, in one pass (exact sums)."""
    out: dict[str, dict[int, list]] = {}
    for code, year, households, due, paid in frame[["code", "year", "households", "due", "paid"]].itertuples(
            index=False, name=None):
        sums = out.setdefault(code, {}).setdefault(int(year), [0, Decimal(0), Decimal(0)])
        sums[0] += int(households)
        sums[1] += due
        sums[2] += paid if paid is not None else 0
    return out


def _by(items, key) -> dict:
    out: dict = {}
    for item in items:
        out.setdefault(key(item), []).append(item)
    return dict(sorted(out.items()))


_CSS = """body{font-family:"Noto Serif CJK SC","Songti SC","SimSun",serif;margin:0;line-height:1.6;color:#222}
main{max-width:60rem;margin:0 auto;padding:0.5rem 1rem 3rem}header{background:#8b1a1a;color:#fff;padding:0.6rem 1rem}
header a{color:#fff}table{border-collapse:collapse;width:100%;margin:0.5rem 0}th,td{border:1px solid #999;
padding:0.2rem 0.4rem}th{background:#eee}td.n{text-align:right;white-space:nowrap}.code{font-family:monospace;
font-size:1.1em}#big{margin-left:1rem}#big:checked~main{font-size:1.45em}.results li{margin:0.3rem 0}
input[type=search]{font-size:1.2em;width:100%;max-width:30rem;padding:0.3rem}svg text{font-size:12px}
@media (max-width:40rem){th,td{padding:0.1rem 0.2rem;font-size:0.9em}}"""
_SEARCH_JS = """(function(){
function show(q){var box=document.getElementById('results');box.innerHTML='';q=(q||'').trim();if(!q){return;}
var found=(window.SEARCH_INDEX||[]).filter(function(e){return (e.n+e.t+e.c+e.code).indexOf(q)>=0;}).slice(0,50);
if(!found.length){box.innerHTML='<li>没有找到</li>';return;}
found.forEach(function(e){var li=document.createElement('li');var a=document.createElement('a');a.href=e.url;
a.textContent=e.c+e.t+e.n+'（'+e.code+'）';li.appendChild(a);box.appendChild(li);});}
var input=document.getElementById('q');if(!input){return;}
input.addEventListener('input',function(){show(input.value);});
var q=new URLSearchParams(window.location.search).get('q');if(q){input.value=q;}show(input.value);
})();"""


class _Writer:
    def __init__(self, root: Path | None):
        """Pages into `root`; None: every page is made and checked, none written."""
        self.root = root
        self.inside = Within(root) if root is not None else None

    def write(self, rel: str, text: str, guard: Guard = NUMBERS_ONLY, texts: list[tuple[str, str]] = ()) -> None:
        """Write a text file of the site once it and the values put into it (`texts`, with their fields) pass the
        public check (PublicLeak otherwise)."""
        guard.check_all(f"site/{rel}", texts)
        guard.check(f"site/{rel}", "网页全文", text)
        if self.root is None:  # only checking
            return
        path = self.inside(self.root / rel)
        atomic_write_bytes(path, text.encode("utf-8"), durable=False)  # swapped in whole, and synced, by the caller

    def copy(self, source: Path, rel: str) -> None:
        """An archived web copy, linked where the file system allows (the archive never changes a file)."""
        if self.root is None:
            return
        target = self.inside(self.root / rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)

    def page(self, rel: str, title: str, body: str, scripts: tuple[str, ...] = (), guard: Guard = NUMBERS_ONLY,
             texts: list[tuple[str, str]] = ()) -> None:
        up = "../" * rel.count("/")
        tags = "".join(f'<script src="{up}{s}"></script>' for s in scripts)
        self.write(rel, guard=guard, texts=texts, text=f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><link rel="stylesheet" href="{up}assets/style.css"></head>
<body><header><a href="{up}index.html">惠农补贴公示查询</a> · <a href="{up}search.html">搜索</a></header>
<input type="checkbox" id="big"><label for="big">大字</label>
<main><h1>{escape(title)}</h1>
{body}</main>{tags}</body></html>
""")

    def assets(self) -> None:
        self.write("assets/style.css", _CSS)
        self.write("assets/search.js", _SEARCH_JS)

    # ------------------------------------------------------------ pages

    def version(self, v: PublishedVersion, guard: Guard) -> None:
        """One published version: its notices (web copies), the code on them, what it corrected, its payouts."""
        rel = version_page(v.village_code, v.year, v.kind, v.version)
        pdf, large = rel.replace(".html", ".pdf"), rel.replace(".html", "-大字版.pdf")
        body = [f"<p>{escape(v.town)} · {escape(v.county)} · 村代码 {escape(v.village_code)}</p>",
                f"<p>第{v.version}版，{escape(v.publish_date)}公示，公示期至{escape(v.publicity_end)}。"
                f"核验码：<span class=\"code\">{escape(v.verification_code)}</span></p>"]
        if _serves_pdfs(v):
            self.copy(v.web_notice, pdf)
            self.copy(v.web_large, large)
            body.append(f"<p><a href=\"{escape(pdf.rsplit('/', 1)[1])}\">公示（PDF）</a> · "
                        f"<a href=\"{escape(large.rsplit('/', 1)[1])}\">大字版（PDF）</a>"
                        f" · <a href=\"{v.year}.html\">{v.year}年度</a></p>")
        else:
            body.append(f"<p>{OLD_CORRECTION} · <a href=\"{v.year}.html\">{v.year}年度</a></p>")
        if v.manifest.get("qr_payload", "").startswith(("http://", "https://")):
            body.append(f"<p>公示上的二维码指向本页：<span class=\"code\">{escape(v.qr_payload)}</span></p>")
        if v.manifest.get("web_mask_names", True):
            body.append("<p>为保护个人信息，网上公布的姓名已部分隐去（张贴的公示为全名），身份证号只显示前6位和后4位。</p>")
        if v.correction_of:
            body.append(f"<h2>更正公示（更正第{v.correction_of}版）</h2><ul>"
                        + "".join(f"<li>{escape(c)}</li>" for c in v.manifest.get("changes_web", [])) + "</ul>")
        body.append(_totals(v) + _payouts(v) + _cadres(v))
        self.page(rel, v.title, "\n".join(body), guard=guard, texts=v.public_texts())

    def village_year(self, code: str, year: int, versions: list[PublishedVersion], guard: Guard) -> None:
        latest = [v for v in versions if v.latest]
        first = latest[0]
        body = [f"<p>{escape(first.county)}{escape(first.town)} · 村代码 {escape(code)} · "
                f"<a href=\"index.html\">历年情况</a></p>"]
        for v in latest:
            page = version_page(code, year, v.kind, v.version).rsplit("/", 1)[1]
            body.append(f"<h2>{escape(v.kind_title)}（第{v.version}版，{escape(v.publish_date)}）</h2>"
                        f"<p><a href=\"{page}\">公示全文与核验码 {escape(v.verification_code)}</a></p>"
                        + _totals(v) + _payouts(v) + _cadres(v))
        body.append("<h2>版本记录</h2><table><tr><th>公示</th><th>版本</th><th>公示日期</th><th>核验码</th><th>说明</th></tr>"
                    + "".join(f"<tr><td>{escape(v.kind_title)}</td><td><a href=\""
                              f"{version_page(code, year, v.kind, v.version).rsplit('/', 1)[1]}\">第{v.version}版</a></td>"
                              f"<td>{escape(v.publish_date)}</td><td class=\"code\">{escape(v.verification_code)}</td>"
                              f"<td>{'更正第' + str(v.correction_of) + '版' if v.correction_of else '首次公示'}"
                              f"{'（已被更正）' if not v.latest else ''}</td></tr>" for v in versions) + "</table>")
        self.page(f"village/{component(code)}/{year}.html", f"{first.town}{first.village_name}{year}年度惠农补贴公示",
                  "\n".join(body), guard=guard, texts=[t for v in latest for t in v.public_texts()])

    def village_index(self, code: str, latest: list[PublishedVersion], years: dict[int, list], guard: Guard) -> None:
        """The village over the years: households, due and paid per year (from the latest versions)."""
        if not latest:
            return
        first = latest[-1]
        rows = "".join(f"<tr><td><a href=\"{year}.html\">{year}</a></td><td class=\"n\">{households}</td>"
                       f"<td class=\"n\">{money2(due)}</td><td class=\"n\">{money2(paid) if paid else ''}</td></tr>"
                       for year, (households, due, paid) in sorted(years.items()))
        body = (f"<p>{escape(first.county)}{escape(first.town)} · 村代码 {escape(code)}</p><h2>历年情况</h2>"
                f"<table><tr><th>年度</th><th>户数（按补贴累计）</th><th>应发（元）</th><th>实发（元）</th></tr>{rows}</table>"
                + _bars([(str(y), due) for y, (_, due, _) in sorted(years.items())], "各年度应发金额（元）"))
        self.page(f"village/{component(code)}/index.html", f"{first.town}{first.village_name}惠农补贴公示", body,
                  guard=guard)

    def county_year(self, county: str, year: int, latest: list[PublishedVersion], frame: pd.DataFrame) -> None:
        here = frame[(frame["county"] == county) & (frame["year"] == year)]
        base = f"{component(county)}/{year}"
        by_subsidy = here.groupby("subsidy", sort=True).agg(households=("households", "sum"), due=("due", "sum"))
        by_town = here.groupby("town", sort=True).agg(villages=("code", "nunique"), due=("due", "sum"))
        body = [f"<p>{len({v.village_code for v in latest})}个村已公示</p>", "<h2>按补贴</h2>",
                _table(["补贴", "户数", "应发（元）"], [[s, int(r.households), money2(r.due)] for s, r in by_subsidy.iterrows()]),
                _bars([(s, r.due) for s, r in by_subsidy.iterrows()], "各项补贴应发金额（元）"), "<h2>按乡镇</h2>",
                _table(["乡镇", "村数", "应发（元）"], [[f"<a href=\"{escape(component(t))}.html\">{escape(t)}</a>",
                                                     int(r.villages), money2(r.due)] for t, r in by_town.iterrows()], raw=True),
                _bars([(t, r.due) for t, r in by_town.iterrows()], "各乡镇应发金额（元）")]
        self.page(f"{base}/index.html", f"{county}{year}年度惠农补贴公示", "\n".join(body))
        for town, group in _by(latest, lambda v: v.town).items():
            rows = [[f"<a href=\"../../village/{escape(component(code))}/{year}.html\">{escape(vs[0].village_name)}</a>",
                     escape(vs[0].village_code), money2(sum((v.total("amount_due") or 0 for v in vs), start=0))]
                    for code, vs in _by(group, lambda v: v.village_code).items()]
            self.page(f"{base}/{component(town)}.html", f"{county}{town}{year}年度惠农补贴公示",
                      f"<p><a href=\"index.html\">{escape(county)}{year}年度</a></p>" + _table(["村", "村代码", "应发（元）"], rows, raw=True))

    def home(self, versions: list[PublishedVersion]) -> None:
        years = _by([v for v in versions if v.latest], lambda v: (v.county, v.year))
        links = "".join(f"<li><a href=\"{escape(component(county))}/{year}/index.html\">{escape(county)} {year}年度</a>"
                        f"（{len({v.village_code for v in vs})}个村）</li>" for (county, year), vs in years.items())
        search = ("<p><label for=\"q\">查找村（村名、乡镇或村代码）：</label></p><input type=\"search\" id=\"q\" "
                  "placeholder=\"如：芙蓉、岩头镇、330324108224\"><ul class=\"results\" id=\"results\"></ul>")
        self.page("index.html", "惠农补贴公示查询", search + f"<h2>各县各年度</h2><ul>{links}</ul>",
                  ("search-index.js", "assets/search.js"))
        self.page("search.html", "查找村", search, ("search-index.js", "assets/search.js"))
        index = [{"n": vs[-1].village_name, "t": vs[-1].town, "c": vs[-1].county, "code": code,
                  "url": f"village/{component(code)}/{max(v.year for v in vs)}.html"}
                 for code, vs in _by([v for v in versions if v.latest], lambda v: v.village_code).items()]
        self.write("search-index.js", "window.SEARCH_INDEX = " + json.dumps(index, ensure_ascii=False) + ";\n")


def _table(header: list[str], rows: list[list], raw: bool = False) -> str:
    cells = "".join("<tr>" + "".join(_cell(c, raw) for c in row) + "</tr>" for row in rows)
    return "<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + f"</tr>{cells}</table>"


def _cell(value, raw: bool) -> str:
    numeric = ' class="n"' if _numeric(value) else ""
    return f"<td{numeric}>{value if raw else escape(str(value))}</td>"


def _numeric(value) -> bool:
    return isinstance(value, int) or (isinstance(value, str) and value.replace(",", "").replace(".", "").isdigit())


def _totals(v: PublishedVersion) -> str:
    rows = [[s["subsidy_type"], s["households"], money2(parse_decimal(s["amount_due"])),
             money2(parse_decimal(s["amount_paid"])) if s["amount_paid"] else ""] for s in v.summaries]
    rows.append(["合计", "", money2(v.total("amount_due")), money2(v.total("amount_paid"))])
    return "<h3>合计</h3>" + _table(["补贴", "户数", "应发（元）", "实发（元）"], rows)


def _payouts(v: PublishedVersion) -> str:
    rows = [[r["subsidy"], r["seq"], r["name"], r["id_number"], r["area"], r["amount"], r["status"]] for r in v.rows]
    return "<h3>发放明细</h3>" + _table(["补贴", "序号", "户主姓名", "身份证号", "面积（亩）", "金额（元）", "发放情况"], rows)


def _cadres(v: PublishedVersion) -> str:
    if not v.cadres:
        return ""
    rows = [[c["seq"], c["name"], c["post"], c["subsidy"], c["amount"]] for c in v.cadres]
    return "<h3>村干部享受惠农补贴情况</h3>" + _table(["序号", "姓名", "职务", "补贴项目", "金额（元）"], rows)


def _bars(items: list[tuple[str, object]], title: str) -> str:
    """A horizontal bar chart drawn as SVG at build time (no scripts needed to see it)."""
    values = [(label, float(value or 0)) for label, value in items]
    if not values:
        return ""
    top = max(v for _, v in values) or 1.0
    height = 24 * len(values) + 10
    bars = "".join(f"<text x=\"0\" y=\"{24 * i + 17}\">{escape(label[:14])}</text>"
                   f"<rect x=\"180\" y=\"{24 * i + 4}\" width=\"{400 * v / top:.1f}\" height=\"16\" fill=\"#8b1a1a\"></rect>"
                   f"<text x=\"{185 + 400 * v / top:.1f}\" y=\"{24 * i + 17}\">{v:,.2f}</text>"
                   for i, (label, v) in enumerate(values))
    return (f"<figure><svg role=\"img\" aria-label=\"{escape(title)}\" viewBox=\"0 0 700 {height}\" width=\"100%\" "
            f"xmlns=\"http://www.w3.org/2000/svg\">{bars}</svg><figcaption>{escape(title)}</figcaption></figure>")
