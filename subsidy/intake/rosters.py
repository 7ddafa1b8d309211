"""Turning one sheet's grid into household rows, with every other non-blank row accounted for.

A sheet is a payout roster (one row per household and parcel, one subsidy per row or one amount column
per subsidy), a village summary (分村汇总表) or a cadre roster (村干部清册); the last two are
cross-checks. Rows above the header are titles; below it each row is a household, a subtotal or total
(checked against the rows it covers), a village heading, a footer, or something else, with its reason.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from decimal import Decimal

from subsidy.intake import headers as H
from subsidy.intake.grid import Sheet
from subsidy.intake.normalising import (
    cell_text,
    clean_id,
    clean_name,
    compact,
    find_year,
    id_error,
    is_blank_number,
    money_text,
    parse_decimal,
    person_shaped,
    to_fen,
    unwrap_text_formula,
)
from subsidy.intake.parsed import Cadre, Context, Household, SheetResult, VillageClaim, _SheetContext
from subsidy.intake.sheetrows import (
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
from subsidy.intake.villages import Match, split_suffix


def _scales(cols: H.Columns) -> dict[int, Decimal]:
    return {c: Decimal(10000) for c in cols.unit_wan}


def _checked_columns(cols: H.Columns) -> list[int]:
    out = [cols.fields[f] for f in (H.AMOUNT, H.AREA, H.ROW_TOTAL) if f in cols.fields]
    for per in cols.by_subsidy.values():
        out += [per[f] for f in (H.AMOUNT, H.AREA) if f in per]
    return sorted(set(out))


@dataclass(frozen=True)
class _RosterColumns:
    """Where a roster's fields sit, resolved once per sheet: one amount column, or one per subsidy (wide)."""

    name: int | None
    id: int | None
    village: int | None
    town: int | None
    group: int | None
    amount: int | None
    total: int | None  # a row total: checked against a wide roster's per-subsidy amounts
    area: int | None
    rate: int | None
    subsidy: int | None
    account: int | None
    seq: int | None
    remark: int | None
    wide: bool
    by_subsidy: dict[str, dict[str, int]]
    labels: dict[int, str]
    scale: dict[int, Decimal]
    label_cells: list[int]


def _resolve_columns(cols: H.Columns, sc: _SheetContext) -> _RosterColumns:
    """The sheet's columns; a single per-subsidy column group names the sheet's subsidy and lends its area and rate."""
    f = cols.fields
    wide = H.AMOUNT not in f and any(H.AMOUNT in per for per in cols.by_subsidy.values())
    area, rate = f.get(H.AREA), f.get(H.RATE)
    if not wide and cols.by_subsidy and sc.subsidy is None and len(cols.by_subsidy) == 1:
        sc.subsidy, per = next(iter(cols.by_subsidy.items()))
        area = area if area is not None else per.get(H.AREA)
        rate = rate if rate is not None else per.get(H.RATE)
    amount = None if wide else f.get(H.AMOUNT, f.get(H.ROW_TOTAL))
    total = f.get(H.ROW_TOTAL) if wide or H.AMOUNT not in f else None
    return _RosterColumns(
        name=f.get(H.NAME), id=f.get(H.ID), village=f.get(H.VILLAGE), town=f.get(H.TOWN), group=f.get(H.GROUP),
        amount=amount, total=total if wide else None, area=area, rate=rate, subsidy=f.get(H.SUBSIDY),
        account=f.get(H.ACCOUNT), seq=f.get(H.SEQ), remark=f.get(H.REMARK), wide=wide, by_subsidy=cols.by_subsidy,
        labels=cols.labels, scale=_scales(cols),
        label_cells=sorted({c for c in (f.get(H.SEQ), f.get(H.NAME), f.get(H.VILLAGE), 0, 1) if c is not None}))


