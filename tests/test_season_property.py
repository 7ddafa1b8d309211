"""The season as a property: random sequences of what a clerk does (run, edit a roster, decide, publish, record a
posting, record an objection, a publication cut at a random step boundary, run again) over a small generated
county, through the library's stages as the graph runs them (tests/test_stages_alone.py holds the two together).
After every step: no full name, ID or account in any public byte (PDF text included); the archive verifies
(between a cut and the next publish it says only that a publication awaits finishing); notices/ shows each
village's latest published version or a draft; no published file is lost or rewritten.

`make test` runs a dozen sequences (about a quarter of a minute); `make test-slow` a hundred (SEASON_EXAMPLES,
SEASON_SLOW_EXAMPLES)."""

import csv
import hashlib
import os
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from pypdf import PdfReader

from dagster_project.cli import main
from subsidy.season import journal
from subsidy.season.audit import verify
from tests.builders import make_id, write_xlsx
from tests.conftest import run_stages
from tests.public_bytes import Cut, assert_no_full_name_or_number

VILLAGES = ("苍坡村", "周宅村")
CODES = {"苍坡村": "330324108224", "周宅村": "330324108225"}
SURNAMES = "徐陈林王金欧阳张李赵周吴郑"
GIVEN = "建平小红明海发国华秀英伟军丽芳"
names = st.builds(lambda s, g: s + g, st.sampled_from(SURNAMES), st.text(GIVEN, min_size=1, max_size=2))
EXAMPLES = int(os.environ.get("SEASON_EXAMPLES", "12"))


