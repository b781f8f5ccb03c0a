"""Every word kaohe shows, in one typed catalogue: Chinese first, English beside it, and a Translator.

Why a catalogue and not gettext: Chinese is the language of the people who use kaohe, and gettext is built
around English source strings (msgid) compiled into .mo files at build time. Here each key holds its Chinese
and English side by side, so whoever edits one sees the other; a missing word fails a test
(tests/test_words.py walks the catalogue and every key the code names), not a user. English plurals that
depend on a count have their singular form (`Word.en_one`, chosen when `count == 1`); Chinese has none.

Domain words — target titles, field labels, grades, yes/no words — are not here: they come from the
targets YAML (with its own `title_en`, `label_en`), and a Translator picks between them with `pick`.
Issue messages live in issues.py, one template per code and language; the words they name (why a file
could not be read, which kind of header is missing) are `Ref`s to this catalogue, so readers report codes
and values, never sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

Lang = Literal["zh", "en"]


class Word(NamedTuple):
    """One word or phrase: Chinese, English, and the English singular where a {count} decides."""

    zh: str
    en: str
    en_one: str | None = None


@dataclass(frozen=True)
class Ref:
    """A word of the catalogue named in an issue's parameters, rendered in the language the issue is read in."""

    key: str
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


class Translator:
    """The words of one language: tr("key", **params); tr.pick(zh, en) for the YAML's own bilingual words."""

    def __init__(self, lang: Lang | str = "zh") -> None:
        self.lang: Lang = "en" if lang == "en" else "zh"
        self.en = self.lang == "en"

    def __call__(self, key: str, **params: Any) -> str:
        word = WORDS[key]
        text = word.en if self.en else word.zh
        if self.en and word.en_one is not None and params.get("count") == 1:
            text = word.en_one
        return text.format(**params) if params else text

    def pick(self, zh: str, en: str | None) -> str:
        """A word the targets file gives in both languages (en may be missing: then the Chinese)."""
        return (en or zh) if self.en else zh

    def ref(self, ref: Ref) -> str:
        return self(ref.key, **{k: self.ref(v) if isinstance(v, Ref) else v for k, v in ref.params.items()})


