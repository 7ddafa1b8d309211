"""Turning one sheet's grid into household rows, with every other non-blank row accounted for.

A sheet is a payout roster (one row per household and parcel, one subsidy per row or one amount column
per subsidy), a village summary (分村汇总表) or a cadre roster (村干部清册); the last two are
cross-checks. Rows above the header are titles; below it each row is a household, a subtotal or total
(checked against the rows it covers), a village heading, a footer, or something else, with its reason.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from . import headers as H
from .catalogue import Catalogue
from .normalising import (
    cell_text,
    clean_id,
    clean_name,
    compact,
    find_loose_year,
    find_year,
    id_error,
    is_blank_number,
    money_text,
    parse_decimal,
    person_shaped,
    to_fen,
    unwrap_text_formula,
)
from .problems import Problem
from .reading import InputFile, Sheet
from .sheetrows import (
    GROUP,
    PLAIN,
    RunningSums,
    cell,
    data_rows,
    differs,
    fmt,
    is_name,
    is_numbering_row,
    row_label,
    row_preview,
    settle_label_row,
    single_text,
    total_level,
)
from .villages import Match, VillageRegistry, split_suffix

# Why a non-blank row is not a household (row accounting).
REASONS = {
    "household": "户明细（已使用）",
    "title": "标题或说明行（表头上方）",
    "header": "表头行",
    "subtotal": "小计行（已核对）",
    "total": "合计行（已核对）",
    "footer": "表尾（制表人、审核人、日期、说明）",
    "heading": "村名分隔行",
    "numbering": "栏次行",
    "template": "空白模板行（只有序号）",
    "cross_check": "汇总表或村干部清册行（仅用于核对，不重复计入）",
    "cadre": "村干部名单行（用于公示中的村干部享受惠农补贴情况）",
    "payment": "银行代发结果行（已用于对账）",
    "no_village": "无法确定所在村，未计入（已报问题）",
    "unknown_village": "村名无法识别，未计入（已报问题）",
    "other_year": "不是本次处理的年度，未计入",
    "other": "不是户明细的文字行",
    "unrecognized": "工作表无法识别，未使用（已报问题）",
}

_CADRE = re.compile(r"干部")
_SUMMARY = re.compile(r"汇总")
_GENERIC_SHEET = re.compile(r"^(sheet|工作表|表)\d*$", re.IGNORECASE)
# "1.芙蓉村", "(3)珠岸村", "02-东岙村", "一、苍坡村": the clerk's numbering before a sheet's village name
_SHEET_NUMBERING = re.compile(r"^(?:\(?[0-9一二三四五六七八九十]+[)、.\-_ ]|\([0-9一二三四五六七八九十]+\))")
# a bank file that lists only the payments that went through, named so in its title, sheet or file name
_SUCCESS_LIST = re.compile(r"(代发|入账|支付|转账|到账)成功|成功(清单|明细|名单|记录|数据)")
_BANK_WORDS = re.compile(r"代发|银行|一卡通|农商|信用社|信用联社|入账|到账")


class Household:
    """One roster row for one subsidy. `id_status`: ok, org, invalid, precision_lost, blank, none."""

    __slots__ = ("file", "sheet", "row", "name", "id", "id_status", "village_code", "village_name", "subsidy", "year",
                 "area", "rate", "amount", "account", "role", "status", "paid", "bank", "remark", "group")

    def __init__(self, file, sheet, row, name, id_, id_status, village_code, village_name, subsidy, year, area, rate,
                 amount, account, role="roster", remark=""):
        self.file, self.sheet, self.row = file, sheet, row
        self.name, self.id, self.id_status = name, id_, id_status
        self.village_code, self.village_name = village_code, village_name
        self.subsidy, self.year = subsidy, year
        self.area, self.rate, self.amount, self.account = area, rate, amount, account
        self.role = role
        self.remark = remark  # the roster's 备注, printed on the notice (after the privacy check)
        self.group = ""  # the 村民组: from a 组别 column, or from the 组小计 row that closes the household's group
        self.status = None  # reconciliation: paid, failed, unpaid; None where no bank results cover it
        self.paid = None
        self.bank = ()

    @property
    def person_key(self) -> str:
        """Who this is: the ID where it can be trusted, else the name."""
        if self.id_status in ("ok", "org"):
            return "id:" + self.id
        if self.name:
            return "name:" + self.name
        return f"row:{self.file}:{self.sheet}:{self.row}"


@dataclass
class RowNote:
    file: str
    sheet: str
    row: int
    reason: str
    text: str


@dataclass(kw_only=True)
class Cadre:
    """A village cadre named in a 村干部名单 or 村干部清册: whose own payouts the village's notice lists apart."""

    file: str
    sheet: str
    row: int
    name: str
    id: str
    id_usable: bool
    post: str
    village_code: str
    payouts: list = field(default_factory=list)  # the roster rows paying this cadre (set when matched)
    ambiguous: bool = False  # matched by name, and the village has several people of that name


