"""Matching bank payout results to roster rows, and each roster row's final status.

Each bank row is matched to at most one roster row of the same subsidy and year (or, when the bank paid a
household's parcels in one sum, to exactly those rows): by ID first, then amount; where the roster's ID is
unusable or the bank gives no ID, by name and amount within the subsidy (and the village where known).
Candidates that cannot be told apart are reported (`ambiguous_match`), never picked at random.

A roster row ends paid (a successful payment matched; a failure later re-issued counts only as paid), failed
(its bank records all failed, or its payment was later reversed: 冲正) or unpaid (no bank record, for a
subsidy that bank results cover).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from subsidy.intake.banks import Payment
from subsidy.intake.normalising import money_text
from subsidy.intake.parsed import Household, where
from subsidy.problems import Problem, problem

PAID, FAILED, UNPAID = "paid", "failed", "unpaid"
STATUS_ZH = {PAID: "已发放", FAILED: "发放失败", UNPAID: "未发放", "differs": "金额不符", None: ""}
_USABLE = frozenset(("ok", "org"))


@dataclass(frozen=True, slots=True)
class HouseholdOutcome:
    """How a roster row's payment went: paid, failed or unpaid (None: no bank results cover its subsidy)."""

    status: str | None = None
    paid: Decimal | None = None  # what the bank paid towards it (paid rows)
    bank: tuple[Payment, ...] = ()  # its bank rows, in the order applied


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    """What became of a bank row: matched, unexpected, ambiguous or other_year, and the roster rows it paid."""

    outcome: str
    matched: tuple[Household, ...] = ()
    year: int | None = None  # the subsidy year it pays for (the run's year when the bank did not say)

    @property
    def village_code(self) -> str:
        return self.matched[0].village_code if self.matched else ""


NO_OUTCOME = HouseholdOutcome()
_UNPAID = HouseholdOutcome(UNPAID)  # one shared record for every unpaid row


@dataclass
class Reconciliation:
    covered: set[tuple[str, int]] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)  # in the order they were applied
    # keyed by the records themselves (hashed by identity, kept by pickling): no key tuple per row
    households: dict[Household, HouseholdOutcome] = field(default_factory=dict)
    payment_outcomes: dict[Payment, PaymentOutcome] = field(default_factory=dict)


class _Ledger:
    """The bookkeeping of one reconciliation: each roster row's bank rows so far, and each bank row's outcome."""

    def __init__(self) -> None:
        self.bank: dict[int, list[Payment]] = {}  # id(household) -> its bank rows
        self.paid: set[int] = set()  # id(household) of the rows a successful payment was matched to
        self.outcomes: dict[int, tuple[str, list[Household]]] = {}  # id(payment) -> (outcome, matched)

    def of(self, h: Household) -> list[Payment]:
        return self.bank.get(id(h), [])

    def settled(self, h: Household) -> bool:
        """A successful payment already stands for this row."""
        return id(h) in self.paid

    def record(self, p: Payment, chosen: list[Household]) -> None:
        self.outcomes[id(p)] = ("matched", chosen)
        for h in chosen:
            self.bank.setdefault(id(h), []).append(p)
            if p.ok:
                self.paid.add(id(h))

    def matched(self, p: Payment) -> list[Household]:
        return self.outcomes.get(id(p), ("", []))[1]


def _choose(candidates: list[Household], p: Payment, ledger: _Ledger) -> list[Household] | None:
    """The roster rows this payment pays, [] for none, or None when candidates cannot be told apart."""
    if len(candidates) <= 1:
        return candidates
    same = [h for h in candidates if h.amount == p.amount]
    if len(same) == 1:
        return same
    if len(same) > 1:
        retried = [h for h in same if ledger.of(h) and not ledger.settled(h)]
        if p.ok and len(retried) == 1:  # the re-issue of an earlier failed payment
            return retried
        return None
    total = sum((h.amount for h in candidates if h.amount is not None), Decimal(0))
    if total == p.amount and len({h.person_key for h in candidates}) == 1:
        return candidates  # one payment for all of a household's parcels
    return None