WORDS: dict[str, Word] = {
    # ---- labels of the terminal, CSV and JSON outputs
    "district": Word("全区", "District"),
    "target": Word("指标", "Target"),
    "required": Word("要求", "Required"),
    "actual": Word("实际", "Actual"),
    "met": Word("达标", "Met"),
    "needed": Word("还差", "Needed"),
    "rank": Word("排名", "Rank"),
    "street": Word("街道", "Street"),
    "score": Word("得分", "Score"),
    "grade": Word("等次", "Grade"),
    "status": Word("状态", "Status"),
    "file": Word("文件", "File"),
    "where": Word("位置", "Where"),
    "community": Word("社区", "Community"),
    "problem": Word("问题", "Problem"),
    "communities": Word("社区数", "Communities"),
    "summary": Word("{title}：应报{expected}个街道，已报{submitted}个，读取{communities}个社区", "{title}: {submitted} of {expected} streets submitted, {communities} communities read"),
    "district_table": Word("全区指标完成情况", "District targets"),
    "street_table": Word("街道得分", "Street scores"),
    "issues_table": Word("问题清单（{count}条）", "Issues ({count})", "Issue (1)"),
    "no_issues": Word("没有发现问题。", "No issues found."),
    "general": Word("其他", "General"),
    "status_submitted": Word("已报送", "submitted"),
    "status_missing": Word("未报送", "not submitted"),
    "status_unreadable": Word("无法读取", "unreadable"),
    "status_duplicate": Word("重复报送", "duplicate"),
    "unit_streets": Word("个街道", " streets", " street"),
    "unit_communities": Word("个社区", " communities", " community"),
    "every": Word("全部", "all"),
    "grades": Word("等次分布", "Grades"),
    "reading": Word("读取", "Reading"),
    "writing": Word("正在写评分表", "Writing the scorecard"),
    "lost": Word("失分", "Lost"),
    "advisory": Word("（不计分）", " (advisory)"),
    # ---- the scorecard: sheet names and labels
    "sheet.overview": Word("总览", "Overview"),
    "sheet.scores": Word("街道得分", "Street scores"),
    "sheet.details": Word("指标明细", "Target details"),
    "sheet.issues": Word("问题清单", "Issues"),
    "sheet.sources": Word("数据来源", "Sources"),
    "sheet.progress": Word("进度", "Progress"),
    "card.district": Word("全区", "District"),
    "card.period": Word("考核期", "Period"),
    "card.targets_file": Word("目标文件", "Targets file"),
    "card.run": Word("生成时间", "Generated"),
    "card.expected": Word("应报街道", "Streets expected"),
    "card.submitted": Word("已报街道", "Streets submitted"),
    "card.communities": Word("读取社区", "Communities read"),
    "card.issues_n": Word("问题条数", "Issues"),
    "card.target": Word("指标", "Target"),
    "card.points": Word("分值", "Points"),
    "card.required": Word("要求", "Required"),
    "card.actual": Word("实际", "Actual"),
    "card.met": Word("达标", "Met"),
    "card.needed": Word("还差", "Needed"),
    "card.grade": Word("等次", "Grade"),
    "card.count": Word("街道数", "Streets"),
    "card.rank": Word("排名", "Rank"),
    "card.street": Word("街道", "Street"),
    "card.status": Word("状态", "Status"),
    "card.score": Word("得分", "Score"),
    "card.file": Word("文件", "File"),
    "card.unit": Word("单位", "Unit"),
    "card.community": Word("社区", "Community"),
    "card.value": Word("填报值", "Value"),
    "card.sheet": Word("工作表", "Sheet"),
    "card.cell": Word("单元格", "Cell"),
    "card.severity": Word("级别", "Severity"),
    "card.code": Word("代码", "Code"),
    "card.message": Word("问题", "Problem"),
    "card.hint": Word("修改办法", "How to fix"),
    "card.kind": Word("类别", "Kind"),
    "card.size": Word("大小(字节)", "Size (bytes)"),
    "card.modified": Word("修改时间", "Modified"),
    "card.sha": Word("SHA-256", "SHA-256"),
    "card.raw_name": Word("原文件名字节(非UTF-8时)", "Name bytes (if not UTF-8)"),
    "card.lost": Word("失分", "Lost"),
    "card.max": Word("满分", "Max"),
    "card.yes": Word("是", "yes"),
    "card.no": Word("否", "no"),
    "card.none_failing": Word("全部达标。", "Every unit meets every target."),
    "card.no_issues": Word("没有发现问题。", "No issues."),
    "card.grades": Word("等次分布", "Grades"),
    "card.chart_scores": Word("各街道得分", "Street scores"),
    "card.chart_targets": Word("全区指标完成率", "District attainment"),
    "card.share": Word("完成率", "Attained"),
    "card.req_share": Word("要求", "Required"),
    "card.street_page": Word("{name}考核结果", "{name}: assessment"),
    "card.not_submitted": Word("未报送，得0分。", "Not submitted: 0."),
    "card.where_lost": Word("失分明细", "Where points were lost"),
    "card.submission": Word("报送表", "Submission"),
    "card.input": Word("报送表", "submission"),
    "card.roster": Word("街道名单", "roster"),
    "card.targets": Word("目标文件", "targets"),
    "card.version": Word("kaohe 版本", "kaohe version"),
    "card.source": Word("报送目录", "Submissions folder"),
    "card.rows": Word("读取/跳过/拒收行", "Rows read/skipped/rejected"),
    # ---- why a file could not be read (unreadable-file), and what to do
    "unreadable.corrupt": Word("文件已损坏", "the file is damaged"),
    "unreadable.corrupt.hint": Word("用 Excel 或 WPS 打开检查，另存为 .xlsx 后重新报送。", "Open it in Excel or WPS and save as .xlsx."),
    "unreadable.password": Word("文件设置了打开密码", "the file is encrypted with a password"),
    "unreadable.password.hint": Word("在 Excel 或 WPS 中取消打开密码后重新保存。", "Remove the password to open it, then save again."),
    "unreadable.html": Word("文件是网页格式，不是真正的 Excel 文件", "the file is a web page, not a real workbook"),
    "unreadable.html.hint": Word("请用 Excel 打开后另存为.xlsx。", "Open it in Excel and save as .xlsx."),
    "unreadable.empty": Word("空文件", "the file is empty"),
    "unreadable.empty.hint": Word("请重新导出或报送。", "Export or send it again."),
    "unreadable.too-large": Word("文件过大或表格过大", "the file or one of its sheets is too large"),
    "unreadable.too-large.hint": Word("删除无关的工作表和空行后重新保存。", "Remove unrelated sheets and empty rows, then save."),
    "unreadable.not-workbook": Word("不是电子表格文件", "not a spreadsheet file"),
    "unreadable.not-workbook.hint": Word("请报送 .xlsx、.xls、.et 或 .ods 文件。", "Send an .xlsx, .xls, .et or .ods file."),
    "unreadable.old-excel": Word("文件是 Excel 2.x–4.x 的旧格式（1994 年以前）", "the file is in the Excel 2.x–4.x format (before 1994)"),
    "unreadable.old-excel.hint": Word("用 Excel 或 WPS 打开后另存为 .xlsx。", "Open it in Excel or WPS and save as .xlsx."),
    "unreadable.not-submission": Word("是电子表格，但找不到“街道名称”和“社区名称”表头，不像街道报送表", "a spreadsheet, but with no 街道名称 label and no 社区名称 header: not a submission"),
    "unreadable.not-submission.hint": Word("请使用下发的模板填报。", "Use the template handed out by the bureau."),
    "unreadable.io": Word("无法打开文件", "the file cannot be opened"),
    "unreadable.io.hint": Word("检查文件权限。", "Check the file's permissions."),
    "unreadable.xml": Word("文件是 XML 格式（Excel 2003 XML 或其他），不是真正的 Excel 文件", "the file is XML, not a real workbook"),
    "unreadable.xml.hint": Word("请用 Excel 打开后另存为.xlsx。", "Open it in Excel and save as .xlsx."),
    "unreadable.hostile": Word("文件结构异常（压缩炸弹或不安全的 XML），为安全起见不予读取", "the file is built to attack readers (zip bomb or unsafe XML) and is refused"),
    "unreadable.hostile.hint": Word("请用 Excel 或 WPS 重新保存为.xlsx 后报送。", "Save it again as .xlsx in Excel or WPS."),
    "unreadable.crashed": Word("读取此文件时解析程序异常退出，文件可能已损坏或结构异常", "the spreadsheet parser failed on this file"),
    "unreadable.crashed.hint": Word("用 Excel 或 WPS 打开后另存为 .xlsx 再报送。", "Open it in Excel or WPS and save it again as .xlsx."),
    "unreadable.too-slow": Word("读取此文件超时，文件结构异常", "reading this file took too long"),
    "unreadable.too-slow.hint": Word("用 Excel 或 WPS 打开后另存为 .xlsx 再报送。", "Open it in Excel or WPS and save it again as .xlsx."),
    "unreadable.folder": Word("这是一个文件夹，不是文件", "this is a folder, not a file"),
    "unreadable.folder.hint": Word("把报送表放在考核目录下，不要放在子文件夹里。", "Put the workbook itself in the folder."),
    "unreadable.symlink": Word("这是一个符号链接（快捷方式），不予读取", "this is a symbolic link and is not followed"),
    "unreadable.symlink.hint": Word("把报送表本身复制到考核目录。", "Copy the workbook itself into the folder."),
    # ---- why a file beside the workbooks was not read (ignored-file)
    "ignored.archive": Word("压缩包，kaohe 不打开压缩包", "an archive; kaohe does not open archives"),
    "ignored.archive.hint": Word("解压后把其中的报送表放进文件夹。", "Extract it and put the workbook itself in the folder."),
    "ignored.document": Word("文档，不是电子表格", "a document, not a spreadsheet"),
    "ignored.document.hint": Word("报送数据请填入下发的模板表格。", "Enter the figures in the template workbook instead."),
    "ignored.image": Word("图片，不是电子表格", "a picture, not a spreadsheet"),
    "ignored.image.hint": Word("报送数据请填入下发的模板表格。", "Enter the figures in the template workbook instead."),
    "ignored.kaohe-output": Word("kaohe 生成的考核结果表，不是街道报送表", "a scorecard kaohe wrote, not a street's submission"),
    "ignored.kaohe-output.hint": Word("考核结果表请不要放在报送表文件夹里。", "Keep scorecards out of the submissions folder."),
    "ignored.other": Word("不是电子表格文件", "not a spreadsheet file"),
    "ignored.other.hint": Word("如果这是报送表，请另存为 .xlsx 后放回文件夹。", "If it is a submission, save it as .xlsx."),
    # ---- the terminal: check, compare, progress
    "provisional": Word("暂评 ", "provisional "),
    "group_count": Word("{name}（{count}）", "{name} ({count})"),
    "community_prefix": Word("{name}：", "{name}: "),
    "rank_short": Word("排名", "#"),
    "legend_points": Word("{name}{points}分", "{name}={id}"),
    "cmp.street": Word("街道", "Street"),
    "cmp.score": Word("得分", "Score"),
    "cmp.change": Word("变化", "Change"),
    "cmp.grade": Word("等次", "Grade"),
    "cmp.rank": Word("排名", "Rank"),
    "cmp.gained_lost": Word("新达标 / 失去", "Gained / lost"),
    "cmp.warnings": Word("可疑的数据变化", "Changes that look wrong"),
    "cmp.field_change": Word("{label}{what}：{before} → {after}", "{label} {what}: {before} → {after}"),
    "cmp.vanished": Word("社区不见了", "community vanished"),
    "cmp.appeared": Word("新出现的社区", "community appeared"),
    "cmp.decreased": Word("减少了", "decreased"),
    "cmp.jumped": Word("变化过大", "jumped"),
    "progress.title": Word("全区进度：{periods}", "District progress: {periods}"),
    "progress.year_end": Word("年底预计", "Year-end"),
    "progress.streets": Word("街道进度（有风险的在前）", "Streets, those at risk first"),
    "progress.likely_miss": Word("年底可能未达标", "Likely to miss at year-end"),
    "progress.needs": Word("（还差{n}）", " (needs {n})"),
    "progress.short_by": Word("（还差{n}）", " (short by {n})"),
    "yes": Word("是", "yes"),
    "no": Word("否", "no"),
    "unreadable_value": Word("(无法读取)", "(unreadable)"),
    "severity.error": Word("错误", "error"),
    "severity.warning": Word("提醒", "warning"),
    "severity.info": Word("信息", "info"),
    # ---- what the readers name in their issues (Refs)
    "expected.integer": Word("整数", "a whole number"),
    "expected.number": Word("数字", "a number"),
    "what.header": Word("表头", "column header"),
    "what.column": Word("列", "column"),
    "what.label": Word("项目", "label"),
    "what.nothing": Word("", ""),
    "row_note.no_name": Word("，该行填有数据但没有社区名称，整行未计入",
                             "; the row has figures but no name and is not counted"),
    "unreadable.note.too_large": Word(
        "（工作表“{sheet}”用到第 {rows:,} 行、第 {col} 列，共 {cells:,} 个单元格；最多可读 1,000,000 个单元格、65,536 行）",
        " (sheet “{sheet}” reaches row {rows:,} and column {col}, {cells:,} cells; at most 1,000,000 cells and "
        "65,536 rows are read)"),
    "unreadable.note.not_submission": Word("（工作表：{sheets}；第一行有内容的是：{first}）",
                                           " (sheets: {sheets}; the first row with content: {first})"),
    "unreadable.note.ole": Word("（这是不含工作簿的 Office 文档）", " (an Office document without a workbook)"),
    "unreadable.note.kind": Word("（这是 {detail} 文件）", " (it is a {detail} file)"),
    "unreadable.note.detail": Word("（{detail}）", " ({detail})"),
    "recorded_again": Word("已再次记录 {period}：以这次为准，之前的 {n} 次记录仍保留在历史文件中。", "{period} recorded again: this run counts from now on; the {n} earlier run(s) stay in the history file."),
    # ---- what went wrong, when a run cannot be made (cli.main, KaoheError keys)
    "err.stdout": Word("标准输出（重定向的文件）", "the standard output (the file it was sent to)"),
    "warn.no_progress": Word("考核结果表中略去了“进度”表：{detail}", "the scorecard leaves out its Progress sheet: {detail}"),
    "err.interrupted": Word("已中断，没有留下未写完的文件", "interrupted; no half-written file was left"),
    "err.disk_full": Word("磁盘已满，无法写入 {path}。请腾出空间后重新运行。", "the disk is full: {path} cannot be written. Free some space and run again."),
    "err.read_only": Word("{path} 所在位置是只读的，无法写入。请换一个文件夹（--out）。", "{path} is on a read-only place and cannot be written. Choose another folder (--out)."),
    "err.permission": Word("没有权限写入或替换 {path}：它可能正在 Excel 或 WPS 中打开，或文件夹不允许写入。请关闭该文件后重新运行，或换一个文件夹。", "{path} cannot be written or replaced: it may be open in Excel or WPS, or the folder is not writable. Close it and run again, or choose another folder."),
    "err.not_found": Word("找不到 {path}", "{path} does not exist"),
    "err.not_a_folder": Word("{path} 应该是一个文件夹，但它是一个文件（或反之）", "{path} should be a folder but is a file (or the other way round)"),
    "err.os": Word("{path}：{detail}", "{path}: {detail}"),
    "err.bug": Word("内部错误（{kind}：{detail}）。请加上 --debug 重新运行，并把输出发给维护者。", "internal error ({kind}: {detail}). Run again with --debug and send the output to the maintainers."),
    "err.locked": Word("无法替换 {path}：请先在 Excel 或 WPS 中关闭 {name}，然后重新运行。原文件没有改动。", "{path} cannot be replaced: close {name} in Excel or WPS and run again. The old file is unchanged."),
    "err.exists": Word("{path} 已经存在。要替换它，请加 --force。", "{path} already exists; add --force to replace it."),
    "err.no_workbooks": Word("在 {path} 中没有找到任何报送表（.xlsx、.xls、.et、.ods、.csv）。请检查文件夹路径。", "no submission workbook (.xlsx, .xls, .et, .ods, .csv) was found in {path}. Check the folder."),
    "err.targets_invalid": Word("目标文件有误：\n{zh}", "the targets file is not valid:\n{en}"),
    "err.record_needs_intake": Word("只有 kaohe.assess() 得到的考核结果才能记入历史（它带有各项数据）", "only a report made by kaohe.assess() can be recorded (it carries the figures)"),
    "err.report_needs_targets": Word("这个考核结果没有带上目标文件：请用 kaohe.assess() 或 check() 得到它", "this report does not carry its targets: make it with kaohe.assess() or check()"),
    "err.targets_yaml": Word("目标文件不是有效的 YAML：{path}:{detail}", "{path}:{detail}"),
    "err.targets_missing": Word("{path}：找不到目标文件", "{path}: no such targets file"),
    "err.targets_unreadable": Word("{path}：无法读取目标文件（{detail}）", "{path}: cannot read the targets file ({detail})"),
    "err.targets_too_large": Word("{path}：目标文件最大 {limit:,} 字节", "{path}: a targets file is at most {limit:,} bytes"),
    "err.targets_not_utf8": Word("{path}：目标文件不是 UTF-8 文本，请用 UTF-8 编码保存", "{path}: not UTF-8 text; save it as UTF-8"),
    "err.targets_not_mapping": Word("{path}：目标文件应是一个 YAML 映射（schema:、fields:、targets:、grades:）", "{path}: a targets file is a YAML mapping (schema:, fields:, targets:, grades:)"),
    "err.no_workbook": Word("{path}：找不到这个报送表", "{path}: no such workbook"),
    "err.no_source": Word("{path}：找不到这个文件夹或报送表", "{path}: no such folder or workbook"),
    "err.scorecard_suffix": Word("{path}：考核结果表应保存为 .xlsx 文件", "{path}: the scorecard is an .xlsx file"),
    "err.history_empty": Word("{path}：还没有记录任何考核（用 kaohe assess --record --period … 记录）", "{path}: no assessment recorded yet (kaohe assess --record --period …)"),
    "err.history_none": Word("{path}：还没有考核历史（用 kaohe assess --record 记录）", "{path}: no history yet (record one with kaohe assess --record)"),
    "err.history_no_period": Word("{path}：没有记录考核期 {period}（已记录：{known}）", "{path}: no assessment recorded for period {period} (recorded: {known})"),
    "err.history_unreadable": Word("{path}：无法打开考核历史（{detail}）", "{path}: cannot open the history ({detail})"),
    "err.not_a_report": Word("{path}：不是 kaohe 的 JSON 考核报告（{detail}）", "{path}: not a kaohe JSON report ({detail})"),
    "err.over_input": Word("{path}：这是输入文件之一，不会被覆盖", "{path}: refusing to write over an input file"),
    "err.no_folder": Word("{path}：文件夹 {folder} 不存在", "{path}: the folder {folder} does not exist"),
    "err.roster_missing": Word("{path}：找不到街道名单文件", "{path}: no such roster file"),
    "err.roster_unreadable": Word("{path}：无法读取街道名单（{detail}）", "{path}: cannot read the roster ({detail})"),
    "err.roster_empty": Word("{path}：街道名单中没有街道（应有“街道名称”一列）", "{path}: the roster names no street (expected a 街道名称 column)"),
    "err.period": Word("考核期“{period}”的写法不对：应为 2005、2005-H1、2005-Q3 或 2005-M09 这样的形式", "the period “{period}” is not valid: write it as 2005, 2005-H1, 2005-Q3 or 2005-M09"),
    # ---- the blank templates (the field headers stay the targets file's labels: that is what kaohe reads)
    "tpl.sheet.street": Word("街道情况", "Street"),
    "tpl.sheet.communities": Word("社区情况", "Communities"),
    "tpl.sheet.guide": Word("填表说明", "How to fill in"),
    "tpl.item": Word("项目", "Item"),
    "tpl.value": Word("数值", "Value"),
    "tpl.requirement": Word("填写要求", "What to enter"),
    "tpl.title": Word("{street}社区建设情况统计表({period}年度)", "{street}: community building, {period}"),
    "tpl.unit": Word("填报单位:{street}", "Filled in by: {street}"),
    "tpl.date": Word("填报日期:", "Date:"),
    "tpl.no": Word("序号", "No."),
    "tpl.signature": Word("单位负责人:            填表人:            联系电话:", "Head of unit:            Filled in by:            Phone:"),
    "tpl.guide_title": Word("{title} 填表说明", "{title}: how to fill in"),
    "tpl.guide.1": Word("1. 本表由{street}填报：“{street_sheet}”填街道的情况，“{communities_sheet}”每个社区居委会填一行。", "1. Filled in by {street}: “{street_sheet}” for the street, one row per community in “{communities_sheet}”."),
    "tpl.guide.2": Word("2. 请保留表头文字，不要增删或合并列；社区多于预留行数时在表格下方接着填写。", "2. Keep the header texts; do not add, remove or merge columns; more communities go on below the table."),
    "tpl.guide.3": Word("3. 数字只填一个数，单位可省略；是/否、有/无类项目请从下拉列表中选择。", "3. One number per figure (the unit may be left out); pick yes/no items from the list."),
    "tpl.guide.4": Word("4. 合计行、备注、签名行不计为社区；同一社区不要重复填写。", "4. Total, note and signature rows are not communities; list each community once."),
    "tpl.guide.5": Word("5. 填好后用 Excel 或 WPS 保存；可先用 kaohe check 自查。", "5. Save it in Excel or WPS; kaohe check shows what is still wrong."),
    "tpl.hint.number": Word("填写{kind}{unit}{span}；不要写“约”或范围。", "Enter {kind}{unit}{span}; no “about”, no range."),
    "tpl.hint.unit": Word("，单位{unit}", ", in {unit}"),
    "tpl.hint.span": Word("，范围{low}~{high}", " between {low} and {high}"),
    "tpl.hint.choose": Word("从下拉列表中选择：{choices}", "Choose from the list: {choices}"),
    "tpl.hint.key": Word("填写全称。", "Enter the full name."),
    "tpl.hint.optional": Word("选填。", "Optional."),
    # ---- targets check: a targets file in plain words
    "explain.and": Word(" 且 ", " and "),
    "explain.or": Word(" 或 ", " or "),
    "explain.is_yes": Word("{label}为“是”", "{label} is yes"),
    "explain.is_no": Word("{label}为“否”", "{label} is no"),
    "explain.in": Word("{label}属于{values}", "{label} is one of {values}"),
    "explain.between": Word("{label}在{low}~{high}之间", "{label} between {low} and {high}"),
    "explain.every": Word("每个{unit}都须满足", "every {unit} must meet it"),
    "explain.share_at_least": Word("至少{share}的{unit}满足", "at least {share} of {units}"),
    "explain.share_more_than": Word("超过{share}的{unit}满足（严格多于）", "strictly more than {share} of {units}"),
    "explain.count_at_least": Word("至少{n}个{unit}满足", "at least {n} {units}"),
    "explain.count_at_most": Word("至多{n}个{unit}满足", "at most {n} {units}"),
    "explain.count_between": Word("{low}~{high}个{unit}满足", "{low} to {high} {units}"),
    "explain.count_ratio": Word("满足的{unit}数至少为{unit}总数×{ratio}（向上取整）", "at least ⌈n × {ratio}⌉ of n {units}"),
    "explain.advisory": Word("不计分（参考指标）", "advisory: 0 points"),
    "explain.all_or_nothing": Word("达标得{points}分，否则0分", "{points} points if met, else 0"),
    "explain.proportional": Word("按完成比例得分，最多{points}分", "{points} × min(1, actual / required)"),
    "explain.deduct": Word("{points}分，每有一个不达标扣{step}分，扣完为止",
                           "{points} points, minus {step} per failing unit, down to 0"),
    "explain.bonus": Word("（加分项）", " (bonus)"),
    "explain.veto": Word("；一票否决", "; veto: failing it caps the grade"),
    "explain.title": Word("{title}（{period}）", "{title} ({period})"),
    "explain.summary": Word("计分指标{scored}项，满分{total}分；参考指标{advisory}项。",
                            "{scored} scored targets worth {total} points; {advisory} advisory."),
    "explain.unit_community": Word("社区", "community"),
    "explain.units_community": Word("社区", "communities"),
    "explain.unit_street": Word("街道", "street"),
    "explain.units_street": Word("街道", "streets"),
    "explain.each_street": Word("每个街道：{what}", "each street: {what}"),
    "explain.scope_district": Word("全区", "district"),
    "explain.scope_street": Word("每个街道的社区中", "within each street"),
    "explain.rule": Word("{scope}，{require}：{what}", "{scope}, {require}: {what}"),
    "explain.only": Word("（只计{cond}的社区）", " (only communities where {cond})"),
    "explain.line": Word("    {rule}；{scoring}。", "    {rule}; {scoring}."),
    "explain.district": Word("    全区：{require}。", "    district: {require}."),
    "explain.grades": Word("等次：{bands}。", "Grades: {bands}."),
    "explain.bonus_cap": Word("加分合计不超过{cap}分。", "Bonus points are capped at {cap}."),
    "explain.list_sep": Word("，", ", "),
}
