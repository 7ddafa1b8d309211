"""What a parsed sheet holds: households, bank payments' neighbours, cadres, claims, notes on rows not used, and the
reasons rows are not used."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from subsidy.base.pickling import compact_pickle
from subsidy.intake.catalogue import Catalogue
from subsidy.intake.villages import Match, VillageRegistry
from subsidy.problems import Problem, problem

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


@compact_pickle
@dataclass(slots=True, kw_only=True, eq=False)
class Household:
    """One roster row for one subsidy. `id_status`: ok, org, invalid, precision_lost, blank, none. Reconciliation
    never changes it: how its payment went is a reconciling.HouseholdOutcome."""

    file: str
    sheet: str
    row: int
    name: str
    id: str
    id_status: str
    village_code: str
    village_name: str
    subsidy: str | None
    year: int | None
    area: Decimal | None
    rate: Decimal | None
    amount: Decimal | None
    account: str
    role: str = "roster"
    remark: str = ""  # the roster's 备注, printed on the notice (after the privacy check)
    group: str = ""  # the 村民组: from a 组别 column, or from the 组小计 row that closes the household's group

    @property
    def key(self) -> tuple:
        """Where it comes from: (file, sheet, row, subsidy), one household each (a wide roster row has several)."""
        return (self.file, self.sheet, self.row, self.subsidy)

    @property
    def person_key(self) -> str:
        """Who this is: the ID where it can be trusted, else the name."""
        if self.id_status in ("ok", "org"):
            return "id:" + self.id
        if self.name:
            return "name:" + self.name
        return f"row:{self.file}:{self.sheet}:{self.row}"


def where(h: Household) -> str:
    """'清册.xlsx“发放清册”第12行': where a roster row is, as a clerk finds it."""
    return f"{h.file}“{h.sheet}”第{h.row}行"


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

    def problem(self, kind: str, row: int | None, variant: str, village_code: str = "", **facts) -> None:
        """A problem at `row`, its text from the kind's template for `variant` (see problems.problem)."""
        self.problems.append(problem(kind, variant, self.file, self.sheet, row, village_code, **facts))


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
