-- Schema version 2: tables derived from the base tables at the end of every write
-- (etl/derived.py), so a page run reads ready answers instead of re-deriving them.

-- One row per person: was a view, which at city scale (3M reports) cost two window
-- sorts of every report on every query. Same columns, filled by etl/derived.py.
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