@dataclass
class VillageClaim:
    """A figure a village summary sheet states, to check against the roster rows."""

    file: str
    sheet: str
    row: int
    village_code: str
    village_name: str
    subsidy: str | None
    households: int | None
    amount: Decimal | None


@dataclass
class SheetResult:
    file: str
    sheet: str
    role: str = "empty"  # roster, summary, cadre, bank, unrecognized, empty
    households: list[Household] = field(default_factory=list)
    payments: list = field(default_factory=list)  # banks.Payment
    claims: list[VillageClaim] = field(default_factory=list)
    cadres: list[Cadre] = field(default_factory=list)
    notes: list[RowNote] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    nonblank: int = 0  # non-blank rows in the sheet, counted before parsing (for the row-accounting check)
    remarks: list[str] = field(default_factory=list)  # what the clerk should know about how the sheet was read
    year: int | None = None  # the year its title, sheet, file or folder names

    def note(self, row: int, reason: str, text: str = "") -> None:
        self.counts[reason] += 1
        self.notes.append(RowNote(self.file, self.sheet, row, reason, text[:80]))

    def problem(self, kind: str, row: int | None, detail: str, village_code: str = "", **facts: str) -> None:
        """A problem at `row`; `facts` (person, subsidy, field, subject) tell it apart (see problems.assign_ids)."""
        self.problems.append(Problem(kind, self.file, self.sheet, row, detail, village_code, **facts))


@dataclass
class Context:
    catalogue: Catalogue
    villages: VillageRegistry
    latest_year: int  # for checking birth dates in IDs
    match_cache: dict = field(default_factory=dict)

    def match(self, text: str, town: str | None, county: str | None) -> Match:
        key = (text, town, county)
        found = self.match_cache.get(key)
        if found is None:
            found = self.villages.match(text, town=town, county=county)
            self.match_cache[key] = found
        return found


@dataclass
class _SheetContext:
    year: int | None
    subsidy: str | None
    town: str | None
    county: str | None
    village: Match | None  # from the title or sheet name
    village_row: int | None  # where that village came from (for the problem's location)


def _sheet_context(item: InputFile, sheet: Sheet, title: str, ctx: Context) -> _SheetContext:
    """Year, subsidy, town and county named in the sheet's title, its name, the file name or folders."""
    sources = [title, sheet.name, item.path.stem, " ".join(item.rel.split("/")[:-1])]
    year = next((y for y in (find_year(s) for s in sources) if y), None) or next(
        (y for y in (find_loose_year(s) for s in sources) if y), None)
    # a known subsidy anywhere wins over a name merely shaped like one ("村干部享受补贴名单" above a sheet of a
    # file named for 生态公益林补偿)
    subsidy = next((s for s in (ctx.catalogue.canonical(x) for x in sources) if s), None) or next(
        (s for s in (ctx.catalogue.name_from_title(x) for x in sources) if s), None)
    town = next((t for t in (ctx.villages.town_in(x) for x in sources) if t), None)
    county = next((c for c in (ctx.villages.county_in(x) for x in sources) if c), None)
    return _SheetContext(year, subsidy, town, county, None, None)


