"""What each village's bulletin-board notice says (村务公开栏公示): the content, before any drawing.

One notice per village and year lists every household payout of every subsidy in the village, grouped by
subsidy (policy basis and rate in one line, rows, subtotal), then the village total in figures and in
Chinese capitals. Masking happens here, and every text the notice will carry is checked before it is drawn:
a full ID or account number, or a character no bundled font has, withholds that village's notice.
"""

from __future__ import annotations

import hashlib
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from subsidy.books import by_village
from subsidy.checks.reconciling import FAILED, PAID, UNPAID, HouseholdOutcome
from subsidy.disclosure import NameFinder
from subsidy.intake.normalising import area_text
from subsidy.intake.parsed import Household
from subsidy.notices import fonts
from subsidy.privacy import find_unmasked, mask_id, mask_name
from subsidy.problems import Problem, problem

if TYPE_CHECKING:  # the records these functions take, named for the reader (no import at run time)
    from subsidy.books import Books
    from subsidy.notices.settings import NoticeSettings


NUMERALS = "一二三四五六七八九十"


def numeral(n: int) -> str:
    """The heading numeral of the n-th (0-based) section of a notice: 一, 二 … 十, then 11, 12 …"""
    return NUMERALS[n] if n < len(NUMERALS) else str(n + 1)


@dataclass(slots=True)  # one per household: a million of them at prefecture scale
class Row:
    seq: int
    name: str
    id_masked: str
    area: str
    rate: str
    amount: str
    status: str
    remark: str
    source: tuple[str, str, int]  # file, sheet, row: where a problem with this row is located


@dataclass
class Group:
    subsidy: str
    heading: str  # 一、耕地地力保护补贴（政策依据：…；补贴标准：112元/亩）
    rows: list[Row]
    households: int
    area: str
    amount: str
    show_status: bool = False  # bank results cover this subsidy: the 发放情况 column is printed
    basis: str = ""  # the policy basis named in the heading


@dataclass(frozen=True, kw_only=True)
class CadreRow:
    """One line of the 村干部享受惠农补贴情况 section: a cadre's payout of one subsidy (subsidy '无' when none)."""

    seq: int
    name: str
    post: str
    subsidy: str
    amount: str


@dataclass(frozen=True, kw_only=True)
class Change:
    """One thing a 更正公示 changes against the version it corrects (its text from CHANGE_TEMPLATES)."""

    what: str  # added | removed | amount | status | other
    name: str = ""
    subsidy: str = ""
    before: str = ""
    after: str = ""

    def text(self, masked: bool = False) -> str:
        name = mask_name(self.name) if masked else self.name
        return CHANGE_TEMPLATES[self.what].format(name=name, subsidy=self.subsidy, before=self.before, after=self.after)


CHANGE_TEMPLATES = {
    "added": "新增：{name}（{subsidy}，{after}元）",
    "removed": "取消：{name}（{subsidy}，原{before}元）",
    "amount": "金额变更：{name}（{subsidy}）{before}元改为{after}元",
    "status": "发放情况变更：{name}（{subsidy}）{before}改为{after}",
    "other": "公示内容的其他项目有调整（如补贴说明、落款或监督电话）",
}


def change_lines(changes: list[Change], masked: bool = False) -> list[str]:
    """The numbered lines of a correction: 1. 金额变更：徐建平（…）…, the names masked for the web."""
    return [f"{n}. {c.text(masked)}" for n, c in enumerate(changes, 1)]


