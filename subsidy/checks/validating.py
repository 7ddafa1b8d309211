"""Checks across rows, sheets and files: duplicate payments and the cross-check sheets.

Row-level checks (IDs, amounts, subtotals) happen while a sheet is parsed (rosters.py); what needs every
roster at once lives here.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from subsidy.intake.normalising import money_text
from subsidy.intake.parsed import Cadre, Household, VillageClaim, where
from subsidy.problems import Problem, problem


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
    return problem("duplicate_payment", "", h.file, h.sheet, h.row, h.village_code, who=h.name or "该户", ident=ident,
                   subsidy=h.subsidy or "补贴", identity_subsidy=h.subsidy or "", year=h.year or "",
                   found=money_text(h.amount), other=listed, person=h.person_key, field=str(h.year or ""))


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
            problems.append(problem("subtotal_mismatch", "cadre_missing", c.file, c.sheet, c.row, c.village_code,
                                    who=who, subsidy=c.subsidy or "补贴", identity_subsidy=c.subsidy or "",
                                    found=money_text(c.amount), person=c.person_key, field="cadre"))
        elif c.amount is not None and total != c.amount:
            problems.append(problem("subtotal_mismatch", "cadre", c.file, c.sheet, c.row, c.village_code, who=who,
                                    subsidy=c.subsidy or "补贴", identity_subsidy=c.subsidy or "",
                                    found=money_text(c.amount), expected=money_text(total),
                                    other="、".join(where(h) for h in found[:3]), person=c.person_key, field="cadre"))
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
        findings, found, expected = [], [], []
        if c.amount is not None and c.amount != amounts.get(key, Decimal(0)):
            findings.append(f"金额写明{money_text(c.amount)}元，清册明细合计{money_text(amounts.get(key, Decimal(0)))}元")
            found.append(f"{money_text(c.amount)}元")
            expected.append(f"{money_text(amounts.get(key, Decimal(0)))}元")
        if c.households is not None and c.households != len(people.get(key, ())):
            findings.append(f"户数写明{c.households}户，清册明细为{len(people.get(key, ()))}户")
            found.append(f"{c.households}户")
            expected.append(f"{len(people.get(key, ()))}户")
        if findings:
            problems.append(problem("subtotal_mismatch", "claims", c.file, c.sheet, c.row, c.village_code, what=what,
                                    findings="；".join(findings), found="；".join(found), expected="；".join(expected),
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
            problems.append(problem("ambiguous_match", "cadre", c.file, c.sheet, c.row, c.village_code, who=c.name,
                                    post=c.post, count=len({h.person_key for h in rows}),
                                    other="、".join(where(h) for h in rows[:3]), person=c.name, field="cadre"))
        else:
            c.payouts = rows
    return list(unique.values()), problems