def _sheet_village(item: InputFile, sheet: Sheet, title: str, sc: _SheetContext, ctx: Context, first_row: int) -> None:
    """The village a whole sheet belongs to: named in its title, else its sheet name, else the file name."""
    found = ctx.villages.find_in_text(title, sc.town, sc.county) if title else None
    if found is not None:
        sc.village, sc.village_row = found, first_row
        return
    name = _SHEET_NUMBERING.sub("", compact(sheet.name))
    if sheet.line_numbers is None and name and not _GENERIC_SHEET.match(name):
        matched = ctx.match(name, sc.town, sc.county)
        if matched.village is not None:
            sc.village = matched
            return
        inner = ctx.villages.find_in_text(name, sc.town, sc.county)
        if inner is not None:
            sc.village = inner
            return
        if split_suffix(name)[1]:  # named like a village, but none we know: reported, never guessed
            sc.village = matched
            return
    sc.village = ctx.villages.find_in_text(item.path.stem, sc.town, sc.county)


@dataclass
class _Staged:
    res: SheetResult
    sheet: Sheet
    header: H.Header | None = None
    sc: _SheetContext | None = None
    title: str = ""
    first_row: int = 1


def parse_file(item: InputFile, ctx: Context) -> list[SheetResult]:
    """Parse every sheet of a file. A sheet that names no town, county, subsidy or year takes them from the
    file's other sheets (a 分村汇总表 beside its roster)."""
    staged = [_stage(item, sheet, ctx) for sheet in item.sheets]
    known = [st.sc for st in staged if st.sc is not None]
    for st in staged:
        if st.sc is None:
            continue
        for attr in ("year", "subsidy", "town", "county"):
            if getattr(st.sc, attr) is None:
                setattr(st.sc, attr, next((getattr(k, attr) for k in known if getattr(k, attr) is not None), None))
        _finish(item, st, ctx)
    return [st.res for st in staged]


def _stage(item: InputFile, sheet: Sheet, ctx: Context) -> _Staged:
    res = SheetResult(item.rel, sheet.name)
    st = _Staged(res, sheet)
    rows = sheet.rows
    nonblank = [i for i in range(len(rows)) if not sheet.is_blank(i)]
    res.nonblank = len(nonblank)
    if not nonblank:
        return st
    st.first_row = sheet.row_number(nonblank[0])
    header = sheet.header_hint or H.find_header(rows, ctx.catalogue)
    if header is None:
        res.role = "unrecognized"
        res.problem("unrecognized_sheet", st.first_row,
                    f"工作表“{sheet.name}”有{len(nonblank)}行数据，但找不到表头（需要有户主姓名或身份证号，以及补贴金额等列）。")
        for i in nonblank:
            res.note(sheet.row_number(i), "unrecognized", row_preview(rows[i]))
        return st
    st.header = header
    st.title = " ".join(row_preview(rows[i]) for i in range(header.first))
    st.sc = _sheet_context(item, sheet, st.title, ctx)
    return st


def _finish(item: InputFile, st: _Staged, ctx: Context) -> None:
    res, sheet, header, sc = st.res, st.sheet, st.header, st.sc
    rows = sheet.rows
    _sheet_village(item, sheet, st.title, sc, ctx, st.first_row)
    for i in range(header.first):
        if not sheet.is_blank(i):
            res.note(sheet.row_number(i), "title", row_preview(rows[i]))
    for i in range(header.first, header.last + 1):
        res.note(sheet.row_number(i), "header", row_preview(rows[i]))
    if sheet.bank_text or header.columns.is_bank_result or _is_success_list(header.columns,
                                                                             item.path.stem + sheet.name + st.title):
        from .banks import parse_bank_sheet  # banks builds on this module's row helpers

        res.role = "bank"
        parse_bank_sheet(sheet, header, sc, ctx, res)
    elif header.columns.is_village_summary or (not header.columns.is_roster and _SUMMARY.search(sheet.name + st.title)):
        res.role = "summary"
        _parse_summary(sheet, header, sc, ctx, res)
    elif not header.columns.is_roster:  # a 村干部名单: names and posts, no money
        res.role = "cadre"
        _parse_cadre_list(sheet, header, sc, ctx, res)
    else:
        res.role = "cadre" if _CADRE.search(sheet.name + st.title) or H.POST in header.columns.fields else "roster"
        res.year = sc.year
        _parse_roster(sheet, header, sc, ctx, res)
        if res.role == "cadre":
            _cadres_of_roster(sheet, header, res)


