"""The pipeline's stages as plain functions. The one orchestration that runs them in order is the Dagster asset
graph (dagster_project/assets.py): the UI, the sensor, `subsidy run`/`publish` and the tests all materialize it.

read_inputs      -> every file under the inputs folder, parsed sheet by sheet (grids are dropped after parsing)
assemble         -> the households of the run's year, cross-checks, cadres, every problem
reconcile_books  -> the bank results matched to the households
summarise, write_summary -> one row per village and subsidy (summary.csv)
prepare_notices, write_notices -> every village's notice, its readiness (公示准备), notices/ (drafts or published)
publish          -> (publish_job only) the final notices and archive versions of the ready villages, the public channel
finish           -> the staff files under internal/ and the run report
season_status    -> where each village stands in the season (status.csv)
"""

from __future__ import annotations

import io
import json
import os
import pickle
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from subsidy.base.caching import ParseCache, cache_dir
from subsidy.base.files import atomic_write_bytes, internal_dir, write_csv
from subsidy.base.pickling import SharingUnpickler
from subsidy.base.safepaths import component
from subsidy.base.textfiles import read_text_file
from subsidy.base.workers import alongside, on_threads, spread
from subsidy.books import Books, FileReport, Intake, SummaryRow, by_village, count_households, run_report
from subsidy.checks.decisions import FILE_NAME as DECISIONS_FILE
from subsidy.checks.decisions import DecisionNote, load_decisions
from subsidy.checks.readiness import Readiness, assess
from subsidy.checks.reconciling import FAILED, PAID, reconcile
from subsidy.checks.validating import check_cadres, check_claims, find_duplicates, match_cadres
from subsidy.columns import (
    DECISION_NOTE_COLUMNS,
    EXCEPTION_COLUMNS,
    FILE_COLUMNS,
    HOUSEHOLD_COLUMNS,
    NOT_USED_COLUMNS,
    READINESS_COLUMNS,
    SUMMARY_COLUMNS,
)
from subsidy.county_year import CountyYear
from subsidy.disclosure import PublicLeak
from subsidy.intake.catalogue import Catalogue
from subsidy.intake.formulas import fill_missing_results
from subsidy.intake.normalising import area_text, money_text
from subsidy.intake.ownfiles import OUTPUT_FOLDER
from subsidy.intake.parsed import REASONS, Context, Household, RowNote, SheetResult
from subsidy.intake.reading import discover, load
from subsidy.intake.sheets import parse_file
from subsidy.intake.villages import VillageRegistry
from subsidy.notices.content import Notice, build_notices, dated
from subsidy.notices.settings import NoticeSettings, SettingsError, load_settings, with_overrides
from subsidy.privacy import mask_numbers
from subsidy.problems import BLOCKS_ZH, Problem, assign_ids, problem
from subsidy.public.opendata import build_open_data
from subsidy.public.site import build_site, check_staged
from subsidy.season.archive import PublicBuilder, file_sha256, input_listing, read_manifests, rebuild_public
from subsidy.season.audit import interrupted
from subsidy.season.notices_folder import (
    DRAFT,
    PUBLISHED,
    WITHHELD,
    Published,
    refresh_shown,
    write_current_notices,
)
from subsidy.season.posting import OBJECTIONS_FILE, load_objections
from subsidy.season.publication import NEW, REFUSED, UNCHANGED, PublishRequest, publish_villages
from subsidy.season.status import build_status, write_status
from subsidy.staff.workbook import write_workbook

UNNAMED_SUBSIDY = "未注明补贴项目"
Progress = Callable[[str], None]


class PipelineError(Exception):
    """The run cannot go on at all (the CLI prints the message and exits non-zero)."""


def record_failure(outputs: Path, exc: BaseException) -> Path:
    """An unexpected failure's full traceback, for whoever looks into it: internal/error.log (staff only, since
    a traceback may quote a cell)."""
    path = internal_dir(outputs) / "error.log"
    text = "".join(traceback.format_exception(exc))
    atomic_write_bytes(path, text.encode("utf-8"))
    return path


