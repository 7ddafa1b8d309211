"""Finding the header row of a roster and mapping its columns to fields by their Chinese labels.

Handles title rows above the header, two-row headers (merged group labels above, sub-labels or units
below), full-width brackets, spaces and units inside labels, and wide rosters with one amount column per
subsidy ("耕地地力保护补贴（元）", "稻谷补贴（元）").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from subsidy.intake.catalogue import Catalogue
from subsidy.intake.normalising import cell_text, compact, parse_decimal

# Fields of a household roster, a village summary table, and bank results (later).
NAME, ID, ACCOUNT, BANK, PHONE, REMARK, SEQ = "name", "id", "account", "bank", "phone", "remark", "seq"
VILLAGE, TOWN, GROUP, SUBSIDY = "village", "town", "group", "subsidy"
AREA, RATE, AMOUNT, ROW_TOTAL, HOUSEHOLDS, IGNORE = "area", "rate", "amount", "row_total", "households", "ignore"
STATUS, REASON, DATE = "status", "reason", "date"  # bank results
POST = "post"  # a cadre's post (职务) in a 村干部名单

EXACT: dict[str, str] = {}
for _field, _words in {
    SEQ: "序号 序 编号 序列号 No NO. No.",
    NAME: "户主姓名 姓名 户名 农户姓名 补贴对象 户主 承包户姓名 农户名称 补贴对象姓名 收款人 收款人姓名 领款人 领款人姓名 "
          "承包户 承包人 农户 名称 户主名称 补助对象 补偿对象 林权所有者 权利人 经营主体 申报主体 主体名称 "
          "承包方 承包方名称 承包方代表 承包方代表姓名 持卡人 持卡人姓名",
    ID: "身份证号码 身份证号 身份证 证件号码 证件号 公民身份号码 身份证件号码 户主身份证号码 户主身份证号 "
        "身份证号码或统一社会信用代码 统一社会信用代码 证件号码/统一社会信用代码",
    ACCOUNT: "一卡通号 一卡通账号 一卡通帐号 卡号 银行账号 银行帐号 账号 帐号 银行卡号 社保卡号 存折号 惠农卡号 一折通账号 收款账号",
    BANK: "开户行 开户银行 银行名称 代发银行",
    VILLAGE: "村 村名 行政村 所在村 村(社区) 村社区 村别 村名称 村委会 所属村 村居 村(居) 行政村名称 村(居)委会 村社 村级组织 "
             "所在村(社区) 村委会名称 村(居)名称 单位 单位名称 村组 村别组别 所在村组 所属村组 村组名称 村级名称 所属村委会 "
             "发包方 发包方名称",
    TOWN: "乡镇 镇 乡 乡镇(街道) 镇街 所属乡镇 乡镇街道 街道 镇(街道) 乡(镇) 乡镇名称 乡(镇、街道)",
    GROUP: "村民组 组 村民小组 小组 组别 自然村",
    SUBSIDY: "补贴项目 补贴类型 补贴种类 项目 项目名称 补贴名称 资金项目 补贴类别 资金名称 摘要 用途 补贴内容",
    AREA: "面积 补贴面积 计补面积 种植面积 补贴依据面积 应享受补贴面积 承包面积 确权面积 实际种植面积 核定面积 计税面积 补偿面积 "
          "公益林面积 播种面积 亩数 计补亩数 补贴亩数 合同面积 享受补贴面积",
    RATE: "补贴标准 标准 单价 补偿标准 每亩补贴 补助标准 亩均补贴 每亩标准",
    AMOUNT: "补贴金额 应发金额 发放金额 金额 补偿金额 应补金额 补贴资金 应发补贴 兑付金额 补助金额 奖补金额 补贴款 应发数 "
            "补偿金 补助资金 应补贴金额 应付金额 实发金额 发放数 补贴额 补偿款",
    ROW_TOTAL: "合计 合计金额 小计 总计 总金额 合计(元) 补贴合计",
    HOUSEHOLDS: "户数 发放户数 补贴户数 农户数",
    STATUS: "处理结果 状态 交易状态 发放状态 结果 处理状态 代发结果 入账结果 是否成功 交易结果 发放结果 入账状态 代发状态 成功标志",
    REASON: "失败原因 错误原因 原因 失败说明 退回原因 错误信息 返回信息 失败信息 错误描述 退票原因 处理说明",
    DATE: "交易日期 日期 入账日期 发放日期 处理日期 代发日期 交易时间 入账时间 记账日期",
    POST: "职务 职位 村职务 任职 岗位 现任职务 担任职务 所任职务 干部职务",
    IGNORE: "户主签字 签字 签名 领款人签字 签章 盖章 家庭人口 人口 性别 年龄 民族 地址 家庭住址 出生日期",
}.items():
    for _w in _words.split():
        EXACT[_w.lower()] = _field

# (needle, field) tried in order on labels that matched no exact word
CONTAINS: list[tuple[str, str]] = [
    ("签字", IGNORE), ("签名", IGNORE), ("签章", IGNORE), ("盖章", IGNORE),
    ("身份证", ID), ("证件号", ID), ("身份号码", ID), ("信用代码", ID),
    ("一卡通", ACCOUNT), ("卡号", ACCOUNT), ("账号", ACCOUNT), ("帐号", ACCOUNT), ("存折", ACCOUNT), ("银行卡", ACCOUNT),
    ("开户行", BANK), ("开户银行", BANK),
    ("电话", PHONE), ("手机", PHONE), ("备注", REMARK),
    ("户数", HOUSEHOLDS),
    ("姓名", NAME), ("户名", NAME), ("户主", NAME), ("补贴对象", NAME), ("收款人", NAME), ("领款人", NAME),
    ("村民小组", GROUP), ("村民组", GROUP),
    ("乡镇", TOWN), ("街道", TOWN),
    ("行政村", VILLAGE), ("村名", VILLAGE), ("所在村", VILLAGE), ("村(社区)", VILLAGE), ("社区", VILLAGE),
    ("村委会", VILLAGE), ("村组", VILLAGE), ("发包方", VILLAGE), ("承包方", NAME), ("持卡人", NAME),
    ("标准", RATE), ("单价", RATE), ("每亩", RATE),
    ("面积", AREA), ("亩数", AREA),
    ("金额", AMOUNT), ("资金", AMOUNT), ("补贴款", AMOUNT), ("补偿款", AMOUNT), ("补助款", AMOUNT), ("应发", AMOUNT),
    ("实发", AMOUNT), ("发放数", AMOUNT),
    ("补贴项目", SUBSIDY), ("补贴类型", SUBSIDY), ("补贴种类", SUBSIDY), ("项目", SUBSIDY),
    ("失败原因", REASON), ("原因", REASON), ("结果", STATUS), ("状态", STATUS), ("日期", DATE),
]

_BRACKETED = re.compile(r"[(\[{<《][^)\]}>》]*[)\]}>》]")
_TRAILING_UNIT = re.compile(r"(\(?(元/亩|元每亩|万元|元|亩|个|户|人)\)?)$")
# '单位名称：永嘉县财政局', '代发日期:2023-01-10': a label and its value, as title rows above a header hold them
_KEY_VALUE = re.compile(r"^[^:：]{1,12}[:：]\s*(?!(元|亩|元/亩|元每亩|万元|户|人|个|公斤|斤|吨)\)?\s*$)\S")  # not '面积：亩'
_PREFIX_NUMBER = re.compile(r"^[0-9一二三四五六七八九十]+[、.]")


def normalise_label(text: str) -> str:
    """'户主 姓名（必填）' -> '户主姓名'; '补贴面积（亩）' -> '补贴面积'; '金额:' -> '金额'."""
    flat = compact(text).replace("【", "[").replace("】", "]").replace("〔", "(").replace("〕", ")")
    flat = flat.rstrip(":").lstrip("*")
    flat = _PREFIX_NUMBER.sub("", flat)
    if flat.lower() in EXACT:
        return flat
    without = _BRACKETED.sub("", flat) or flat
    without = _TRAILING_UNIT.sub("", without) if len(without) > 2 else without
    return without.rstrip(":")


@dataclass
class Columns:
    """Where each field sits. `by_subsidy` holds wide rosters' per-subsidy columns."""

    fields: dict[str, int] = field(default_factory=dict)
    by_subsidy: dict[str, dict[str, int]] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)
    unit_wan: set[int] = field(default_factory=set)  # columns in 万元 (ten thousands)

    def score(self) -> int:
        core = {NAME, ID, AMOUNT, AREA, RATE, VILLAGE, ACCOUNT, SEQ, HOUSEHOLDS, ROW_TOTAL, SUBSIDY, TOWN, GROUP, STATUS,
                REASON, DATE}
        return len(core & set(self.fields)) + 2 * len(self.by_subsidy)

    @property
    def is_roster(self) -> bool:
        has_money = AMOUNT in self.fields or ROW_TOTAL in self.fields or any(
            AMOUNT in cols for cols in self.by_subsidy.values()
        )
        return (NAME in self.fields or ID in self.fields) and has_money

    @property
    def is_bank_result(self) -> bool:
        """一卡通代发结果: who was paid how much, and whether it went through."""
        return STATUS in self.fields and (NAME in self.fields or ID in self.fields or ACCOUNT in self.fields) and (
            AMOUNT in self.fields)

    @property
    def is_cadre_list(self) -> bool:
        """村干部名单: the names and posts of a village's cadres (with or without their IDs and amounts)."""
        return NAME in self.fields and POST in self.fields

    @property
    def is_village_summary(self) -> bool:
        has_figures = HOUSEHOLDS in self.fields or AMOUNT in self.fields or ROW_TOTAL in self.fields or bool(self.by_subsidy)
        return VILLAGE in self.fields and has_figures and NAME not in self.fields and ID not in self.fields


