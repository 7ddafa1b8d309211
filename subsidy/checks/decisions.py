"""The clerk's decisions on problems: `decisions.csv` in the county-year's inputs.

    problem_id,decision,reason,by,date
    duplicate_payment-3fa2c1b94e07,已核实,两块承包地，不是重复,王会计,2022-11-28
    amount_mismatch-0b6d2e11c9a4,暂缓,等岩头镇重报,王会计,2022-11-28

`已核实` (checked: the data is right as it is) releases a problem that only needs checking; `暂缓` holds the
problem's village back. UTF-8 or GBK, as Excel saves it; the Chinese column names 问题编号,决定,理由,决定人,日期
work too. A line that cannot be used is reported with its line number (the run goes on); a decision that matches
no current problem is listed as stale, never silently dropped.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from subsidy.base.textfiles import read_text_file

FILE_NAME = "decisions.csv"
CHECKED, HOLD = "已核实", "暂缓"
COLUMNS = ("problem_id", "decision", "reason", "by", "date")
_CHINESE = {"问题编号": "problem_id", "问题id": "problem_id", "决定": "decision", "处理决定": "decision",
            "理由": "reason", "原因": "reason", "说明": "reason", "决定人": "by", "经办人": "by", "核实人": "by",
            "日期": "date"}
_SYNONYMS = {"核实": CHECKED, "已核实": CHECKED, "核实无误": CHECKED, "暂缓": HOLD, "缓发": HOLD, "暂缓公示": HOLD}


@dataclass(frozen=True, kw_only=True)
class Decision:
    problem_id: str
    decision: str  # 已核实 or 暂缓
    reason: str
    by: str
    date: str
    file: str
    line: int

    def text(self) -> str:
        return f"{self.decision}：{self.reason}（{self.by} {self.date}）"


@dataclass(frozen=True, kw_only=True)
class DecisionNote:
    """A line of decisions.csv that does nothing: malformed, or stale (its problem is no longer there)."""

    file: str
    line: int
    problem_id: str
    note: str


@dataclass
class Decisions:
    by_id: dict[str, Decision] = field(default_factory=dict)
    notes: list[DecisionNote] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def get(self, problem_id: str) -> Decision | None:
        return self.by_id.get(problem_id)

    def stale(self, current_ids: set[str]) -> list[DecisionNote]:
        """Decisions whose problem is no longer reported (fixed at the source, or the id was mistyped)."""
        return [DecisionNote(file=d.file, line=d.line, problem_id=d.problem_id,
                             note="找不到这个问题（可能已在源表改正，或编号抄错）：此决定不起作用")
                for d in self.by_id.values() if d.problem_id not in current_ids]


def load_decisions(paths: list[Path], inputs: Path) -> Decisions:
    out = Decisions()
    for path in paths:
        rel = path.relative_to(inputs).as_posix() if path.is_relative_to(inputs) else path.name
        out.files.append(rel)
        try:
            text = read_text_file(path)
        except (OSError, ValueError) as exc:
            out.notes.append(DecisionNote(file=rel, line=0, problem_id="", note=f"文件无法读取：{exc}"))
            continue
        _read(rel, text, out)
    return out


def _read(rel: str, text: str, out: Decisions) -> None:
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        return
    header = [_CHINESE.get(h.strip().lower(), h.strip().lower()) for h in rows[0]]
    if "problem_id" not in header or "decision" not in header:
        out.notes.append(DecisionNote(file=rel, line=1, problem_id="",
                                      note=f"第一行应为表头 {','.join(COLUMNS)}：整个文件未使用"))
        return
    for number, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row):
            continue
        values = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}
        decision, why = _parse(values)
        pid = values.get("problem_id", "")
        if why:
            out.notes.append(DecisionNote(file=rel, line=number, problem_id=pid, note=why))
            continue
        earlier = out.by_id.get(pid)
        if earlier is not None:
            out.notes.append(DecisionNote(file=earlier.file, line=earlier.line, problem_id=pid,
                                          note=f"同一问题后面第{number}行又有决定，以后面的为准"))
        out.by_id[pid] = Decision(problem_id=pid, decision=decision, reason=values.get("reason", ""),
                                  by=values.get("by", ""), date=values.get("date", ""), file=rel, line=number)


def _parse(values: dict[str, str]) -> tuple[str, str]:
    """(the decision, why the line cannot be used or '')."""
    if not values.get("problem_id"):
        return "", "缺少问题编号 problem_id"
    decision = _SYNONYMS.get(values.get("decision", "").replace(" ", ""))
    if decision is None:
        return "", f"决定“{values.get('decision', '')}”无法识别：应为“{CHECKED}”或“{HOLD}”"
    if not values.get("by"):
        return "", "缺少决定人 by"
    if not values.get("reason"):
        return "", "缺少理由 reason"
    when = values.get("date", "")
    try:
        date.fromisoformat(when.replace("/", "-"))
    except ValueError:
        return "", f"日期“{when}”应写成 2022-11-28"
    return decision, ""