def failure_message(stage: str, county_year: str, log: Path) -> str:
    """One line in Chinese for a failure the tool did not expect: which stage, which county-year, where the log is."""
    return f"“{stage}”这一步意外出错（{county_year}），本次运行未完成；完整记录见 {log.resolve()}，请把它发给维护人员。"


_ROLE_ZH = {"roster": "发放清册", "summary": "分村汇总表（核对用）", "cadre": "村干部清册（核对用）", "bank": "银行代发结果",
            "unrecognized": "无法识别", "empty": "空表"}


def settings_files(inputs: Path, name: str, shared_dirs: tuple[Path, ...] = ()) -> list[Path]:
    """Settings files named `name` in the inputs (any depth), else in the nearest shared folder."""
    found = sorted(p for p in inputs.rglob("*") if p.is_file() and p.name.lower() == name)
    for folder in shared_dirs:
        if found:
            break
        found = [p for p in (folder / name,) if p.is_file()]
    return found


def load_reference(inputs: Path, shared_dirs: tuple[Path, ...] = ()) -> tuple[Catalogue, VillageRegistry]:
    catalogue = Catalogue.load(settings_files(inputs, "subsidies.csv", shared_dirs))
    village_files = settings_files(inputs, "villages.csv", shared_dirs)
    if village_files:
        text = "\n".join(
            read_text_file(p) if i == 0 else read_text_file(p).split("\n", 1)[-1] for i, p in enumerate(village_files)
        )
        first = village_files[0]
        villages = VillageRegistry.from_csv(first.relative_to(inputs) if first.is_relative_to(inputs) else first.name,
                                            text)
        if not villages.villages:
            raise PipelineError(f"{village_files[0]} 中没有村：需要 village_code,village_name,town_name,county_name 四列")
    else:
        villages = VillageRegistry.bundled()
    return catalogue, villages


# a progress line per file read up to this many files, then every n-th (each line is a stored Dagster event: 518
# files' lines cost 4.5 s); a file skipped is always told, with the reason
PROGRESS_LINES = 50


