"""Helpers for the rows of a sheet: cell access, label rows (小计, 合计, footers), running sums.

Shared by the roster, summary and bank-result parsers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from subsidy.intake import headers as H
from subsidy.intake.grid import Sheet
from subsidy.intake.normalising import cell_text, compact, parse_decimal

if TYPE_CHECKING:  # the parsers that call these helpers
    from subsidy.intake.parsed import SheetResult


_FOOTER_PREFIXES = (
    "制表", "填表", "填报人", "审核", "复核", "负责人", "单位负责人", "经办", "会计", "出纳", "日期", "填报日期", "报送日期",
    "说明", "注:", "注：", "备注:", "盖章", "村委会盖章", "主管", "分管", "监督", "联系人", "联系电话", "举报电话", "审批",
    "财务", "村负责人", "村主任", "书记", "领导签字", "公示", "单位:", "金额单位", "填报单位", "打印", "柜员", "授权",
)
_TOTAL_WORDS = ("小计", "合计", "总计", "累计")
_TOTAL_EXACT = {"合计", "总计", "累计", "总合计", "合计数", "合计金额", "总计金额", "全镇合计", "全乡合计", "全县合计",
                "全街道合计", "全村合计", "以上合计", "共计"}
def cell(row: list, index: int | None) -> object:
    if index is None or index >= len(row):
        return None
    return row[index]


def row_preview(row: list) -> str:
    seen, parts = set(), []
    for value in row:
        text = cell_text(value)
        if text and text not in seen:
            seen.add(text)
            parts.append(text)
    return " | ".join(parts)


# cheap pre-test: a label starts with a footer word's first character, or holds 计 (小计, 合计 ...)
_COUNT_TOTAL = re.compile(r"^\s*(本页|本批|全部)?(共|总|总计|合计)[:：]?\s*\d+\s*(笔|户|人|条)|^\s*总(笔数|金额|户数)")
_LABEL_HINT = re.compile("^[\\s\u3000]*[" + "".join(sorted({p[0] for p in _FOOTER_PREFIXES})) + "]|计")


def label_kind(text: str) -> str | None:
    """'subtotal', 'total' or 'footer' for a label cell's text, else None."""
    if not text:
        return None
    if _COUNT_TOTAL.match(text):  # a bank's '共4笔，成功3笔，失败1笔'
        return "total"
    if not _LABEL_HINT.search(text):
        return None
    flat = compact(text)
    if len(flat) <= 24 and any(w in flat for w in _TOTAL_WORDS):
        bare = flat.rstrip(":")
        if bare in _TOTAL_EXACT or bare.startswith(("总计", "合计", "累计", "全镇", "全乡", "全县")):
            return "total"
        return "subtotal"
    if flat.startswith(_FOOTER_PREFIXES):
        return "footer"
    return None


def data_rows(sheet: Sheet, header: H.Header) -> Iterator[tuple[list, int]]:
    """(row, row number) for every non-blank row below the header."""
    for i in range(header.last + 1, len(sheet.rows)):
        if not sheet.is_blank(i):
            yield sheet.rows[i], sheet.row_number(i)


def is_numbering_row(row: list) -> bool:
    numbers = []
    for value in row:
        text = cell_text(value)
        if not text:
            continue
        if not text.isdigit() or len(text) > 3:
            return False
        numbers.append(int(text))
    return len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[0] + len(numbers)))


# the level a 小计 row totals, from its label: a villager group's (一组小计, 苍坡村三组小计), a village's (苍坡村小计,
# 苍坡村合计), or plain (小计, 本页小计)
GROUP, VILLAGE, PLAIN = "group", "village", "plain"
_LABEL_PREFIX = re.compile(r"^(?P<prefix>.*?)(小计|合计|总计)")
_GROUP_END = re.compile(r"(组|小组|村民小组|队|自然村)$")
_VILLAGE_END = ("村", "社区", "居委会", "村委会", "村民委员会", "居")
_PLAIN_PREFIXES = ("本页", "本表", "以上", "本批", "本次", "分项")


