-- Schema version 5: figures of a past report day from the dates in the data (metrics.md, Time).

-- Every version of a roster report, dated by its file (the date in the file's name, else the
-- newest arrival or quarantine start inside it; never the day it was loaded): roster figures
-- for a day D use each person's latest report known by D. A version is kept only when it
-- changes the person's measure, dates or status (etl/roster_versions.py).
CREATE TABLE IF NOT EXISTS roster_versions (
    report_key VARCHAR NOT NULL, person_key VARCHAR NOT NULL, file_date DATE, run_id INTEGER,
    row_number INTEGER, measure VARCHAR, quarantine_start DATE, quarantine_end DATE, status VARCHAR);

-- A database loaded before kept only the latest version of each report: that one, dated by
-- its run's file name (YYYYMMDD or YYYY-MM-DD), else by its own newest date. Rebuilding from
-- the raw archive (python -m etl rebuild) brings back the earlier versions.
INSERT INTO roster_versions
SELECT r.report_key, r.person_key,
       coalesce(try_strptime(regexp_replace(regexp_extract(e.file_name, '(^|[^0-9])(20[0-9]{2}-?[01][0-9]-?[0-3][0-9])([^0-9]|$)', 2),
                                            '-', '', 'g'), '%Y%m%d')::DATE,
                greatest(r.arrived_on, r.quarantine_start)),
       r.run_id, r.row_number, r.measure, r.quarantine_start, r.quarantine_end, r.status
FROM roster_reports r LEFT JOIN etl_runs e ON e.run_id = r.run_id
WHERE NOT EXISTS (SELECT 1 FROM roster_versions);

-- Each person's versions as a timeline (derived: etl/derived.py): the version that holds from
-- valid_from until valid_to (the next version's file date; NULL: still), and since when the
-- person has had that status (the first file that carried it).
CREATE TABLE IF NOT EXISTS person_timeline (
    person_key VARCHAR, neighbourhood VARCHAR, neighbourhood_code VARCHAR,
    valid_from DATE, valid_to DATE, measure VARCHAR, quarantine_start DATE, quarantine_end DATE,
    status VARCHAR, status_since DATE);