@dataclass
class _RowValues:
    """What one data row says, read once: who, the figures (one amount, or one per subsidy) and the raw cells."""

    row: list
    rn: int
    name: str
    id_text: str
    from_number: bool
    parsed: dict[int, Decimal | None]
    amount: Decimal | None = None  # one amount column
    amounts: dict[str, Decimal | None] = field(default_factory=dict)  # wide: per subsidy

    @property
    def any_amount(self) -> bool:
        return self.amount is not None or any(v is not None for v in self.amounts.values())

    @property
    def who(self) -> str:
        return self.name or (self.id_text and f"身份证号{self.id_text}") or "该行"

    @property
    def person(self) -> str:
        return self.name or self.id_text or row_preview(self.row)


def parse_roster(sheet: Sheet, header: H.Header, sc: _SheetContext, ctx: Context, res: SheetResult) -> None:
    """Every data row of a payout roster: a household (with its problems), or another row with its reason."""
    _RosterParser(sheet, header, sc, ctx, res).run()


class _RosterParser:
    """The rows of one roster sheet, one concern per method; state carried from row to row: the running sums, a
    village heading, the households since the last 小计, the rows with no village."""

    def __init__(self, sheet: Sheet, header: H.Header, sc: _SheetContext, ctx: Context, res: SheetResult):
        self.sheet, self.header, self.sc, self.ctx, self.res = sheet, header, sc, ctx, res
        self.c = _resolve_columns(header.columns, sc)
        self.sums = RunningSums(_checked_columns(header.columns))
        self.heading: Match | None = None
        self.open_group: list[Household] = []  # households since the last 小计: a 组小计 names their group
        self.sheet_village_reported = False
        self.no_village_rows: list[tuple[int, str]] = []
        self.filled_down = _village_written_once_per_group(sheet, header, self.c.village, self.c.name,
                                                           self.c.label_cells)
        self.header_labels = {c: compact(cell_text(cell(sheet.rows[header.last], c)) or header.labels[c])
                              for c in header.columns.labels if c < len(header.labels)}
        self.probe = self.c.name if self.c.name in self.header_labels else next(iter(self.header_labels), None)

    def run(self) -> None:
        if self.filled_down:
            self.res.remarks.append(f"工作表“{self.sheet.name}”村名只写在每组第一行：{_row_list(sorted(self.filled_down))}"
                                    f"行按同组（以小计或合计行结束）第一行的村名计入")
        for row, rn in data_rows(self.sheet, self.header):
            self.row(row, rn)
        self.report_rows_without_village()

    def row(self, row: list, rn: int) -> None:
        if self._repeated_header(row):
            self.res.note(rn, "header", row_preview(row))  # the header repeated on every printed page
            return
        name = clean_name(cell(row, self.c.name)) if self.c.name is not None else ""
        if self._label_row(row, rn, name) or self._text_row(row, rn):
            return
        if is_numbering_row(row):
            self.res.note(rn, "numbering", row_preview(row))
            return
        values = self._values(row, rn, name)
        if not is_name(name) and not values.id_text and self._not_a_household(values):
            return
        self._household(values)

    def _repeated_header(self, row: list) -> bool:
        value = cell(row, self.probe)
        return isinstance(value, str) and bool(value) and compact(value) == self.header_labels[self.probe] and sum(
            1 for c, label in self.header_labels.items() if label and compact(cell_text(cell(row, c))) == label) >= 2

    def _label_row(self, row: list, rn: int, name: str) -> bool:
        """A 小计/合计 (checked; a 组小计 names the group of the rows it closes) or a footer."""
        kind = row_label(row, self.c.label_cells, name)
        level = total_level(row, self.c.group, self.c.village) if kind == "subtotal" else (PLAIN, "")
        if not settle_label_row(kind, row, rn, self.sums, self.c.labels, self.c.scale, self.res, "roster", level):
            return False
        if level[0] == GROUP:
            for h in self.open_group:
                h.group = h.group or level[1]
        if kind in ("subtotal", "total"):
            self.open_group = []
        return True

    def _text_row(self, row: list, rn: int) -> bool:
        """A row holding one text: a numbered empty template row, a village heading, or some other text."""
        single = single_text(row)
        if single is None or is_numbering_row(row):
            return False
        filled = [j for j, v in enumerate(row) if v not in ("", None)]
        if (parse_decimal(cell(row, self.c.amount)) if self.c.amount is not None else None) is not None \
                or filled == [self.c.id]:
            return False
        if single.isdigit() and len(single) <= 4:
            self.res.note(rn, "template", row_preview(row))
            return True
        matched = self.ctx.villages.find_in_text(single, self.sc.town, self.sc.county) if len(single) <= 30 else None
        if matched is None and split_suffix(single)[1] and len(single) <= 12:
            matched = self.ctx.match(single, self.sc.town, self.sc.county)
        if matched is not None:
            self.heading = matched
            self.res.note(rn, "heading", single)
            if matched.village is None:
                self.res.problem("unknown_village", rn, "heading", reason=matched.reason, field="village", subject=single)
            return True
        if filled != [self.c.name]:
            self.res.note(rn, "other", row_preview(row))
            return True
        return False

    def _values(self, row: list, rn: int, name: str) -> _RowValues:
        id_text, from_number = clean_id(cell(row, self.c.id)) if self.c.id is not None else ("", False)
        values = _RowValues(row, rn, name, id_text, from_number, self.sums.parse(row))
        if self.c.wide:
            for subsidy, per in self.c.by_subsidy.items():
                if H.AMOUNT in per:
                    value = values.parsed[per[H.AMOUNT]]
                    factor = self.c.scale.get(per[H.AMOUNT])
                    values.amounts[subsidy] = value * factor if value is not None and factor else value
        else:
            values.amount = values.parsed.get(self.c.amount)
        return values

    def _not_a_household(self, v: _RowValues) -> bool:
        """A row naming no one: an empty template row, other text, or a sum row without a 合计 label."""
        if not v.any_amount:
            seq_only = self.c.seq is not None and cell_text(cell(v.row, self.c.seq)) and all(
                x in ("", None) for j, x in enumerate(v.row) if j != self.c.seq)
            self.res.note(v.rn, "template" if seq_only else "other", row_preview(v.row))
            return True
        unlabeled = self.sums.unlabeled_total(v.parsed, self.c.scale, self.c.amount)
        if unlabeled:  # its figure equals the rows above it
            self.res.note(v.rn, unlabeled, "（无标签）" + row_preview(v.row))
            self.sums.close(unlabeled)
            return True
        return False

    def _household(self, v: _RowValues) -> None:
        self.sums.add(v.parsed, self.c.scale, v.id_text or v.name)
        match, raw_village = self._village(v)
        year, subsidies = self._subsidies(v)
        id_status, id_problem = _id_status(v, self.c.id, self.ctx.latest_year)
        code = match.village.code if match and match.village else ""
        self._check(v, id_status, id_problem, code, subsidies)
        if self._placed(v, match, raw_village):
            self._build(v, match, id_status, year, subsidies)

    def _village(self, v: _RowValues) -> tuple[Match | None, str]:
        """The row's village: its cell (or the group's first row's), else a heading, else the sheet's."""
        if self.c.village is None:
            raw = ""
        else:
            raw = cell_text(cell(v.row, self.c.village)) or self.filled_down.get(v.rn, "")
        if raw:
            town = cell_text(cell(v.row, self.c.town)) if self.c.town is not None else None
            return self.ctx.match(raw, town or self.sc.town, self.sc.county), raw
        return (self.heading if self.heading is not None else self.sc.village), raw

    def _subsidies(self, v: _RowValues) -> tuple[int | None, list[tuple[str | None, Decimal | None]]]:
        """The row's year and its (subsidy, amount) pairs: one, or one per subsidy column of a wide roster."""
        if self.c.wide:
            pairs = [(s, x) for s, x in v.amounts.items() if x is not None and x != 0]
            return self.sc.year, pairs or [(None, None)]
        year, subsidy = self.sc.year, self.sc.subsidy
        raw = cell_text(cell(v.row, self.c.subsidy)) if self.c.subsidy is not None else ""
        if raw:
            subsidy = self.ctx.catalogue.name_from_cell(raw)
            year = find_year(raw) or year
        return year, [(subsidy, v.amount)]

    def _check(self, v: _RowValues, id_status: str, id_problem: str, code: str,
               subsidies: list[tuple[str | None, Decimal | None]]) -> None:
        """The row's own problems: its ID, its name, its amount, area × rate, a wide roster's row total."""
        res, who, person = self.res, v.who, v.person
        if id_status == "precision_lost":
            res.problem("id_precision_lost", v.rn, "", code, who=who, found=v.id_text, person=person, field="id")
        elif id_status == "blank":
            res.problem("invalid_id", v.rn, "blank", code, who=who, person=person, field="id")
        elif id_status == "invalid":
            res.problem("invalid_id", v.rn, "", code, who=who, found=v.id_text, reason=id_problem, person=person,
                        field="id")
        if not is_name(v.name):
            res.problem("missing_field", v.rn, "name", code, id_text=v.id_text or "也为空", person=person, field="name")
        if not v.any_amount:
            raw = cell_text(cell(v.row, self.c.amount)) if not self.c.wide else ""
            why = f"金额“{raw}”不是数字" if raw and not is_blank_number(raw) else "金额为空"
            res.problem("missing_field", v.rn, "amount", code, who=who, why=why, found=raw, person=person,
                        field="amount")
        self._check_arithmetic(v, code, subsidies)

    def _check_arithmetic(self, v: _RowValues, code: str, subsidies: list[tuple[str | None, Decimal | None]]) -> None:
        area, rate = self._area(v), parse_decimal(cell(v.row, self.c.rate)) if self.c.rate is not None else None
        if not self.c.wide and v.amount is not None and area is not None and rate is not None:
            expected = area * rate
            if abs(expected - v.amount) > Decimal("0.01"):
                self.res.problem("amount_mismatch", v.rn, "", code, who=v.who, area=fmt(area), rate=fmt(rate),
                                 expected=fmt(expected), found=money_text(v.amount), diff=differs(v.amount, expected),
                                 person=v.person, subsidy=subsidies[0][0] or "", field="amount")
        if self.c.wide and self.c.total is not None:
            stated = parse_decimal(cell(v.row, self.c.total))
            added = sum((x for x in v.amounts.values() if x is not None), Decimal(0))
            if stated is not None and abs(stated - added) > Decimal("0.005"):
                self.res.problem("subtotal_mismatch", v.rn, "row_total", code, who=v.who, found=fmt(stated),
                                 expected=fmt(added), person=v.person, field="row_total")

    def _area(self, v: _RowValues) -> Decimal | None:
        return v.parsed[self.c.area] if self.c.area in v.parsed else parse_decimal(cell(v.row, self.c.area))

    def _placed(self, v: _RowValues, match: Match | None, raw_village: str) -> bool:
        """Whether the row can be tied to a village; rows that cannot are noted (and reported) here."""
        if match is None:
            self.no_village_rows.append((v.rn, v.person))
            self.res.note(v.rn, "no_village", row_preview(v.row))
            return False
        if match.village is not None:
            return True
        if raw_village:
            self.res.problem("unknown_village", v.rn, "", who=v.who, reason=match.reason, found=raw_village,
                             person=v.person, field="village", subject=raw_village)
        elif match is not self.heading and not self.sheet_village_reported:
            self.sheet_village_reported = True
            self.res.problem("unknown_village", self.sc.village_row or v.rn, "sheet", sheet_name=self.sheet.name,
                             reason=match.reason, field="village", subject=match.reason)
        self.res.note(v.rn, "unknown_village", row_preview(v.row))
        return False

    def _build(self, v: _RowValues, match: Match, id_status: str, year: int | None,
               subsidies: list[tuple[str | None, Decimal | None]]) -> None:
        """One household per (subsidy, amount) of the row."""
        c, village = self.c, match.village
        self.sums.village(village.code, v.id_text or v.name)
        account = unwrap_text_formula(compact(cell_text(cell(v.row, c.account)))) if c.account is not None else ""
        remark = cell_text(cell(v.row, c.remark)) if c.remark is not None else ""
        group = cell_text(cell(v.row, c.group)) if c.group is not None else ""
        rate = parse_decimal(cell(v.row, c.rate)) if c.rate is not None else None
        for subsidy, value in subsidies:
            area = self._area(v) if not c.wide else parse_decimal(cell(v.row, c.by_subsidy.get(subsidy, {}).get(H.AREA)))
            amount = to_fen(value * c.scale.get(c.amount, 1) if not c.wide else value) if value is not None else None
            h = Household(file=self.res.file, sheet=self.res.sheet, row=v.rn, name=sys.intern(v.name), id=v.id_text,
                          id_status=id_status, village_code=village.code, village_name=village.short_name,
                          subsidy=subsidy, year=year, area=area, rate=rate, amount=amount, account=account,
                          remark=sys.intern(remark), group=sys.intern(group))  # repeated texts shared
            self.res.households.append(h)
            self.open_group.append(h)
        self.res.counts["household"] += 1

    def report_rows_without_village(self) -> None:
        res, rows = self.res, self.no_village_rows
        if rows and self.c.village is not None and res.counts["household"] + res.counts["unknown_village"]:
            for rn, person in rows:  # a few blanks in a filled-in village column: each one to fix
                res.problem("missing_field", rn, "village", row_number=rn, person=person, field="village")
        elif rows:
            first = rows[0][0]
            why = "村名列全部为空" if self.c.village is not None else "没有村名列"
            res.problem("missing_field", first, "sheet_village", sheet_name=self.sheet.name, count=len(rows), why=why,
                        row_number=first, field="village")


