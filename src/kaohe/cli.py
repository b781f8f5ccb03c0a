"""The kaohe command line: parse options, call one library function, render, choose the exit code."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kaohe.errors import KaoheError
from kaohe.words import Translator

if TYPE_CHECKING:
    from kaohe.model import Report

from kaohe.resources import DEFAULT_HISTORY  # noqa: E402 (light: no import of the library for --help)

app = typer.Typer(
    name="kaohe",
    help="考核 kaohe — 社区建设目标考核：读取各街道报送表，按目标评分、定等、排名。\n\n"
    "District target assessment: read every street's workbook, score, grade and rank.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,  # main() turns every failure into a sentence; --debug shows the traceback
    context_settings={"help_option_names": ["-h", "--help"]},
)

@cache
def _err() -> Any:
    """The stderr console, made on first use (a `--format json` run never imports rich)."""
    from rich.console import Console

    return Console(stderr=True)


def _stdout() -> Any:
    from rich.console import Console

    return Console()


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class Shape(StrEnum):
    """Output of the commands that have no CSV form."""

    table = "table"
    json = "json"


class LinksFormat(StrEnum):
    table = "table"
    csv = "csv"


class Basis(StrEnum):
    verified = "verified"
    self = "self"


BasisOption = Annotated[Basis, typer.Option(
    "--basis", help="核查后的数据（verified，默认）或街道自报的数据（self）。"
    "Periods recorded with findings: the verified figures (default) or the self-assessed ones.")]


class Lang(StrEnum):
    zh = "zh"
    en = "en"


# Options several commands share: one definition each.
TargetsOption = Annotated[Path | None, typer.Option(
    "--targets", "-t", help="目标文件（YAML），默认为自带的 2005 年目标。Targets YAML; default: the 2005 file.",
    show_default=False, readable=False)]
SuggestOption = Annotated[bool, typer.Option(
    "--suggest", help="列出目标文件不认识的词和表头，给出可加进目标文件的补充（同 kaohe targets learn）。"
    "Also print what to add to the targets file for words and headers it did not know.")]
LangOption = Annotated[Lang, typer.Option("--lang", envvar="KAOHE_LANG",
                                          help="输出语言 zh（中文）或 en（English）。Language: zh or en.")]


def _version(value: bool) -> None:
    if value:
        from kaohe import __version__

        typer.echo(f"kaohe {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="显示版本号。Print the version and exit.")] = False,
) -> None:
    """考核 kaohe: district target assessment."""


def _fail(exc: KaoheError) -> typer.Exit:
    _err().print(f"[bold red]kaohe:[/] {exc.text(Translator(_argv_lang()))}", highlight=False, markup=True,
                 soft_wrap=True)
    return typer.Exit(1)


@app.command()
def assess(
    submissions: Annotated[Path | None, typer.Argument(
        help="报送表文件夹（或一个报送表），默认为自带示例区。"
             "Folder of street workbooks, or one workbook; default: the sample district.",
        show_default=False, readable=False)] = None,
    targets_file: TargetsOption = None,
    roster: Annotated[Path | None, typer.Option(
        "--roster", "-r", help="街道名单（CSV 或 xlsx，含“街道名称”列），默认在报送表文件夹内或旁边找 街道名单.csv。"
        "Roster of streets; default: 街道名单.csv beside or inside the submissions folder.", show_default=False,
            readable=False)
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f",
                                        help="输出格式 table、json 或 csv。Output: table, json or csv.")
                   ] = Format.table,
    lang: LangOption = Lang.zh,
    strict: Annotated[bool, typer.Option("--strict", help="有错误级问题时以状态 1 退出。Exit 1 on error-level issues.")
                      ] = False,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="同时写出结果文件，类型看后缀：.xlsx 考核结果表、.json 报告、.csv 得分表。"
        "Also write the result to a file, its kind from the suffix: .xlsx scorecard, .json report, .csv scores.",
        show_default=False, readable=False)] = None,
    verified: Annotated[Path | None, typer.Option(
        "--verified", help="核查结果（文件或文件夹）：按核实后的数据评分，并列出自评分与核定分。"
        "Inspectors' findings (a file or folder): score on the verified figures, both scores shown.",
        show_default=False, readable=False)] = None,
    appeals: Annotated[Path | None, typer.Option(
        "--appeals", help="申诉裁定（文件或文件夹：核查结果的格式，另有“申诉编号”“裁定”两栏）：支持的申诉按其核实值"
        "执行，驳回的只列出；结果中有申诉前后的得分。Decided appeals (a findings file with 申诉编号 and 裁定): "
        "upheld ones applied, rejected ones listed; each street's score before and after.",
        show_default=False, readable=False)] = None,
    rectifications: Annotated[Path | None, typer.Option(
        "--rectifications", help="整改清单（报送平台导出的，或自己维护的：街道、整改事项、整改期限、状态、整改进展）："
        "未销号的事项写入考核结果表的“整改”页。A rectification list: its open items go on the scorecard's 整改 sheet.",
        show_default=False, readable=False)] = None,
    per_street: Annotated[Path | None, typer.Option(
        "--per-street", help="为每个街道写一份考核结果（Excel），放在这个文件夹里，用于下发各街道。"
        "Write each street its own result workbook into this folder, to send back.", show_default=False,
            readable=False)] = None,
    period: Annotated[str | None, typer.Option(
        "--period", help="考核期，如 2005、2005-H1、2005-Q3、2005-M09，默认取目标文件的。"
        "The period assessed (2005, 2005-H1, 2005-Q3 …); default: the targets file's.",
        show_default=False)] = None,
    record_run: Annotated[bool, typer.Option(
        "--record", help="同时记入考核历史（见 --history）。Also store the report in the history.")] = False,
    history: Annotated[Path, typer.Option(
        "--history", envvar="KAOHE_HISTORY", help="考核历史文件（SQLite）。"
        "The history file (SQLite) that --record writes and compare reads.", readable=False)] = DEFAULT_HISTORY,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的 --out / --per-street 文件。"
                                                         "Replace existing --out / --per-street files.")
                     ] = False,
    suggest: SuggestOption = False,
) -> None:
    """评分：考核全区各街道并输出结果。Assess every street and print the scored report."""
    from kaohe import api
    from kaohe.atomic import together

    tr = Translator(lang.value)
    if out is not None and out.suffix.lower() not in api.REPORT_SUFFIXES:
        raise typer.BadParameter(tr("err.out_suffix", path=str(out)), param_hint="--out")
    if period is not None:
        try:
            api.check_period(period)
        except KaoheError as exc:
            raise typer.BadParameter(exc.text(tr), param_hint="--period") from exc
    if submissions is None:
        from kaohe.resources import SAMPLE_SUBMISSIONS, bundled

        _err().print(f"[yellow]{tr('note.sample_district', path=bundled(SAMPLE_SUBMISSIONS))}[/]",
                     highlight=False, soft_wrap=True)
    said: list[str] = []  # what is announced once the outputs are in place
    try:
        with _progress(tr) as tick, _collector_paused():
            report = api.assess(submissions, targets=targets_file, roster=roster, period=period, on_progress=tick,
                                verified=verified, history=history, appeals=appeals,
                                rectifications=rectifications)
        with together():  # the scorecard, the street results and the record appear together, or none of them
            if out is not None:
                with _status(tr, out, len(report.streets)), _collector_paused():
                    api.write_report(report, out, lang=lang.value, history=history, force=force,
                                     on_warning=_warner(tr))
                said.append(f"[green]✓[/] {out}")
            if per_street is not None:
                with _status(tr, per_street, len(report.streets)), _collector_paused():
                    written = api.write_street_results(report, per_street, lang=lang.value, force=force)
                said.append(f"[green]✓[/] {tr('per_street.summary', count=len(written), path=str(per_street))}")
            if record_run:  # last: a record is never left without the files it was made with
                book = api.History(history)
                before = dict((p, n) for p, n, _ in book.periods())
                run = book.record(report, lang.value,
                                  on_committed=lambda n: _RECORDED.append((str(history), report.period, n)))
                _err().print(f"[green]✓[/] {report.period} → {history} (#{run})", highlight=False)
                _RECORDED.clear()  # announced
                if report.period in before:  # the latest run of a period counts; the earlier ones stay
                    _err().print(tr("recorded_again", period=report.period, n=before[report.period]),
                                 highlight=False)
    except KaoheError as exc:
        raise _fail(exc) from exc
    for line in said:
        _err().print(line, highlight=False)
    _render(report, fmt, tr)
    if suggest:
        _suggest(report, lang.value, to_stdout=fmt is Format.table)
    if strict and any(i.severity == "error" for i in report.issues):
        raise typer.Exit(1)


@app.command("progress")
def progress_command(
    history: Annotated[Path | None, typer.Option(
        "--history", envvar="KAOHE_HISTORY", help="考核历史文件（SQLite）。"
        "The history file written by assess --record. "
        "Default: kaohe-history.sqlite here; while it does not exist, the bundled sample (2005-H1 → 2005).",
        show_default=False, readable=False)] = None,
    targets_file: TargetsOption = None,
    fmt: Annotated[Shape, typer.Option("--format", "-f", help="输出格式 table 或 json。Output: table or json.")
                   ] = Shape.table,
    lang: LangOption = Lang.zh,
    basis: BasisOption = Basis.verified,
) -> None:
    """进度：各指标在已记录各期的数值、较上期变化、按趋势能否在年底达标；有风险的街道排在前面。Progress over the year.

    Periods are placed in their year by their labels (2005-Q1, 2005-H1, 2005-M09, 2005); each street's value on
    each target is projected to the year's end by a straight line through its recorded points.
    """
    from kaohe import api
    from kaohe.tracking.progress import document

    if history is None and not api.DEFAULT_HISTORY.exists():
        _err().print(f"[yellow]{Translator(lang.value)('progress.sample', path=str(api.DEFAULT_HISTORY))}[/]",
                     highlight=False, soft_wrap=True)
    try:
        result = api.progress(history, targets=targets_file, basis=basis.value)
    except KaoheError as exc:
        raise _fail(exc) from exc
    if fmt is Shape.json:
        _write_json(document(result))
    else:
        from kaohe.report.terminal import render_progress

        render_progress(result, api.load_targets(targets_file), _stdout(), Translator(lang.value))


@app.command()
def compare(
    before: Annotated[str, typer.Argument(help="已记录的考核期或 JSON 报告。A recorded period or a JSON report.",
                                          show_default=False)],
    after: Annotated[str, typer.Argument(help="已记录的考核期或 JSON 报告。A recorded period or a JSON report.",
                                         show_default=False)],
    history: Annotated[Path, typer.Option(
        "--history", envvar="KAOHE_HISTORY", help="考核历史文件（SQLite）。The history file (SQLite).", readable=False)
    ] = DEFAULT_HISTORY,
    targets_file: TargetsOption = None,
    fmt: Annotated[Shape, typer.Option("--format", "-f", help="输出格式 table 或 json。Output: table or json.")
                   ] = Shape.table,
    lang: LangOption = Lang.zh,
    basis: BasisOption = Basis.verified,
) -> None:
    """对比：两次考核的得分、等次、排名变化，新达标和失去的指标，以及可疑的数据变化。Compare two assessments.

    Recorded periods also carry their figures, so a service room that shrank, a community that vanished or
    appeared, or households that jumped are warned about (the consistency rules of the targets YAML).
    """
    from kaohe import api
    from kaohe.tracking.compare import document

    try:
        targets = api.load_targets(targets_file)
        result = api.compare(before, after, history=history, targets=targets, basis=basis.value)
    except KaoheError as exc:
        raise _fail(exc) from exc
    if fmt is Shape.json:
        _write_json(document(result), default=str)
    else:
        from kaohe.report.terminal import render_comparison

        render_comparison(result, targets, _stdout(), Translator(lang.value))


@app.command()
def check(
    workbooks: Annotated[list[Path], typer.Argument(help="报送前要自查的报送表。The workbook(s) to check.",
                                                    show_default=False, readable=False)],
    targets_file: TargetsOption = None,
    fmt: Annotated[Shape, typer.Option("--format", "-f", help="输出格式 table 或 json。Output: table or json.")
                   ] = Shape.table,
    lang: LangOption = Lang.zh,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="同时写出自查结果（.xlsx），与区里下发的街道考核结果格式相同。"
        "Also write the result as a workbook (.xlsx), laid out as the result the bureau sends back.",
        show_default=False, readable=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的 --out 文件。Replace an existing --out file.")
                     ] = False,
    suggest: SuggestOption = False,
) -> None:
    """自查：报送前检查本街道的表，列出每个问题及修改办法和暂评得分。A street's self-check before sending.

    Reads exactly as assess does. Exits 1 while error-level issues remain, 0 when the workbook is clean.
    """
    from kaohe import api

    try:
        with _collector_paused():
            report = api.check(workbooks, targets=targets_file)
        if out is not None:
            api.write_check_result(report, out, lang=lang.value, force=force)
            _err().print(f"[green]✓[/] {out}", highlight=False)
    except KaoheError as exc:
        raise _fail(exc) from exc
    if fmt is Shape.json:
        _render(report, Format.json, Translator(lang.value))
    else:
        from kaohe.report.terminal import render_check

        assert report.targets is not None
        render_check(report, report.targets, _stdout(), Translator(lang.value))
    if suggest:
        _suggest(report, lang.value, to_stdout=fmt is not Shape.json)
    if any(i.severity == "error" for i in report.issues):
        raise typer.Exit(1)


@app.command()
def template(
    roster: Annotated[Path | None, typer.Option(
        "--roster", "-r", help="街道名单：每个街道一个模板，默认为示例名单。Roster: one template per street.",
        show_default=False, readable=False)] = None,
    street: Annotated[list[str] | None, typer.Option(
        "--street", "-s", help="只为这个街道生成（可重复）。Only this street (repeatable).", show_default=False)
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="模板写入的文件夹。Folder for the templates.",
                                          readable=False)] = Path("templates"),
    targets_file: TargetsOption = None,
    rows: Annotated[int, typer.Option("--rows", min=1, max=2000, help="预留的社区行数。Community rows.")] = 40,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的模板。Replace templates that exist.")] = False,
    lang: LangOption = Lang.zh,
    verification: Annotated[bool, typer.Option(
        "--verification", help="生成核查表（按 --from 的报送表预填），而不是空白报送表。"
        "Write inspectors' verification sheets, pre-filled from --from, instead of blank templates.")] = False,
    source: Annotated[Path | None, typer.Option(
        "--from", help="核查表依据的报送表文件夹。The submissions the verification sheets are filled from.",
        show_default=False, readable=False)] = None,
) -> None:
    """模板：为每个街道生成空白报送表。Write blank submission workbooks, one per street.

    Generated from the targets YAML: street name filled in, dropdowns for yes/no and types, number checks
    with the plausible ranges, an input hint on every column and a 填表说明 sheet.
    """
    from kaohe import api

    if verification and source is None:
        raise typer.BadParameter(Translator(lang.value)("err.verification_from"), param_hint="--from")
    tr = Translator(lang.value)
    if roster is None and not street and not verification:
        from kaohe.resources import SAMPLE_ROSTER, bundled

        _err().print(f"[yellow]{tr('note.sample_roster', path=bundled(SAMPLE_ROSTER))}[/]", highlight=False,
                     soft_wrap=True)
    try:
        if verification:
            assert source is not None
            done = api.write_verification_sheets(source, out_dir, targets=targets_file, roster=roster, force=force,
                                                 lang=lang.value)
        else:
            done = api.write_templates(out_dir, targets=targets_file, roster=roster, streets=street or (),
                                       rows=rows, force=force, lang=lang.value)
    except KaoheError as exc:
        raise _fail(exc) from exc
    for item in done:
        if item.written:
            _err().print(f"[green]✓[/] {item.path}", highlight=False)
        else:
            _err().print(f"[yellow]{tr('template.skipped', path=str(item.path))}[/]", highlight=False)
    written = sum(1 for item in done if item.written)
    _err().print(tr("template.summary", written=written, skipped=len(done) - written, path=str(out_dir)),
                 highlight=False)


def _suggest(report: Report, lang: str, to_stdout: bool) -> None:
    """--suggest: what to add to the targets file for the words and headers it did not know, as one patch."""
    from kaohe import api

    text = api.suggestion(report, "en" if lang == "en" else "zh")
    if not text:
        _err().print(Translator(lang)("learn.nothing"), highlight=False)
        return
    if to_stdout:
        sys.stdout.write("\n" + text)
    else:  # stdout holds the JSON: the patch goes beside it
        sys.stderr.write(text)


def _warner(tr: Translator) -> Any:
    """A warning from the library, printed as one yellow line on stderr."""

    def warn(exc: KaoheError) -> None:
        _err().print(f"[yellow]{tr('warn.no_progress', detail=exc.text(tr))}[/]", highlight=False, soft_wrap=True)

    return warn


def _render(report: Report, fmt: Format, tr: Translator) -> None:
    targets = report.targets
    assert targets is not None
    if fmt is Format.json:
        from kaohe.report.json import render_json

        # indented for a person at a terminal, compact (and fast) for a program or a file
        sys.stdout.write(render_json(report, targets, tr, pretty=sys.stdout.isatty()) + "\n")
    elif fmt is Format.csv:
        from kaohe.report.csv import render_csv

        # with a BOM, Excel on Chinese Windows opens the file as UTF-8 (without one it guesses GBK)
        sys.stdout.write(("" if sys.stdout.isatty() else "\ufeff") + render_csv(report, targets, tr))
    else:
        from kaohe.report.terminal import render_terminal

        render_terminal(report, targets, _stdout(), tr)


def _write_json(doc: dict[str, Any], default: Any = None) -> None:
    import json

    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, default=default) + "\n")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic collection while workbooks are read and scored, and none of the results walked again after.

    Reading makes hundreds of thousands of objects and no reference cycles worth collecting; the collector
    would re-walk every result kept so far, again and again, and after reading every collection of the oldest
    generation would walk them all once more (together a tenth of a 500-street run). So the collector is off
    while the library assesses, and what exists then is frozen (gc.freeze: left out of every later
    collection; reference counting still frees it) before it is switched back on for what follows. Writing
    the scorecard (XlsxWriter, rows as text) makes few cycles and is paused the same way. A process-wide
    choice: the CLI's, not the library's.
    """
    import gc

    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _status(tr: Translator, out: Path, streets: int) -> Any:
    """A status line while a large scorecard is written (a page per street takes a while), at a terminal."""
    if not sys.stderr.isatty() or streets < _progress.SHOW_AFTER_FILES:
        return nullcontext()
    return _err().status(f"{tr('writing')} {out.name} …")


