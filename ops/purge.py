"""`python -m etl purge`: personal data is kept only as long as it is needed (PIPL).

A person's data is needed until their quarantine (or, never quarantined, their arrival)
is `retention_days` in the past. Then, in one new generation under the writer lock:

- every report of the person loses name, ID and phone (masked forms), room, device and
  the free-text origin; person_key and report_key (both derived from the ID number
  with the local secret) become random tokens that nothing links back to the person.
  One token per person, so the person is still counted once;
- alarms raised up to the cutoff, unless they belong to a person still within the
  retention, lose their room and note, and the device becomes a random token (one per
  device and purge: "repeating devices" still group); the address (road, lane,
  building: no room) and the neighbourhood stay;
- reject and warning values of personal columns from runs finished before the cutoff
  are blanked;
- tickets received before the cutoff lose their room and the text with rooms
  (`content_with_rooms`); every free text (ticket content, handling unit, alarm note,
  origin, addresses, reject and warning values) is scrubbed of phone, ID and room numbers
  once more (etl/privacy.py), so that text stored by an older loader, which missed some
  of their shapes, does not keep them for good.
- the clerks' topic corrections (etl/corrections.py) of tickets received before the
  cutoff lose the ticket text they carried for training (the topic stays corrected).

Kept, so every trend still counts the same: neighbourhood, building, dates, measure,
status, reporter, province of origin, ID validity, alarm type, times and handling. Not
touched: the duty roster's staff work contacts (etl.sources.CLEAR_COLUMNS, the one named
exception; README, threat model), which are the centre's, not the residents' data.
After a purge the older generation files, which still hold what was removed, are
deleted, and old notices in the notification log go too. Each purge is logged in
`meta.purge_log` (cutoff, counts, last run before it) so a rebuild can replay it.
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from etl import corrections, derived, store
from core import settings
from etl.macros import install_macros

TOKEN_PREFIX = "anon:"
# Columns of rejects/warnings whose values (masked, yet personal) are blanked.
PERSONAL_ISSUE_COLUMNS = ("name", "id_number", "phone", "caller_phone", "contact_phone", "address",
                          "device_id", "handled_by", "room")
# A person's data is needed until this date (NULL: no date at all, kept).
END_OF_NEED = "coalesce(quarantine_end, arrived_on, quarantine_start)"
# An alarm (`{alarm}`: the alias of the alarms table in the statement) whose device a person
# still retained had at its time, by their quarantine period: it keeps its device id.
HELD_BY_RETAINED = """EXISTS (SELECT 1 FROM roster_reports r
                          WHERE r.device_id = {alarm}.device_id
                            AND NOT starts_with(r.person_key, $prefix)
                            AND r.person_key NOT IN (SELECT person_key FROM _purge_persons)
                            AND CAST({alarm}.raised_at AS DATE)
                                BETWEEN coalesce(r.quarantine_start, r.arrived_on, DATE '1900-01-01')
                                    AND coalesce(r.quarantine_end, DATE '2999-12-31') + 1)"""


@dataclass
class PurgeResult:
    cutoff: dt.date
    persons: int = 0
    reports: int = 0
    alarms: int = 0
    issue_values: int = 0
    texts: int = 0
    generation: int | None = None
    old_generations_removed: int = 0
    notices_removed: int = 0
    correction_texts: int = 0

    def lines(self) -> list[str]:
        if self.generation is None:  # nothing to anonymise, no text to scrub
            return [f"个人信息到期清除：隔离结束（或抵沪）早于 {self.cutoff} 的人员均已匿名化，本次无需处理"]
        return [f"个人信息到期清除（隔离结束或抵沪早于 {self.cutoff}）：匿名化人员 {self.persons} 人"
                f"（报送记录 {self.reports} 条）、解除关联报警 {self.alarms} 条、清空拒收/警告中的个人信息 "
                f"{self.issue_values} 项、文字中的电话/证件号/室号 {self.texts} 处；第 {self.generation} 代",
                f"已删除含旧个人信息的历史数据代文件 {self.old_generations_removed} 个，提醒记录 {self.notices_removed} 条"
                + (f"，清空话题更正中的工单文本 {self.correction_texts} 条" if self.correction_texts else "")]


def cutoff_date(days: int | None = None, today: dt.date | None = None) -> dt.date:
    days = int(settings.get("retention_days") if days is None else days)
    return (today or dt.date.today()) - dt.timedelta(days=days)


def anonymise(con, cutoff: dt.date, issues_up_to_run: int | None = None) -> dict:
    """Anonymises, on `con` (a writable generation), what the cutoff says is no longer
    needed. Returns the counts and the log entry fields. Idempotent."""
    derived.refresh(con)  # `persons` must include what this generation loaded before it (rebuild)
    params = {"cutoff": cutoff, "prefix": TOKEN_PREFIX}
    persons = con.execute(f"""SELECT person_key FROM persons
        WHERE {END_OF_NEED} < $cutoff AND NOT starts_with(person_key, $prefix)
        ORDER BY person_key""", params).fetchall()
    _token_table(con, "_purge_persons", "person_key", [p[0] for p in persons], 16)

    # Alarms first: which ones belong to a person still retained is read from the reports.
    alarms = con.execute(f"""
        SELECT DISTINCT a.device_id FROM alarms a
        WHERE CAST(a.raised_at AS DATE) <= $cutoff AND NOT starts_with(a.device_id, $prefix)
          AND NOT {HELD_BY_RETAINED.format(alarm="a")}
        ORDER BY 1""", params).fetchall()
    _token_table(con, "_purge_devices", "device_id", [a[0] for a in alarms], 8)
    alarm_count = con.execute(f"""
        UPDATE alarms SET
            alarm_id = CASE WHEN starts_with(alarms.alarm_id, alarms.device_id || '-')
                            THEN d.token || substr(alarms.alarm_id, length(alarms.device_id) + 1)
                            ELSE alarms.alarm_id END,
            device_id = d.token, room = NULL, note = NULL, note_with_rooms = NULL
        FROM _purge_devices d
        WHERE alarms.device_id = d.device_id AND CAST(alarms.raised_at AS DATE) <= $cutoff
          AND NOT {HELD_BY_RETAINED.format(alarm="alarms")}""", params).fetchall()[0][0]

    # The report key is a hash of the person key: it gets the person's token and a number.
    con.execute("""CREATE OR REPLACE TEMP TABLE _purge_reports AS
        SELECT r.report_key, p.token AS person_token,
               p.token || '-' || row_number() OVER (PARTITION BY r.person_key ORDER BY r.run_id, r.row_number) AS token
        FROM roster_reports r JOIN _purge_persons p USING (person_key)""")
    report_count = con.execute("""
        UPDATE roster_reports SET
            person_key = p.person_token, report_key = p.token,
            name_masked = NULL, id_masked = NULL, phone_masked = NULL, room = NULL, device_id = NULL,
            origin = NULL
        FROM _purge_reports p WHERE roster_reports.report_key = p.report_key""").fetchall()[0][0]
    con.execute("""UPDATE roster_versions SET person_key = p.person_token, report_key = p.token
                   FROM _purge_reports p WHERE roster_versions.report_key = p.report_key""")
    derived.mark(con, "persons", "SELECT person_key FROM _purge_persons UNION ALL SELECT token FROM _purge_persons")
    derived.mark(con, "open_alarms")  # device ids and rooms of alarms changed above

    if issues_up_to_run is None:
        issues_up_to_run = con.execute("""SELECT coalesce(max(run_id), 0) FROM etl_runs
                                          WHERE CAST(finished_at AS DATE) < ?""", [cutoff]).fetchall()[0][0]
    issue_count = 0
    for table in ("etl_rejects", "etl_warnings"):  # identifiers from this tuple; values bound
        issue_count += con.execute(f"""UPDATE {table} SET value_masked = NULL
            WHERE run_id <= ? AND list_contains(?, column_name) AND value_masked IS NOT NULL""",
                                   [issues_up_to_run, list(PERSONAL_ISSUE_COLUMNS)]).fetchall()[0][0]
    text_count = scrub_texts(con, cutoff)
    return {"cutoff": cutoff.isoformat(), "persons": len(persons), "reports": report_count,
            "alarms": alarm_count, "issue_values": issue_count, "issues_up_to_run": issues_up_to_run,
            "texts": text_count}


def _token_table(con, table: str, column: str, values: list[str], token_bytes: int) -> None:
    """TEMP table `table` (`column`, token): each value with a new random purge token.
    `table` and `column` are the purge's own names, never data."""
    frame = pd.DataFrame({column: values,
                          "token": [TOKEN_PREFIX + secrets.token_hex(token_bytes) for _ in values]})
    con.register("_purge_tokens_df", frame)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {table} AS
        SELECT CAST({column} AS VARCHAR) AS {column}, CAST(token AS VARCHAR) AS token FROM _purge_tokens_df""")
    con.unregister("_purge_tokens_df")


# Free-text columns scrubbed by the purge: (table, column, the column keeping its rooms).
FREE_TEXT_COLUMNS = (
    ("hotline_tickets", "content", "content_with_rooms"), ("hotline_tickets", "handling_unit", None),
    ("hotline_tickets", "address", None), ("alarms", "note", "note_with_rooms"), ("alarms", "address", None),
    ("roster_reports", "origin", None), ("roster_reports", "address", None), ("enterprises", "address", None),
    ("etl_rejects", "value_masked", None), ("etl_warnings", "value_masked", None))


def scrub_texts(con, cutoff: dt.date) -> int:
    """Tickets before the cutoff lose their rooms; every free text loses what the masking
    pass (etl/privacy.py) finds in it. Returns the values changed."""
    install_macros(con)
    changed = con.execute("""UPDATE hotline_tickets SET room = NULL, content_with_rooms = NULL
        WHERE CAST(received_at AS DATE) < ? AND (room IS NOT NULL OR content_with_rooms IS NOT NULL)""",
                          [cutoff]).fetchall()[0][0]
    derived.mark(con, "persons", """SELECT person_key FROM roster_reports
        WHERE scrub(address) IS DISTINCT FROM address OR scrub(origin) IS DISTINCT FROM origin""")
    for table, column, with_rooms in FREE_TEXT_COLUMNS:  # identifiers from the tuple above
        # The rooms of a text that held them stay for who may see rooms, unless past the cutoff.
        kept = f"coalesce({with_rooms}, with_rooms({column}))"
        if table == "hotline_tickets":
            kept = f"CASE WHEN CAST(received_at AS DATE) >= $cutoff THEN {kept} END"
        keep = f"{with_rooms} = {kept}, " if with_rooms else ""
        changed += con.execute(f"""UPDATE {table} SET {keep}{column} = scrub({column})
            WHERE scrub({column}) IS DISTINCT FROM {column}""",
                               {"cutoff": cutoff} if "$cutoff" in keep else {}).fetchall()[0][0]
    if changed:
        derived.mark(con, "open_tickets")
        derived.mark(con, "open_alarms")
    return changed


def purge_log(con) -> list[dict]:
    row = con.execute("SELECT value FROM meta WHERE key = 'purge_log'").fetchall()
    return json.loads(row[0][0]) if row else []


def append_log(con, entry: dict) -> None:
    log = purge_log(con) + [entry]
    con.execute("INSERT OR REPLACE INTO meta VALUES ('purge_log', ?)", [json.dumps(log, ensure_ascii=False)])


class _NothingToDo(Exception):
    pass


def purge(db_path: Path | None = None, days: int | None = None, today: dt.date | None = None,
          grace_seconds: float | None = None) -> PurgeResult:
    """Anonymises what is past the retention as one new generation, then deletes the
    older generation files (after a grace for page runs that opened them just before)."""
    db_path = Path(db_path or settings.db_path())
    result = PurgeResult(cutoff_date(days, today))
    if store.current_file(db_path) is None:
        return result
    with store.writer_lock(db_path):
        try:
            with store.new_generation(db_path) as con:
                counts = anonymise(con, result.cutoff)
                if not (counts["persons"] or counts["alarms"] or counts["issue_values"] or counts["texts"]):
                    raise _NothingToDo
                last_run = con.execute("SELECT coalesce(max(run_id), 0) FROM etl_runs").fetchall()[0][0]
                append_log(con, {**counts, "after_run": last_run,
                                 "at": dt.datetime.now().isoformat(timespec="seconds")})
                result.persons, result.reports = counts["persons"], counts["reports"]
                result.alarms, result.issue_values = counts["alarms"], counts["issue_values"]
                result.texts = counts["texts"]
                result.generation = int(con.execute(
                    "SELECT value FROM meta WHERE key = 'generation'").fetchall()[0][0])
        except _NothingToDo:
            pass
    result.notices_removed = trim_notify_log(db_path, result.cutoff)
    result.correction_texts = corrections.blank_old_texts(result.cutoff, db_path)
    if result.generation is not None:
        grace = float(settings.get("query_timeout_seconds")) + 2 if grace_seconds is None else grace_seconds
        time.sleep(grace)
        result.old_generations_removed = remove_older_generations(db_path, result.generation)
    return result


def remove_older_generations(db_path: Path, below: int) -> int:
    """Deletes generation files numbered below `below`: they still hold the purged data.
    A reader that has one open keeps reading it until it closes (Linux keeps the inode)."""
    live = store.current_file(db_path)
    removed = 0
    for path in store.own_generation_files(db_path):
        if store.generation_number(path) < below and path != live:
            for p in (path, Path(f"{path}.wal")):
                if p.exists():
                    p.unlink()
            removed += 1
    return removed


def trim_notify_log(db_path: Path, cutoff: dt.date) -> int:
    """Deletes notices (device, building, time) about alarms raised before the cutoff, and
    the silences that ended before it."""
    from core.notify_log import log_path
    path = log_path(db_path)
    if not path.exists():
        return 0
    con = sqlite3.connect(path, timeout=30)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "notices" not in tables:
            return 0
        with con:
            old = "SELECT notice_id FROM notices WHERE first_raised < ?"
            day = cutoff.isoformat()
            if "notice_alarms" in tables:
                con.execute(f"DELETE FROM notice_alarms WHERE notice_id IN ({old})", [day])
            if "attempts" in tables:
                con.execute(f"DELETE FROM attempts WHERE notice_id IN ({old})", [day])
            if "silences" in tables:  # a device and a leader's reason: kept no longer than the alarms
                con.execute("DELETE FROM silences WHERE coalesce(ended_at, ends_at) < ?", [day])
            return con.execute("DELETE FROM notices WHERE first_raised < ?", [day]).rowcount
    finally:
        con.close()

