"""公示准备: which villages may be published now, and why the others are held back.

Each problem holds back publication as its kind says (problems.Kind.blocks): until it is fixed or decided
已核实, until it is fixed (no decision releases it), for every village of the county-year, or never. A 暂缓
decision holds its problem's village back (every village when the problem names none).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from subsidy.checks.decisions import CHECKED, HOLD, Decision, DecisionNote, Decisions
from subsidy.problems import COUNTY, FIX, KINDS, NEVER, Problem


@dataclass(kw_only=True)
class VillageReadiness:
    village_code: str
    village_name: str
    town: str
    open_kinds: Counter = field(default_factory=Counter)  # this village's own open problems by kind
    unfixable: Counter = field(default_factory=Counter)  # of those, the ones no decision can release
    holds: list[Decision] = field(default_factory=list)  # 暂缓 decisions on it

    def reasons(self, county: Counter) -> list[str]:
        out = []
        if self.unfixable:
            out.append(f"须在源表改正（不能以核实放行）：{_kinds_text(self.unfixable)}")
        rest = self.open_kinds - self.unfixable
        if rest:
            out.append(f"未处理的问题：{_kinds_text(rest)}")
        if county:
            out.append(f"全县性问题未处理（可能涉及任何村）：{_kinds_text(county)}")
        out += [f"暂缓：{d.reason}（{d.by} {d.date}）" for d in self.holds]
        return out


@dataclass(kw_only=True)
class Readiness:
    villages: dict[str, VillageReadiness]
    county: Counter  # open county-wide problems by kind
    county_holds: list[Decision]
    notes: list[DecisionNote]  # stale and malformed decisions
    decided: dict[str, Decision]  # problem id -> the decision in force on it
    open_problems: Counter  # every open blocking problem by kind

    def ready(self, code: str) -> bool:
        village = self.villages.get(code)
        return village is not None and not self.reasons(code)

    def reasons(self, code: str) -> list[str]:
        village = self.villages[code]
        return village.reasons(self.county) + [f"暂缓（全县）：{d.reason}（{d.by} {d.date}）" for d in self.county_holds]

    def held(self) -> list[str]:
        return [code for code in self.villages if not self.ready(code)]


def assess(problems: list[Problem], decisions: Decisions, villages: list[tuple[str, str, str]]) -> Readiness:
    """Readiness of every village (code, name, town) given the run's problems and the clerk's decisions."""
    found = {code: VillageReadiness(village_code=code, village_name=name, town=town) for code, name, town in villages}
    county: Counter = Counter()
    county_holds: list[Decision] = []
    decided: dict[str, Decision] = {}
    open_problems: Counter = Counter()
    for p in problems:
        decision = decisions.get(p.problem_id)
        if decision is not None:
            decided[p.problem_id] = decision
        rule = p.blocks
        if rule == NEVER:
            continue
        village = found.get(p.village_code)
        if decision is not None and decision.decision == HOLD:
            (village.holds if village is not None and rule != COUNTY else county_holds).append(decision)
        if decision is not None and decision.decision == CHECKED and rule != FIX:
            continue
        open_problems[p.kind] += 1
        if rule == COUNTY or village is None:
            county[p.kind] += 1
        else:
            village.open_kinds[p.kind] += 1
            if rule == FIX:
                village.unfixable[p.kind] += 1
    rules = {p.problem_id: p.blocks for p in problems}
    notes = decisions.notes + decisions.stale(set(rules))
    notes += [DecisionNote(file=d.file, line=d.line, problem_id=pid, note="此类问题须在源表改正，不能以“已核实”放行")
              for pid, d in decided.items() if d.decision == CHECKED and rules[pid] == FIX]
    return Readiness(villages=found, county=county, county_holds=county_holds, notes=notes, decided=decided,
                     open_problems=open_problems)


def _kinds_text(counts: Counter) -> str:
    return "、".join(f"{KINDS[k].title}{n}个" for k, n in sorted(counts.items(), key=lambda kv: list(KINDS).index(kv[0])))