class _progress:
    """A progress bar on stderr while files are read: only at a terminal, and only once a run takes a while."""

    SHOW_AFTER_FILES = 40  # about a second of reading on a 2-core machine

    def __init__(self, tr: Translator) -> None:
        self.tr = tr
        self.bar: object | None = None
        self.task: object | None = None

    def __enter__(self):  # type: ignore[no-untyped-def]
        if not sys.stderr.isatty():  # (asking rich would import it for nothing)
            return None
        label = self.tr("reading")

        def tick(name: str, done: int, total: int) -> None:
            if self.bar is None:
                if total < self.SHOW_AFTER_FILES:
                    return
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

                self.bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                    TextColumn("{task.description}"), console=_err(), transient=True)
                self.bar.start()
                self.task = self.bar.add_task("", total=total)
            self.bar.update(self.task, completed=done, description=name)  # type: ignore[attr-defined]

        return tick

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()  # type: ignore[attr-defined]


targets_app = typer.Typer(help="目标文件：检查、解释、导出 JSON Schema，学习各单位的写法。"
                          "Work with targets files: check, explain, schema, learn an office's words.",
                          no_args_is_help=True, rich_markup_mode=None,
                          context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(targets_app, name="targets")


@targets_app.command("check")
def targets_check(
    file: Annotated[Path, typer.Argument(help="要检查的目标文件。The targets YAML to check.", show_default=False,
        readable=False)],
    lang: LangOption = Lang.zh,
) -> None:
    """检查目标文件并用平实的话解释每项指标。Lint a targets file and explain it in plain words."""
    from kaohe.targets import load_targets
    from kaohe.targets.explain import explain

    try:
        targets = load_targets(file)
    except KaoheError as exc:
        raise _fail(exc) from exc
    sys.stdout.write("".join(line + "\n" for line in explain(targets, Translator(lang.value))))


@targets_app.command("schema")
def targets_schema() -> None:
    """输出目标文件的 JSON Schema（供编辑器补全和校验）。Print the targets file's JSON Schema.

    Save it and point yaml-language-server at it:  # yaml-language-server: $schema=targets.schema.json
    """
    import json

    from kaohe.targets import Targets

    schema = Targets.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "kaohe targets file (kaohe.targets/1)"
    sys.stdout.write(json.dumps(schema, ensure_ascii=False, indent=2) + "\n")


@targets_app.command("learn")
def targets_learn(
    submissions: Annotated[Path, typer.Argument(
        help="报送表文件夹（或一个报送表）。Folder of street workbooks, or one workbook.", show_default=False,
        readable=False)],
    targets_file: TargetsOption = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="把建议写入这个文件（YAML），核对后用 kaohe targets accept 接受；默认打印出来。"
        "Write the suggested additions to this file (YAML) for review and `kaohe targets accept`; "
        "default: print them.", show_default=False, readable=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的 --out 文件。Replace an existing --out file.")
                     ] = False,
    lang: LangOption = Lang.zh,
) -> None:
    """学习：收集各报送表中目标文件不认识的词和表头，写成待核对的补充。Collect the words and headers the targets
    file does not know, across a district, as additions for a person to review.

    Asks nothing and changes nothing: accept the reviewed file with `kaohe targets accept`.
    """
    from kaohe import api
    from kaohe.atomic import OutputError, atomic_path

    tr = Translator(lang.value)
    try:
        with _collector_paused():
            text, count = api.learn(submissions, targets=targets_file, lang=lang.value)
        if out is None:
            sys.stdout.write(text)
        else:
            if out.exists() and not force:
                raise OutputError(key="err.exists", path=str(out))
            with atomic_path(out) as tmp:
                tmp.write_text(text, encoding="utf-8")
            _err().print(f"[green]✓[/] {out}", highlight=False)
    except KaoheError as exc:
        raise _fail(exc) from exc
    _err().print(tr("learn.count", count=count) if count else
                 tr("learn.unsure") if "\n#   " in text else tr("learn.nothing"), highlight=False)


