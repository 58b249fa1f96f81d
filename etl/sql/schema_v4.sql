-- Schema version 4: two things the board asked the big tables for on every page run:
-- Each person's employers (the USCCs of their enterprise reports), so the blind-spot list
-- names them without scanning every report for its persons' keys.
ALTER TABLE persons ADD COLUMN IF NOT EXISTS employer_usccs VARCHAR[];

-- Which runs loaded records of which neighbourhood (derived: etl/derived.py), so a viewer
-- restricted to some neighbourhoods finds their runs without scanning every record's
-- neighbourhood and run.
CREATE TABLE IF NOT EXISTS run_neighbourhoods (
    run_id INTEGER NOT NULL,
    neighbourhood_code VARCHAR NOT NULL
);
