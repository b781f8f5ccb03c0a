"""The kaohe command line: parse options, call one library function, render, choose the exit code."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from kaohe import __version__
from kaohe.errors import KaoheError
from kaohe.resources import DEFAULT_TARGETS, SAMPLE_ROSTER, SAMPLE_SUBMISSIONS, bundled

app = typer.Typer(
    name="kaohe",
    help="考核 kaohe — 社区建设目标考核：读取各街道报送表，按目标评分、定等、排名。\n\n"
    "District target assessment: read every street's workbook, score, grade and rank.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

err = Console(stderr=True)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class Lang(StrEnum):
    zh = "zh"
    en = "en"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kaohe {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """考核 kaohe: district target assessment."""


def _fail(exc: KaoheError) -> typer.Exit:
    err.print(f"[bold red]kaohe:[/] {exc}", highlight=False, markup=True)
    return typer.Exit(1)


@app.command()
def assess(
    submissions: Annotated[Path | None, typer.Argument(
        help="Folder of street workbooks, or one workbook. Default: the bundled 2005 sample district.",
        show_default=False)] = None,
    targets_file: Annotated[Path | None, typer.Option(
        "--targets", "-t", help="Targets YAML. Default: the bundled targets/2005.yaml.",
        show_default=False)] = None,
    roster: Annotated[Path | None, typer.Option(
        "--roster", "-r", help="Roster of streets (CSV or xlsx with a 街道名称 column). Default: 街道名单.csv "
        "beside or inside the submissions folder.", show_default=False)] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table, json (kaohe.report/1) or csv.")
                   ] = Format.table,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of labels and messages: zh or en.")] = Lang.zh,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when any error-level issue was found.")
                      ] = False,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Also write the Excel scorecard here (.xlsx). Never over an input file.",
        show_default=False)] = None,
) -> None:
    """评分：考核全区各街道并输出结果。Assess every street and print the scored report."""
    from kaohe.intake import file_info, gather
    from kaohe.scoring import score
    from kaohe.targets import load_targets

    if submissions is None:
        submissions = bundled(SAMPLE_SUBMISSIONS)
        if roster is None:
            roster = bundled(SAMPLE_ROSTER)
    targets_path = targets_file or bundled(DEFAULT_TARGETS)
    try:
        targets = load_targets(targets_path)
        with _progress(lang.value) as tick:
            intake = gather(submissions, targets, roster, progress=tick)
    except KaoheError as exc:
        raise _fail(exc) from exc
    report = score(targets, intake, file_info(targets_path))
    if out is not None:
        try:
            _write_scorecard(report, targets, out, targets_path, lang.value)
        except KaoheError as exc:
            raise _fail(exc) from exc
    _render(report, targets, fmt, lang.value)
    if strict and any(i.severity == "error" for i in report.issues):
        raise typer.Exit(1)


def _write_scorecard(report: object, targets: object, out: Path, targets_path: Path, lang: str) -> None:
    from kaohe.atomic import check_output
    from kaohe.model import Report
    from kaohe.report.excel import write_scorecard

    assert isinstance(report, Report)
    inputs = [Path(i.path) for i in report.inputs] + [targets_path]
    if report.roster_info is not None:
        inputs.append(Path(report.roster_info.path))
    if out.suffix.lower() not in (".xlsx", ".xlsm"):
        raise _usage(f"--out {out}: the scorecard is an .xlsx file")
    check_output(out, inputs)
    write_scorecard(report, targets, out, lang)  # type: ignore[arg-type]
    err.print(f"[green]✓[/] {out}", highlight=False)


def _usage(message: str) -> typer.BadParameter:
    return typer.BadParameter(message)


def _render(report: object, targets: object, fmt: Format, lang: str) -> None:
    from kaohe.model import Report
    from kaohe.targets import Targets

    assert isinstance(report, Report) and isinstance(targets, Targets)
    if fmt is Format.json:
        from kaohe.report.json import render_json

        sys.stdout.write(render_json(report, targets, lang) + "\n")
    elif fmt is Format.csv:
        from kaohe.report.csv import render_csv

        sys.stdout.write(render_csv(report, targets, lang))
    else:
        from kaohe.report.terminal import render_terminal

        render_terminal(report, targets, Console(), lang)


class _progress:
    """A progress line on stderr while files are read, only when stderr is a terminal."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.status = None

    def __enter__(self):  # type: ignore[no-untyped-def]
        if not err.is_terminal:
            return None
        from kaohe.i18n import t

        self.status = err.status(t("reading", self.lang) + "…")
        self.status.start()  # type: ignore[attr-defined]
        label = t("reading", self.lang)

        def tick(name: str) -> None:
            self.status.update(f"{label} {name}")  # type: ignore[attr-defined]

        return tick

    def __exit__(self, *exc: object) -> None:
        if self.status is not None:
            self.status.stop()


def main() -> None:
    """Console-script entry point."""
    app()