def _is_success_list(cols: H.Columns, names: str) -> bool:
    """A bank's list of payments that went through (代发成功清单): accounts and amounts, no 处理结果 column."""
    f = cols.fields
    names = compact(names)
    return (_SUCCESS_LIST.search(names) is not None and _BANK_WORDS.search(names) is not None and H.ACCOUNT in f
            and H.AMOUNT in f and (H.NAME in f or H.ID in f)
            and not {H.AREA, H.RATE, H.VILLAGE, H.TOWN, H.GROUP} & set(f))  # a roster names places and parcels


def _scales(cols: H.Columns) -> dict[int, Decimal]:
    return {c: Decimal(10000) for c in cols.unit_wan}


def _checked_columns(cols: H.Columns) -> list[int]:
    out = [cols.fields[f] for f in (H.AMOUNT, H.AREA, H.ROW_TOTAL) if f in cols.fields]
    for per in cols.by_subsidy.values():
        out += [per[f] for f in (H.AMOUNT, H.AREA) if f in per]
    return sorted(set(out))


def _parse_roster(sheet: Sheet, header: H.Header, sc: _SheetContext, ctx: Context, res: SheetResult) -> None:
    cols = header.columns
    f = cols.fields
    name_c, id_c, village_c, town_c = f.get(H.NAME), f.get(H.ID), f.get(H.VILLAGE), f.get(H.TOWN)
    amount_c = f.get(H.AMOUNT, f.get(H.ROW_TOTAL))
    total_c = f.get(H.ROW_TOTAL) if H.AMOUNT not in f else None
    area_c, rate_c, subsidy_c, account_c, seq_c = f.get(H.AREA), f.get(H.RATE), f.get(H.SUBSIDY), f.get(H.ACCOUNT), f.get(H.SEQ)
    remark_c = f.get(H.REMARK)
    wide = H.AMOUNT not in f and any(H.AMOUNT in per for per in cols.by_subsidy.values())
    if wide:
        amount_c = None
    if not wide and cols.by_subsidy and sc.subsidy is None and len(cols.by_subsidy) == 1:
        only = next(iter(cols.by_subsidy))
        sc.subsidy = only
        per = cols.by_subsidy[only]
        area_c = area_c if area_c is not None else per.get(H.AREA)
        rate_c = rate_c if rate_c is not None else per.get(H.RATE)
    if wide:
        total_c = f.get(H.ROW_TOTAL)
    scale = _scales(cols)
    sums = RunningSums(_checked_columns(cols))
    label_cells = sorted({c for c in (seq_c, name_c, village_c, 0, 1) if c is not None})
    heading: Match | None = None
    open_group: list[Household] = []  # households since the last 小计: a 组小计 names their group
    sheet_village_reported = False
    no_village_rows: list[tuple[int, str]] = []

    filled_down = _village_written_once_per_group(sheet, header, village_c, name_c, label_cells)
    if filled_down:
        rows_text = _row_list(sorted(filled_down))
        res.remarks.append(f"工作表“{sheet.name}”村名只写在每组第一行：{rows_text}行按同组（以小计或合计行结束）第一行的村名计入")
    header_labels = {c: compact(cell_text(cell(sheet.rows[header.last], c)) or header.labels[c])
                     for c in cols.labels if c < len(header.labels)}
    probe = name_c if name_c in header_labels else next(iter(header_labels), None)
    for row, rn in data_rows(sheet, header):
        value = cell(row, probe)
        if isinstance(value, str) and value and compact(value) == header_labels[probe] and sum(
            1 for c, label in header_labels.items() if label and compact(cell_text(cell(row, c))) == label
        ) >= 2:
            res.note(rn, "header", row_preview(row))  # the header repeated on every printed page
            continue
        name = clean_name(cell(row, name_c)) if name_c is not None else ""
        kind = row_label(row, label_cells, name)
        level = total_level(row, f.get(H.GROUP), village_c) if kind == "subtotal" else (PLAIN, "")
        if settle_label_row(kind, row, rn, sums, cols.labels, scale, res, _roster_total_problem, level):
            if level[0] == GROUP:
                for h in open_group:
                    h.group = h.group or level[1]
            if kind in ("subtotal", "total"):
                open_group = []
            continue
        single = single_text(row)
        if single is not None and not is_numbering_row(row):
            amount_probe = parse_decimal(cell(row, amount_c)) if amount_c is not None else None
            filled = [j for j, v in enumerate(row) if v not in ("", None)]
            if amount_probe is None and filled != [id_c]:
                if single.isdigit() and len(single) <= 4:
                    res.note(rn, "template", row_preview(row))
                    continue
                matched = ctx.villages.find_in_text(single, sc.town, sc.county) if len(single) <= 30 else None
                if matched is None and split_suffix(single)[1] and len(single) <= 12:
                    matched = ctx.match(single, sc.town, sc.county)
                if matched is not None:
                    heading = matched
                    res.note(rn, "heading", single)
                    if matched.village is None:
                        res.problem("unknown_village", rn, f"村名分隔行：{matched.reason}。", field="village",
                                    subject=single)
                    continue
                if filled != [name_c]:
                    res.note(rn, "other", row_preview(row))
                    continue
        if is_numbering_row(row):
            res.note(rn, "numbering", row_preview(row))
            continue
        id_value = cell(row, id_c)
        id_text, from_number = clean_id(id_value) if id_c is not None else ("", False)
        has_name = is_name(name)
        parsed = sums.parse(row)
        if wide:
            amounts = {}
            for subsidy_name, per in cols.by_subsidy.items():
                if H.AMOUNT in per:
                    value = parsed[per[H.AMOUNT]]
                    amounts[subsidy_name] = value * scale[per[H.AMOUNT]] if value is not None and per[H.AMOUNT] in scale else value
            any_amount = any(v is not None for v in amounts.values())
        else:
            raw_amount = cell(row, amount_c)
            amount = parsed[amount_c]
            any_amount = amount is not None
        if not has_name and not id_text:
            if not any_amount:
                seq_only = seq_c is not None and cell_text(cell(row, seq_c)) and all(
                    v in ("", None) for j, v in enumerate(row) if j != seq_c
                )
                res.note(rn, "template" if seq_only else "other", row_preview(row))
                continue
            unlabeled = sums.unlabeled_total(parsed, scale, amount_c)
            if unlabeled:  # a sum row without a 合计 label: its figure equals the rows above it
                res.note(rn, unlabeled, "（无标签）" + row_preview(row))
                sums.close(unlabeled)
                continue
        # ---- a household row
        sums.add(parsed, scale, id_text or name)
        # village
        village_match: Match | None = None
        raw_village = (cell_text(cell(row, village_c)) or filled_down.get(rn, "")) if village_c is not None else ""
        if raw_village:
            town = cell_text(cell(row, town_c)) if town_c is not None else None
            village_match = ctx.match(raw_village, town or sc.town, sc.county)
        elif heading is not None:
            village_match = heading
        elif sc.village is not None:
            village_match = sc.village
        # the year and subsidy of this row
        year = sc.year
        subsidies: list[tuple[str | None, Decimal | None]]
        if wide:
            subsidies = [(s, v) for s, v in amounts.items() if v is not None and v != 0]
            if not subsidies:
                subsidies = [(None, None)]
        else:
            subsidy = sc.subsidy
            if subsidy_c is not None:
                raw_subsidy = cell_text(cell(row, subsidy_c))
                if raw_subsidy:
                    subsidy = ctx.catalogue.name_from_cell(raw_subsidy)
                    year = find_year(raw_subsidy) or year
            subsidies = [(subsidy, amount)]
        # identity
        if id_c is None:
            id_status = "none"
        elif from_number and len(id_text) >= 16:
            id_status = "precision_lost"
        elif not id_text:
            id_status = "blank"
        else:
            error = id_error(id_text, ctx.latest_year)
            if error is None:
                id_status = "ok"
            elif _is_org_code(id_text) and not person_shaped(id_text, ctx.latest_year):
                # a personal ID with a wrong check character passes the credit-code check one time in 31
                id_status = "org"
            else:
                id_status = "invalid"
                id_problem = error
        village_code = village_match.village.code if village_match and village_match.village else ""
        village_name = village_match.village.short_name if village_match and village_match.village else ""
        who = name or (id_text and f"身份证号{id_text}") or "该行"
        person = name or id_text or row_preview(row)
        if id_status == "precision_lost":
            res.problem("id_precision_lost", rn,
                        f"{who}的身份证号“{id_text}”存成了数字，末几位已丢失：请把身份证号列设为文本格式后重新录入。",
                        village_code, person=person, field="id")
        elif id_status == "blank":
            res.problem("invalid_id", rn, f"{who}的身份证号为空：请补录。", village_code, person=person, field="id")
        elif id_status == "invalid":
            res.problem("invalid_id", rn, f"{who}的身份证号“{id_text}”无效：{id_problem}。", village_code, person=person,
                        field="id")
        if not has_name:
            res.problem("missing_field", rn, f"缺少户主姓名（身份证号{id_text or '也为空'}）：请补录姓名。", village_code,
                        person=person, field="name")
        area = parsed[area_c] if area_c in parsed else parse_decimal(cell(row, area_c))
        rate = parse_decimal(cell(row, rate_c)) if rate_c is not None else None
        if not any_amount:
            raw = cell_text(raw_amount) if not wide else ""
            why = f"金额“{raw}”不是数字" if raw and not is_blank_number(raw) else "金额为空"
            res.problem("missing_field", rn, f"{who}：{why}：请填写补贴金额。", village_code, person=person,
                        field="amount")
        if not wide and amount is not None and area is not None and rate is not None:
            expected = area * rate
            if abs(expected - amount) > Decimal("0.01"):
                res.problem("amount_mismatch", rn,
                            f"{who}：面积{fmt(area)}亩×标准{fmt(rate)}元/亩={fmt(expected)}元，"
                            f"但金额写的是{money_text(amount)}元，{differs(amount, expected)}元。",
                            village_code, person=person, subsidy=subsidies[0][0] or "", field="amount")
        if wide and total_c is not None:
            stated = parse_decimal(cell(row, total_c))
            added = sum((v for v in amounts.values() if v is not None), Decimal(0))
            if stated is not None and abs(stated - added) > Decimal("0.005"):
                res.problem("subtotal_mismatch", rn,
                            f"{who}：本行合计写明{fmt(stated)}元，各项补贴相加为{fmt(added)}元。", village_code,
                            person=person, field="row_total")
        # where the row goes
        if village_match is None:
            no_village_rows.append((rn, person))
            res.note(rn, "no_village", row_preview(row))
            continue
        if village_match.village is None:
            if raw_village:
                res.problem("unknown_village", rn, f"{who}：{village_match.reason}。请改为规范村名或在 villages.csv 中加别名。",
                            person=person, field="village", subject=raw_village)
            elif village_match is not heading and not sheet_village_reported:
                sheet_village_reported = True
                res.problem("unknown_village", sc.village_row or rn,
                            f"工作表“{sheet.name}”的村名：{village_match.reason}。本表各户均未计入，请改正表名或标题中的村名。",
                            field="village", subject=village_match.reason)
            res.note(rn, "unknown_village", row_preview(row))
            continue
        sums.village(village_code, id_text or name)
        account = unwrap_text_formula(compact(cell_text(cell(row, account_c)))) if account_c is not None else ""
        remark = cell_text(cell(row, remark_c)) if remark_c is not None else ""
        group = cell_text(cell(row, f.get(H.GROUP))) if H.GROUP in f else ""
        first_new = len(res.households)
        for subsidy, value in subsidies:
            res.households.append(Household(
                res.file, res.sheet, rn, name, id_text, id_status, village_code, village_name, subsidy, year,
                area if not wide else parse_decimal(cell(row, cols.by_subsidy.get(subsidy, {}).get(H.AREA))),
                rate, to_fen(value * scale.get(amount_c, 1) if not wide else value) if value is not None else None, account,
                remark=remark,
            ))
        for h in res.households[first_new:]:
            h.group = group
        open_group += res.households[first_new:]
        res.counts["household"] += 1
    if no_village_rows and village_c is not None and res.counts["household"] + res.counts["unknown_village"]:
        for rn, person in no_village_rows:  # a few blanks in a filled-in village column: each one to fix
            res.problem("missing_field", rn, f"村名为空，表名和标题中也没有村名，此户未计入：请填写第{rn}行的村名。",
                        person=person, field="village")
    elif no_village_rows:
        first = no_village_rows[0][0]
        why = "村名列全部为空" if village_c is not None else "没有村名列"
        res.problem("missing_field", first,
                    f"工作表“{sheet.name}”有{len(no_village_rows)}户无法确定所在村（{why}，表名和标题中也没有村名），"
                    f"第{first}行起均未计入：请填写村名或把村名写进表名。", field="village")