def reconcile(households: list[Household], payments: list[Payment], year: int) -> Reconciliation:
    """Match the bank rows of `year` to the roster rows; returns every row's outcome (nothing is changed). Run as a
    stage it runs with the cyclic collector off (millions of small records, no cycles: see workers.cyclic_gc)."""
    rec, ledger = Reconciliation(), _Ledger()
    in_year = []
    for p in payments:
        p_year = p.year if p.year is not None else year
        if p_year != year:
            rec.payment_outcomes[p] = PaymentOutcome("other_year", (), p_year)
        else:
            in_year.append(p)
            rec.covered.add((p.subsidy, year))
    by_id: dict[tuple, list[Household]] = defaultdict(list)
    by_name: dict[tuple, list[Household]] = defaultdict(list)
    for h in households:
        if h.id_status in _USABLE:
            by_id[(h.subsidy, h.id)].append(h)
        if h.name:
            by_name[(h.subsidy, h.name)].append(h)
    # failures before successes of the same date; files in path order; rows in order
    in_year.sort(key=lambda p: (p.date or "", p.file, p.sheet, p.row))
    for p in in_year:
        _match(p, by_id, by_name, rec, ledger)
    del by_id, by_name  # hundreds of MB at a million rows, not needed below (where memory peaks)
    rec.payments = in_year
    for h in households:
        _settle(h, rec, ledger)
    ledger.bank.clear()  # each row's bank rows are now in its outcome
    for p in in_year:
        if not p.ok:
            rec.problems.append(_failure(p, rec, ledger))
    outcomes = ledger.outcomes
    for p in in_year:
        outcome, matched = outcomes.pop(id(p))  # the working record freed as its final one is made
        rec.payment_outcomes[p] = PaymentOutcome(outcome, tuple(matched) if matched else (), year)
    return rec


def _settle(h: Household, rec: Reconciliation, ledger: _Ledger) -> None:
    """A roster row's outcome from its bank rows (and the problems it has: paid a different amount, unpaid)."""
    bank = ledger.bank.get(id(h))
    if not bank:
        if (h.subsidy, h.year) in rec.covered:
            rec.households[h] = _UNPAID
            _unpaid(h, rec)
        return
    paid = None
    if len(bank) == 1 and bank[0].ok:  # the common case, kept fast
        successes = bank
        paid = bank[0].amount if len(ledger.matched(bank[0])) == 1 else (h.amount or Decimal(0))
    else:
        successes = _standing(bank)
        if successes:
            paid = sum((_share(b, h, ledger) for b in successes), Decimal(0))
    rec.households[h] = HouseholdOutcome(PAID if successes else FAILED, paid, tuple(bank))
    if successes and h.amount is not None and paid != h.amount:
        first = successes[0]
        rec.problems.append(problem(
            "paid_amount_differs", "", first.file, first.sheet, first.row, h.village_code, who=h.name or "该户",
            subsidy=h.subsidy, identity_subsidy=h.subsidy or "", expected=money_text(h.amount), found=money_text(paid),
            other=where(h), person=h.person_key, field="paid"))


def _unpaid(h: Household, rec: Reconciliation) -> None:
    """A row of a covered subsidy that no bank row paid or tried to pay."""
    rec.problems.append(problem(
        "unpaid", "", h.file, h.sheet, h.row, h.village_code,
        who=h.name or (("身份证号" + h.id + "的户") if h.id else "该户"), subsidy=h.subsidy,
        identity_subsidy=h.subsidy or "",
        expected=(money_text(h.amount) + "元") if h.amount is not None else "（金额未填）", person=h.person_key,
        field="paid"))


def _failure(p: Payment, rec: Reconciliation, ledger: _Ledger) -> Problem:
    """payment_failed for a failed bank row, saying what became of the household's payment."""
    matched = ledger.matched(p)
    banks = [rec.households[h].bank for h in matched]  # each matched row's bank rows, in the order applied
    before = [b for bank in banks for b in bank[:bank.index(p)] if b.ok]
    after = [b for bank in banks for b in bank[bank.index(p) + 1:] if b.ok]
    who, what = p.name or "该户", p.subsidy or "补贴"
    if p.reverses and before:
        head = (f"银行{p.status_text or '冲正'}了此前发放给{who}的{what}{money_text(abs(p.amount))}元"
                f"（原发放见{before[-1].file}第{before[-1].row}行）")
    else:
        head = f"银行发放{who}的{what}{money_text(p.amount)}元未成功"
    paid = any(rec.households.get(h, NO_OUTCOME).status == PAID for h in matched)
    if paid and after:
        then = "后已补发成功，无需再处理。"
    elif paid and before:
        then = f"此前已由{before[-1].file}第{before[-1].row}行发放成功，本笔疑似重复发放：无需补发，请核实。"
    else:
        then = "" if p.pending else "请核实账户后补发。"
    return problem("payment_failed", "", p.file, p.sheet, p.row, matched[0].village_code if matched else "", head=head,
                   reason=p.reason or p.status_text or "未说明原因", then=then, found=money_text(p.amount),
                   **_payment_facts(p))