def read_inputs(where: CountyYear, *, progress: Progress | None = None, cache: ParseCache | None = None) -> Intake:
    """Read and parse every file of the county-year's inputs, except the tool's own outputs (the folders it
    excludes, and any file the tool wrote), which are listed as not read. With a cache, a file whose content, name
    and parsing settings are unchanged since the last run is taken as it was parsed then."""
    inputs, latest_year, shared_dirs, exclude = where.inputs, where.year, where.shared_dirs, where.exclude
    if not inputs.is_dir():
        raise PipelineError(f"输入文件夹不存在：{inputs}")
    catalogue, villages = load_reference(inputs, shared_dirs)
    ctx = Context(catalogue, villages, latest_year or date.today().year)
    steering = _parsing_settings_key(inputs, shared_dirs, ctx.latest_year)
    files = discover(inputs, exclude)
    listed = [item for item in files if not item.skipped]
    keys, kept = {}, {}
    if cache is not None:  # the files hashed, and the cached results read ahead, on threads (workers.on_threads)
        keys = {item.rel: cache.key(steering, item.rel, digest)
                for item, digest in zip(listed, on_threads(file_sha256, [item.path for item in listed]), strict=True)}
        cache.warm(list(keys.values()))
        kept = {rel: cache.load(key) for rel, key in keys.items()}
    todo = [item for item in listed if kept.get(item.rel) is None]
    parsed = spread(_read_pickled, todo, initializer=_reading_context, initargs=(ctx, catalogue))
    reports, sheets, problems = [], [], []
    shared = cache.shared if cache is not None else {}
    step, done = max(1, len(todo) // PROGRESS_LINES), 0
    for item in files:
        if item.skipped:
            if progress:
                progress(f"跳过 {item.rel}（{item.skipped}）")
            reports.append(FileReport(item.rel, item.path.suffix.lstrip(".") if not item.own == OUTPUT_FOLDER else "",
                                      item.own or "未使用", note=item.skipped))
            continue
        found = kept.get(item.rel)
        if found is not None:
            found[0].reused = True
        else:
            done += 1
            if progress and (done % step == 0 or done == len(todo)):  # files read again from the cache: one line
                progress(f"[{done}/{len(todo)}] 读取 {item.rel}")
            data = next(parsed)  # parsed on all cores, in this order
            if cache is not None:
                cache.store(keys[item.rel], data)
            found = SharingUnpickler(io.BytesIO(data), shared).load()
        report, results, file_problems = found
        reports.append(report)
        sheets += results
        problems += file_problems
    if cache is not None:
        cache.prune()
        if progress and cache.reused:
            progress(f"{cache.reused} 个文件与上次相同，沿用上次的读取结果")
    return Intake(reports, sheets, problems, catalogue, villages)


def _parsing_settings_key(inputs: Path, shared_dirs: tuple[Path, ...], latest_year: int) -> str:
    """What steers parsing besides a file itself: the village and subsidy lists in force, and the latest year."""
    used = settings_files(inputs, "villages.csv", shared_dirs) + settings_files(inputs, "subsidies.csv", shared_dirs)
    return "\n".join([str(latest_year), *(f"{p.name}:{file_sha256(p)}" for p in used)])


_READING: tuple[Context, Catalogue] | None = None  # what a reading worker parses with


def _reading_context(ctx: Context, catalogue: Catalogue) -> None:
    global _READING
    _READING = (ctx, catalogue)


def _read_pickled(item) -> bytes:
    """One file parsed (in a worker), pickled as the parse cache keeps it."""
    return pickle.dumps(_read_file(item, *_READING), protocol=pickle.HIGHEST_PROTOCOL)


def _read_file(item, ctx: Context, catalogue: Catalogue) -> tuple[FileReport, list[SheetResult], list[Problem]]:
    """One input file, loaded and parsed sheet by sheet: its report line, its sheets and its problems."""
    load(item, catalogue)
    if item.skipped:  # a text or web file whose content is not a table of ours to read
        return FileReport(item.rel, item.format, "未使用", note=item.skipped), [], []
    if item.error:
        return (FileReport(item.rel, item.format, "无法读取", note=item.error), [],
                [problem("unreadable_file", "", item.rel, "", None, reason=item.error)])
    results = parse_file(item, ctx)
    if any(h.amount is None for res in results for h in res.households):
        worked_out = fill_missing_results(item)  # a file written by a script: formulas without results
        if worked_out:
            results = parse_file(item, ctx)
            for res in results:
                if res.sheet in worked_out:
                    res.remarks.append(worked_out[res.sheet])
    for sheet, res in zip(item.sheets, results, strict=True):
        if sheet.hidden and res.role != "empty":
            res.remarks.append(f"工作表“{sheet.name}”在Excel中是隐藏的，已照常读取")
    item.sheets = []  # drop the grids: only the parsed rows are kept
    _settle_roles(results)
    for res in results:
        _settle_subsidy(res)
    roles = [r.role for r in results if r.role != "empty"]
    rows = sum(sum(r.counts.values()) for r in results)
    recognised = "、".join(dict.fromkeys(_ROLE_ZH[r] for r in roles)) or "空文件"
    problems = [] if roles else [problem("unreadable_file", "empty", item.rel, "", None)]
    return (FileReport(item.rel, item.format, recognised, len(results), rows,
                       note="；".join(r for res in results for r in res.remarks)), results, problems)


def _settle_roles(results: list[SheetResult]) -> None:
    """A cadre sheet is a cross-check only beside a roster; alone in its file it is the roster."""
    has_roster = any(r.role == "roster" for r in results)
    for res in results:
        if res.role == "cadre" and res.households:  # a 村干部清册 with amounts (a 村干部名单 has none)
            if not has_roster:
                res.role = "roster"
                res.cadres = []
            else:
                res.counts["cross_check"] += res.counts.pop("household", 0)


def _settle_subsidy(res: SheetResult) -> None:
    unnamed = [h for h in res.households if h.subsidy is None]
    if not unnamed:
        return
    for h in unnamed:
        h.subsidy = UNNAMED_SUBSIDY
    res.problem("missing_field", unnamed[0].row, "subsidy", sheet_name=res.sheet, count=len(unnamed), name=UNNAMED_SUBSIDY,
                field="subsidy")


def choose_year(intake: Intake, year: int | None) -> int:
    """--year, else the year most rows name in their titles or file names, else this year."""
    if year:
        return year
    votes = Counter(h.year for res in intake.sheets for h in res.households if h.year)
    if not votes:  # rosters that name no year: the year the bank results pay for
        votes = Counter(p.year for res in intake.sheets for p in res.payments if p.year)
    if not votes:  # no row could be used (no village matched): the year the rosters' titles name
        votes = Counter(res.year for res in intake.sheets if res.role == "roster" and res.year)
    if votes:
        return max(votes.items(), key=lambda kv: (kv[1], kv[0]))[0]
    return date.today().year


def assemble(intake: Intake, year: int | None = None) -> Books:
    """Households of the run's year, cross-checks against summary and cadre sheets, all problems."""
    run_year = choose_year(intake, year)
    households, cadres, claims, payments, cadre_list = [], [], [], [], []
    problems = list(intake.problems)
    for res in intake.sheets:
        problems += res.problems
        if res.role == "cadre":
            cadres += res.households
            cadre_list += res.cadres
        elif res.role == "summary":
            claims += res.claims
        elif res.role == "bank":
            payments += res.payments
        else:
            other_rows: dict[int, int] = {}
            kept_rows = set()
            for h in res.households:
                if h.year is None:
                    h.year = run_year
                if h.year == run_year:
                    households.append(h)
                    kept_rows.add(h.row)
                else:
                    other_rows[h.row] = h.year
            for row, other in sorted(other_rows.items()):
                if row not in kept_rows:
                    _set_aside(res, "household", row, other, run_year)
    for res in intake.sheets:
        if res.role == "summary":
            subsidies = {h.subsidy for r in intake.sheets if r.file == res.file and r.role == "roster" for h in r.households}
            if len(subsidies) == 1:
                only = next(iter(subsidies))
                for c in res.claims:
                    c.subsidy = c.subsidy or only
    problems += find_duplicates(households)
    problems += check_cadres(cadres, households)
    cadre_list, cadre_problems = match_cadres(cadre_list, [h for h in households if h.year == run_year])
    problems += cadre_problems
    # a summary sheet beside a roster summarises that file; one on its own summarises every roster
    by_file: dict[str, list[Household]] = defaultdict(list)
    for h in households:
        by_file[h.file].append(h)
    for file in sorted({c.file for c in claims}):
        scope = by_file.get(file) or households
        problems += check_claims([c for c in claims if c.file == file], scope)
    books = Books(run_year, households, [], Counter(), intake.files, intake.sheets, intake.catalogue,
                  intake.villages, claims, payments, cadres=cadre_list, household_total=count_households(households))
    add_problems(books, problems)
    _recount(books)
    return books


def _set_aside(res: SheetResult, counted_as: str, row: int, year: int, run_year: int) -> None:
    """A row read as a household or a payment that belongs to another year: listed with that reason."""
    res.counts[counted_as] -= 1
    res.counts["other_year"] += 1
    res.notes.append(RowNote(res.file, res.sheet, row, "other_year", f"{year}年，本次处理{run_year}年"))


def _recount(books: Books) -> None:
    """Row counts of the run and rows used per file, after rows moved between reasons."""
    books.row_counts = Counter()
    used: Counter = Counter()
    for res in books.sheets:
        books.row_counts.update(res.counts)
        used[res.file] += res.counts["household"] + res.counts["payment"]
    for report in books.files:
        report.used = used[report.file]


def reconcile_books(books: Books) -> Books:
    """Match the bank results to the households; statuses and the bank-side problems."""
    rec = reconcile(books.households, books.payments, books.year)
    for res in books.sheets:
        if res.role != "bank":
            continue
        for p in res.payments:
            outcome = rec.payment_outcomes[p]
            if outcome.outcome == "other_year":  # not this run's: listed with that reason, not matched
                _set_aside(res, "payment", p.row, outcome.year, books.year)
    _recount(books)
    books.covered = rec.covered
    books.outcomes, books.payment_outcomes = rec.households, rec.payment_outcomes
    add_problems(books, rec.problems)
    return books


def summarise(books: Books) -> list[SummaryRow]:
    """One row per village and subsidy: distinct households and the amount due (exact, in fen). Made once, by the
    summary step, and passed on to the steps after it."""
    people: dict[tuple, int] = {}
    money: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 5)  # due, paid, failed, unpaid, diff
    names: dict[str, str] = {}
    for code, village_rows in by_village(books.households).items():  # people counted a village at a time (not a key per row at once)
        keys: dict[str, set] = defaultdict(set)
        for h in village_rows:
            keys[h.subsidy].add(h.person_key)
        people.update({(code, subsidy): len(found) for subsidy, found in keys.items()})
    for h in books.households:
        key = (h.village_code, h.subsidy)
        sums = money[key]
        due = h.amount if h.amount is not None else Decimal(0)
        sums[0] += due
        outcome = books.outcome(h)
        if outcome.status == PAID:
            sums[1] += outcome.paid
            sums[4] += due - outcome.paid
        elif outcome.status == FAILED:
            sums[2] += due
        elif outcome.status is not None:
            sums[3] += due
        names[h.village_code] = h.village_name
    rows = []
    for code, subsidy in people:
        due, paid, failed, unpaid, diff = money[(code, subsidy)]
        covered = (subsidy, books.year) in books.covered
        rows.append(SummaryRow(code, names[code], subsidy, people[(code, subsidy)], due,
                               *((paid, failed, unpaid, diff) if covered else (None, None, None, None))))
    rows.sort(key=lambda r: (r.village_code, books.catalogue.sort_key(r.subsidy_type)))
    return rows