@dataclass
class Notice:
    village_code: str
    village_name: str
    town: str
    county: str
    year: int
    kind: str  # results | application
    title: str
    intro: str
    groups: list[Group]
    total_line: str
    closing: list[str]
    issuer: str
    date_line: str
    households: int
    amount: Decimal
    problems: list[Problem] = field(default_factory=list)  # a non-empty list withholds the notice
    correction_lines: list[str] = field(default_factory=list)  # set on a 更正公示: what it corrects and changes
    changes: list[Change] = field(default_factory=list)  # the changes those lines list (the web masks their names)
    corrects_version: int | None = None
    publish_date: date | None = None  # None: a draft (草稿), not yet published
    cadres: list[CadreRow] = field(default_factory=list)  # 村干部享受惠农补贴情况, when a 村干部名单 is among the inputs
    verification_code: str = ""  # 核验码 of a published version (drafts have none)
    qr_payload: str = ""  # what the QR code on every page holds: the village page's URL, else the code
    web_note: str = ""  # on the web copy: says the names are masked there

    @property
    def draft(self) -> bool:
        return self.publish_date is None

    def correct(self, version: int, published: str, previous_title: str, changes: list[Change]) -> None:
        """Turn this notice into a correction (更正公示) of an earlier posted version."""
        self.corrects_version = version
        when = cn_date(date.fromisoformat(published)) if published else ""
        self.title = self.title.removesuffix("公示") + "更正公示"
        self.changes = list(changes)
        self.correction_lines = [f"本村{when}公示的《{previous_title}》现予更正，更正内容如下：",
                                 *change_lines(self.changes), "更正后的全部明细如下："]

    def web_correction_lines(self) -> list[str]:
        """The correction's lines as the web copy prints them: every name in them masked."""
        if not self.correction_lines:
            return []
        return [self.correction_lines[0], *change_lines(self.changes, masked=True), self.correction_lines[-1]]

    @property
    def withheld(self) -> bool:
        return bool(self.problems)

    @property
    def show_status(self) -> bool:
        return self.kind == "results"

    def texts(self) -> Iterator[tuple[str, tuple | None]]:
        """Every text the notice draws, with the roster row it came from (or None)."""
        for text in (self.title, self.intro, self.total_line, self.issuer, self.date_line, *self.closing,
                     *self.correction_lines, self.web_note):
            yield text, None
        for group in self.groups:
            yield group.heading, None
            for row in group.rows:
                for text in (row.name, row.id_masked, row.area, row.rate, row.amount, row.status, row.remark):
                    yield text, row.source
        for cadre in self.cadres:
            for text in (cadre.name, cadre.post, cadre.subsidy, cadre.amount):
                yield text, None


def cadre_rows(books: Books, code: str, settings: NoticeSettings) -> list[CadreRow]:
    """村干部享受惠农补贴情况 for one village: each cadre's payouts per subsidy, '无' for a cadre with none."""
    rows: list[CadreRow] = []
    for cadre in (c for c in books.cadres if c.village_code == code):
        name = mask_name(cadre.name) if settings.mask_names else cadre.name
        sums: dict[str, Decimal] = {}
        for h in cadre.payouts:
            sums[h.subsidy] = sums.get(h.subsidy, Decimal(0)) + (h.amount or Decimal(0))
        if cadre.ambiguous:
            rows.append(CadreRow(seq=len(rows) + 1, name=name, post=cadre.post, subsidy="同名待核实", amount=""))
        for subsidy in sorted(sums, key=books.catalogue.sort_key) or ["无"]:
            rows.append(CadreRow(seq=len(rows) + 1, name=name, post=cadre.post, subsidy=subsidy,
                                 amount=money(sums[subsidy]) if subsidy in sums else ""))
    return rows


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def capitals(value: Decimal) -> str:
    """人民币壹仟贰佰叁拾肆元伍角陆分."""
    if value == 0:
        return "人民币零元整"
    fen = int((abs(value) * 100).to_integral_value())
    whole, jiao, cents = fen // 100, fen // 10 % 10, fen % 10
    text = "人民币" + ("负" if value < 0 else "") + (_capital_integer(whole) + "元" if whole else "")
    if not jiao and not cents:
        return text + "整"
    if not jiao:
        return text + ("零" if whole else "") + _DIGITS[cents] + "分"
    return text + _DIGITS[jiao] + "角" + (_DIGITS[cents] + "分" if cents else "")


_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def _capital_integer(n: int) -> str:
    """Whole yuan in capitals, four digits at a time (万, 亿): 壹拾万零壹拾 (as cn2an writes them: checked against
    it on 78,000 amounts when it was replaced, its import took a fifth of a second of every run)."""
    text = str(n)
    groups = [text[max(0, end - 4):end] for end in range(len(text), 0, -4)][::-1]
    out = []
    for k, digits in enumerate(groups):
        if int(digits) == 0:
            continue
        if out and digits[0] == "0":  # a group after a higher one, short of its thousands
            out.append("零")
        zero, significant = False, digits.lstrip("0")
        for i, d in enumerate(significant):
            if d == "0":
                zero = True
                continue
            out.append(("零" if zero else "") + _DIGITS[int(d)] + ("", "拾", "佰", "仟")[len(significant) - 1 - i])
            zero = False
        out.append(("", "万", "亿", "万亿")[len(groups) - 1 - k])
    return "".join(out)


def _status(h: Household, outcome: HouseholdOutcome) -> tuple[str, str]:
    """发放情况 and a note for 备注, from how the row's payment went."""
    if outcome.status == PAID:
        if h.amount is not None and outcome.paid != h.amount:
            return "金额不符", f"实发{money(outcome.paid)}元"
        return "已发放", ""
    if outcome.status == FAILED:
        failed = next((b for b in reversed(outcome.bank) if not b.ok), None)
        return "发放失败", (failed.reason[:20] if failed and failed.reason else "")
    if outcome.status == UNPAID:
        return "未发放", ""
    return "", ""


