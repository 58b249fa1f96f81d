-- The duty roster: a shift's hours from its 时段 (or 开始时间 and 结束时间), else from the
-- configured shift of its name (`_duty_shift_hours`, etl/sources/duty.py); a blank shift is
-- the configured whole-day one. An end at or before the start is on the next day.
CREATE OR REPLACE TEMP MACRO duty_clock(x) AS
    TRY_CAST(regexp_extract(x, '(\d{1,2})[:时](\d{2})', 1) || ':' || regexp_extract(x, '(\d{1,2})[:时](\d{2})', 2)
             || ':00' AS TIME);
CREATE OR REPLACE TEMP VIEW n_typed AS
WITH typed AS (
    SELECT s.*,
           parse_date(raw_duty_date)                                        AS duty_date,
           coalesce(raw_shift, (SELECT min(shift) FROM _duty_shift_hours WHERE whole_day)) AS shift,
           enum_role                                                        AS role,
           raw_name                                                         AS name,
           mask_name(raw_name)                                              AS name_masked,
           raw_phone                                                        AS phone,
           duty_clock(coalesce(raw_start_time, regexp_extract_all(raw_period, '\d{1,2}[:时]\d{2}')[1])) AS start_time,
           duty_clock(coalesce(raw_end_time, regexp_extract_all(raw_period, '\d{1,2}[:时]\d{2}')[2]))   AS end_time
    FROM stg_e s),
hours AS (
    SELECT t.*, coalesce(t.start_time, h.starts) AS starts, coalesce(t.end_time, h.ends) AS ends
    FROM typed t LEFT JOIN _duty_shift_hours h
         ON h.shift = t.shift AND t.start_time IS NULL AND t.end_time IS NULL)
SELECT * EXCLUDE (starts, ends),
       duty_date + starts AS starts_at,
       duty_date + ends + CASE WHEN ends <= starts THEN INTERVAL 1 DAY ELSE INTERVAL 0 DAY END AS ends_at
FROM hours;
