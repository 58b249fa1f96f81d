-- Schema version 8: road cameras (data-contract.md, "cameras"), one row a camera of the
-- video platform's device list. No video and no link is stored: the page a click opens is
-- made from the setting camera_page_url and the camera id. Without a key index, like the
-- other record tables (schema_v2.sql says why).
CREATE TABLE IF NOT EXISTS cameras (
    camera_id VARCHAR NOT NULL, name VARCHAR, road VARCHAR, neighbourhood VARCHAR,
    neighbourhood_code VARCHAR, lon DOUBLE, lat DOUBLE, online VARCHAR,
    offline_since TIMESTAMP, run_id INTEGER);