def _rate_line(rows: list[Household]) -> str:
    rates = sorted({h.rate for h in rows if h.rate is not None})
    if len(rates) == 1:
        return f"补贴标准：{area_text(rates[0])}元/亩"
    if len(rates) > 1:
        return f"补贴标准：{area_text(rates[0])}～{area_text(rates[-1])}元/亩（按户见表）"
    return "补贴标准：按政策核定（见表中金额）"


def build_notices(books: Books, settings: NoticeSettings, towns: dict[str, str], counties: dict[str, str]) -> list[Notice]:
    """One Notice per village with households, in village-code order. `settings` has its publish date set."""
    villages = by_village(books.households)
    notices = []
    for code in sorted(villages):
        notices.append(_build(code, villages[code], books, settings, towns.get(code, ""), counties.get(code, "")))
    return notices


def _build(code: str, rows: list[Household], books: Books, settings: NoticeSettings, town: str, county: str) -> Notice:
    village = rows[0].village_name
    by_subsidy: dict[str, list[Household]] = defaultdict(list)
    for h in rows:
        by_subsidy[h.subsidy].append(h)
    groups = [_group(n, subsidy, by_subsidy[subsidy], books, settings)
              for n, subsidy in enumerate(sorted(by_subsidy, key=books.catalogue.sort_key))]
    people = {h.person_key for h in rows}
    total = sum((h.amount for h in rows if h.amount is not None), Decimal(0))
    start = settings.publish_date
    title, intro = _wording(town, village, books.year, settings.kind, any(g.show_status for g in groups))
    total_line = f"合计：{len(groups)}项补贴，共{len(people)}户，金额{money(total)}元（{capitals(total)}）。"
    town_body = f"{town}人民政府" if town and not town.endswith("街道") else (f"{town}办事处" if town else "乡镇人民政府")
    closing = [
        _period_line(start, settings.publicity_days),
        settings.objection.format(town=town_body, village=village),
        "监督电话：" + "；".join(_phones(settings, code, village, town)) + "。",
    ]
    notice = Notice(code, village, town, county, books.year, settings.kind, title, intro, groups, total_line, closing,
                    settings.issuer.format(village=village, town=town), cn_date(start) if start else "", len(people),
                    total, publish_date=start, cadres=cadre_rows(books, code, settings))
    notice.problems = check(notice)
    return notice


def _group(n: int, subsidy: str, members: list[Household], books: Books, settings: NoticeSettings) -> Group:
    """One subsidy's part of a notice: heading with policy basis and rate, rows, subtotal; 发放情况 only where bank
    results cover the subsidy."""
    members = sorted(members, key=lambda h: (h.file, h.sheet, h.row))
    entry = books.catalogue.entries.get(subsidy)
    basis = entry.policy_basis if entry and entry.policy_basis else "上级有关文件及本县实施方案"
    heading = f"{numeral(n)}、{subsidy}（政策依据：{basis}；{_rate_line(members)}）"
    show_status = settings.kind == "results" and (subsidy, books.year) in books.covered
    table = []
    for seq, h in enumerate(members, 1):
        status, note = _status(h, books.outcome(h)) if show_status else ("", "")
        name = h.name or "（姓名缺失）"
        table.append(Row(seq, mask_name(name) if settings.mask_names and h.name else name, mask_id(h.id),
                         _area_cell(h.area), _rate_cell(h.rate), _money_cell(h.amount), status,
                         f"{note}；{h.remark}" if note and h.remark else note or h.remark or "", (h.file, h.sheet, h.row)))
    amount = sum((h.amount for h in members if h.amount is not None), Decimal(0))
    area = sum((h.area for h in members if h.area is not None), Decimal(0))
    return Group(subsidy, heading, table, len({h.person_key for h in members}), area_2(area) if area else "",
                 money(amount), show_status, basis)


# a cell's text from its value (equal values, however written, give the same text): worked out once per value, the
# one text shared by every row (amounts and areas repeat across a million rows)
_area_cell = lru_cache(maxsize=1 << 16)(lambda value: sys.intern(area_2(value)))
_rate_cell = lru_cache(maxsize=1 << 16)(lambda value: sys.intern(area_text(value)))
_money_cell = lru_cache(maxsize=1 << 16)(lambda value: sys.intern(money(value)))


def _wording(town: str, village: str, year: int, kind: str, with_results: bool) -> tuple[str, str]:
    """The title and the opening sentence: 发放情况 only when bank results say how the payments went."""
    if kind == "results":
        return (f"{town}{village}{year}年度惠农补贴资金{'发放情况' if with_results else '发放'}公示",
                f"为进一步推进村务公开，接受群众监督，确保惠农补贴资金发放公开、公平、公正，根据上级有关惠农补贴政策，"
                f"现将本村{year}年度各项惠农补贴资金发放情况公示如下：")
    return (f"{town}{village}{year}年度惠农补贴申报审核情况公示",
            f"根据上级有关惠农补贴政策，经农户申报、村级审核，现将本村{year}年度惠农补贴申报审核情况公示如下，"
            f"公示无异议后按程序发放：")