def total_level(row: list, group_c: int | None = None, village_c: int | None = None) -> tuple[str, str]:
    """(level, name) of a 小计 row: ('group', '一组'), ('village', '苍坡村') or ('plain', ''). A label without a name
    takes the level from the row's 组别 cell (a group's) or, beside an empty 组别, its village cell (a village's)."""
    label = next((compact(v) for v in row if isinstance(v, str) and "计" in v), "")
    match = _LABEL_PREFIX.search(label)
    prefix = match.group("prefix").strip("()（）[]【】:：-—_ ") if match else ""
    if prefix.startswith(_PLAIN_PREFIXES):
        return PLAIN, ""
    if prefix and _GROUP_END.search(prefix):
        return GROUP, prefix
    if prefix.endswith(_VILLAGE_END):
        return VILLAGE, prefix
    group = cell_text(cell(row, group_c)) if group_c is not None else ""
    if group and "计" not in group:
        return GROUP, group
    village = cell_text(cell(row, village_c)) if village_c is not None else ""
    if group_c is not None and village and "计" not in village:
        return VILLAGE, village
    return PLAIN, ""


class RunningSums:
    """Running sums for checking 小计 rows (since the last 小计 or 合计, or for a village's 小计 its village's rows
    since its last village total) and 合计 rows (since the last 合计, or, for a 总计 under several stacked tables,
    since the header)."""

    def __init__(self, columns: list[int]):
        self.columns = columns
        self.segment, self.block, self.total = (dict.fromkeys(columns, Decimal(0)) for _ in range(3))
        self.segment_rows = self.block_rows = self.total_rows = 0
        self.segment_villages: set[str] = set()
        self.block_villages: set[str] = set()
        # the rows since the village last changed: a 小计 after a village whose previous one had none
        self.run: dict[int, Decimal] = dict.fromkeys(columns, Decimal(0))
        self.run_rows = 0
        self._run_village = ""
        self._known = dict(self.total)  # the totals at the last row whose village was known
        self._known_rows = 0
        self._last: tuple[dict, dict] = ({}, {})  # the row just added, and its scale
        self._lead: dict[int, Decimal] = {}  # rows of no known village just before the village's first row
        self._lead_rows = 0
        # per village, its rows since its last village total (nested 组小计 under a 村小计 do not close it)
        self.by_village: dict[str, tuple[dict[int, Decimal], int, set]] = {}
        # the households (people) each primary scope covers, for a 'N户' a total row states
        self.segment_people: set[str] = set()
        self.block_people: set[str] = set()
        self.village_block_people: set[str] = set()
        self._last_village = ""
        # every row since the last village total (rows of a misspelt village included, as the clerk counted them)
        self.village_block: dict[int, Decimal] = dict.fromkeys(columns, Decimal(0))
        self.village_block_rows = 0

    def parse(self, row: list) -> dict[int, Decimal | None]:
        return {c: parse_decimal(cell(row, c)) for c in self.columns}

    def add(self, values: dict[int, Decimal | None], scale: dict[int, Decimal], person: str = "") -> None:
        """A household row's figures (and who it is, for the 'N户' a total row may state)."""
        if person:
            for group in (self.segment_people, self.block_people, self.village_block_people):
                group.add(person)
        for c, value in values.items():
            if value is not None:
                if c in scale:
                    value *= scale[c]
                self.segment[c] += value
                self.block[c] += value
                self.total[c] += value
                self.run[c] += value
                self.village_block[c] += value
        self._last = (values, scale)
        self.segment_rows += 1
        self.block_rows += 1
        self.total_rows += 1
        self.run_rows += 1
        self.village_block_rows += 1

    def _unplaced(self) -> tuple[dict[int, Decimal], int]:
        """The rows added since the last one whose village was known (sums, count)."""
        return {c: self.total[c] - self._known[c] for c in self.columns}, self.total_rows - self._known_rows

    def unlabeled_total(self, values: dict, scale: dict, amount_c: int | None) -> str | None:
        """'total' or 'subtotal' when a row with no name states exactly the sum of the rows above it."""
        value = values.get(amount_c) if amount_c is not None else None
        if value is None or self.total_rows < 2:
            return None
        value *= scale.get(amount_c, 1)
        if value == self.total[amount_c] or (self.block_rows >= 2 and value == self.block[amount_c]):
            return "total"
        if self.segment_rows >= 2 and value == self.segment[amount_c]:
            return "subtotal"
        return None

    def village(self, code: str, person: str = "") -> None:
        """The village (and the person) of the row just added."""
        self.segment_villages.add(code)
        self.block_villages.add(code)
        if code != self._run_village:  # a new village's rows begin with this one, or with the unplaced before it
            self._run_village = code
            self.run, self.run_rows = self._unplaced()
            values, scale = self._last
            self._lead = {c: v - (values.get(c) or 0) * scale.get(c, 1) for c, v in self.run.items()}
            self._lead_rows = self.run_rows - 1
        self._known, self._known_rows = self.total.copy(), self.total_rows
        values, scale = self._last
        sums, rows, people = self.by_village.get(code) or (dict.fromkeys(self.columns, Decimal(0)), 0, set())
        for c, value in values.items():
            if value is not None:
                sums[c] += value * scale.get(c, 1)
        self.by_village[code] = (sums, rows + 1, people)
        if person:
            people.add(person)
        self._last_village = code

    def covered_village(self, kind: str, level: str = PLAIN) -> str:
        """The village a subtotal (or total) covers, when its rows all belong to one (a village's 小计: its own)."""
        villages = self.block_villages if kind == "total" else self.segment_villages
        if len(villages) == 1:
            return next(iter(villages))
        return self._last_village if level == VILLAGE else ""

    def check(self, kind: str, row: list, labels: dict[int, str], scale: dict[int, Decimal],
              level: str = PLAIN) -> list[tuple[str, str, str]]:
        """What a 小计 or 合计 row states that the rows it covers do not add up to (empty when it agrees). A group's
        小计 covers the rows since the last 小计; a village's its village's rows since its last village total (the
        sum of its groups' 小计 when there are any); a plain 小计 either."""
        if kind != "total":
            village = self.by_village.get(self._last_village)
            scopes = [(self.segment, self.segment_rows, self.segment_people), *self._last_groups()]
            nested = [village] if village else []
            if self.village_block_rows != self.segment_rows:
                nested.append((self.village_block, self.village_block_rows, self.village_block_people))
            scopes = nested + scopes if level == VILLAGE else scopes + (nested if level == PLAIN else [])
        else:  # a 总计 under several tables each closed by its own 合计 covers them all
            scopes = [(self.block, self.block_rows, self.block_people)]
            if self.block_rows != self.total_rows:
                scopes.append((self.total, self.total_rows, None))
        first, rows, people = scopes[0]
        findings = self._differences(row, first, rows, labels, scale)
        if findings and any(not self._differences(row, sums, n, labels, scale) for sums, n, _ in scopes[1:]):
            return []
        return findings or _household_count(row, people)

    def _last_groups(self):
        """Where a 小计 may begin other than after the previous 小计, when the village before it had none: at
        its village's first row, or after the rows of no known village just before that row, or (a group whose
        rows all name an unknown village) after the last row whose village was known."""
        if 0 < self.run_rows < self.segment_rows:
            yield self.run, self.run_rows, None
        if self._lead_rows:
            yield ({c: v - self._lead.get(c, Decimal(0)) for c, v in self.run.items()}, self.run_rows - self._lead_rows,
                   None)
        unplaced, rows = self._unplaced()
        if 0 < rows < self.segment_rows:
            yield unplaced, rows, None

    def _differences(self, row, sums, covered, labels, scale) -> list[tuple[str, str, str]]:
        """(finding, stated, added up) per figure of the row that the rows it covers do not add up to."""
        findings = []
        for c in self.columns:
            stated = parse_decimal(cell(row, c))
            if stated is None:
                continue
            stated *= scale.get(c, 1)
            if abs(stated - sums[c]) > Decimal("0.005"):
                label = compact(labels.get(c, "")) or f"第{c + 1}列"
                findings.append((f"{label}写明{fmt(stated)}，上方{covered}行明细相加为{fmt(sums[c])}，"
                                 f"{differs(stated, sums[c])}", fmt(stated), fmt(sums[c])))
        return findings

    def close(self, kind: str, level: str = PLAIN) -> None:
        """After a 小计 the next one starts afresh; after a village's 小计 its village does; after a 合计 the next
        table does too."""
        whole_village = level == VILLAGE or (level == PLAIN and self.segment_rows == self.village_block_rows)
        if kind == "total":
            self.by_village = {}
        elif whole_village:
            self.by_village.pop(self._last_village, None)
        if kind == "total" or whole_village:
            self.village_block = dict.fromkeys(self.columns, Decimal(0))
            self.village_block_rows = 0
            self.village_block_people = set()
        self.segment_people = set()
        if kind == "total":
            self.block_people = set()
        self.segment = dict.fromkeys(self.columns, Decimal(0))
        self.segment_rows = 0
        self.segment_villages = set()
        self.run = dict.fromkeys(self.columns, Decimal(0))
        self.run_rows = 0
        self._run_village = ""
        self._known, self._known_rows = self.total.copy(), self.total_rows
        self._lead, self._lead_rows = {}, 0
        if kind == "total":
            self.block = dict.fromkeys(self.columns, Decimal(0))
            self.block_rows = 0
            self.block_villages = set()


