-- Schema version 1. Times are naive Asia/Shanghai; coordinates WGS-84.
-- No clear personal data: names, IDs and phones only as keyed hash + masked form.
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);

CREATE TABLE IF NOT EXISTS etl_runs (
    run_id INTEGER PRIMARY KEY, source VARCHAR, file_name VARCHAR, file_sha256 VARCHAR,
    started_at TIMESTAMP, finished_at TIMESTAMP, rows_read INTEGER, rows_loaded INTEGER,
    rows_rejected INTEGER, rows_warned INTEGER, status VARCHAR, message VARCHAR,
    generation INTEGER);

CREATE TABLE IF NOT EXISTS etl_rejects (
    run_id INTEGER, source VARCHAR, file_name VARCHAR, row_number INTEGER, column_name VARCHAR,
    value_masked VARCHAR, reason_code VARCHAR, reason VARCHAR, neighbourhood VARCHAR);

CREATE TABLE IF NOT EXISTS etl_warnings (
    run_id INTEGER, source VARCHAR, file_name VARCHAR, row_number INTEGER, column_name VARCHAR,
    value_masked VARCHAR, reason_code VARCHAR, reason VARCHAR, neighbourhood VARCHAR);

-- Reference pack, copied in on every load so that a generation carries its own map.
CREATE TABLE IF NOT EXISTS ref_neighbourhoods (
    code VARCHAR PRIMARY KEY, name VARCHAR, subdistrict_code VARCHAR, subdistrict_name VARCHAR,
    centroid_lon DOUBLE, centroid_lat DOUBLE, polygon_json VARCHAR);
CREATE TABLE IF NOT EXISTS ref_neighbourhood_names (name_key VARCHAR PRIMARY KEY, code VARCHAR);
CREATE TABLE IF NOT EXISTS ref_address_index (
    road VARCHAR, lane_from INTEGER, lane_to INTEGER, number_from INTEGER, number_to INTEGER,
    code VARCHAR);
CREATE TABLE IF NOT EXISTS ref_calendar (
    day DATE PRIMARY KEY, is_workday BOOLEAN, workday_seq INTEGER, source VARCHAR);

CREATE TABLE IF NOT EXISTS hotline_tickets (
    ticket_id VARCHAR PRIMARY KEY, received_at TIMESTAMP NOT NULL, request_type VARCHAR,
    content VARCHAR, address VARCHAR, room VARCHAR, neighbourhood VARCHAR,
    neighbourhood_code VARCHAR, handling_unit VARCHAR, due_at TIMESTAMP, due_at_given BOOLEAN,
    closed_at TIMESTAMP, status VARCHAR, satisfaction VARCHAR, first_contact BOOLEAN,
    channel VARCHAR, repeat_of VARCHAR, caller_phone_masked VARCHAR, lon DOUBLE, lat DOUBLE,
    epidemic_related BOOLEAN, topic VARCHAR, faq_question INTEGER, topic_words VARCHAR,
    run_id INTEGER);

CREATE TABLE IF NOT EXISTS roster_reports (
    report_key VARCHAR PRIMARY KEY, person_key VARCHAR NOT NULL, name_masked VARCHAR,
    id_type VARCHAR, id_masked VARCHAR, id_valid BOOLEAN, phone_masked VARCHAR,
    neighbourhood VARCHAR, neighbourhood_code VARCHAR, address VARCHAR, room VARCHAR,
    origin VARCHAR, origin_province VARCHAR, arrived_on DATE, reported_by VARCHAR,
    reporter VARCHAR, enterprise_uscc VARCHAR, measure VARCHAR, quarantine_start DATE,
    quarantine_end DATE, status VARCHAR, device_id VARCHAR, run_id INTEGER, row_number INTEGER);

CREATE TABLE IF NOT EXISTS alarms (
    alarm_id VARCHAR PRIMARY KEY, device_id VARCHAR NOT NULL, device_type VARCHAR,
    alarm_type VARCHAR, raised_at TIMESTAMP NOT NULL, neighbourhood VARCHAR,
    neighbourhood_code VARCHAR, address VARCHAR, room VARCHAR, status VARCHAR,
    handled_by_masked VARCHAR, handled_at TIMESTAMP, note VARCHAR, response_minutes DOUBLE,
    run_id INTEGER);

CREATE TABLE IF NOT EXISTS enterprises (
    uscc VARCHAR PRIMARY KEY, name VARCHAR, industry VARCHAR, address VARCHAR, room VARCHAR,
    neighbourhood VARCHAR, neighbourhood_code VARCHAR, employees_total INTEGER,
    employees_from_outside INTEGER, employees_on_site INTEGER, application_status VARCHAR,
    applied_on DATE, reviewed_on DATE, resumed_on DATE, contact_phone_masked VARCHAR,
    utensil_pledge BOOLEAN, lon DOUBLE, lat DOUBLE, run_id INTEGER);

-- One row per person, merging community and enterprise reports (data-contract.md).
-- The latest report (load order) decides measure, dates and status; a community
-- report, when there is one, decides where the person lives.
CREATE OR REPLACE VIEW persons AS
WITH ranked AS (
    SELECT *, row_number() OVER (PARTITION BY person_key ORDER BY run_id DESC, row_number DESC) AS latest,
           row_number() OVER (PARTITION BY person_key
                              ORDER BY (reported_by = 'community') DESC, run_id DESC, row_number DESC) AS home
    FROM roster_reports)
SELECT l.person_key, l.name_masked, l.id_masked, l.phone_masked,
       h.neighbourhood, h.neighbourhood_code, h.address, h.room,
       l.measure, l.quarantine_start, l.quarantine_end, l.status, l.device_id,
       a.arrived_on, a.sources, a.has_community_report, a.has_enterprise_report, a.id_valid
FROM ranked l
JOIN ranked h ON h.person_key = l.person_key AND h.home = 1
JOIN (SELECT person_key, min(arrived_on) AS arrived_on,
             string_agg(DISTINCT CASE reported_by WHEN 'community' THEN '居委:' ELSE '企业:' END || reporter, '；' ORDER BY CASE reported_by WHEN 'community' THEN '居委:' ELSE '企业:' END || reporter) AS sources,
             bool_or(reported_by = 'community') AS has_community_report,
             bool_or(reported_by = 'enterprise') AS has_enterprise_report,
             bool_and(id_valid) AS id_valid
      FROM roster_reports GROUP BY person_key) a ON a.person_key = l.person_key
WHERE l.latest = 1;