def _phones(settings: NoticeSettings, code: str, village: str, town: str) -> list[str]:
    """One label per supervision line: '本村 0577-…', '岩头镇 0577-…', the county bureau, 12345."""
    phones = [f"本村 {p}" for p in [settings.village_phone(code, village)] if p]
    phones += [f"{town} {p}" for p in [settings.town_phone(town)] if p]
    if settings.county_bureau_phone:
        phones.append(f"{settings.county_bureau or '县农业农村部门'} {settings.county_bureau_phone}")
    phones.append(f"政务服务便民热线 {settings.hotline}")
    return phones


def area_2(area: Decimal | None) -> str:
    """An area on a poster: always two decimals (2.00, 1.25, 5.60)."""
    return "" if area is None else f"{area.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"


def _period_line(start: date | None, days: int) -> str:
    """The publicity period: dated on a published notice, 'from the day it is posted' on a draft."""
    if start is None:
        return f"公示期：自张贴之日起{days}天。"
    end = start + timedelta(days=days - 1)
    return f"公示时间：{cn_date(start)}至{cn_date(end)}，共{days}天。"


def dated(notice: Notice, settings: NoticeSettings) -> Notice:
    """The notice as built for a publication on settings.publish_date, from the draft: the same rows (shared, not
    built again: a million of them at prefecture scale), the dates filled in, and a draft's 更正 marks left off
    (the publication makes its own correction against the version it corrects)."""
    start = settings.publish_date
    title = notice.title.removesuffix("更正公示") + "公示" if notice.corrects_version is not None else notice.title
    return replace(notice, title=title, closing=[_period_line(start, settings.publicity_days), *notice.closing[1:]],
                   date_line=cn_date(start), publish_date=start, problems=list(notice.problems), correction_lines=[],
                   changes=[], corrects_version=None, verification_code="", qr_payload="")


def web_copy(notice: Notice) -> Notice:
    """The notice as put on the web with names masked (张*明) wherever they stand: the table, the cadres, the
    correction's lines and any name of the village's households written into a remark; saying so; the same 核验码."""
    finder = public_names(notice)
    copy = replace(notice, groups=[replace(g, rows=[replace(r, name=mask_name(r.name), remark=finder.mask(r.remark))
                                                    for r in g.rows]) for g in notice.groups],
                   cadres=[replace(c, name=mask_name(c.name)) for c in notice.cadres],
                   correction_lines=notice.web_correction_lines(),
                   web_note="（网上公布版：为保护个人信息，姓名已部分隐去；张贴的公示为全名。）")
    copy.problems = check(copy)
    return copy


def public_names(notice: Notice) -> NameFinder:
    """The full names a public copy of this notice must not show (its households, cadres and the households a
    correction names), and the words the public is meant to read in it (places, subsidies, the office's texts)."""
    names = [r.name for g in notice.groups for r in g.rows] + [c.name for c in notice.cadres]
    names += [c.name for c in notice.changes]
    allowed = [notice.village_name, notice.town, notice.county, notice.issuer, *notice.closing[1:]]
    allowed += [text for g in notice.groups for text in (g.subsidy, g.basis)]
    return NameFinder(names, allowed)


def check(notice: Notice) -> list[Problem]:
    """Scan every text the notice is about to draw: unmasked numbers and characters no font has."""
    texts = [(text, source) for text, source in notice.texts() if text]
    joined = "\n".join(text for text, _ in texts)  # no pattern spans a line break: one scan clears nearly every notice
    if not find_unmasked(joined) and not any(ch != "\n" for ch in fonts.missing(joined)):
        return []
    problems = []
    for text, source in texts:
        file, sheet, row = source or ("", "", None)
        hit = find_unmasked(text)
        if hit:
            problems.append(problem("unmasked_number", "", file, sheet, row, notice.village_code,
                                    village=notice.village_name, found=f"{hit[:6]}…{hit[-4:]}", text=f"{text[:12]}…",
                                    field="notice_text", subject=_digest(text)))
        for ch in fonts.missing(text):
            problems.append(problem("missing_glyph", "", file, sheet, row, notice.village_code,
                                    village=notice.village_name, text=text[:20], found=ch, code=ord(ch),
                                    field="notice_text", subject=f"{ch}|{_digest(text)}"))
    return problems


def _digest(text: str) -> str:
    """A text's fingerprint for a problem's identity (the text may hold a full ID: it is not kept as it is)."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]