@targets_app.command("accept")
def targets_accept(
    patch: Annotated[Path, typer.Argument(help="kaohe targets learn 写出并经核对的文件。"
                                               "The file kaohe targets learn wrote, reviewed.", show_default=False,
                                                   readable=False)],
    targets_file: Annotated[Path, typer.Option(
        "--targets", "-t", help="要补充的目标文件。The targets file to add to.", show_default=False, readable=False)],
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="写到这个新文件；默认改写目标文件，并把原文件留作 *.before-learn-N.yaml。"
        "Write a new file; default: change the targets file, keeping the old one as *.before-learn-N.yaml.",
        show_default=False, readable=False)] = None,
    lang: LangOption = Lang.zh,
) -> None:
    """接受学习结果：把核对过的词和表头写进目标文件，其余内容（注释、顺序）不变。Write reviewed additions into
    the targets file; its comments and order stay as they are."""
    from kaohe import api

    tr = Translator(lang.value)
    try:
        written, kept, added = api.accept_learned(patch, targets_file, out)
    except KaoheError as exc:
        raise _fail(exc) from exc
    for path, words in added.items():
        _err().print(f"  + {path}: {', '.join(words)}", highlight=False, markup=False)
    if not added and out is None:
        _err().print(tr("learn.none_added"), highlight=False)
        return
    _err().print(f"[green]✓[/] {written}" + (f"  ({tr('learn.kept', path=str(kept))})" if kept else ""),
                 highlight=False)