def _parse_cadre_list(sheet: Sheet, header: H.Header, sc: _SheetContext, ctx: Context, res: SheetResult) -> None:
    """A 村干部名单: each cadre's name, post, ID where given, and village (its column, else the sheet's)."""
    f = header.columns.fields
    label_cells = sorted({c for c in (f.get(H.SEQ), f.get(H.NAME), 0, 1) if c is not None})
    for row, rn in data_rows(sheet, header):
        name = clean_name(cell(row, f[H.NAME]))
        if row_label(row, label_cells, name) or not is_name(name):
            res.note(rn, "other", row_preview(row))
            continue
        raw_village = cell_text(cell(row, f.get(H.VILLAGE)))
        match = ctx.match(raw_village, sc.town, sc.county) if raw_village else sc.village
        if match is None or match.village is None:
            res.problem("unknown_village", rn, f"村干部名单中{name}的村：{match.reason if match else '没有写明村名'}。",
                        person=name, field="cadre_village", subject=raw_village)
            res.note(rn, "unknown_village", row_preview(row))
            continue
        id_text, from_number = clean_id(cell(row, f.get(H.ID))) if H.ID in f else ("", False)
        usable = bool(id_text) and not from_number and id_error(id_text, ctx.latest_year) is None
        res.cadres.append(Cadre(file=res.file, sheet=res.sheet, row=rn, name=name, id=id_text, id_usable=usable,
                                post=cell_text(cell(row, f[H.POST])), village_code=match.village.code))
        res.note(rn, "cadre", row_preview(row))


