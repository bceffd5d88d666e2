"""``jianbao import``: past issues into the archive, a file or a whole folder at a time."""

from __future__ import annotations

import itertools
import json
import multiprocessing
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from django.db import connections
from tqdm import tqdm

from jianbao.bulletins.services import known_section_titles
from jianbao.catalogue.reports import report_html
from jianbao.catalogue.services import import_bulletin
from jianbao.core.commands import JianbaoCommand
from jianbao.core.errors import IssueAlreadyExists, JianbaoError
from jianbao.publishing.ingest import (
    BULLETIN_SUFFIXES,
    PAGE_IMAGE_SUFFIXES,
    read_bulletin_file,
)


class Command(JianbaoCommand):
    help = (
        "导入往期简报：文本/Markdown、JSON 导出、.docx、.doc、.wps、PDF（有文字层或扫描件）"
        "或页面图片；可给出多个文件或文件夹（其中每个文件一期），每期单独导入并生成核对报告"
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE|DIR")
        parser.add_argument("--replace", action="store_true", help="覆盖归档中已有的同一期")
        parser.add_argument("--quiet", "-q", action="store_true", help="不列出修复与警告")
        parser.add_argument(
            "--by", default="", metavar="姓名", help="记入处理记录的经办人（默认“系统”）"
        )
        parser.add_argument(
            "--jobs",
            "-j",
            type=int,
            default=1,
            metavar="N",
            help="同时读取的文件数（默认 1；扫描件的识别最费时）",
        )
        parser.add_argument(
            "--report",
            metavar="DIR",
            help="把每期的核对报告写到此文件夹（JSON 与 HTML 各一份）",
        )

    def handle(self, *args, files, replace, quiet, by, jobs, report, **options):
        if jobs < 1:
            self.fail("--jobs 至少为 1")
        paths = list(_expand(files))
        report_dir = Path(report) if report else None
        if report_dir is not None:
            report_dir.mkdir(parents=True, exist_ok=True)
        known = tuple(known_section_titles())
        tally: Counter[str] = Counter()
        bar = tqdm(total=len(paths), unit="个", desc="导入", file=sys.stderr, disable=None)
        say = _Say(self, bar)
        for path, read in zip(paths, _read_all(paths, known, jobs), strict=True):
            bar.update(1)
            name = str(path)
            if isinstance(read, str):
                say.err(f"jianbao import：{read}")
                tally["refused"] += 1
                continue
            try:
                outcome = import_bulletin(
                    read, source_name=name, replace=replace, actor_name=by.strip()[:100]
                )
            except IssueAlreadyExists as exc:
                say.err(f"jianbao import：{name}：{exc}")
                tally["refused"] += 1
                continue
            except JianbaoError as exc:
                say.err(f"jianbao import：{exc}")
                tally["refused"] += 1
                continue
            if not quiet:
                for warning in read.warnings:
                    say.err(f"{name}:{warning.line}: 警告：{warning.message}")
            issue = outcome.issue
            if outcome.report is None:
                say.out(f"{name}：{issue.label} 已在归档中，内容相同，未改动")
                tally["skipped"] += 1
                continue
            verb = "导入" if outcome.stored.created else "覆盖"
            data = outcome.report.data
            say.out(
                f"{name}：已{verb} {issue.label}，{len(read.sections)} 个栏目、"
                f"{len(read.articles)} 篇文章（{len(read.warnings)} 条提示，"
                f"{outcome.report.attention} 项待核对）"
            )
            tally["imported"] += 1
            if report_dir is not None:
                stem = f"{issue.series.slug}-{issue.year}-{issue.number}"
                (report_dir / f"{stem}.json").write_text(
                    json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8"
                )
                (report_dir / f"{stem}.html").write_text(report_html(data), encoding="utf-8")
        bar.close()
        if len(paths) > 1:
            self.stdout.write(
                f"共 {len(paths)} 个文件：导入 {tally['imported']} 期，"
                f"跳过 {tally['skipped']} 期（已在归档中），拒绝 {tally['refused']} 个"
            )
        if tally["refused"]:
            raise SystemExit(2)


class _Say:
    """Lines around the progress bar, which is drawn only on a terminal."""

    def __init__(self, command, bar):
        self.command, self.bar = command, bar

    def out(self, line: str) -> None:
        self._write(line, self.command.stdout)

    def err(self, line: str) -> None:
        self._write(line, self.command.stderr)

    def _write(self, line: str, stream) -> None:
        if self.bar.disable:
            stream.write(line)
        else:
            self.bar.write(line, file=stream._out)


def _natural(path: Path) -> list:
    # 第2期 before 第10期.
    runs = ("".join(run) for _digit, run in itertools.groupby(path.name, str.isdigit))
    return [(0, int(run), "") if run.isdigit() else (1, 0, run) for run in runs]


def _expand(arguments: list[str]) -> Iterator[Path]:
    """Each bulletin to import: a file, or a folder that holds one bulletin (an
    export with its pictures); a folder of several files gives each of them, and
    its sub-folders are looked into in the same way."""
    for argument in arguments:
        yield from _in(Path(argument))


def _in(path: Path) -> Iterator[Path]:
    if not path.is_dir():
        yield path  # a missing file is refused when it is read, naming it
        return
    entries = sorted(path.iterdir(), key=_natural)
    suffixes = (*BULLETIN_SUFFIXES, *PAGE_IMAGE_SUFFIXES)
    found = [p for p in entries if p.is_file() and p.suffix.lower() in suffixes]
    folders = [p for p in entries if p.is_dir() and p.name != "pictures"]
    if len(found) <= 1 and not folders:
        yield path
        return
    if len(found) == 1 and (path / "pictures").is_dir():
        yield path
    else:
        yield from found
    for folder in folders:
        yield from _in(folder)


def _read_one(path: Path, known: tuple[str, ...]):
    """A parsed bulletin, or the one-line reason it was refused (picklable both ways)."""
    try:
        return read_bulletin_file(path, known_sections=known)
    except JianbaoError as exc:
        return str(exc)
    except Exception as exc:  # a reader's bug on one file must not end the whole folder
        return f"{path}：读取时出错（{exc.__class__.__name__}），未导入"


def _read_all(paths: list[Path], known: tuple[str, ...], jobs: int):
    """Files are read (the slow part: PDFs, OCR) in worker processes, in order;
    they are stored one at a time, each in its own transaction, by this one."""
    if jobs == 1 or len(paths) <= 1:
        for path in paths:
            yield _read_one(path, known)
        return
    # A forked worker must not share this process's database connection.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        yield from pool.map(_read_one, paths, [known] * len(paths))
