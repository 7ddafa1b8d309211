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


# The Chinese text of each kind of problem, per variant, rendered from the problem's facts (see `problem`): the
# wording lives here, the facts travel as fields.
TEMPLATES: dict[tuple[str, str], str] = {
    ("unreadable_file", ""): "{reason}。其余文件照常处理。",
    ("unreadable_file", "empty"): "文件中没有任何数据（所有工作表都是空的）。",
    ("unrecognized_sheet", ""): "工作表“{sheet_name}”有{rows}行数据，但找不到表头（需要有户主姓名或身份证号，以及补贴金额等列）。",
    ("missing_field", "name"): "缺少户主姓名（身份证号{id_text}）：请补录姓名。",
    ("missing_field", "amount"): "{who}：{why}：请填写补贴金额。",
    ("missing_field", "village"): "村名为空，表名和标题中也没有村名，此户未计入：请填写第{row_number}行的村名。",
    ("missing_field", "sheet_village"): "工作表“{sheet_name}”有{count}户无法确定所在村（{why}，表名和标题中也没有村名），"
                                        "第{row_number}行起均未计入：请填写村名或把村名写进表名。",
    ("missing_field", "subsidy"): "工作表“{sheet_name}”有{count}行看不出是哪项补贴（没有补贴项目列，标题、表名和文件名中也没有"
                                  "补贴名称），暂记为“{name}”：请在标题或文件名中写明补贴名称。",
    ("invalid_id", "blank"): "{who}的身份证号为空：请补录。",
    ("invalid_id", ""): "{who}的身份证号“{found}”无效：{reason}。",
    ("id_precision_lost", ""): "{who}的身份证号“{found}”存成了数字，末几位已丢失：请把身份证号列设为文本格式后重新录入。",
    ("unknown_village", ""): "{who}：{reason}。请改为规范村名或在 villages.csv 中加别名。",
    ("unknown_village", "heading"): "村名分隔行：{reason}。",
    ("unknown_village", "sheet"): "工作表“{sheet_name}”的村名：{reason}。本表各户均未计入，请改正表名或标题中的村名。",
    ("unknown_village", "summary"): "汇总表：{reason}。",
    ("unknown_village", "cadre"): "村干部名单中{who}的村：{reason}。",
    ("amount_mismatch", ""): "{who}：面积{area}亩×标准{rate}元/亩={expected}元，但金额写的是{found}元，{diff}元。",
    ("subtotal_mismatch", "roster"): "{label}行：{finding}。请核对明细或{label}。",
    ("subtotal_mismatch", "summary"): "汇总表合计行：{finding}。",
    ("subtotal_mismatch", "bank"): "银行代发结果合计行：{finding}。",
    ("subtotal_mismatch", "row_total"): "{who}：本行合计写明{found}元，各项补贴相加为{expected}元。",
    ("subtotal_mismatch", "cadre_missing"): "村干部清册列出{who}的{subsidy}{found}元，但发放清册中找不到此人：请核对两张表。",
    ("subtotal_mismatch", "cadre"): "村干部清册列出{who}的{subsidy}{found}元，发放清册中为{expected}元（{other}）：请核对。",
    ("subtotal_mismatch", "claims"): "分村汇总表中{what}：{findings}：请核对汇总表或清册。",
    ("duplicate_payment", ""): "{who}{ident}的{subsidy}（{year}年度）{found}元，又出现在{other}：请核对是否重复列入。",
    ("payment_failed", ""): "{head}：{reason}。{then}",
    ("unexpected_payment", ""): "银行向{who}{ident}发放{subsidy}{found}元{state}，{why}。",
    ("paid_amount_differs", ""): "{who}的{subsidy}清册应发{expected}元（{other}），银行实发{found}元：请核对差额。",
    ("unpaid", ""): "{who}的{subsidy}应发{expected}，银行代发结果中没有此户的记录：请核实是否漏发。",
    ("ambiguous_match", ""): "银行记录{who} {found}元（{subsidy}）可对应清册中多行：{other}，无法确定是哪一行："
                             "请在银行结果中补充身份证号或核对清册。",
    ("ambiguous_match", "cadre"): "村干部名单中的{who}（{post}）在本村清册中有{count}个同名的人（{other}），无法确定是哪一个："
                                  "请在名单中补充身份证号。",
    ("unmasked_number", ""): "{village}的公示中将出现完整的身份证号或银行账号“{found}”（在“{text}”中）：本村公示已暂扣，"
                             "请从源表的姓名、备注等列中删去后重新运行。",
    ("missing_glyph", ""): "{village}的公示中“{text}”含字符“{found}”（U+{code:04X}），随附字体都没有这个字，印出来会是空白："
                           "本村公示已暂扣，请核对该字或改用常用字并在备注说明。",
}
_IDENTITY = ("person", "subsidy", "field", "subject")


def problem(kind: str, variant: str, file: str, sheet: str, row: int | None, village_code: str = "", *,
            expected: object = "", found: object = "", other: str = "", **facts) -> Problem:
    """A problem with its facts, its detail rendered from its kind's template for `variant`. `facts` named person,
    subsidy, field or subject also tell it apart from others (see assign_ids); the rest only fill the template."""
    identity = {k: str(facts[k]) for k in _IDENTITY if k in facts and k != "subsidy"}
    identity["subsidy"] = facts.get("identity_subsidy", facts.get("subsidy", "")) or ""
    values = {k: v for k, v in facts.items() if k != "identity_subsidy"}
    detail = TEMPLATES[(kind, variant)].format(expected=expected, found=found, other=other, **values)
    return Problem(kind, file, sheet, row, detail, village_code, expected=str(expected), found=str(found), **identity)


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
    expected: str = ""  # what the figure should be (the rows added up, area × rate, what the roster says is due)
    found: str = ""  # what the file says (the stated total, the amount, the ID as written)
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