def _payment_facts(p: Payment) -> dict[str, str]:
    """What tells a bank row's problem apart: the person, the subsidy, the amount and the date."""
    return {"person": p.id or p.name or p.account, "identity_subsidy": p.subsidy or "", "field": "payment",
            "subject": f"{p.amount}|{p.date}|{p.status_text}"}


def _standing(bank: list[Payment]) -> list[Payment]:
    """The successful payments still standing, in the order applied (date, file, row): a reversal (冲正, or a
    negative amount) that comes after a success cancels it; a success after a failure is its re-issue."""
    standing: list[Payment] = []
    for b in bank:
        if b.ok:
            standing.append(b)
        elif standing and b.reverses:
            same = [s for s in standing if s.amount == abs(b.amount)]
            standing.remove(same[-1] if same else standing[-1])
    return standing


def _share(p: Payment, h: Household, ledger: _Ledger) -> Decimal:
    """What a payment paid towards one roster row (a sum paid for several parcels pays each its own amount)."""
    if len(ledger.matched(p)) > 1:
        return h.amount or Decimal(0)
    return p.amount


def _paid_before(p: Payment, by_id, by_name, ledger: _Ledger) -> tuple[Household, Payment] | None:
    """The roster row this payment's person was already paid on, with that payment (a payment made twice)."""
    rows = list(by_id.get((p.subsidy, p.id), ())) if p.id else []
    if not rows and p.name:
        rows = [h for h in by_name.get((p.subsidy, p.name), ()) if not p.villages or h.village_code in p.villages]
    for h in rows:
        for b in ledger.of(h):
            if b.ok and b is not p:
                return h, b
    return None


def _candidates(p: Payment, by_id, by_name, ledger: _Ledger) -> list[Household] | None:
    """The roster rows a bank row could pay: by ID first, else by name (and village where the bank says)."""
    candidates: list[Household] | None = None
    if p.id:
        rows = by_id.get((p.subsidy, p.id))
        if rows:
            # a successful payment pays a row not yet paid; a failure may belong to any (it may predate the success)
            open_rows = [h for h in rows if not ledger.settled(h)]
            candidates = open_rows if p.ok else (open_rows or rows if len(rows) > 1 else rows)
    if candidates is None and p.name:
        pool = by_name.get((p.subsidy, p.name), [])
        candidates = [h for h in pool
                      if (not p.id or not p.id_usable or h.id_status not in _USABLE)
                      and (not p.villages or h.village_code in p.villages)
                      and (not p.ok or not ledger.settled(h))]
    return candidates


def _match(p: Payment, by_id, by_name, rec: Reconciliation, ledger: _Ledger) -> None:
    candidates = _candidates(p, by_id, by_name, ledger)
    chosen = _choose(candidates or [], p, ledger)
    who = p.name or "该户"
    if chosen is None:
        ledger.outcomes[id(p)] = ("ambiguous", [])
        places = "、".join(where(h) for h in candidates[:5])
        rec.problems.append(problem(
            "ambiguous_match", "", p.file, p.sheet, p.row, candidates[0].village_code if candidates else "", who=who,
            found=money_text(p.amount), subsidy=p.subsidy or "补贴未注明", other=places, **_payment_facts(p)))
    elif not chosen:
        ledger.outcomes[id(p)] = ("unexpected", [])
        state = "（该笔已失败）" if not p.ok else ""
        paid_before = _paid_before(p, by_id, by_name, ledger)
        why = (f"此户在清册中的应发已由{paid_before[1].file}第{paid_before[1].row}行发放，疑似重复发放：请核实"
               if paid_before else "但清册中没有对应的户：请核实是否错发或清册漏列")
        rec.problems.append(problem(
            "unexpected_payment", "", p.file, p.sheet, p.row, paid_before[0].village_code if paid_before else "",
            who=who, ident=("（" + p.id + "）") if p.id else "", subsidy=p.subsidy or "补贴", found=money_text(p.amount),
            state=state, why=why, **_payment_facts(p)))
    else:
        ledger.record(p, chosen)
