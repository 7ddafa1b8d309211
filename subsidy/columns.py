"""Every CSV header the tool writes, in one place (ownfiles recognises the tool's own files by them)."""

from __future__ import annotations

# the county-year's outputs: summary.csv (public) and the staff files under internal/
SUMMARY_COLUMNS = ("village_code", "village_name", "subsidy_type", "households", "amount_due", "amount_paid",
                   "amount_failed")
HOUSEHOLD_COLUMNS = ("source_file", "source_sheet", "source_row", "village_code", "village_name", "subsidy_type", "year",
                     "name", "id_number", "id_status", "area", "rate", "amount", "account", "group")
FILE_COLUMNS = ("file", "format", "recognised_as", "sheets", "rows_read", "rows_used", "rows_not_used", "note")
NOT_USED_COLUMNS = ("source_file", "source_sheet", "source_row", "reason", "reason_zh", "text")
DECISION_NOTE_COLUMNS = ("file", "line", "problem_id", "note")
EXCEPTION_COLUMNS = ("problem_id", "kind", "blocks", "decision", "village_code", "source_file", "source_sheet",
                     "source_row", "expected", "found", "detail")
READINESS_COLUMNS = ("village_code", "village_name", "town", "readiness", "notice", "reasons")

# notices/index.csv
INDEX_COLUMNS = ("village_code", "village_name", "town", "households", "amount", "notice", "large_print", "pages",
                 "large_pages", "status", "reason")

# the archive: register.csv, a version's rows.csv and cadres.csv, postings.csv
REGISTER_COLUMNS = ("village_code", "village_name", "town", "county", "year", "kind", "version", "publish_date",
                    "publicity_end", "notice_sha256", "correction", "corrects_version", "published_by", "decisions",
                    "verification_code", "folder")
ROW_COLUMNS = ("subsidy", "seq", "name", "id_number", "area", "rate", "amount", "status", "remark")
CADRE_COLUMNS = ("seq", "name", "post", "subsidy", "amount")
POSTINGS_COLUMNS = ("village_code", "village_name", "town", "county", "year", "kind", "version", "posted_on",
                    "photo", "photo_sha256", "recorded_by", "folder")

# status.csv
STATUS_COLUMNS = ("town", "village_code", "village_name", "readiness", "notice", "published_version",
                  "publish_date", "published_by", "posted_on", "publicity_end", "period", "objections_open",
                  "objections_closed", "overdue", "reasons")

# the open data: villages.csv and payouts.csv (name, type, description: their Data Package schema)
VILLAGE_FIELDS = [("village_code", "string", "村代码（12位统计用区划代码）"), ("village_name", "string", "村名"),
                  ("town", "string", "乡镇（街道）"), ("kind", "string", "公示类型（results 发放结果，application 申报审核）"),
                  ("subsidy", "string", "补贴项目"), ("households", "integer", "户数"),
                  ("amount_due", "number", "应发金额（元）"), ("amount_paid", "number", "实发金额（元），无银行结果时为空"),
                  ("amount_failed", "number", "发放失败金额（元），无银行结果时为空"), ("version", "integer", "公示版本"),
                  ("publish_date", "date", "公示日期")]
PAYOUT_FIELDS = [("village_code", "string", "村代码"), ("village_name", "string", "村名"), ("town", "string", "乡镇（街道）"),
                 ("kind", "string", "公示类型"), ("subsidy", "string", "补贴项目"), ("seq", "integer", "序号"),
                 ("name", "string", "户主姓名（部分隐去）"), ("id_number", "string", "身份证号（只显示前6位和后4位）"),
                 ("area", "number", "面积（亩）"), ("rate", "number", "补贴标准（元/亩）"), ("amount", "number", "金额（元）"),
                 ("status", "string", "发放情况"), ("version", "integer", "公示版本"), ("publish_date", "date", "公示日期")]


OUR_CSV_HEADERS = (SUMMARY_COLUMNS, EXCEPTION_COLUMNS, READINESS_COLUMNS, HOUSEHOLD_COLUMNS, FILE_COLUMNS,
                   NOT_USED_COLUMNS, DECISION_NOTE_COLUMNS, INDEX_COLUMNS, REGISTER_COLUMNS, ROW_COLUMNS, CADRE_COLUMNS,
                   POSTINGS_COLUMNS, STATUS_COLUMNS, tuple(f for f, _, _ in VILLAGE_FIELDS),
                   tuple(f for f, _, _ in PAYOUT_FIELDS))