_HOUSEHOLDS_STATED = re.compile(r"^(?:共|合计|计)?[:：]?(\d+)户$")


def _household_count(row: list, people: set | None) -> list[tuple[str, str, str]]:
    """'N户' written in a total row, against the households of the rows it covers (when those are known)."""
    if not people:
        return []
    for value in row:
        match = _HOUSEHOLDS_STATED.match(compact(value)) if isinstance(value, str) else None
        if match and int(match.group(1)) != len(people):
            return [(f"户数写明{match.group(1)}户，上方明细为{len(people)}户", f"{match.group(1)}户", f"{len(people)}户")]
    return []


def fmt(value: Decimal) -> str:
    """Money-like figures with two decimals, finer ones (areas to 0.0001) as they are."""
    if value == value.quantize(Decimal("0.01")):
        return f"{value:.2f}"
    return f"{value.normalize():f}"


def differs(stated: Decimal, computed: Decimal) -> str:
    diff = stated - computed
    return f"多{fmt(diff)}" if diff > 0 else f"少{fmt(-diff)}"


def label_in(row: list, label_cells: list[int]) -> str | None:
    """subtotal/total/footer by a label in the usual columns, then anywhere in the row."""
    for c in label_cells:
        value = cell(row, c)
        if isinstance(value, str):
            kind = label_kind(value)
            if kind:
                return kind
    return None


