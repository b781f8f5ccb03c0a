"""The catalog of findings: a stable kebab-case code, a message template and a fix hint per code, zh and en.

Readers never raise for bad data; they yield an `Issue` and go on. The message is rendered when the report is
shown, so one run can be printed in Chinese and in English.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from kaohe.words import WORDS, Ref, Translator

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Kind:
    """One kind of finding."""

    code: str
    severity: Severity
    zh: str
    en: str
    hint_zh: str
    hint_en: str


CATALOG: dict[str, Kind] = {
    k.code: k
    for k in [
        Kind("invalid-number", "error",
             "“{label}”应填{expected}，实际为“{value}”",
             "{label_en} should be {expected}, found “{value}”",
             "只填一个数字，不要写“约”“待定”或范围；单位可省略。",
             "Enter a single number: no “about”, no range; the unit may be left out."),
        Kind("invalid-choice", "error",
             "“{label}”只能填{choices}，实际为“{value}”",
             "{label_en} must be one of {choices}, found “{value}”",
             "从下拉选项中选择，或按说明填写。",
             "Pick one of the listed values."),
        Kind("missing-value", "error",
             "“{label}”未填写{row_note}",
             "{label_en} is blank{row_note}",
             "补填该单元格。",
             "Fill in this cell."),
        Kind("out-of-range", "error",
             "“{label}”为{value}，超出合理范围{low}~{high}",
             "{label_en} is {value}, outside the plausible range {low}–{high}",
             "核对数值和单位（平方米、户、人）。",
             "Check the figure and its unit."),
        Kind("formula-no-value", "error",
             "“{label}”是公式（{formula}），但文件中没有保存计算结果",
             "{label_en} is a formula ({formula}) with no saved result",
             "用 Excel 或 WPS 打开后重新保存，或直接填写数值。",
             "Open the file in Excel or WPS and save it again, or type the value."),
        Kind("excel-error", "error",
             "“{label}”是错误值 {value}",
             "{label_en} holds the error value {value}",
             "修正公式或直接填写数值。",
             "Fix the formula or type the value."),
        Kind("duplicate-community", "error",
             "社区“{community}”在本表中重复出现（首次在{first}），本行未计入",
             "Community “{community}” appears twice (first on {first}); this row is not counted",
             "是两个社区的，更正其中一行的名称；是同一个社区的，核对两行的数据，合并成一行。",
             "If they are two communities, correct one row's name; if one, check both rows' figures and merge them."),
        Kind("missing-column", "error",
             "找不到“{label}”{what}，该项全部按无法读取处理",
             "No {label_en} {what} was found; every value of it counts as unreadable",
             "按模板补上该列（或该项），表头文字与模板一致。",
             "Add the column (or label) as in the template."),
        Kind("table-unplaced", "error",
             "社区表中有 {count} 项数据找不到对应的列：{labels}，这些项全部按无法读取处理；"
             "表头中没有认出的文字：{found}",
             "In the community table, {count} fields have no column kaohe recognises: {labels_en}; every value of "
             "them counts as unreadable. Header texts not recognised: {found}",
             "这些列如果在表中、只是写法不同，请区里运行 kaohe targets learn 把写法加进目标文件；"
             "不在表中的，按模板补上。",
             "If the columns are there under other headers, the bureau runs kaohe targets learn to add them to the "
             "targets file; columns that are not there are added as in the template."),
        Kind("unreadable-file", "error",
             "文件无法读取：{reason}{detail_note}",
             "The file cannot be read: {reason}{detail_note}",
             "{hint}",
             "{hint}"),
        Kind("duplicate-submission", "error",
             "“{street}”同时由 {files} 报送，在合并为一份之前该街道不予评分",
             "{street} is named by {files}; it is not scored until they are one workbook",
             "如果是同一张表的前后两版，只留最新的一份；如果各有一部分数据（如街道情况和社区情况分在两个文件），"
             "请合并到一个文件里，不要删掉任何一份的数据。",
             "If they are two versions of one workbook, keep the latest; if each holds part of the figures "
             "(the street's facts in one, the communities in the other), merge them into one — delete neither's "
             "figures."),
        Kind("files-joined", "warning",
             "{street}的报送分在两个文件中：街道情况在 {facts}，社区情况在 {communities}，已合并为一份读取",
             "{street} sent two files: the street's facts in {facts}, its communities in {communities}; they were "
             "read as one submission",
             "不用改。下次可以把两部分填在同一个文件里。",
             "Nothing to change. Next time both parts may go in one file."),
        Kind("other-period-file", "warning",
             "这个文件写的是其他年份，不是考核期（{period}）的，没有读取；{street}读取的是 {chosen}",
             "This file names another year than the period assessed ({period}): not read; {street} was read from "
             "{chosen}",
             "不用改：其他年份的文件不会计入本期。确认 {chosen} 是本期的表。",
             "Nothing to change: another year's file never counts for this period. Check that {chosen} is the "
             "period's."),
        Kind("unknown-street", "error",
             "工作簿中的街道名称“{street}”不在街道名单中，文件未计入",
             "The workbook names “{street}”, which is not on the roster; the file is ignored",
             "核对街道名称，与名单中的写法一致。",
             "Check the street name against the roster."),
        # ---- findings of on-site verification (kaohe assess --verified)
        Kind("findings-no-columns", "error",
             "核查结果表中没有找到“项目”“核实值”两列（和“街道”列），整个文件未使用",
             "No 项目 (item) and 核实值 (verified value) columns (and a 街道 column) found: the file is not used",
             "表头应有：街道、社区、项目、核实值、说明、核查人、日期（顺序不限）。",
             "Head the columns 街道, 社区, 项目, 核实值, 说明, 核查人, 日期 (any order)."),
        Kind("finding-unknown-street", "error",
             "核查结果中的街道“{name}”不在街道名单中，这一条未使用",
             "The finding names the street “{name}”, which is not on the roster: not applied",
             "按街道名单的写法填写街道名称。",
             "Write the street as the roster does."),
        Kind("finding-no-submission", "error",
             "{street}没有可读取的报送表，核查结果无处可用",
             "{street} has no readable submission: the finding cannot be applied",
             "先让该街道报送，或删除这一条。",
             "Have the street submit first, or remove the finding."),
        Kind("finding-unknown-community", "error",
             "{street}的报送表中没有社区“{name}”，这一条未使用",
             "{street}'s workbook has no community “{name}”: not applied",
             "按该街道报送表中的社区名称填写。",
             "Write the community as the street's workbook does."),
        Kind("finding-needs-community", "error",
             "“{label}”是社区的数据，这一条没有写社区，未使用",
             "{label_en} is a community figure and the finding names no community: not applied",
             "在“社区”列填写社区名称。",
             "Name the community."),
        Kind("finding-unknown-item", "error",
             "核查项目“{name}”不是目标文件中的数据项，这一条未使用",
             "The item “{name}” is not a field of the targets file: not applied",
             "按报送表的表头填写项目名称，如“服务站服务用房面积”。",
             "Use a field name as in the submission's headers."),
        Kind("evidence-insufficient", "warning",
             "佐证材料不足（{target}）：{reason}",
             "Evidence found insufficient ({target}): {reason}",
             "补充能证明该项数据的材料（照片、证书、合同等）后再上传。",
             "Send material that proves the figure (photos, certificates, contracts)."),
        Kind("appeal-no-decision", "error",
             "第 {number} 号申诉没有写明裁定结果，未使用",
             "Appeal {number} has no decision: not applied",
             "在“裁定”一栏写“{upheld}”（按本行的核实值执行）或“{rejected}”。",
             "Write “{upheld}” (the row's value is applied) or “{rejected}” in the decision column."),
        Kind("finding-conflict", "error",
             "同一数据有两条不一致的核查结果（{values}），都未使用",
             "Two findings for the same figure disagree ({values}): neither is applied",
             "保留正确的一条，删除另一条。",
             "Keep the right one and remove the other."),
        Kind("adjustment-needs-reason", "error",
             "{street}的{kind}没有写说明，未使用",
             "{street}'s {kind} gives no reason: not applied",
             "在“说明”中写明原因，在“依据”中写明文件或文号。",
             "Give the reason (说明) and a reference (依据)."),
        Kind("adjustment-over-limit", "error",
             "{street}的{kind}合计{total}分，超过目标文件允许的{limit}分，未使用",
             "{street}'s {kind} total {total} points, over the {limit} the targets file allows: not applied",
             "按目标文件的 verification.adjustments 调整分数。",
             "Keep within verification.adjustments of the targets file."),
        Kind("missing-submission", "error",
             "{street}未报送",
             "{street} sent no workbook",
             "请该街道报送考核表。",
             "Ask the street for its workbook."),
        Kind("total-mismatch", "warning",
             "合计行的“{label}”为{value}，各社区相加为{expected}",
             "The total row's {label_en} is {value}; the communities add up to {expected}",
             "核对合计行或各社区数据。",
             "Check the total row or the community figures."),
        Kind("doubtful-column", "error",
             "“{label}”一列的 {filled} 个值中有 {bad} 个无法读取（如 {examples}），表格的结构或用词可能与模板不同，"
             "这一列未读取",
             "{bad} of the {filled} values in the {label_en} column cannot be read (e.g. {examples}): the table "
             "may be laid out or worded unlike the template; the column was not read",
             "核对这一列是否确为“{label}”，并按模板的写法填写；如果是本单位的习惯用词，请区里把它加入目标文件。",
             "Check that this column is {label_en} and fill it as the template asks; if the words are an office "
             "habit, the bureau can add them to the targets file."),
        Kind("count-mismatch", "warning",
             "合计行写明 {stated} 个社区，实际读到 {read} 个",
             "The total row states {stated} communities; {read} were read",
             "核对是否有社区漏填、重复，或表格在别处还有续表。",
             "Check for communities left out or repeated, or a table continued elsewhere."),
        Kind("second-table", "warning",
             "工作表“{other}”中还有一个社区表（{other_cell}），未读取；只读取了“{sheet}”中的表",
             "Sheet “{other}” holds another community table ({other_cell}) that was not read; only the table "
             "in “{sheet}” was",
             "核对两张表：如果是副本，以读取的那张为准；如果另一张里有本期的社区，把它们填到读取的那张表里。",
             "Compare the two: if it is a copy, the table read stands; if the other holds communities of the period, "
             "enter them in the table read."),
        Kind("table-joined", "warning",
             "工作表“{other}”中的社区表有 {fields} 列，已按社区名称与“{table}”中的表合并（{count} 个社区两边都有）",
             "The community table in “{other}” holds {fields_en}; it was joined with the table in “{table}” by "
             "community name ({count} communities in both)",
             "不用改。核对两张表的社区名称是否一致。",
             "Nothing to change. Check that both tables name the communities alike."),
        Kind("joined-missing", "error",
             "社区“{community}”不在工作表“{other}”的表中，{fields} 无法读取",
             "Community “{community}” is not in the table in “{other}”: its {fields_en} cannot be read",
             "在“{other}”的表中为该社区补上一行（名称与本表一致）。",
             "Add a row for it to the table in “{other}”, named as here."),
        Kind("joined-extra", "warning",
             "工作表“{other}”的表中有 {count} 个社区不在“{table}”的表中（{names}），没有读取",
             "{count} communities of the table in “{other}” are not in the table in “{table}” ({names}): not read",
             "如果它们是本街道的社区，在“{table}”的表中补上它们的行；如果名称写法不同，改成一致。",
             "If they are the street's, add their rows to the table in “{table}”; if named differently, name them "
             "alike."),
        Kind("joined-conflict", "error",
             "“{label}”在两张表中不一致：本格为 {value}，{other} 为 {other_value}；该项不予计分",
             "{label_en} differs between the two tables: {value} here, {other_value} at {other}; it is not "
             "counted",
             "核对两处，改成一致的正确数值。",
             "Check both cells and make them agree on the right figure."),
        Kind("table-part", "warning",
             "工作表“{other}”中另有一个社区表（{other_cell}），有读取的表没有的列 {fields}，未读取：只读取了“{sheet}”"
             "中的表，两张表不会按社区名称自动合并",
             "Sheet “{other}” holds another community table ({other_cell}) with columns the table read lacks "
             "({fields_en}); it was not read: only the table in “{sheet}” was, and two tables are not joined by "
             "community name",
             "把这些列复制到“{sheet}”的表中，每个社区填在自己的行上；两张表的数据都不要删除。",
             "Copy those columns into the table in “{sheet}”, each community on its own row; delete neither "
             "table's figures."),
        Kind("table-continued", "warning",
             "社区表接续在{sheets}中，共读取 {count} 个社区",
             "The community table continues over {sheets}; {count} communities read in all",
             "各续表的表头与第一张表相同即可；同一社区只填一次。",
             "Continued tables need the same header as the first; fill each community once."),
        Kind("table-maybe-continued", "warning",
             "工作表“{sheet}”从 {cell} 起有 {rows} 行像是社区表的续表，但没有表头，未读取；只读取了“{table}”中的表",
             "Sheet “{sheet}” has {rows} rows from {cell} that look like the community table continued without "
             "its header; they were not read (only the table in “{table}” was)",
             "在续表上方加上与第一张表相同的表头，或把这些社区移到第一张表中。",
             "Put the first table's header above them, or move them into the first table."),
        Kind("header-period-choice", "warning",
             "“{label}”有多处：{chosen}、{others}；按考核期{period}年读取了 {chosen}",
             "{label_en} is named in several places: {chosen}, {others}; {chosen} was read for the period "
             "{period}",
             "如果读错了列，请在表头中写明每一列的年份（如“2005年户数”“2004年户数”）。",
             "If the wrong column was read, name each column's period in its header (2005年户数, 2004年户数)."),
        Kind("duplicate-column", "warning",
             "“{label}”有多列：{chosen}、{others}；读取了 {chosen}",
             "{label_en} is named by several columns: {chosen}, {others}; {chosen} was read",
             "在表头中写明各列的年份（如“2005年户数”），或给不是这一项的列换一个表头；不要删掉本期的数据。",
             "Name each column's period in its header (2005年户数), or head a column that is not this field "
             "otherwise; delete none of the period's figures."),
        Kind("header-other-period", "warning",
             "“{label}”一列 {chosen} 写的是{year_text}，考核期是{period}年；已按这一列读取",
             "The {label_en} column {chosen} names {year_text}, but the period assessed is {period}; it was read",
             "核对这一列是否为考核期的数据，并改正表头。",
             "Check that this column holds the period's figures, and correct its header."),
        Kind("title-other-period", "warning",
             "标题“{text}”写的是 {named}，本次考核的是 {period}；已按考核期读取",
             "The title “{text}” names {named}, but the period assessed is {period}; it was read as the period's",
             "确认报送的是本期的表：是就改正标题，不是就请重新报送本期的数据。",
             "Check that the workbook holds the period's figures: correct the title, or send the period's figures."),
        Kind("other-period-sheets", "warning",
             "工作表 {sheets} 写的是{year_text}，不是考核期（{period}年），没有读取；只读取考核期的工作表",
             "Sheet(s) {sheets} name {year_text}, not the period assessed ({period}): not read; only the period's "
             "sheets were",
             "不用改：其他年份的表不会计入本期。核对考核期的表是否完整。",
             "Nothing to change: another year's sheets never count for this period. Check that the period's "
             "sheets are complete."),
        Kind("other-period-rows", "warning",
             "第 {rows} 行是其他年份（{year_text}）的表，没有读取；"
             "读取的是考核期（{period}年）的表，表头在第 {chosen} 行",
             "Rows {rows} are another year's table ({year_text}): not read; the period's table ({period}), headed "
             "in row {chosen}, was",
             "不用改：其他年份的表不会计入本期。核对考核期的表是否完整。",
             "Nothing to change: another year's table never counts for this period. Check that the period's table "
             "is complete."),
        Kind("sheet-other-period", "warning",
             "社区表所在的工作表“{sheet}”写的是{year_text}，本次考核的是{period}年；已按考核期读取",
             "The community table's sheet “{sheet}” names {year_text}, but the period assessed is {period}; it "
             "was read as the period's",
             "确认报送的是本期的数据：是就改正工作表名称或标题，不是就请重新报送本期的数据。",
             "Check that it holds the period's figures: correct the sheet's name or title, or send the period's "
             "figures."),
        Kind("vocabulary-gap", "warning",
             "{label}（{columns} 列）用了目标文件没有的词 {words}（{count} 个单元格，如 {cell}），这些值未读取；"
             "如果这是本单位的习惯写法，请在目标文件中加上：{patch}",
             "{columns} column(s) ({label_en}) use words the targets file does not know: {words} ({count} cells, "
             "e.g. {cell}); they were not read. If they are the office's habit, add to the targets file: {patch}",
             "区里把这些词加进目标文件后重新评分（kaohe assess --suggest 一次给出全部建议），"
             "或由街道按模板的写法改填。",
             "The bureau adds the words to the targets file and runs again (kaohe assess --suggest lists them "
             "all), or the street fills the column as the template asks."),
        Kind("community-count-changed", "warning",
             "本期读到 {now} 个社区，上期（{period}）为 {before} 个，变化超过 {share}",
             "{now} communities were read; the last period ({period}) had {before}: a change of more than "
             "{share}",
             "核对社区表是否完整（续表、隐藏的行或工作表），或社区是否确有撤并。",
             "Check that the community table is whole (continued tables, hidden rows or sheets), or that "
             "communities were really merged or split."),
        Kind("no-communities", "warning",
             "社区表中没有读到任何社区，所有社区类指标按未达标计",
             "No community was read from the community table; every community target counts as not met",
             "在表头下方每个社区填一行。",
             "Fill in one row per community under the header."),
        Kind("street-from-file-name", "warning",
             "工作簿中没有街道名称，按文件名认定为“{street}”",
             "The workbook names no street; taken as “{street}” from its file name",
             "在“街道名称”右侧填写街道名称。",
             "Fill in the street name next to its label."),
        Kind("other-street-rows", "warning",
             "表中有 {count} 行属于其他街道（{streets}），只读取了{street}自己的行",
             "{count} rows belong to other streets ({streets}): only {street}'s own rows were read",
             "不用改：其他街道的行不会计入本街道。核对一下本街道的社区是否都在。",
             "Nothing to change: other streets' rows never count for this one. Check that all of yours are there."),
        Kind("group-rows", "warning",
             "第 {rows} 行（{labels}）只有一个分组标题，没有数据，作为分组标题处理，没有算作社区（共 {count} 行）",
             "Rows {rows} ({labels}) hold a group heading and nothing else: headings, not communities ({count})",
             "如果其中有社区，请在该行填写它的数据。",
             "If one of them is a community, fill in its figures on that row."),
        Kind("hidden-rows", "warning",
             "第 {rows} 行是隐藏或被筛选掉的行，没有读取（共 {count} 行）：只读取能看到的行",
             "Rows {rows} are hidden or filtered out and were not read ({count}): only the rows one can see are read",
             "如果其中有本街道的社区，请取消隐藏或清除筛选后再报送。",
             "If any of them is one of the street's communities, unhide it (or clear the filter) and send again."),
        Kind("hidden-columns", "warning",
             "隐藏的列 {columns} 没有读取：同一项数据有能看到的列，读取的是能看到的那一列",
             "Hidden column(s) {columns} were not read: a visible column names the same field and was read",
             "如果隐藏的列才是本期的数据，请取消隐藏，并在另一列的表头写明它的年份（如“2004年户数”）后再报送。",
             "If the hidden column holds the period's figures, unhide it and name the other column's period in its "
             "header (2004年户数), then send again."),
        Kind("hidden-column-read", "warning",
             "“{label}”只有隐藏的一列 {column}，已按这一列读取",
             "The only {label_en} column, {column}, is hidden; it was read",
             "核对这一列是否为本期的数据；是就取消隐藏，方便核对。",
             "Check that it holds the period's figures; if so, unhide it so it can be checked."),
        Kind("stray-cells", "warning",
             "工作表“{sheet}”中有 {count} 个单元格远离其他内容（{cells}），没有读取；其余内容照常读取",
             "Sheet “{sheet}” has {count} cell(s) far from everything else ({cells}): not read; the rest was read",
             "核对这些单元格：误填的清除即可；如果是本期的数据，请填到表中相应的位置。",
             "Check those cells: clear one typed by mistake; if it is a figure of the period, enter it where it "
             "belongs in the table."),
        Kind("encoding-guessed", "warning",
             "这个文本文件既不是 UTF-8 也不是常见的 GBK 编码，已按 GB18030 读取，文字可能有误",
             "This text file is neither UTF-8 nor plain GBK: read as GB18030, its text may be wrong",
             "在 Excel 或 WPS 中另存为“CSV UTF-8”或 .xlsx 后再交。",
             "Save it again from Excel or WPS as “CSV UTF-8” or .xlsx."),
        Kind("street-from-title", "warning",
             "工作簿中没有街道名称，按标题“{title}”认定为“{street}”",
             "The workbook names no street; taken as “{street}” from its title “{title}”",
             "在“街道名称”右侧填写街道名称。",
             "Fill in the street name next to its label."),
        Kind("street-from-folder", "warning",
             "工作簿中和文件名中都没有街道名称，按所在文件夹“{folder}”认定为“{street}”",
             "Neither the workbook nor its file name names a street; taken as “{street}” from its folder “{folder}”",
             "在“街道名称”右侧填写街道名称，或把文件改名为街道名称。",
             "Fill in the street name next to its label, or name the file after the street."),
        Kind("no-workbooks", "warning",
             "在“{source}”中没有找到任何报送表（.xlsx/.xls/.et/.ods/.csv/.docx）",
             "No workbook (.xlsx/.xls/.et/.ods/.csv/.docx) was found in “{source}”",
             "检查文件夹路径；报送表可以放在子文件夹里。",
             "Check the folder; workbooks may sit in subfolders."),
        Kind("ignored-file", "warning",
             "未读取：{kind}",
             "Not read: {kind}",
             "{hint}",
             "{hint}"),
        Kind("roster-header", "warning",
             "街道名单的第一行“{street}”不像街道名称（其他各行都以{endings}等结尾），已按街道处理",
             "The roster's first row “{street}” does not look like a street (the others end in {endings} …); it "
             "was taken as a street",
             "如果这一行是表头，请改为“街道名称”；如果确是街道，可以忽略。",
             "If that row is a header, write 街道名称 there; if it is a street, ignore this."),
        Kind("no-roster", "warning",
             "未提供街道名单，以找到的{count}个街道作为名单",
             "No roster given: the {count} streets found are taken as the roster",
             "用 --roster 指定街道名单，才能发现未报送的街道。",
             "Pass --roster so that missing streets are noticed."),
    ]
}


@dataclass(frozen=True)
class Issue:
    """One finding, located as precisely as the input allows."""

    code: str
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    street: str | None = None
    community: str | None = None
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def kind(self) -> Kind:
        return CATALOG[self.code]

    @property
    def severity(self) -> Severity:
        return self.kind.severity

    def message(self, lang: str = "zh") -> str:
        template = self.kind.en if lang == "en" else self.kind.zh
        return template.format_map(_Params(self.params, lang, street=self.street, community=self.community,
                                           sheet=self.sheet, cell=self.cell))

    def hint(self, lang: str = "zh") -> str:
        template = self.kind.hint_en if lang == "en" else self.kind.hint_zh
        return template.format_map(_Params(self.params, lang, street=self.street, community=self.community,
                                           sheet=self.sheet, cell=self.cell))

    def located(self, **where: Any) -> Issue:
        """The same issue with more of its location filled in."""
        from dataclasses import replace

        return replace(self, **{k: v for k, v in where.items() if getattr(self, k) is None})


class _Params(dict[str, Any]):
    """An issue's parameters for its template: words of the catalogue (Refs) in the language read; a
    parameter with an English form of its own (label_en) stands in for it in English."""

    def __init__(self, params: dict[str, Any], lang: str, **extra: Any) -> None:
        super().__init__({k: v for k, v in extra.items() if v is not None})
        tr = Translator(lang)
        for key, value in params.items():
            self[key] = tr.ref(value) if isinstance(value, Ref) else value

    def __missing__(self, key: str) -> str:
        return ""


def unreadable(file: str, reason: str, detail: str = "", params: dict[str, Any] | None = None) -> Issue:
    """The unreadable-file issue for a reason (words.py: unreadable.<reason>); `params` from
    UnreadableFile.params name the sheet and its size, or what a non-submission holds."""
    key = reason if f"unreadable.{reason}" in WORDS else "corrupt"
    return Issue("unreadable-file", file, params={"reason": Ref(f"unreadable.{key}"),
                                                  "hint": Ref(f"unreadable.{key}.hint"), "detail": detail,
                                                  "detail_note": _detail_note(reason, detail, params or {}),
                                                  "why": reason})


def _detail_note(reason: str, detail: str, params: dict[str, Any]) -> Ref | str:
    """What the clerk is told besides the reason: the sheet and its size, what the file was found to be."""
    if reason == "too-large" and "sheet" in params:
        from kaohe.text import col_letter

        rows, cols = int(params["rows"]), int(params["cols"])
        return Ref("unreadable.note.too_large", {"sheet": params["sheet"], "rows": rows,
                                                  "col": col_letter(cols - 1), "cells": rows * cols})
    if reason == "not-submission" and "sheets" in params:
        return Ref("unreadable.note.not_submission", {
            "sheets": "、".join(f"“{s}”" for s in params["sheets"][:6]),
            "first": " | ".join(params.get("first_row") or []) or "—"})
    if reason == "cannot-open" and f"unreadable.open.{detail}" in WORDS:
        return Ref(f"unreadable.open.{detail}")
    if reason == "not-workbook" and detail == "OLE":
        return Ref("unreadable.note.ole")
    if reason == "not-workbook" and detail:
        return Ref("unreadable.note.kind", {"detail": detail})
    if reason in ("crashed", "too-slow", "hostile", "too-large") and detail:
        return Ref("unreadable.note.detail", {"detail": detail[:120]})
    return ""


def ignored(file: str, kind: str) -> Issue:
    """The ignored-file warning for a file in the submissions folder that is not read (words.py: ignored.*)."""
    key = kind if f"ignored.{kind}" in WORDS else "other"
    return Issue("ignored-file", file, params={"why": kind, "kind": Ref(f"ignored.{key}"),
                                               "hint": Ref(f"ignored.{key}.hint")})