def classify_label(raw: str, catalogue: Catalogue) -> tuple[str | None, str | None]:
    """(field, subsidy) for one header label; subsidy is set for a per-subsidy column of a wide roster."""
    label = normalise_label(raw)
    if not label or len(label) > 30:
        return None, None
    exact = EXACT.get(label.lower())
    if exact:
        return exact, None
    subsidy = catalogue.canonical(label)
    if subsidy:
        for needle, fld in (("面积", AREA), ("亩数", AREA), ("标准", RATE), ("户数", HOUSEHOLDS)):
            if needle in label:
                return fld, subsidy
        return AMOUNT, subsidy
    for needle, fld in CONTAINS:
        if needle in label:
            return fld, None
    return None, None


def map_columns(labels: list[str], catalogue: Catalogue) -> Columns:
    cols = Columns()
    for index, raw in enumerate(labels):
        if not raw:
            continue
        fld, subsidy = classify_label(raw, catalogue)
        if fld is None or fld == IGNORE:
            continue
        cols.labels[index] = raw
        if "万元" in compact(raw):
            cols.unit_wan.add(index)
        if subsidy:
            cols.by_subsidy.setdefault(subsidy, {}).setdefault(fld, index)
        elif fld == AMOUNT and AMOUNT in cols.fields:
            # prefer what is due (应发) over what was actually paid (实发) when both appear
            if "实发" in compact(labels[cols.fields[AMOUNT]]):
                cols.fields[AMOUNT] = index
        else:
            cols.fields.setdefault(fld, index)
    return cols