class Season(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="season-"))
        self.inputs, self.out = self.root / "in", self.root / "out"
        self.inputs.mkdir()
        self.people: list[list] = []  # [village, name, seq, amount]
        self.ever_named: set[str] = set()
        self.published: dict[str, str] = {}  # archive file -> SHA-256, once seen
        self.day = 0
        self.cut_pending = False

    @initialize(first=st.lists(names, min_size=2, max_size=5, unique=True))
    def roster(self, first):
        for n, name in enumerate(first):
            self.people.append([VILLAGES[n % 2], name, n + 1, 112 * (1 + n % 3)])
        self._write()
        self.run()

    def _write(self) -> None:
        rows = [["永嘉县岩头镇2022年度耕地地力保护补贴资金发放清册"], ["序号", "村名", "户主姓名", "身份证号码", "补贴金额", "备注"]]
        for village, name, seq, amount in self.people:
            self.ever_named.add(name)
            rows.append([seq, village, name, make_id(seq=seq), amount, ""])
        write_xlsx(self.inputs / "清册.xlsx", {"清册": rows})

    def teardown(self):
        journal.HOOK = None
        shutil.rmtree(self.root, ignore_errors=True)

    # ------------------------------------------------------------ what the clerk does

    @rule()
    def run(self):
        run_stages(self.inputs, self.out, year=2022)

    @rule(who=st.integers(0, 20), amount=st.sampled_from([56, 112, 224, 336]))
    def edit_amount(self, who, amount):
        self.people[who % len(self.people)][3] = amount
        self._write()

    @rule(who=st.integers(0, 20), name=names)
    def edit_name(self, who, name):
        if name not in {p[1] for p in self.people}:
            self.people[who % len(self.people)][1] = name
            self._write()

    @rule(village=st.sampled_from(VILLAGES), name=names)
    def add_row(self, village, name):
        if name not in {p[1] for p in self.people}:
            self.people.append([village, name, max(p[2] for p in self.people) + 1, 112])
            self._write()

    @rule()
    def decide(self):
        """已核实 every open problem the last run listed (the clerk has checked them)."""
        listed = self.out / "internal" / "exceptions.csv"
        if listed.exists():
            with open(listed, encoding="utf-8-sig", newline="") as f:
                ids = [r["problem_id"] for r in csv.DictReader(f) if r["blocks"].startswith("须改正或核实")]
            lines = ["problem_id,decision,reason,by,date"] + [f"{i},已核实,已核对,王会计,2022-11-28" for i in ids]
            (self.inputs / "decisions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    @rule()
    def publish(self):
        self.day += 1
        when = (date(2022, 12, 1) + timedelta(days=self.day)).isoformat()
        run_stages(self.inputs, self.out, year=2022, request={"date": when, "by": "王会计", "villages": []})
        self.cut_pending = False

    @rule(step=st.sampled_from(journal.STEPS))
    def cut_publication(self, step):
        self.day += 1
        when = (date(2022, 12, 1) + timedelta(days=self.day)).isoformat()

        def hook(reached):
            if reached == step:
                raise Cut(step)

        journal.HOOK = hook
        try:
            run_stages(self.inputs, self.out, year=2022, request={"date": when, "by": "王会计", "villages": []})
        except Cut:
            self.cut_pending = step in journal.STEPS[journal.STEPS.index("drawn"):-1] or self.cut_pending
        finally:
            journal.HOOK = None

    @precondition(lambda self: (self.out / "archive" / "register.csv").exists())
    @rule(village=st.sampled_from(VILLAGES))
    def posted(self, village):
        self.day += 1
        when = (date(2022, 12, 1) + timedelta(days=self.day)).isoformat()
        main(["posted", "--inputs", str(self.inputs), "--outputs", str(self.out), "--village", CODES[village],
              "--date", when, "--year", "2022"])

    @rule(village=st.sampled_from(VILLAGES), closed=st.booleans())
    def objection(self, village, closed):
        path = self.inputs / "objections.csv"
        head = "" if path.exists() else "village_code,date,summary,handling,result,by\n"
        with open(path, "a", encoding="utf-8") as f:
            f.write(head + f"{CODES[village]},2022-12-0{1 + self.day % 9},金额有疑问,已核实,{'已答复' if closed else ''},村文书\n")

    # ------------------------------------------------------------ what must hold after every step

    @invariant()
    def nothing_public_names_anyone(self):
        if self.out.exists():
            assert_no_full_name_or_number(self.out, sorted(self.ever_named))

    @invariant()
    def the_archive_verifies(self):
        archive = self.out / "archive"
        if not archive.exists():
            return
        findings = verify(archive)
        if self.cut_pending:
            findings = [f for f in findings if not any(said in f for said in (
                "没有做完", "在生效前被打断", "登记簿 register.csv 中没有"))]
        assert findings == []

    @invariant()
    def no_published_file_is_lost_or_rewritten(self):
        archive = self.out / "archive"
        for path in sorted(p for p in archive.glob("*/*/*/*/v*/*") if p.is_file()) if archive.exists() else ():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            assert self.published.setdefault(str(path), digest) == digest, path
        for path in self.published:
            assert Path(path).exists(), path

    @invariant()
    def notices_show_the_latest_published_version_or_a_draft(self):
        for pdf in sorted((self.out / "notices").rglob("*.pdf")) if (self.out / "notices").exists() else ():
            keywords = str(PdfReader(pdf).metadata.get("/Keywords", ""))
            if ",草稿," in keywords:
                continue
            code = pdf.name[:12]
            versions = sorted((self.out / "archive").glob(f"*/2022/{code}/results/v*"), key=lambda p: int(p.name[1:]))
            assert versions, pdf
            assert pdf.read_bytes() == (versions[-1] / pdf.name).read_bytes(), pdf


# no shrinking: a step is a whole run of the pipeline, and the failing sequence is printed as it was
Season.TestCase.settings = settings(max_examples=EXAMPLES, stateful_step_count=8, deadline=None, database=None,
                                    suppress_health_check=list(HealthCheck), phases=[Phase.generate])
test_the_season = Season.TestCase
test_the_season_many = pytest.mark.slow(type("TestSeasonMany", (Season.TestCase,), {
    "settings": settings(max_examples=int(os.environ.get("SEASON_SLOW_EXAMPLES", "100")), stateful_step_count=12,
                         deadline=None, database=None, suppress_health_check=list(HealthCheck),
                         phases=[Phase.generate])}))