def scan_labels(row: list) -> str | None:
    for value in row:
        if isinstance(value, str) and value:
            kind = label_kind(value)
            if kind:
                return kind
    return None


_HAS_LETTER = re.compile(r"[^\d\s.\-,，:：/]")


def is_name(text: str) -> bool:
    """A name cell that names someone: not empty, not only digits and punctuation."""
    return bool(text) and _HAS_LETTER.search(text) is not None


def row_label(row: list, label_cells: list[int], name: str) -> str | None:
    """subtotal/total/footer for a row: a label in the usual cells, else anywhere in a row that names no one
    (no name, only digits, or a 'label：…' text such as 打印时间：…)."""
    kind = label_in(row, label_cells)
    if kind is None and (not is_name(name) or ":" in name):
        kind = scan_labels(row)
    return kind


def settle_label_row(kind: str | None, row: list, rn: int, sums: RunningSums, labels: dict[int, str],
                     scale: dict[int, Decimal], res: SheetResult, source: str, level: tuple[str, str] = (PLAIN, "")) -> bool:
    """Note a 小计/合计 row, checking what it states (a subtotal_mismatch per figure off, worded for its `source`:
    roster, summary or bank), or a footer row. `level`: what a 小计 totals (see total_level). True when the row
    was one of them."""
    if kind in ("subtotal", "total"):
        res.note(rn, kind, row_preview(row))
        village = sums.covered_village(kind, level[0])
        for n, (finding, stated, added) in enumerate(sums.check(kind, row, labels, scale, level[0])):
            res.problem("subtotal_mismatch", rn, source, village, label="合计" if kind == "total" else "小计",
                        finding=finding, found=stated, expected=added, field=kind, subject=f"{row_preview(row)}#{n}")
        sums.close(kind, level[0])
        return True
    if kind == "footer":
        res.note(rn, "footer", row_preview(row))
        return True
    return False


def single_text(row: list) -> str | None:
    """The text of a row whose non-empty cells all hold the same text (a heading spread by merging)."""
    first = None
    for v in row:
        if v == "" or v is None:
            continue
        if not isinstance(v, str):
            return None
        if first is None:
            first = v
        elif v != first:
            return None
    return compact(first) if first else None
