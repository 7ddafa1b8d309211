"""Bank payout results (一卡通代发结果): one row per payment the bank attempted, with its outcome.

Recognised by their columns wherever they sit in the inputs: 户名, 证件号码, 账号, 金额, 摘要 (which
subsidy), 处理结果 (成功/失败 …), 失败原因, 交易日期. The subsidy year comes from the 摘要, then the title or
file name (a 2022 subsidy is often paid in January 2023), and only then from the 交易日期.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from subsidy.base.pickling import compact_pickle
from subsidy.intake import headers as H
from subsidy.intake.normalising import (
    cell_text,
    clean_id,
    clean_name,
    compact,
    find_subsidy_year,
    id_error,
    parse_decimal,
    to_fen,
    unwrap_text_formula,
)
from subsidy.intake.sheetrows import RunningSums, cell, data_rows, row_label, row_preview, settle_label_row

if TYPE_CHECKING:  # named for the reader; rosters builds on this module
    from subsidy.intake.catalogue import Catalogue
    from subsidy.intake.grid import Sheet
    from subsidy.intake.parsed import Context, SheetResult, _SheetContext


OK_WORDS = ("成功", "已入账", "入账", "已发放", "已代发", "正常", "完成", "已完成", "已支付", "支付成功", "到账", "已到账")
FAILED_WORDS = ("失败", "退回", "已退回", "冲正", "已冲正", "退票", "未入账", "拒绝", "异常", "不成功", "未成功", "错误",
                "作废", "撤销", "挂账", "未到账", "销户", "不符")
PENDING_WORDS = ("待处理", "处理中", "未处理", "待发", "在途", "待入账", "待确认")
REVERSAL_WORDS = ("冲正", "冲销", "撤销")
OK_CODES = {"S", "Y", "是", "1", "00", "0000", "SUCCESS", "OK", "√"}
FAILED_CODES = {"F", "N", "否", "0", "E", "FAIL", "FAILED", "×", "X"}


@compact_pickle
@dataclass(slots=True, kw_only=True, eq=False)
class Payment:
    """One bank row as the bank reported it. `ok`: True (went through), False (failed, returned, reversed).
    Reconciliation never changes it: what became of it is a reconciling.PaymentOutcome."""

    file: str
    sheet: str
    row: int
    name: str
    id: str
    id_usable: bool
    account: str
    amount: Decimal | None
    subsidy: str | None
    year: int | None  # None: the run's year
    ok: bool
    status_text: str
    reason: str
    date: str
    villages: frozenset[str] = frozenset()  # village codes a 村名 column allows (empty: any)

    @property
    def reverses(self) -> bool:
        """A 冲正 (or a negative amount) takes back a payment that had gone through earlier; a plain 退回 after a
        success is a second attempt that failed, not a reversal."""
        return not self.ok and (any(w in compact(self.status_text) for w in REVERSAL_WORDS)
                                or (self.amount is not None and self.amount < 0))

    @property
    def pending(self) -> bool:
        """The bank has not finished with it (待处理, 处理中 …)."""
        return not self.ok and any(w in compact(self.status_text) for w in PENDING_WORDS)


def outcome_of(status: str, reason: str) -> tuple[bool, str]:
    """(went through?, why not) from the bank's 处理结果 and 失败原因 texts."""
    text = compact(status).upper()
    if not text:
        return (False, reason or "处理结果为空且有失败原因") if reason else (True, "")
    if text in FAILED_CODES or any(w in text for w in FAILED_WORDS):
        return False, reason or status
    if any(w in text for w in PENDING_WORDS):
        return False, f"银行尚未处理完毕（{status}），按未成功处理，请向银行核实最终结果"
    if text in OK_CODES or any(w in text for w in OK_WORDS):
        return True, ""
    return False, f"处理结果“{status}”无法识别，按未成功处理，请向银行核实" + (f"（{reason}）" if reason else "")


