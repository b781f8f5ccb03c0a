"""What the README and the guide promise runs: every command's --help, the library example, every `kaohe …` line.

In the manner of sqlite-utils' tests/test_docs.py: the documentation is parsed, not copied into the tests,
so a README edit that breaks a command fails here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
import typer.main
from typer.testing import CliRunner

from kaohe.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [prefix] if prefix else []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            out += _commands(command, (*prefix, name))
        else:
            out.append((*prefix, name))
    return out


COMMANDS = _commands(typer.main.get_command(app))  # type: ignore[arg-type]


def test_every_command_is_walked():
    assert {c[0] for c in COMMANDS} >= {"assess", "check", "template", "progress", "compare", "targets"}


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_in_chinese_and_english(command):
    result = CliRunner().invoke(app, [*command, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    summary = next(line for line in result.output.splitlines()[1:] if line.strip())
    assert re.search(r"[\u4e00-\u9fff]", result.output) and re.search(r"[a-z]{4}", summary + result.output)


DOCS = sorted((ROOT / "docs").rglob("*.md"))


def _blocks(language: str, text: str = README) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


@pytest.fixture
def desk(tmp_path: Path) -> Path:
    """A working folder holding what the README's commands name: 报送表/, 街道名单.csv, targets/2006.yaml …"""
    data = ROOT / "data"
    shutil.copytree(data / "2005" / "submissions", tmp_path / "报送表")
    shutil.copytree(data / "2005-H1" / "submissions", tmp_path / "报送表-年中")
    shutil.copytree(data / "2005" / "submissions", tmp_path / "报送表-年底")
    shutil.copy(data / "2005" / "街道名单.csv", tmp_path / "街道名单.csv")
    shutil.copy(data / "2005" / "submissions" / "东风街道.xlsx", tmp_path / "东风街道.xlsx")
    (tmp_path / "data").symlink_to(data)
    (tmp_path / "targets").mkdir()
    for name in ("2005.yaml", "2006.yaml"):
        shutil.copy(ROOT / "targets" / "2005.yaml", tmp_path / "targets" / name)
    shutil.copy(ROOT / "targets" / "2005.yaml", tmp_path / "2006.yaml")
    for year in ("2004", "2005"):
        (tmp_path / f"{year}.json").write_text(_kaohe(["assess", "--format", "json"], tmp_path).stdout,
                                               encoding="utf-8")
    return tmp_path


def _kaohe(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "100"}
    env.pop("KAOHE_HISTORY", None)
    return subprocess.run([sys.executable, "-m", "kaohe", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=300)


@pytest.mark.slow
def test_the_readme_library_example_runs(desk):
    code = "\n".join(_blocks("python"))
    assert "kaohe.assess(" in code
    out = subprocess.run([sys.executable, "-c", code], cwd=desk, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0].startswith("1 东风街道 100.00 优秀")
    assert (desk / "考核结果.xlsx").is_file() and (desk / "kaohe-history.sqlite").is_file()


def _block_commands(block: str) -> list[str]:
    lines = []
    for line in block.splitlines():
        command = line.split("  #")[0].strip()
        if command.startswith("pip install . && "):
            command = command.removeprefix("pip install . && ")
        if command.startswith("kaohe "):
            lines.append(command)
    return lines


BLOCKS = [b for b in _blocks("bash") if _block_commands(b)]
# the guide's command lines too (docs/): each block in a folder of its own, as the README's
BLOCKS += [b for page in DOCS for b in _blocks("bash", page.read_text(encoding="utf-8")) if _block_commands(b)]


@pytest.mark.slow
@pytest.mark.parametrize("block", range(len(BLOCKS)))
def test_every_readme_command_runs(desk, block):
    """Each block of the README in a folder of its own, its commands in order (the walk-through records, then
    reads the history), each as a user types it."""
    commands = _block_commands(BLOCKS[block])
    for command in commands:
        if command.startswith("kaohe serve ") and not command.startswith("kaohe serve links"):
            _serve_once(command, desk)
            continue
        out = subprocess.run(command.replace("kaohe ", f"{sys.executable} -m kaohe ", 1), shell=True, cwd=desk,
                             capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "100"})
        # 0, or 1 where the command says so (--strict and check exit 1 while error-level issues remain)
        assert out.returncode in (0, 1), (command, out.stderr[-2000:])
        assert out.returncode == 0 or "--strict" in command or command.startswith("kaohe check"), \
            (command, out.stderr[-2000:])
        assert "Traceback" not in out.stderr, (command, out.stderr[-2000:])


