"""The problem vocabulary: every kind of data problem the pipeline reports, in one place.

Reading and validating never raise for bad data; they return `Problem`s. Each kind has a stable code
(written to exceptions.csv), a Chinese title and what the clerk should do about it. The README's table of
problem kinds is generated from `KINDS` (see `kinds_markdown`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    code: str
    title: str
    action: str


KINDS: dict[str, Kind] = {
    k.code: k
    for k in [
        Kind("unreadable_file", "文件无法读取", "文件损坏、为空或设置了打开密码：请重新导出或去掉密码后放回 inputs/。"),
        Kind("unrecognized_sheet", "工作表无法识别", "工作表有数据但找不到表头（户主姓名、金额等列）：请检查表头文字。"),
        Kind("missing_field", "缺少必填项", "该户缺少姓名、金额或所在村：请在源表补全。"),
        Kind("invalid_id", "身份证号无效", "身份证号位数、出生日期或校验码不对：请核对后改正。"),
        Kind(
            "id_precision_lost",
            "身份证号精度丢失",
            "身份证号存成了数字格式，Excel 只保留15位有效数字：请把该列设为文本后重新录入或导出。",
        ),
        Kind("unknown_village", "村名无法识别", "村名在行政区划中找不到或有重名：请改成规范村名，或在 villages.csv 中加别名。"),
        Kind("amount_mismatch", "金额与面积×标准不符", "面积乘以补贴标准与补贴金额相差超过0.01元：请核对面积、标准和金额。"),
        Kind("subtotal_mismatch", "小计/合计不符", "表中写明的小计、合计或汇总数与明细行相加不符：请核对。"),
        Kind("duplicate_payment", "疑似重复发放", "同一人同一补贴同一年度出现多次：请核对是否重复列入。"),
        Kind("payment_failed", "银行发放失败", "银行代发未成功（如账户已销户、户名不符）：请核实账户信息后补发。"),
        Kind("unexpected_payment", "银行发放无对应清册", "银行发放了清册中没有的户：请核实是否错发，或清册是否漏列。"),
        Kind("paid_amount_differs", "实发金额与应发不符", "银行实发金额与清册应发金额不同：请核对差额原因。"),
        Kind("unpaid", "未发放", "清册中应发的户在银行代发结果中没有记录：请核实是否漏发。"),
        Kind("ambiguous_match", "无法确定对应关系", "银行记录可对应清册中多行（如同名同金额）：请补充身份证号或核对清册。"),
        Kind("unmasked_number", "公示中有完整证件号或账号", "公示将出现完整的身份证号或银行账号，该村公示已暂扣：请从姓名、备注等列删去后重新运行。"),
        Kind("missing_glyph", "公示中有无法显示的字", "公示中有随附字体都没有的字，该村公示已暂扣：请核对该字。"),
    ]
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem, located at the row a person sees in Excel (1-based) or the CSV line."""

    kind: str
    source_file: str
    source_sheet: str
    source_row: int | None
    detail: str
    village_code: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown problem kind {self.kind!r}")

    def sort_key(self) -> tuple:
        return (self.source_file, self.source_sheet, self.source_row or 0, self.kind, self.detail)


def kinds_markdown() -> str:
    """The clerk's table of problem kinds, for the README."""
    lines = ["| kind | 含义 | 怎么处理 |", "|---|---|---|"]
    lines += [f"| `{k.code}` | {k.title} | {k.action} |" for k in KINDS.values()]
    return "\n".join(lines)