def _cadres_of_roster(sheet: Sheet, header: H.Header, res: SheetResult) -> None:
    """The cadres of a 村干部清册 that lists their amounts (also a cross-check of the roster), with their posts."""
    post_c = header.columns.fields.get(H.POST)
    posts = {rn: cell_text(cell(row, post_c)) for row, rn in data_rows(sheet, header)} if post_c is not None else {}
    seen = set()
    for h in res.households:
        if h.row not in seen:
            seen.add(h.row)
            res.cadres.append(Cadre(file=h.file, sheet=h.sheet, row=h.row, name=h.name, id=h.id,
                                    id_usable=h.id_status in ("ok", "org"), post=posts.get(h.row, ""),
                                    village_code=h.village_code))


def _roster_total_problem(kind: str, finding: str) -> str:
    label = "合计" if kind == "total" else "小计"
    return f"{label}行：{finding}。请核对明细或{label}。"


def _village_written_once_per_group(sheet: Sheet, header: H.Header, village_c: int | None, name_c: int | None,
                                    label_cells: list[int]) -> dict[int, str]:
    """Row number -> village for household rows whose village cell was left blank under the first row of their
    group, where the group's own 小计 (or the 合计) row closes it: the shape an unmerged or pasted 'merged village
    cell' leaves. Blank cells without such a closing row are not filled; they are reported."""
    if village_c is None:
        return {}
    filled: dict[int, str] = {}
    pending: list[int] = []
    carry = ""
    for row, rn in data_rows(sheet, header):
        raw, raw_name = cell(row, village_c), cell(row, name_c)
        if raw not in (None, "") and raw_name not in (None, "") and "计" not in str(raw) and "计" not in str(raw_name):
            carry, pending = raw, []  # a household naming its village: the usual row, kept cheap
            continue
        value = cell_text(raw)
        name = clean_name(raw_name) if name_c is not None else ""
        kind = row_label(row, label_cells, name)
        if kind in ("subtotal", "total"):
            if pending and cell_text(carry):
                filled.update(dict.fromkeys(pending, cell_text(carry)))
            pending, carry = [], ""
            continue
        if value:
            carry, pending = value, []  # a new group began before the last one was closed: its blanks stay blank
        elif name and carry and kind is None:
            pending.append(rn)
        else:
            pending, carry = [], ""
    return filled