def _serve_once(command: str, cwd: Path) -> None:
    """A `kaohe serve` line of the README: started as written (on a free port), up, then Ctrl-C."""
    import shlex
    import signal

    line = [sys.executable, "-m", "kaohe", *shlex.split(command)[1:], "--port", "0"]
    proc = subprocess.Popen(line, cwd=cwd, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            env={**os.environ, "COLUMNS": "100"}, start_new_session=True)
    assert proc.stderr is not None
    seen = []
    for text in proc.stderr:
        seen.append(text)
        if "http://" in text:
            break
    assert any("http://127.0.0.1:" in t for t in seen), (command, "".join(seen))
    os.killpg(proc.pid, signal.SIGINT)
    rest = proc.stderr.read()
    assert proc.wait(30) == 0, (command, "".join(seen) + rest)
    assert "Traceback" not in rest


def test_the_guide_is_generated_from_the_current_code():
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check"], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_no_link_leaves_the_repository_except_for_public_sites():
    for page in [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "CONTRIBUTING.md", *DOCS]:
        text = page.read_text(encoding="utf-8")
        assert "../shared" not in text, page
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"https?://", target) or target.startswith("#"):
                continue
            resolved = (page.parent / target.split("#")[0]).resolve()
            assert resolved.is_relative_to(ROOT) and resolved.exists(), (page.name, target)


def test_the_readme_has_its_commands():
    assert sum(len(_block_commands(b)) for b in BLOCKS) >= 30


def test_the_readme_limits_table_is_the_code_s():
    """The README's limits are kaohe.limits' values: a change to one without the other fails here."""
    from kaohe import limits

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index("| input | limit |"):text.index("## Dependencies")]

    def shown(n: int | float) -> str:
        return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 and n % (1024 * 1024) == 0 else f"{int(n):,}"

    for value in (limits.MAX_FILE_BYTES, limits.MAX_ZIP_ENTRIES, limits.MAX_ENTRY_BYTES, limits.MAX_TOTAL_BYTES,
                  limits.MAX_ROWS, limits.MAX_COLS, limits.MAX_CELLS, limits.MAX_MERGED_CELLS,
                  limits.MAX_FIELD_CHARS, limits.MAX_STREETS, limits.MAX_TARGETS_BYTES, limits.MAX_NUMBER_CHARS,
                  limits.MAX_UPLOAD, limits.HEADER_SEARCH_ROWS, limits.MAX_VERSIONS, limits.MAX_STREET_BYTES):
        assert shown(value) in table, shown(value)
    assert f"{limits.MAX_RATIO}:1" in table and f"{int(limits.MAX_SECONDS_PER_FILE)} s" in table
    assert f"up to {limits.MAX_STRAYS} stray cells" in table
    assert f"{limits.STRAY_GAP[0]} rows or {limits.STRAY_GAP[1]} columns away" in table
    assert f"{limits.MEMORY_BUDGET / 1024 ** 3:.1f} GB" in table
    assert f"waits {int(limits.UPLOAD_WAIT_SECONDS)} s" in table
    assert f"one worker of {int(limits.DESK_SECONDS_PER_FILE)} s and {shown(limits.DESK_MEMORY_BUDGET)}" in table
    assert f"headers within {int(limits.HEADER_SECONDS)} s" in table
    assert f"less than {shown(limits.MIN_FREE_BYTES)} free" in table
    assert f"{limits.MAX_EVIDENCE_FILES} files, {shown(limits.MAX_EVIDENCE_BYTES)} in all" in table
    assert f"{limits.MIN_BODY_BYTES_PER_SECOND // 1024} kB/s at least after {int(limits.BODY_GRACE_SECONDS)} s" in table
    assert f"{limits.MAX_CONNECTIONS_PER_ADDRESS} connections from one address, {limits.MAX_CONNECTIONS} in all" \
        in table


def test_the_chinese_guide_is_chinese_and_points_only_at_what_exists():
    """windows.md (zh) pointed to “上文英文部分的表格”, which did not exist, and its table's first column was
    English."""
    for page in sorted((ROOT / "docs" / "zh").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        assert "英文部分" not in text, page.name
        for row in re.findall(r"^\|(.+?)\|", text, re.M):
            cell = row.strip()
            if not cell or set(cell) <= set("-: ") or cell.startswith("`"):
                continue
            assert re.search(r"[\u4e00-\u9fff]", cell) or not re.search(r"[A-Za-z]{3,} [A-Za-z]{3,}", cell), \
                (page.name, cell)


def test_the_workflow_assesses_the_findings_it_has_just_written():
    """Workflow step 5 wrote 核查表/ and then read data/2005/核查/."""
    for lang in ("zh", "en"):
        text = (ROOT / "docs" / lang / "workflow.md").read_text(encoding="utf-8")
        block = re.search(r"kaohe template --verification --from 报送表/ --out (\S+)/.*?\n(kaohe assess [^\n]+)",
                          text, re.S)
        assert block and f"--verified {block.group(1)}/" in block.group(2), lang