@dataclass
class Header:
    first: int  # first header row (grid index)
    last: int  # last header row (grid index); data starts below
    columns: Columns
    labels: list[str]


def _row_texts(row: list) -> list[str]:
    return [cell_text(v) for v in row]


def _mostly_key_values(texts: list[str]) -> bool:
    """At least half the filled cells read 'label：value' (a header may hold one such as '备注：本人签字')."""
    filled = [t for t in texts if t]
    return 2 * sum(1 for t in filled if _KEY_VALUE.search(t)) >= len(filled) > 0


def _looks_like_header_continuation(row: list) -> bool:
    """A row below a header that holds sub-labels or units, not data."""
    texts = [t for t in _row_texts(row) if t]
    if not texts or _mostly_key_values(texts):
        return False
    for value, text in zip(row, _row_texts(row), strict=False):
        if not text:
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return False
        if parse_decimal(text) is not None:
            return False
    return True


def combine(top: list[str], bottom: list[str]) -> list[str]:
    width = max(len(top), len(bottom))
    out = []
    for i in range(width):
        a = top[i] if i < len(top) else ""
        b = bottom[i] if i < len(bottom) else ""
        if a and b and compact(a) != compact(b):
            out.append(a + b)
        else:
            out.append(a or b)
    return out


def find_header(rows: list[list], catalogue: Catalogue, scan: int = 40) -> Header | None:
    """The header of a roster or village summary in the first `scan` rows, or None."""
    best: Header | None = None
    best_score = 0
    limit = min(scan, len(rows))
    for r in range(limit):
        texts = _row_texts(rows[r])
        if sum(1 for t in texts if t) < 2:
            continue
        if len({compact(t) for t in texts if t}) < 2:  # a merged title spread over the row
            continue
        if _mostly_key_values(texts):  # 单位名称：永嘉县财政局 | 批次号：2023…: a title row
            continue
        candidates = [(r, texts)]
        if r + 1 < len(rows) and _looks_like_header_continuation(rows[r + 1]):
            candidates.append((r + 1, combine(texts, _row_texts(rows[r + 1]))))
            if r + 2 < len(rows) and _looks_like_header_continuation(rows[r + 2]):
                candidates.append((r + 2, combine(candidates[-1][1], _row_texts(rows[r + 2]))))
        for last, labels in candidates:
            cols = map_columns(labels, catalogue)
            if not (cols.is_roster or cols.is_village_summary or cols.is_bank_result or cols.is_cadre_list):
                continue
            score = cols.score() * 10 + (5 if cols.is_roster else 0) + (last - r)
            if score > best_score:
                best, best_score = Header(r, last, cols, labels), score
        if best is not None and r > best.last + 1:
            break
    return best