def _id_status(v: _RowValues, id_c: int | None, latest_year: int) -> tuple[str, str]:
    """(ok, org, invalid, precision_lost, blank or none; why an invalid one is)."""
    if id_c is None:
        return "none", ""
    if v.from_number and len(v.id_text) >= 16:
        return "precision_lost", ""
    if not v.id_text:
        return "blank", ""
    error = id_error(v.id_text, latest_year)
    if error is None:
        return "ok", ""
    if _is_org_code(v.id_text) and not person_shaped(v.id_text, latest_year):
        # a personal ID with a wrong check character passes the credit-code check one time in 31
        return "org", ""
    return "invalid", error


def parse_cadre_list(sheet: Sheet, header: H.Header, sc: _SheetContext, ctx: Context, res: SheetResult) -> None:
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
            res.problem("unknown_village", rn, "cadre", who=name, reason=match.reason if match else "没有写明村名",
                        person=name, field="cadre_village", subject=raw_village)
            res.note(rn, "unknown_village", row_preview(row))
            continue
        id_text, from_number = clean_id(cell(row, f.get(H.ID))) if H.ID in f else ("", False)
        usable = bool(id_text) and not from_number and id_error(id_text, ctx.latest_year) is None
        res.cadres.append(Cadre(file=res.file, sheet=res.sheet, row=rn, name=name, id=id_text, id_usable=usable,
                                post=cell_text(cell(row, f[H.POST])), village_code=match.village.code))
        res.note(rn, "cadre", row_preview(row))