serve_app = typer.Typer(help="报送平台：各街道在浏览器中报送、自查；区里在浏览器中汇总、考核。"
                        "The submission desk in a browser: streets submit and self-check, the bureau assesses.",
                        rich_markup_mode=None, context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(serve_app, name="serve")
DataOption = Annotated[Path | None, typer.Option(
    "--data", "-d", help="平台的数据文件夹（首次启动时建立）。The desk's data folder (made at the first start).",
    show_default=False, readable=False)]
StoreOption = Annotated[str | None, typer.Option(
    "--store", envvar="KAOHE_STORE",
    help="共享的 PostgreSQL 数据库（postgresql://用户@主机/数据库；密码用 PGPASSWORD 或 ~/.pgpass 给出）。"
    "此时 --data 是本进程的工作文件夹（可省略）。A shared PostgreSQL store (postgresql://user@host/db; "
    "the password from PGPASSWORD or ~/.pgpass); --data is then this process's working folder (optional).",
    show_default=False)]
DistrictOption = Annotated[str | None, typer.Option(
    "--district", help="数据库中的区（数据库只有一个区时可省略）。The store's district (optional when it holds one).",
    show_default=False)]


@serve_app.callback(invoke_without_command=True)
def serve(
    ctx: typer.Context,
    data: DataOption = None,
    targets_file: TargetsOption = None,
    roster: Annotated[Path | None, typer.Option(
        "--roster", "-r", help="街道名单（首次启动时复制到数据文件夹），默认为示例名单。"
                               "Roster, copied in at the first start; default: the sample roster.",
        show_default=False, readable=False)] = None,
    period: Annotated[str | None, typer.Option(
        "--period", help="首次启动时的报送期，默认取目标文件的年度。The first period; default: the targets file's.",
        show_default=False)] = None,
    host: Annotated[str, typer.Option(
        "--host", help="监听地址；默认只允许本机访问，内网使用时设为 0.0.0.0。"
                       "Address to listen on; 0.0.0.0 opens the desk to the office network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535, help="端口。Port.")] = 8000,
    url: Annotated[str | None, typer.Option(
        "--url", help="链接中使用的地址，如 http://192.168.1.10:8000。The address put in the links.",
        show_default=False)] = None,
    deadline: Annotated[str | None, typer.Option(
        "--deadline", help="本报送期的截止时间，如 2005-12-20 或 2005-12-20T17:00（也可在区里的页面上设定）。"
        "The open period's deadline (also set on the bureau's page).", show_default=False)] = None,
    smtp: Annotated[str | None, typer.Option(
        "--smtp", help="发催报邮件用的发信服务器（主机[:端口]，默认不发邮件）；各街道的邮箱取自街道名单的“邮箱”列。"
        "Mail server for reminders (HOST[:PORT]; off by default); addresses from the roster's 邮箱 column.",
        show_default=False)] = None,
    smtp_from: Annotated[str | None, typer.Option(
        "--smtp-from", help="催报邮件的发信地址。The reminders' sender address.", show_default=False)] = None,
    ssl_certfile: Annotated[Path | None, typer.Option(
        "--ssl-certfile", help="用 HTTPS 提供服务：证书文件（PEM，含证书链）。Serve HTTPS: the certificate (PEM, with "
        "its chain).", show_default=False, readable=False)] = None,
    ssl_keyfile: Annotated[Path | None, typer.Option(
        "--ssl-keyfile", help="证书的私钥文件（PEM）。The certificate's private key (PEM).", show_default=False,
        readable=False)] = None,
    store: StoreOption = None,
    district: Annotated[str | None, typer.Option(
        "--district", help="首次启动时在数据库中建立的区；数据库中已有区时可省略（每个进程都回应所有区的链接）。"
        "The district made at the first start; optional once the store holds any (every process answers every "
        "district's links).", show_default=False)] = None,
    lang: LangOption = Lang.zh,
) -> None:
    """启动报送平台（Ctrl-C 停止）。Run the submission desk (Ctrl-C stops it).

    The first start makes the data folder: the targets and roster copied in, a secret link for the bureau and
    one for every street (kaohe serve links --data DIR lists them). Later starts carry on from the folder.
    """
    if ctx.invoked_subcommand is not None:
        return
    if data is None and store is None:
        _err().print("kaohe: " + Translator(lang.value)("err.desk_no_data"), highlight=False)
        raise typer.Exit(2)
    from kaohe.desk.run import open_or_create
    from kaohe.desk.run import serve as run

    tr = Translator(lang.value)

    def say(text: str) -> None:
        _err().print(text, highlight=False, soft_wrap=True)

    try:
        if period is not None:
            from kaohe.periods import check_period

            check_period(period)
        import os

        from kaohe.desk.run import bind, check_public_address

        os.umask(0o027)  # the desk's files (submissions, secrets, the log) are not for other accounts to read

        if store is None:  # before anything is made: nothing left behind on a refusal
            check_public_address(data, host, url)
        from kaohe.desk.run import tls_context

        tls_context(ssl_certfile, ssl_keyfile)  # a certificate that cannot be used: said before anything starts
        if port:  # a port in use said before the folder is made (0: any free port, never in use)
            bind(host, port).close()
        desk = open_or_create(data, targets_file, roster, period, say, tr, store, district)
        if smtp is not None:
            desk.set_setting("smtp", smtp)
            desk.set_setting("smtp_from", smtp_from or f"kaohe@{smtp.split(':')[0]}")
        if deadline is not None:
            from kaohe.desk.service import Service
            from kaohe.desk.store import ADMIN

            say(tr("desk.deadline_line", deadline=Service(desk).set_deadline(deadline, ADMIN)))
        run(desk, host, port, url, lang.value, say, ssl_certfile, ssl_keyfile)
    except KaoheError as exc:
        raise _fail(exc) from exc
    except Interrupted:
        pass
    say(tr("desk.stopped"))


@serve_app.command("links")
def serve_links(
    data: Annotated[Path | None, typer.Option("--data", "-d", help="平台的数据文件夹。The desk's data folder.",
                                              readable=False, show_default=False)] = None,
    fmt: Annotated[LinksFormat, typer.Option("--format", "-f", help="输出格式 table 或 csv。Output: table or csv.")
                   ] = LinksFormat.table,
    url: Annotated[str | None, typer.Option(
        "--url", help="链接中使用的地址（默认为上次启动时的地址）。The address in the links; default: the last start.",
        show_default=False)] = None,
    store: StoreOption = None,
    district: DistrictOption = None,
) -> None:
    """列出发给各街道的链接和区里的管理链接。Print every street's link and the bureau's.

    CSV (街道名称,链接) to send out by mail merge: kaohe serve links --data DIR --format csv > 链接.csv
    """
    from kaohe.desk.app import links_text
    from kaohe.desk.backend import check_url, districts
    from kaohe.desk.city import city_links_text
    from kaohe.desk.run import open_desk, working_folder

    if data is None and store is None:
        _err().print("kaohe: " + Translator("zh")("err.desk_no_data"), highlight=False)
        raise typer.Exit(2)
    try:
        if store is not None and district is None and len(districts(check_url(store))) > 1:  # a city's store
            text = city_links_text(store, working_folder(data), url)
        else:
            desk = open_desk(data, store, district)
            text = links_text(desk, (url or desk.setting_or("url", "http://127.0.0.1:8000")).rstrip("/"))
    except KaoheError as exc:
        raise _fail(exc) from exc
    if fmt == LinksFormat.table:
        rows = [line.split(",", 1) for line in text.splitlines()[1:]]
        width = max(len(name) for name, _ in rows)
        text = "".join(f"{name}{'　' * (width - len(name))}  {link}\n" for name, link in rows)
    sys.stdout.write(text)


@serve_app.command("migrate")
def serve_migrate(
    source: Annotated[Path, typer.Option("--from", help="要移入数据库的平台数据文件夹。The desk's data folder to move.",
                                         readable=False)],
    store: Annotated[str, typer.Option("--store", envvar="KAOHE_STORE", help="目标 PostgreSQL 数据库。The store.")],
    district: Annotated[str | None, typer.Option(
        "--district", help="在数据库中的区名（默认为文件夹名）。Its district's name (default: the folder's).",
        show_default=False)] = None,
    lang: LangOption = Lang.zh,
) -> None:
    """把一个平台数据文件夹移入共享数据库（文件夹本身不动）。Move a folder desk into a shared store (the folder is
    only read): every row, file and log line; the links keep working."""
    from kaohe.desk.moving import migrate

    tr = Translator(lang.value)
    try:
        name, rows, files = migrate(source, store, district)
    except KaoheError as exc:
        raise _fail(exc) from exc
    _err().print(tr("store.migrated", path=str(source), district=name, rows=rows, files=files),
                 highlight=False)


@serve_app.command("export")
def serve_export(
    to: Annotated[Path, typer.Option("--to", help="导出到的新文件夹（必须为空）。A new, empty folder.",
                                     readable=False)],
    store: StoreOption = None,
    district: DistrictOption = None,
    data: Annotated[Path | None, typer.Option("--data", "-d", help="或：平台的数据文件夹。Or: a desk's data folder.",
                                              readable=False, show_default=False)] = None,
    lang: LangOption = Lang.zh,
) -> None:
    """把一个区导出为平台数据文件夹：留作备份，kaohe serve --data 可打开，kaohe assess 可读取各报送期的报送文件。
    Export a district as a data folder: the backup to keep; kaohe serve --data opens it, kaohe assess reads each
    period's submissions."""
    from kaohe.desk.moving import export
    from kaohe.desk.run import open_desk

    tr = Translator(lang.value)
    if data is None and store is None:
        _err().print("kaohe: " + tr("err.desk_no_data"), highlight=False)
        raise typer.Exit(2)
    try:
        desk = open_desk(data if store is None else None, store, district)
        rows, files = export(desk, to)
    except KaoheError as exc:
        raise _fail(exc) from exc
    _err().print(tr("store.exported", district=desk.district, path=str(to), rows=rows, files=files),
                 highlight=False)


@app.command("report-schema")
def report_schema_command() -> None:
    """输出 JSON 报告（kaohe.report/1）的 JSON Schema。Print the JSON Schema of the kaohe.report/1 document."""
    import json

    from kaohe.report.schema import report_schema

    sys.stdout.write(json.dumps(report_schema(), ensure_ascii=False, indent=2) + "\n")


# (history, period, run id) of runs recorded by this command and not yet announced: the CLI's own, one command
# a process, so that Ctrl-C landing right after the history's COMMIT still says the period was recorded
_RECORDED: list[tuple[str, str, int]] = []


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM, raised past click (which would turn KeyboardInterrupt into exit status 1)."""


def _interrupt(signum: int, frame: object) -> None:
    raise Interrupted


# What a console that cannot show a character gets instead: the nearest it can encode (GBK has √ and ×).
_NEAREST = {"✓": ("√", "v"), "✔": ("√", "v"), "✗": ("×", "x"), "✘": ("×", "x"), "→": ("->",), "…": ("...",),
            "≥": (">=",), "≤": ("<=",), "—": ("-",), "–": ("-",), "·": (".",), "²": ("2",), "㎡": ("m2",),
            "“": ('"',), "”": ('"',), "‘": ("'",), "’": ("'",), "⌈": ("ceil(",), "⌉": (")",), "×": ("x",),
            "│": ("|",), "─": ("-",), "━": ("-",), "┃": ("|",)}


def _nearest(exc: UnicodeError) -> tuple[str, int]:
    """A codec error handler: each character the stream's encoding cannot write, as the nearest it can."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = []
    for ch in exc.object[exc.start:exc.end]:
        for candidate in (*_NEAREST.get(ch, ()), "?"):
            try:
                candidate.encode(exc.encoding)
            except UnicodeEncodeError:
                continue
            out.append(candidate)
            break
    return "".join(out), exc.end


def _safe_streams() -> None:
    """Write on any console: Chinese Windows (GBK), a redirected file, an ASCII pipe. Characters the stream
    cannot encode become their nearest form instead of a UnicodeEncodeError; where Chinese cannot be shown at
    all, English is the default language (KAOHE_LANG / --lang still decide)."""
    import codecs
    import os

    codecs.register_error("kaohe-nearest", _nearest)
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="kaohe-nearest")
    try:
        "考核".encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        os.environ.setdefault("KAOHE_LANG", "en")


class _CheckedStdout:
    """Standard output written to its last byte, or an OSError. CPython's buffered writer drops what follows a
    short write (a file filling a disk: `write()` takes 64 KB of 200 KB, the rest is lost and the run exits 0);
    here every chunk is written with os.write until all of it is taken, so a full disk, a full quota or a file
    size limit is an OSError that main() reports in one line, exit 1. Encodes as the stream it replaces did
    (its encoding, kaohe's nearest-character errors, CRLF on Windows); everything else is that stream's."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._fd: int = stream.fileno()
        self.encoding: str = stream.encoding or "utf-8"
        self.errors: str = stream.errors or "strict"

    def write(self, text: str) -> int:
        import os

        data = (text.replace("\n", "\r\n") if os.name == "nt" else text).encode(self.encoding, self.errors)
        view = memoryview(data)
        while view:
            taken = os.write(self._fd, view)
            if taken <= 0:  # nothing taken and no error: treat as the disk full it is
                import errno

                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            view = view[taken:]
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:  # nothing is held back
        pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _checked_stdout() -> None:
    """Standard output as _CheckedStdout, where it is a real file descriptor (not a test's captured stream)."""
    try:
        sys.stdout.flush()
        sys.stdout = _CheckedStdout(sys.stdout)
    except (AttributeError, OSError, ValueError):  # no descriptor (captured) or closed: left as it is
        pass


def _argv_lang() -> str:
    """The language asked for (--lang, KAOHE_LANG), for messages written outside a command."""
    import os

    argv = sys.argv[1:]
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return os.environ.get("KAOHE_LANG", "zh")


def _os_error(exc: OSError, tr: Translator) -> str:
    """An operating-system failure the user can act on, in a sentence."""
    import errno

    where = exc.filename if exc.filename is not None else tr("err.stdout")
    # an output as the person named it: its file name and the folder it goes in (never a temporary name)
    name, folder = (Path(where).name, str(Path(where).resolve().parent)) if exc.filename is not None else (where, ".")
    code = exc.errno
    if code in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)):  # full, or a size or quota cap
        return tr("err.disk_full", path=where)
    if code == errno.EROFS:
        return tr("err.read_only", path=where, name=name, folder=folder)
    if isinstance(exc, PermissionError):
        return tr("err.permission", path=where, name=name, folder=folder)
    if isinstance(exc, FileNotFoundError):
        return tr("err.not_found", path=where)
    if isinstance(exc, FileExistsError | NotADirectoryError | IsADirectoryError):
        return tr("err.not_a_folder", path=where)
    return tr("err.os", detail=exc.strerror or str(exc), path=where)


def main() -> None:
    """Console-script entry point: every failure is one or two lines (a traceback only with --debug);
    Ctrl-C and SIGTERM exit 130 and leave no partial output behind."""
    import os
    import signal

    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    _safe_streams()
    _checked_stdout()
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    tr = Translator(_argv_lang())
    try:
        app()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Interrupted:
        _err().print(f"\n[yellow]{tr('err.interrupted')}[/]", highlight=False)
        for where, period, run in _RECORDED:  # recorded before the interrupt came, not yet announced
            _err().print(tr("err.interrupted_recorded", period=period, path=where, run=run), highlight=False)
        code = 130
    except KaoheError as exc:
        _err().print(f"[bold red]kaohe:[/] {exc.text(tr)}", highlight=False, soft_wrap=True)
        code = 1
    except OSError as exc:
        if debug:
            raise
        _err().print(f"[bold red]kaohe:[/] {_os_error(exc, tr)}", highlight=False, soft_wrap=True)
        code = 1
    except Exception as exc:
        if debug:
            raise
        _err().print(f"[bold red]kaohe:[/] {tr('err.bug', kind=type(exc).__name__, detail=str(exc)[:200])}",
                     highlight=False, soft_wrap=True)
        code = 3
    # Every output is written and closed by now; skip tearing down tens of thousands of objects one by one.
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # a closed pipe (kaohe … | head): the reader has what it wanted
        pass
    except OSError as exc:  # a full disk or a failing device: what was asked for was not written
        _err().print(f"kaohe: {_os_error(exc, tr)}", highlight=False, soft_wrap=True)
        code = code or 1
    try:
        sys.stderr.flush()
    except OSError:
        pass
    os._exit(code)


if __name__ == "__main__":
    main()