def _row_list(rows: list[int]) -> str:
    """[4, 5, 6, 9] -> '第4–6、9'."""
    runs: list[list[int]] = []
    for r in rows:
        if runs and r == runs[-1][-1] + 1:
            runs[-1].append(r)
        else:
            runs.append([r])
    parts = [f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs[:8]]
    return "第" + "、".join(parts) + ("等" if len(runs) > 8 else "")


_ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _is_org_code(text: str) -> bool:
    """A valid 统一社会信用代码 (cooperatives and family farms are paid too)."""
    if len(text) != 18 or any(c not in _ORG_CHARS for c in text):
        return False
    total = sum(_ORG_CHARS.index(c) * w for c, w in zip(text[:17], _ORG_WEIGHTS, strict=True))
    return _ORG_CHARS[(31 - total % 31) % 31] == text[17]


def _parse_summary(sheet: Sheet, header: H.Header, sc: _SheetContext, ctx: Context, res: SheetResult) -> None:
    cols = header.columns
    f = cols.fields
    village_c, households_c = f.get(H.VILLAGE), f.get(H.HOUSEHOLDS)
    amount_c = f.get(H.AMOUNT, f.get(H.ROW_TOTAL))
    scale = _scales(cols)
    sums = RunningSums(_checked_columns(cols) + ([households_c] if households_c is not None else []))
    label_cells = sorted({c for c in (f.get(H.SEQ), village_c, 0, 1) if c is not None})
    for row, rn in data_rows(sheet, header):
        kind = row_label(row, label_cells, "")
        if settle_label_row(kind, row, rn, sums, cols.labels, scale, res, lambda _, f: f"汇总表合计行：{f}。"):
            continue
        raw_village = cell_text(cell(row, village_c))
        if not raw_village:
            res.note(rn, "other", row_preview(row))
            continue
        sums.add(sums.parse(row), scale)
        res.note(rn, "cross_check", row_preview(row))
        matched = ctx.match(raw_village, sc.town, sc.county)
        if matched.village is None:
            res.problem("unknown_village", rn, f"汇总表：{matched.reason}。", field="village", subject=raw_village)
            continue
        households = parse_decimal(cell(row, households_c)) if households_c is not None else None
        count = int(households) if households is not None else None
        if amount_c is not None:
            amount = parse_decimal(cell(row, amount_c))
            res.claims.append(VillageClaim(res.file, res.sheet, rn, matched.village.code, matched.village.short_name,
                                           sc.subsidy, count, amount * scale.get(amount_c, 1) if amount is not None else None))
        for subsidy, per in cols.by_subsidy.items():
            if H.AMOUNT in per:
                amount = parse_decimal(cell(row, per[H.AMOUNT]))
                res.claims.append(VillageClaim(res.file, res.sheet, rn, matched.village.code, matched.village.short_name,
                                               subsidy, None, amount))