def cadres_of_roster(sheet: Sheet, header: H.Header, res: SheetResult) -> None:
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


def parse_summary(sheet: Sheet, header: H.Header, sc: _SheetContext, ctx: Context, res: SheetResult) -> None:
    cols = header.columns
    f = cols.fields
    village_c, households_c = f.get(H.VILLAGE), f.get(H.HOUSEHOLDS)
    amount_c = f.get(H.AMOUNT, f.get(H.ROW_TOTAL))
    scale = _scales(cols)
    sums = RunningSums(_checked_columns(cols) + ([households_c] if households_c is not None else []))
    label_cells = sorted({c for c in (f.get(H.SEQ), village_c, 0, 1) if c is not None})
    for row, rn in data_rows(sheet, header):
        kind = row_label(row, label_cells, "")
        if settle_label_row(kind, row, rn, sums, cols.labels, scale, res, "summary"):
            continue
        raw_village = cell_text(cell(row, village_c))
        if not raw_village:
            res.note(rn, "other", row_preview(row))
            continue
        sums.add(sums.parse(row), scale)
        res.note(rn, "cross_check", row_preview(row))
        matched = ctx.match(raw_village, sc.town, sc.county)
        if matched.village is None:
            res.problem("unknown_village", rn, "summary", reason=matched.reason, field="village", subject=raw_village)
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
