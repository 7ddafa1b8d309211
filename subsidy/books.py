"""The run's records, in a module of their own so that every stage (and every module below the pipeline) can name
them: what was read (Intake, FileReport), the books of the county-year (Books) and its summary rows (SummaryRow).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from .banks import Payment
from .catalogue import Catalogue
from .problems import Problem
from .reconciling import NO_OUTCOME, HouseholdOutcome, PaymentOutcome, payment_key
from .rosters import Cadre, Household, SheetResult, VillageClaim
from .villages import VillageRegistry


@dataclass
class FileReport:
    file: str
    format: str
    recognised_as: str  # Chinese: 发放清册, 分村汇总表, ...
    sheets: int = 0
    rows: int = 0
    used: int = 0
    note: str = ""

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
    outcomes: dict[tuple, HouseholdOutcome] = field(default_factory=dict)  # Household.key -> how its payment went
    payment_outcomes: dict[tuple, PaymentOutcome] = field(default_factory=dict)  # (file, sheet, row) -> what it paid

    def outcome(self, h: Household) -> HouseholdOutcome:
        """How a roster row's payment went (no status where no bank results cover its subsidy)."""
        return self.outcomes.get(h.key, NO_OUTCOME)

    def payment_outcome(self, p: Payment) -> PaymentOutcome:
        return self.payment_outcomes.get(payment_key(p), PaymentOutcome(""))


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