def write_summary(summary: list[SummaryRow], outputs: Path) -> Path:
    """The public summary.csv (no IDs: village, subsidy, counts and money)."""
    path = outputs / "summary.csv"
    write_csv(path, SUMMARY_COLUMNS, (
        (r.village_code, r.village_name, mask_numbers(r.subsidy_type), r.households, money_text(r.amount_due),
         money_text(r.amount_paid), money_text(r.amount_failed)) for r in summary
    ), text_columns={1, 2})
    return path


def write_outputs(books: Books, summary: list[SummaryRow], where: CountyYear,
                  stage: NoticeStage | None = None) -> dict[str, Path]:
    """The staff-only files under internal/ (with the notices' stage: readiness and decisions too)."""
    outputs, inputs = where.outputs, where.inputs
    decided = stage.readiness.decided if stage is not None else {}
    outputs.mkdir(parents=True, exist_ok=True)
    internal = internal_dir(outputs)
    paths = {
        "exceptions": internal / "exceptions.csv",
        "households": internal / "households.csv",
        "files": internal / "files.csv",
        "rows_not_used": internal / "rows_not_used.csv",
        "report": internal / "run_report.json",
        "workbook": internal / "reconciliation.xlsx",
    }
    write_csv(paths["exceptions"], EXCEPTION_COLUMNS, (
        (p.problem_id, p.kind, BLOCKS_ZH[p.blocks], decided[p.problem_id].text() if p.problem_id in decided else "",
         p.village_code, p.source_file, p.source_sheet, p.source_row or "", p.expected, p.found, p.detail)
        for p in books.problems
    ))
    if stage is not None:
        paths["readiness"] = write_readiness(outputs, stage)
    households = alongside(lambda: write_csv(paths["households"], HOUSEHOLD_COLUMNS, (
        (h.file, h.sheet, h.row, h.village_code, h.village_name, h.subsidy, h.year, h.name, h.id, h.id_status,
         area_text(h.area), area_text(h.rate), money_text(h.amount), h.account, h.group) for h in books.households
    ), text_columns={0, 1, 4, 5, 7, 8, 13, 14}))  # written by another process while the workbook is written here
    write_csv(paths["files"], FILE_COLUMNS, (
        (f.file, f.format, f.recognised_as, f.sheets, f.rows, f.used, f.not_used, f.note) for f in books.files
    ))
    write_csv(paths["rows_not_used"], NOT_USED_COLUMNS, (
        (n.file, n.sheet, n.row, n.reason, REASONS[n.reason], n.text)
        for res in books.sheets for n in sorted(res.notes, key=lambda n: n.row) if n.reason != "household"
    ))
    write_workbook(paths["workbook"], books, summary, inputs, stage, cache=cache_dir(outputs) / "sheets")
    households()
    report = run_report(books, summary)

    atomic_write_bytes(paths["report"], (json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode())
    return paths


def check_runnable(books: Books, where: CountyYear) -> None:
    """Raise PipelineError (after writing the problem list) when there is nothing to publish at all."""
    listed = f"（问题清单见 {where.outputs / 'internal' / 'exceptions.csv'}）"
    if not any(r.role == "roster" for r in books.sheets):
        write_outputs(books, [], where)
        raise PipelineError(f"{where.inputs} 中没有可读取的发放清册{listed}")
    if not books.households and books.row_counts.get("other_year"):
        years = sorted({h.year for r in books.sheets for h in r.households if h.year != books.year})
        write_outputs(books, [], where)
        raise PipelineError(f"{where.inputs} 中没有{books.year}年度的发放清册，读到的是{'、'.join(map(str, years))}年度"
                            f"{listed}")


@dataclass(kw_only=True)
class NoticeStage:
    """The villages' notices before drawing, the settings they were built with, the problems their pre-publication
    check found, and which villages are ready to publish (given decisions.csv)."""

    settings: NoticeSettings
    notices: list[Notice]
    problems: list[Problem]
    readiness: Readiness
    shown: list[Published] = field(default_factory=list)  # what notices/ holds once written


def prepare_notices(books: Books, where: CountyYear, overrides: dict | None = None,
                    publish_date: date | None = None) -> NoticeStage:
    """Every village's notice (a draft unless `publish_date` is given), checked, and the readiness of each village."""
    inputs = where.inputs
    settings = notice_settings(where, overrides=overrides)
    if publish_date is not None:
        settings = settings.dated(publish_date)
    notices = build_notices(books, settings, {v.code: v.town for v in books.villages.villages},
                            {v.code: v.county for v in books.villages.villages})
    notice_problems = [p for n in notices for p in n.problems]
    problems = sorted_problems(books, books.problems + notice_problems)
    decisions = load_decisions(settings_files(inputs, DECISIONS_FILE), inputs)
    readiness = assess(problems, decisions, [(n.village_code, n.village_name, n.town) for n in notices])
    return NoticeStage(settings=settings, notices=notices, problems=notice_problems, readiness=readiness)


def write_notices(stage: NoticeStage, where: CountyYear, progress: Progress | None = None) -> NoticeStage:
    """notices/: drafts, or the published notice where nothing changed since it was published."""
    stage.shown = write_current_notices(stage.notices, stage.settings, where.outputs, where.archive, progress=progress)
    return stage


def finish(books: Books, summary: list[SummaryRow], stage: NoticeStage, where: CountyYear) -> dict:
    """The staff files and the run report (after a publication, with each village's state as it now stands)."""
    outputs, archive_root = where.outputs, where.archive
    refresh_shown(stage.shown, stage.settings, archive_root)
    add_problems(books, stage.problems)
    paths = write_outputs(books, summary, where, stage)
    report = run_report(books, summary)
    report["notices"] = notices_report(stage, outputs)
    report["readiness"] = readiness_report(stage)
    report["interrupted"] = interrupted(archive_root)
    report["outputs"] = {k: str(v) for k, v in paths.items()} | {"summary": str(outputs / "summary.csv"),
                                                                 "notices": str(outputs / "notices")}
    return report


def publish(books: Books, summary: list[SummaryRow], stage: NoticeStage, request: PublishRequest, where: CountyYear,
            progress: Progress | None = None, public: bool = True) -> dict:
    """Publish the requested villages that are ready (see publication.py); returns what became of each. With
    `public` False the public channel is left for the caller to rebuild once (after several county-years); the
    villages' pages are checked all the same. A public text that is not safe stops it (PipelineError): nothing
    is published."""
    settings = stage.settings.dated(request.date)
    problems = sorted_problems(books, books.problems + stage.problems)
    archive_root = where.archive
    if public and progress:
        progress("公示内容核查，并生成公开网站和开放数据（先写在档案旁，公示生效时一并换上）")
    try:
        outcomes = publish_villages([dated(n, settings) for n in stage.notices], stage.shown, settings,
                                    stage.readiness, request, summary,
                                    input_listing(where.inputs, where.shared_dirs, where.exclude), where.outputs,
                                    archive_root, problems, progress, public_builder(archive_root, public))
    except PublicLeak as exc:
        raise PipelineError(str(exc)) from None
    site, open_data = archive_root.parent / "site", archive_root.parent / "open-data"
    return {"date": request.date.isoformat(), "by": request.by, "outcomes": outcomes,
            "published": sum(1 for o in outcomes if o.result == NEW),
            "unchanged": sum(1 for o in outcomes if o.result == UNCHANGED),
            "refused": sum(1 for o in outcomes if o.result == REFUSED),
            "archive": str(archive_root), "register": str(archive_root / "register.csv"),
            "site": str(site) if public else "", "open_data": str(open_data) if public else "", "public_findings": []}


def public_builder(archive_root: Path, write: bool = True) -> PublicBuilder:
    """What a publication stages as its public channel: the whole site and open data built from the archive and
    its staged versions (every text checked); with `write` False, only its villages' pages checked."""
    def build(staged: tuple[Path, ...], target: Path) -> None:
        if write:
            build_site(archive_root, target / "site", staged)
            build_open_data(archive_root, target / "open-data", staged)
        else:
            check_staged(archive_root, staged)

    return build


def build_public(archive_root: Path) -> dict:
    """The public channel, rebuilt from the archive's published versions and swapped in whole: the static site and
    the open data (beside the archive); a finding when a public text was not safe (the channel stays as it was)."""
    site, open_data = archive_root.parent / "site", archive_root.parent / "open-data"
    try:
        rebuild_public(archive_root, public_builder(archive_root))
    except PublicLeak as exc:
        return {"site": str(site), "open_data": str(open_data), "public_findings": [str(exc)]}
    return {"site": str(site), "open_data": str(open_data), "public_findings": []}


def publish_request(date_text: str, by: str, villages: list[str] | tuple[str, ...] = ()) -> PublishRequest:
    """A publication's date, publisher and villages, checked (PipelineError in Chinese when unusable)."""
    try:
        when = date.fromisoformat(str(date_text).strip())
    except ValueError:
        raise PipelineError(f"公示日期“{date_text}”应写成 2022-12-01") from None
    if not str(by).strip():
        raise PipelineError("请写明公示人（--by 姓名）：档案要记下是谁决定公示的")
    return PublishRequest(date=when, by=str(by).strip(), villages=tuple(v.strip() for v in villages if v.strip()))


def unpublished_versions(archive_root: Path, year: int, counties: list[str]) -> list[str]:
    """Archived versions of this county-year without a publication record (written other than by publishing)."""
    found = []
    for county in sorted(set(counties)):
        folder = archive_root / component(county, fallback="未知县") / str(year)
        listed = sorted(v for v in _folders(folder, 3) if v.name.startswith("v"))  # <code>/<kind>/v<n>/
        records = read_manifests([version / "manifest.json" for version in listed])  # None: removed since listed
        for version, record in zip(listed, records, strict=True):
            if record is not None and not record.get("published_by"):
                found.append(version.relative_to(archive_root).as_posix())
    return found


def _folders(folder: Path, depth: int) -> list[Path]:
    """The folders `depth` levels below `folder` (what Path.glob("*/*/*") gives, in a fraction of its time)."""
    level = [str(folder)]
    for _ in range(depth):
        level = [path for below in map(_subfolders, level) for path in below]
    return [Path(path) for path in level]


def _subfolders(folder: str) -> list[str]:
    try:
        with os.scandir(folder) as entries:
            return [e.path for e in entries if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def season_status(where: CountyYear, today: date) -> tuple[list, list[str], Path]:
    """Where each village stands (status.csv in its outputs), with notes on objections.csv lines not used."""
    settings = notice_settings(where)
    found = settings_files(where.inputs, OBJECTIONS_FILE)
    objections, notes = load_objections(found[0] if found else None)
    statuses = build_status(where.outputs, where.archive, objections, settings.posting_days, today)
    return statuses, notes, write_status(where.outputs, statuses)


def notice_settings(where: CountyYear, overrides: dict | None = None) -> NoticeSettings:
    """notice.toml and contacts.csv from the inputs (and any run overrides); no publish date (runs make drafts)."""
    try:
        return with_overrides(load_settings(where.inputs, where.shared_dirs), overrides or {})
    except SettingsError as exc:
        raise PipelineError(str(exc)) from exc


def sorted_problems(books: Books, problems: list[Problem]) -> list[Problem]:
    """Problems in the order of the files, sheets and rows they are at, each with its problem_id."""
    order = {(r.file, r.sheet): i for i, r in enumerate(books.sheets)}
    out = sorted(problems, key=lambda p: (
        p.source_file, order.get((p.source_file, p.source_sheet), -1), p.source_row or 0, p.kind, p.detail))
    assign_ids(out)
    return out


def add_problems(books: Books, problems: list[Problem]) -> None:
    books.problems = sorted_problems(books, books.problems + problems)


def notices_report(stage: NoticeStage, outputs: Path) -> dict:
    shown = stage.shown
    return {
        "kind": stage.settings.kind_title,
        "drafts": sum(1 for p in shown if p.state == DRAFT),
        "drafts_reused": sum(1 for p in shown if p.reused),
        "published": sum(1 for p in shown if p.state == PUBLISHED),
        "withheld": [f"{p.notice.village_code} {p.notice.village_name}" for p in shown if p.state == WITHHELD],
        "pages": sum(p.pages for p in shown),
        "large_pages": sum(p.large_pages for p in shown),
        "folder": str(outputs / "notices"),
        "settings_notes": list(stage.settings.notes),
    }


def readiness_report(stage: NoticeStage) -> dict:
    ready = stage.readiness
    return {
        "ready": [f"{c} {v.village_name}" for c, v in ready.villages.items() if ready.ready(c)],
        "held": [f"{c} {v.village_name}：{'；'.join(ready.reasons(c))}" for c, v in ready.villages.items()
                 if not ready.ready(c)],
        "open_problems": {k: n for k, n in ready.open_problems.most_common()},
        "decisions": len(ready.decided),
        "decision_notes": [_note_text(n) for n in ready.notes],
    }


def _note_text(note: DecisionNote) -> str:
    where = f"{note.file}第{note.line}行" if note.line else note.file
    return f"{where}{('（' + note.problem_id + '）') if note.problem_id else ''}：{note.note}"


def write_readiness(outputs: Path, stage: NoticeStage) -> Path:
    """internal/readiness.csv: per village, ready or held back and why, and what notices/ holds for it."""
    ready = stage.readiness
    shown = {p.notice.village_code: p for p in stage.shown}
    path = internal_dir(outputs) / "readiness.csv"
    write_csv(path, READINESS_COLUMNS, (
        (code, v.village_name, v.town, "可公示" if ready.ready(code) else "暂缓公示",
         shown[code].status_text if code in shown else "", "；".join(ready.reasons(code)))
        for code, v in ready.villages.items()))
    write_csv(internal_dir(outputs) / "decision_notes.csv", DECISION_NOTE_COLUMNS, (
        (n.file, n.line or "", n.problem_id, n.note) for n in ready.notes))
    return path
