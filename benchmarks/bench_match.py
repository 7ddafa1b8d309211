"""Benchmark: match N bank rows against N roster rows (not a unit test; `make bench`).

    python benchmarks/bench_match.py --rows 1000000

Builds the rows in memory (reading is benchmarked by bench_read.py) with realistic mixes: most matched by ID,
2% by name and amount (roster ID unusable), 1% failed then re-issued, 1% unexpected; times `reconcile`.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from subsidy.base.workers import cyclic_gc  # noqa: E402
from subsidy.checks.reconciling import reconcile  # noqa: E402
from subsidy.intake.banks import Payment  # noqa: E402
from subsidy.intake.parsed import Household  # noqa: E402
from tests.builders import make_id  # noqa: E402


def build(n: int):
    households, payments = [], []
    amounts = [Decimal(f"{112 * (k % 40 + 1) / 4:.2f}") for k in range(40)]
    for i in range(n):
        id_ = make_id("330324", f"19{40 + i % 50:02d}{1 + i % 12:02d}{1 + i % 28:02d}", i % 997) + f"#{i}"
        status = "precision_lost" if i % 50 == 0 else "ok"
        amount = amounts[i % 40]
        households.append(Household(file="清册.xlsx", sheet="清册", row=i + 3, name=f"农户{i}", id=id_, id_status=status,
                                    village_code=f"3303241082{i % 46:02d}", village_name="某村",
                                    subsidy="耕地地力保护补贴", year=2022, area=None, rate=None, amount=amount, account=""))
        paid = {"file": "bank.xlsx", "sheet": "结果", "row": i + 2, "name": f"农户{i}", "id": id_, "id_usable": True,
                "account": "", "amount": amount, "subsidy": "耕地地力保护补贴", "year": 2022, "ok": True,
                "status_text": "成功", "reason": "", "date": "2023-01-10"}
        if i % 100 == 1:  # failed, re-issued later
            payments.append(Payment(**paid | {"ok": False, "status_text": "失败", "reason": "账户已销户"}))
            payments.append(Payment(**paid | {"file": "bank2.xlsx", "date": "2023-02-10"}))
        elif i % 100 == 2:  # paid to someone not on the roster
            payments.append(Payment(**paid | {"name": f"外人{i}", "id": id_ + "x"}))
        else:
            payments.append(Payment(**paid))
    return households, payments


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    t = time.perf_counter()
    households, payments = build(args.rows)
    print(f"built {len(households)} roster rows and {len(payments)} bank rows in {time.perf_counter() - t:.1f}s")
    t = time.perf_counter()
    with cyclic_gc(False):  # as a stage runs (dagster_project/assets.py)
        rec = reconcile(households, payments, 2022)
    elapsed = time.perf_counter() - t
    kinds = {}
    for p in rec.problems:
        kinds[p.kind] = kinds.get(p.kind, 0) + 1
    print(f"reconcile: {elapsed:.2f}s  problems {kinds}  peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
