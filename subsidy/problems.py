"""The problem vocabulary: every kind of data problem the pipeline reports, in one place.

Reading and validating never raise for bad data; they return `Problem`s. Each kind has a stable code
(written to exceptions.csv), a Chinese title, what the clerk should do about it, and whether it holds a notice
back from publication (`blocks`). The README's table of problem kinds is generated from `KINDS` (see
`kinds_markdown`).

Every problem gets a `problem_id` built from its facts (kind, file, sheet, the person, the subsidy, the field
concerned, and what else tells it apart), never from its Chinese text and not from its row number: inserting a
row above it or rewording a message keeps the id, so a clerk's decision on it (decisions.csv) keeps applying.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass

# How a kind holds back publication (公示准备):
DECIDE = "decide"  # its village is held until it is fixed or decided 已核实
FIX = "fix"  # its village is held until it is fixed; no decision releases it (a poster must not show it)
COUNTY = "county"  # every village of the county-year is held until it is fixed or decided (it may hide anyone)
NEVER = "never"  # never holds anything back (a results notice shows it)
BLOCKS_ZH = {DECIDE: "须改正或核实（已核实可放行）", FIX: "须改正（不能以核实放行）",
             COUNTY: "全县暂缓，须改正或核实", NEVER: "不影响公示"}


@dataclass(frozen=True)
class Kind:
    code: str
    title: str
    action: str
    blocks: str = DECIDE


KINDS: dict[str, Kind] = {
    k.code: k
    for k in [
        Kind("unreadable_file", "文件无法读取", "文件损坏、为空或设置了打开密码：请重新导出或去掉密码后放回 inputs/。", COUNTY),
        Kind("unrecognized_sheet", "工作表无法识别", "工作表有数据但找不到表头（户主姓名、金额等列）：请检查表头文字。", COUNTY),
        Kind("missing_field", "缺少必填项", "该户缺少姓名、金额或所在村：请在源表补全。"),
        Kind("invalid_id", "身份证号无效", "身份证号位数、出生日期或校验码不对：请核对后改正。"),
        Kind(
            "id_precision_lost",
            "身份证号精度丢失",
            "身份证号存成了数字格式，Excel 只保留15位有效数字：请把该列设为文本后重新录入或导出。",
        ),
        Kind("unknown_village", "村名无法识别", "村名在行政区划中找不到或有重名：请改成规范村名，或在 villages.csv 中加别名。",
             COUNTY),
        Kind("amount_mismatch", "金额与面积×标准不符", "面积乘以补贴标准与补贴金额相差超过0.01元：请核对面积、标准和金额。"),
        Kind("subtotal_mismatch", "小计/合计不符", "表中写明的小计、合计或汇总数与明细行相加不符：请核对。"),
        Kind("duplicate_payment", "疑似重复发放", "同一人同一补贴同一年度出现多次：请核对是否重复列入。"),
        Kind("payment_failed", "银行发放失败", "银行代发未成功（如账户已销户、户名不符）：请核实账户信息后补发。", NEVER),
        Kind("unexpected_payment", "银行发放无对应清册", "银行发放了清册中没有的户：请核实是否错发，或清册是否漏列。"),
        Kind("paid_amount_differs", "实发金额与应发不符", "银行实发金额与清册应发金额不同：请核对差额原因。"),
        Kind("unpaid", "未发放", "清册中应发的户在银行代发结果中没有记录：请核实是否漏发。", NEVER),
        Kind("ambiguous_match", "无法确定对应关系", "银行记录可对应清册中多行（如同名同金额）：请补充身份证号或核对清册。"),
        Kind("unmasked_number", "公示中有完整证件号或账号",
             "公示将出现完整的身份证号或银行账号，该村公示已暂扣：请从姓名、备注等列删去后重新运行。", FIX),
        Kind("missing_glyph", "公示中有无法显示的字", "公示中有随附字体都没有的字，该村公示已暂扣：请核对该字。", FIX),
    ]
}


@dataclass(slots=True)
class Problem:
    """One problem, located at the row a person sees in Excel (1-based) or the CSV line.

    `person`, `subsidy`, `field` and `subject` are the facts that tell it apart from other problems of its kind
    in the same sheet (the person's ID or name, the field concerned, e.g. the village name as written); its
    `problem_id` is made from them by `assign_ids`."""

    kind: str
    source_file: str
    source_sheet: str
    source_row: int | None
    detail: str
    village_code: str = ""
    person: str = ""
    subsidy: str = ""
    field: str = ""  # name, id, amount, village, subsidy, row_total ...
    subject: str = ""
    problem_id: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown problem kind {self.kind!r}")

    def sort_key(self) -> tuple:
        return (self.source_file, self.source_sheet, self.source_row or 0, self.kind, self.detail)

    def identity(self) -> tuple:
        return (self.kind, self.source_file, self.source_sheet, self.person, self.subsidy or "", self.field,
                self.subject)

    @property
    def blocks(self) -> str:
        """How this problem holds back publication: a kind's rule, refined by the facts of a missing field
        (a row without a name never reaches a poster; a row without a village may belong to any village), and a
        problem that names no village holds back the whole county-year."""
        rule = KINDS[self.kind].blocks
        if self.kind == "missing_field":
            rule = {"name": FIX, "village": COUNTY}.get(self.field, DECIDE)
        if rule in (DECIDE, FIX) and not self.village_code:
            return COUNTY
        return rule


def assign_ids(problems: list[Problem]) -> None:
    """Give every problem its id: `<kind>-<12 hex digits of its facts>`; problems whose facts are all the same
    (a household listed twice in one sheet) are numbered in row order (-2, -3 …)."""
    seen: Counter = Counter()
    for p in sorted(problems, key=lambda p: (p.identity(), p.source_row or 0)):
        digest = hashlib.sha256(json.dumps(p.identity(), ensure_ascii=False).encode()).hexdigest()[:12]
        seen[digest] += 1
        p.problem_id = f"{p.kind}-{digest}" + (f"-{seen[digest]}" if seen[digest] > 1 else "")


def kinds_markdown() -> str:
    """The clerk's table of problem kinds, for the README."""
    lines = ["| kind | 含义 | 怎么处理 | 公示前 |", "|---|---|---|---|"]
    lines += [f"| `{k.code}` | {k.title} | {k.action} | {_blocks_text(k)} |" for k in KINDS.values()]
    return "\n".join(lines)


def _blocks_text(kind: Kind) -> str:
    if kind.code == "missing_field":
        return f"缺姓名：{BLOCKS_ZH[FIX]}；缺村名：{BLOCKS_ZH[COUNTY]}；其他：{BLOCKS_ZH[DECIDE]}"
    return BLOCKS_ZH[kind.blocks]
