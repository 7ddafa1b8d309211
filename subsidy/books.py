"""The run's records, in a module of their own so that every stage (and every module below the pipeline) can name
them: what was read (Intake, FileReport), the books of the county-year (Books), its summary rows (SummaryRow) and
the run report built from them (run_report).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from subsidy.checks.reconciling import NO_OUTCOME, HouseholdOutcome, PaymentOutcome
from subsidy.intake.banks import Payment
from subsidy.intake.catalogue import Catalogue
from subsidy.intake.normalising import money_text
from subsidy.intake.ownfiles import OUTPUT_FOLDER, OWN_FILE
from subsidy.intake.parsed import Cadre, Household, SheetResult, VillageClaim
from subsidy.intake.villages import BUNDLED_SOURCE, VillageRegistry
from subsidy.problems import KINDS, Problem

_NO_PAYMENT_OUTCOME = PaymentOutcome("")


@dataclass
class FileReport:
    file: str
    format: str
    recognised_as: str  # Chinese: 发放清册, 分村汇总表, ...
    sheets: int = 0
    rows: int = 0
    used: int = 0
    note: str = ""
    reused: bool = False  # taken from the last run's cache (the file is unchanged): not written to any output

    @property
    def not_used(self) -> int:
        return self.rows - self.used


@dataclass
class Intake:
    files: list[FileReport]
    sheets: list[SheetResult]
    problems: list[Problem]
    catalogue: Catalogue
    villages: VillageRegistry


@dataclass
class Books:
    year: int
    households: list[Household]
    problems: list[Problem]
    row_counts: Counter
    files: list[FileReport]
    sheets: list[SheetResult]
    catalogue: Catalogue
    villages: VillageRegistry
    claims: list[VillageClaim] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    covered: set[tuple[str, int]] = field(default_factory=set)  # (subsidy, year) that bank results cover
    cadres: list[Cadre] = field(default_factory=list)  # village cadres, matched to their own payouts
    outcomes: dict[Household, HouseholdOutcome] = field(default_factory=dict)  # how each row's payment went
    payment_outcomes: dict[Payment, PaymentOutcome] = field(default_factory=dict)  # what each bank row paid
    household_total: int = 0  # households (户), counted by the stage that makes the rows (see count_households)

    def outcome(self, h: Household) -> HouseholdOutcome:
        """How a roster row's payment went (no status where no bank results cover its subsidy)."""
        return self.outcomes.get(h, NO_OUTCOME)

    def payment_outcome(self, p: Payment) -> PaymentOutcome:
        return self.payment_outcomes.get(p, _NO_PAYMENT_OUTCOME)


@dataclass
class SummaryRow:
    village_code: str
    village_name: str
    subsidy_type: str
    households: int
    amount_due: Decimal
    amount_paid: Decimal | None = None  # None: no bank results cover this subsidy
    amount_failed: Decimal | None = None
    amount_unpaid: Decimal | None = None  # staff workbook only
    difference: Decimal | None = None  # due - paid on paid rows

    def balances(self) -> bool:
        """due = paid + failed + unpaid + differences (always true where no bank results cover it)."""
        if self.amount_paid is None:
            return True
        return self.amount_due == self.amount_paid + self.amount_failed + self.amount_unpaid + self.difference


RunReport = dict[str, Any]  # the counts the console prints, run_report.json holds and the UI shows


def by_village(households: list[Household]) -> dict[str, list[Household]]:
    """Village code -> its roster rows, in their order (villages in the order first met)."""
    out: dict[str, list[Household]] = {}
    for h in households:
        out.setdefault(h.village_code, []).append(h)
    return out


def count_households(households: list[Household]) -> int:
    """Households (户): distinct people per village (several parcels or subsidies of one person count once),
    counted a village at a time (a key for each of a million rows at once was some 150 MB at the run's peak)."""
    return sum(len({h.person_key for h in rows}) for rows in by_village(households).values())


def household_count(books: Books) -> int:
    """The books' households, as the stage that made their rows counted them."""
    return books.household_total


def reconciliation_report(books: Books, summary: list[SummaryRow]) -> dict:
    """The reconciliation's totals over the subsidies bank results cover."""
    covered = [r for r in summary if r.amount_paid is not None]

    def total(attr: str) -> str:
        return money_text(sum((getattr(r, attr) for r in covered), Decimal(0)))

    return {
        "bank_rows": len(books.payments),
        "subsidies_covered": sorted(s for s, _ in books.covered),
        "due": total("amount_due"), "paid": total("amount_paid"), "failed": total("amount_failed"),
        "unpaid": total("amount_unpaid"), "differences": total("difference"),
        "balanced": all(r.balances() for r in summary),
    }


def run_report(books: Books, summary: list[SummaryRow]) -> RunReport:
    """Counts for the console, the Dagster UI and tests. Never holds an ID or account number."""
    by_kind = Counter(p.kind for p in books.problems)
    return {
        "reconciliation": reconciliation_report(books, summary),
        "year": books.year,
        "files_total": len(books.files),
        "files_read": sum(1 for f in books.files if f.sheets),
        "files_skipped": sum(1 for f in books.files if f.recognised_as == "未使用"),
        "files_unreadable": sum(1 for f in books.files if f.recognised_as == "无法读取"),
        "rows_read": sum(books.row_counts.values()),
        "rows_used": books.row_counts.get("household", 0),
        "rows_by_reason": dict(sorted(books.row_counts.items())),
        "households": household_count(books),
        "villages": len({r.village_code for r in summary}),
        "amount_due": money_text(sum((r.amount_due for r in summary), Decimal(0))),
        "problems": len(books.problems),
        "problems_by_kind": {k: by_kind[k] for k in KINDS if by_kind[k]},
        "village_source": books.villages.source,
        "reading_notes": [f"{f.file}：{f.note}" for f in books.files if f.sheets and f.note],
        "own_files": [f.file for f in books.files if f.recognised_as in (OWN_FILE, OUTPUT_FOLDER)],
        "hints": _hints(books),
    }


def _hints(books: Books) -> list[str]:
    """What a clerk should do first when the run as a whole went wrong in a recognisable way."""
    hints = []
    own = [f.file for f in books.files if f.recognised_as in (OWN_FILE, OUTPUT_FOLDER)]
    if own:
        hints.append(f"inputs 中有本工具生成的文件或输出文件夹，未读取（请移出 inputs）：{'、'.join(own[:10])}"
                     + (f"等{len(own)}个" if len(own) > 10 else ""))
    unknown, used = books.row_counts.get("unknown_village", 0), books.row_counts.get("household", 0)
    if unknown > used and books.villages.source == BUNDLED_SOURCE:
        hints.append(f"{unknown}行的村名不在内置的温州市村名册中（用上的只有{used}行）：如果这不是温州市的县，"
                     "请把本县的村名册 villages.csv 放进 inputs 文件夹（格式见 README）。")
    return hints
