"""Benchmark: render the notices of N villages (normal + large print) with all cores (`make bench`).

    python benchmarks/bench_render.py --villages 1000 --households 30

Builds households in memory for real village codes of the bundled roster, then times `publish_notices`
(build, check, render in a process pool, write) and prints pages per second.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from subsidy.books import Books  # noqa: E402
from subsidy.intake.catalogue import Catalogue  # noqa: E402
from subsidy.intake.parsed import Household  # noqa: E402
from subsidy.intake.villages import VillageRegistry  # noqa: E402
from subsidy.notices.content import build_notices  # noqa: E402
from subsidy.notices.settings import NoticeSettings  # noqa: E402
from subsidy.season.notices_folder import write_current_notices  # noqa: E402
from tests.builders import make_id  # noqa: E402
from tests.sample_county import person  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--villages", type=int, default=1000)
    parser.add_argument("--households", type=int, default=30)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    registry = VillageRegistry.bundled()
    villages = [v for v in registry.villages if v.name.endswith("村委会")][: args.villages]
    households = []
    for v in villages:
        for i in range(args.households):
            name, _ = person(i)
            subsidy = "耕地地力保护补贴" if i % 3 else "生态公益林补偿"
            area = Decimal(1 + i % 9) / 2
            households.append(Household(file="清册.xlsx", sheet="清册", row=i + 3, name=name,
                                        id=make_id("330324", "19650312", i), id_status="ok", village_code=v.code,
                                        village_name=v.short_name, subsidy=subsidy, year=2022, area=area,
                                        rate=Decimal(112), amount=area * 112, account=""))
    books = Books(2022, households, [], None, [], [], Catalogue.load(), registry)
    settings = NoticeSettings(publish_date=date(2022, 12, 1))
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        notices = build_notices(books, settings, {v.code: v.town for v in villages}, {v.code: v.county for v in villages})
        published = write_current_notices(notices, settings, Path(out), Path(out) / "archive", workers=args.workers)
        elapsed = time.perf_counter() - t
    pages = sum(p.pages + p.large_pages for p in published)
    print(f"{len(published)} villages, {pages} pages ({sum(p.pages for p in published)} normal + "
          f"{sum(p.large_pages for p in published)} large print) in {elapsed:.1f}s with {args.workers} workers: "
          f"{pages / elapsed:.0f} pages/s")


if __name__ == "__main__":
    main()
