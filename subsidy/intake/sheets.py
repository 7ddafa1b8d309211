"""Which parser a sheet goes to: rosters, cadre lists, summaries, bank results; the sheet's village and title."""

from __future__ import annotations

import re
from dataclasses import dataclass

from subsidy.intake import headers as H
from subsidy.intake.banks import parse_bank_sheet
from subsidy.intake.grid import InputFile, Sheet
from subsidy.intake.normalising import compact, find_loose_year, find_year
from subsidy.intake.parsed import Context, SheetResult, _SheetContext
from subsidy.intake.rosters import cadres_of_roster, parse_cadre_list, parse_roster, parse_summary
from subsidy.intake.sheetrows import row_preview
from subsidy.intake.villages import split_suffix

_CADRE = re.compile(r"干部")
_SUMMARY = re.compile(r"汇总")
_GENERIC_SHEET = re.compile(r"^(sheet|工作表|表)\d*$", re.IGNORECASE)
# "1.芙蓉村", "(3)珠岸村", "02-东岙村", "一、苍坡村": the clerk's numbering before a sheet's village name
_SHEET_NUMBERING = re.compile(r"^(?:\(?[0-9一二三四五六七八九十]+[)、.\-_ ]|\([0-9一二三四五六七八九十]+\))")
# a bank file that lists only the payments that went through, named so in its title, sheet or file name
_SUCCESS_LIST = re.compile(r"(代发|入账|支付|转账|到账)成功|成功(清单|明细|名单|记录|数据)")
_BANK_WORDS = re.compile(r"代发|银行|一卡通|农商|信用社|信用联社|入账|到账")


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
        res.problem("unrecognized_sheet", st.first_row, "", sheet_name=sheet.name, rows=len(nonblank))
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
        res.role = "bank"
        parse_bank_sheet(sheet, header, sc, ctx, res)
    elif header.columns.is_village_summary or (not header.columns.is_roster and _SUMMARY.search(sheet.name + st.title)):
        res.role = "summary"
        parse_summary(sheet, header, sc, ctx, res)
    elif not header.columns.is_roster:  # a 村干部名单: names and posts, no money
        res.role = "cadre"
        parse_cadre_list(sheet, header, sc, ctx, res)
    else:
        res.role = "cadre" if _CADRE.search(sheet.name + st.title) or H.POST in header.columns.fields else "roster"
        res.year = sc.year
        parse_roster(sheet, header, sc, ctx, res)
        if res.role == "cadre":
            cadres_of_roster(sheet, header, res)


def _is_success_list(cols: H.Columns, names: str) -> bool:
    """A bank's list of payments that went through (代发成功清单): accounts and amounts, no 处理结果 column."""
    f = cols.fields
    names = compact(names)
    return (_SUCCESS_LIST.search(names) is not None and _BANK_WORDS.search(names) is not None and H.ACCOUNT in f
            and H.AMOUNT in f and (H.NAME in f or H.ID in f)
            and not {H.AREA, H.RATE, H.VILLAGE, H.TOWN, H.GROUP} & set(f))  # a roster names places and parcels
