"""Checks across rows, sheets and files: duplicate payments and the cross-check sheets.

Row-level checks (IDs, amounts, subtotals) happen while a sheet is parsed (rosters.py); what needs every
roster at once lives here.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from .normalising import money_text
from .problems import Problem
from .rosters import Cadre, Household, VillageClaim, where


def _dup_key(h: Household) -> tuple:
    person = h.person_key
    if not person.startswith("id:"):
        # without a trustworthy ID a name only identifies a person inside one village
        person = f"{person}@{h.village_code}"
    return (person, h.subsidy, h.year)


def find_duplicates(households: list[Household]) -> list[Problem]:
    """The same person twice for the same subsidy and year: in different sheets, files or villages, or twice
    in one sheet with the same area and amount (several parcels of one household in its own village are not
    duplicates). Without a trustworthy ID, the same name with the same area and amount under two villages."""
    groups: dict[tuple, list[Household]] = defaultdict(list)
    by_name: dict[tuple, list[Household]] = defaultdict(list)
    for h in households:
        groups[_dup_key(h)].append(h)
        if not h.person_key.startswith("id:") and h.name:
            by_name[(h.name, h.subsidy, h.year, h.area, h.amount)].append(h)
    others: dict[int, tuple[Household, list[Household]]] = {}  # row -> (the row, the rows it repeats)
    duplicates = [_flagged(rows) for rows in groups.values() if len(rows) > 1]
    duplicates += [rows for rows in by_name.values() if len({h.village_code for h in rows}) > 1]
    for flagged in duplicates:
        for h in flagged:
            entry = others.setdefault(id(h), (h, []))
            entry[1].extend(o for o in flagged if o is not h and o not in entry[1])
    return [_problem(h, rest) for h, rest in others.values() if rest]


def _flagged(rows: list[Household]) -> list[Household]:
    """Which rows of one person (for one subsidy and year) are duplicates."""
    if len({(h.file, h.sheet) for h in rows}) > 1 or len({h.village_code for h in rows}) > 1:
        return rows
    same = defaultdict(list)
    for h in rows:
        same[(h.area, h.amount)].append(h)
    return [h for group in same.values() if len(group) > 1 for h in group]


def _problem(h: Household, others: list[Household]) -> Problem:
    listed = "、".join(where(o) for o in others[:5]) + (f"等{len(others)}处" if len(others) > 5 else "")
    ident = f"（身份证号{h.id}）" if h.id else ""
    return Problem(
        "duplicate_payment", h.file, h.sheet, h.row,
        f"{h.name or '该户'}{ident}的{h.subsidy or '补贴'}（{h.year or ''}年度）{money_text(h.amount)}元，"
        f"又出现在{listed}：请核对是否重复列入。",
        h.village_code, person=h.person_key, subsidy=h.subsidy or "", field=str(h.year or ""),
    )


def check_cadres(cadres: list[Household], roster: list[Household]) -> list[Problem]:
    """Each row of a 村干部清册 must appear in the payout roster with the same amount."""
    if not cadres:
        return []
    index: dict[tuple, list[Household]] = defaultdict(list)
    for h in roster:
        index[(_dup_key(h))].append(h)
    problems = []
    for c in cadres:
        found = index.get(_dup_key(c), [])
        total = sum((h.amount for h in found if h.amount is not None), Decimal(0))
        who = c.name or "该行"
        if not found:
            problems.append(Problem("subtotal_mismatch", c.file, c.sheet, c.row,
                                    f"村干部清册列出{who}的{c.subsidy or '补贴'}{money_text(c.amount)}元，"
                                    f"但发放清册中找不到此人：请核对两张表。", c.village_code, person=c.person_key,
                                    subsidy=c.subsidy or "", field="cadre"))
        elif c.amount is not None and total != c.amount:
            problems.append(Problem("subtotal_mismatch", c.file, c.sheet, c.row,
                                    f"村干部清册列出{who}的{c.subsidy or '补贴'}{money_text(c.amount)}元，"
                                    f"发放清册中为{money_text(total)}元（{'、'.join(where(h) for h in found[:3])}）：请核对。",
                                    c.village_code, person=c.person_key, subsidy=c.subsidy or "", field="cadre"))
    return problems


def check_claims(claims: list[VillageClaim], roster: list[Household]) -> list[Problem]:
    """Each figure of a 分村汇总表 must equal what the roster rows of that village add up to."""
    if not claims:
        return []
    amounts: dict[tuple, Decimal] = defaultdict(Decimal)
    people: dict[tuple, set] = defaultdict(set)
    for h in roster:
        for subsidy in (h.subsidy, None):
            key = (h.village_code, subsidy)
            if h.amount is not None:
                amounts[key] += h.amount
            people[key].add(h.person_key)
    problems = []
    for c in claims:
        key = (c.village_code, c.subsidy)
        what = f"{c.village_name}{('的' + c.subsidy) if c.subsidy else ''}"
        findings = []
        if c.amount is not None and c.amount != amounts.get(key, Decimal(0)):
            findings.append(f"金额写明{money_text(c.amount)}元，清册明细合计{money_text(amounts.get(key, Decimal(0)))}元")
        if c.households is not None and c.households != len(people.get(key, ())):
            findings.append(f"户数写明{c.households}户，清册明细为{len(people.get(key, ()))}户")
        if findings:
            problems.append(Problem("subtotal_mismatch", c.file, c.sheet, c.row,
                                    f"分村汇总表中{what}：{'；'.join(findings)}：请核对汇总表或清册。", c.village_code,
                                    subsidy=c.subsidy or "", field="village_summary", subject=c.village_code))
    return problems


def match_cadres(cadres: list[Cadre], households: list[Household]) -> tuple[list[Cadre], list[Problem]]:
    """Each cadre once (listed in several sheets: the first), with the roster rows paying them: by ID where the list
    has a usable one, else by name within the cadre's village; a name several people of the village share is
    reported, never guessed."""
    by_id: dict[str, list[Household]] = defaultdict(list)
    by_name: dict[tuple, list[Household]] = defaultdict(list)
    for h in households:
        if h.id_status in ("ok", "org"):
            by_id[h.id].append(h)
        by_name[(h.name, h.village_code)].append(h)
    unique: dict[tuple, Cadre] = {}
    for c in cadres:
        unique.setdefault((c.village_code, c.id if c.id_usable else c.name), c)
    problems = []
    for c in unique.values():
        if c.id_usable:
            c.payouts = by_id.get(c.id, [])
            continue
        rows = by_name.get((c.name, c.village_code), [])
        if len({h.person_key for h in rows}) > 1:
            c.ambiguous = True
            problems.append(Problem(
                "ambiguous_match", c.file, c.sheet, c.row,
                f"村干部名单中的{c.name}（{c.post}）在本村清册中有{len({h.person_key for h in rows})}个同名的人"
                f"（{'、'.join(where(h) for h in rows[:3])}），无法确定是哪一个：请在名单中补充身份证号。",
                c.village_code, person=c.name, field="cadre"))
        else:
            c.payouts = rows
    return list(unique.values()), problems
