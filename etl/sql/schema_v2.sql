-- Schema version 2: tables derived from the base tables at the end of every write
-- (etl/derived.py), so a page run reads ready answers instead of re-deriving them.

-- One row per person: a table, not a view, which would cost two window sorts of every
-- report on every query. Same columns, filled by etl/derived.py.
DROP VIEW IF EXISTS persons;
CREATE TABLE IF NOT EXISTS persons (
    person_key VARCHAR, name_masked VARCHAR, id_masked VARCHAR, phone_masked VARCHAR,
    neighbourhood VARCHAR, neighbourhood_code VARCHAR, address VARCHAR, room VARCHAR,
    measure VARCHAR, quarantine_start DATE, quarantine_end DATE, status VARCHAR, device_id VARCHAR,
    arrived_on DATE, sources VARCHAR, has_community_report BOOLEAN, has_enterprise_report BOOLEAN,
    id_valid BOOLEAN);

-- Sub-district outlines (neighbourhood polygons dissolved and simplified): the whole-city
-- map draws 215 of these instead of 6,000 neighbourhoods.
CREATE TABLE IF NOT EXISTS ref_subdistricts (
    code VARCHAR PRIMARY KEY, name VARCHAR, neighbourhoods INTEGER,
    centroid_lon DOUBLE, centroid_lat DOUBLE, polygon_json VARCHAR);

-- The four record tables without their primary-key index: the loader upserts with MERGE on
-- the natural key, and keys are unique by construction (one row per key in a file, matched
-- against the table). MERGE without the index is several times faster than INSERT … ON
-- CONFLICT through it, and no page looks a record up by its key alone.
CREATE TABLE _hotline_tickets AS SELECT * FROM hotline_tickets;
DROP TABLE hotline_tickets;
ALTER TABLE _hotline_tickets RENAME TO hotline_tickets;
ALTER TABLE hotline_tickets ALTER COLUMN ticket_id SET NOT NULL;
ALTER TABLE hotline_tickets ALTER COLUMN received_at SET NOT NULL;

CREATE TABLE _roster_reports AS SELECT * FROM roster_reports;
DROP TABLE roster_reports;
ALTER TABLE _roster_reports RENAME TO roster_reports;
ALTER TABLE roster_reports ALTER COLUMN report_key SET NOT NULL;
ALTER TABLE roster_reports ALTER COLUMN person_key SET NOT NULL;

CREATE TABLE _alarms AS SELECT * FROM alarms;
DROP TABLE alarms;
ALTER TABLE _alarms RENAME TO alarms;
ALTER TABLE alarms ALTER COLUMN alarm_id SET NOT NULL;
ALTER TABLE alarms ALTER COLUMN device_id SET NOT NULL;
ALTER TABLE alarms ALTER COLUMN raised_at SET NOT NULL;

CREATE TABLE _enterprises AS SELECT * FROM enterprises;
DROP TABLE enterprises;
ALTER TABLE _enterprises RENAME TO enterprises;
ALTER TABLE enterprises ALTER COLUMN uscc SET NOT NULL;