def parse_payment_row(row: list, rn: int, cols: H.Columns, file: str, sheet: str, subsidy_default: str | None,
                      year_default: int | None, catalogue: Catalogue, latest_year: int) -> Payment | None:
    f = cols.fields
    name = clean_name(cell(row, f.get(H.NAME)))
    id_text, from_number = clean_id(cell(row, f.get(H.ID))) if H.ID in f else ("", False)
    account = unwrap_text_formula(compact(cell_text(cell(row, f.get(H.ACCOUNT)))))
    amount = parse_decimal(cell(row, f.get(H.AMOUNT)))
    if not (name or id_text or account) or amount is None:
        return None
    subsidy, year = subsidy_default, None
    summary = cell_text(cell(row, f.get(H.SUBSIDY))) if H.SUBSIDY in f else ""
    if summary:
        subsidy = catalogue.canonical(summary) or subsidy or catalogue.name_from_cell(summary)
        year = find_subsidy_year(summary)
    date_text = cell_text(cell(row, f.get(H.DATE))) if H.DATE in f else ""
    date_value = cell(row, f.get(H.DATE))
    if year is None:
        year = year_default
    if year is None and date_text:
        year = getattr(date_value, "year", None) or find_subsidy_year(date_text)
    status = cell_text(cell(row, f.get(H.STATUS)))
    reason = cell_text(cell(row, f.get(H.REASON))) if H.REASON in f else ""
    ok, why = outcome_of(status, reason)
    if not ok and not reason and H.REMARK in f:  # banks often give the reason in 备注
        remark = cell_text(cell(row, f[H.REMARK]))
        why = f"{why}：{remark}" if remark and why else (remark or why)
    usable = bool(id_text) and not (from_number and len(id_text) >= 16) and id_error(id_text, latest_year) is None
    # texts that repeat from row to row are shared (a million bank rows)
    return Payment(file=file, sheet=sheet, row=rn, name=sys.intern(name), id=id_text, id_usable=usable,
                   account=account, amount=to_fen(amount), subsidy=subsidy, year=year, ok=ok,
                   status_text=sys.intern(status), reason=sys.intern(why) if not ok else "",
                   date=sys.intern(date_text[:10]))


def parse_bank_sheet(sheet: Sheet, header: H.Header, sc: _SheetContext, ctx: Context, res: SheetResult) -> None:
    """Every payment row of a bank result sheet; totals checked, footers and other rows noted."""
    cols = header.columns
    f = dict(cols.fields)
    paid = [c for c, label in sorted(cols.labels.items()) if any(w in compact(label) for w in ("实发", "实际发放", "交易金额"))]
    if paid:  # a bank file listing both what was due and what was paid: the payment is what was paid
        f[H.AMOUNT] = paid[0]
        cols = H.Columns(f, cols.by_subsidy, cols.labels, cols.unit_wan)
    sums = RunningSums([f[H.AMOUNT]])
    label_cells = sorted({c for c in (f.get(H.SEQ), f.get(H.NAME), 0, 1) if c is not None})
    for row, rn in data_rows(sheet, header):
        kind = row_label(row, label_cells, clean_name(cell(row, f.get(H.NAME))))
        if settle_label_row(kind, row, rn, sums, cols.labels, {}, res, "bank"):
            continue
        payment = parse_payment_row(row, rn, cols, res.file, res.sheet, sc.subsidy, sc.year, ctx.catalogue,
                                    ctx.latest_year)
        if payment is None:
            res.note(rn, "other", row_preview(row))
            continue
        village = cell_text(cell(row, f.get(H.VILLAGE))) if H.VILLAGE in f else ""
        if village:
            matched = ctx.match(village, sc.town, sc.county)
            # a name shared by several towns still narrows the roster rows to those villages
            payment.villages = frozenset(v.code for v in ((matched.village,) if matched.village else matched.candidates))
        sums.add(sums.parse(row), {})
        res.payments.append(payment)
        res.counts["payment"] += 1
