-- Schema version 9: the 24-hour duty roster (值班表, etl/sources/duty.py). One row a person on
-- duty in a shift; a shift may end the next day. Name and phone are staff work contacts,
-- stored in clear on purpose: the one named exception to "no clear personal data" (README);
-- the wall screen shows `name_masked` (the surname, `张**`).
CREATE TABLE IF NOT EXISTS duty_shifts (
    duty_date DATE NOT NULL, shift VARCHAR NOT NULL, starts_at TIMESTAMP, ends_at TIMESTAMP,
    role VARCHAR NOT NULL, name VARCHAR NOT NULL, name_masked VARCHAR, phone VARCHAR, run_id INTEGER,
    row_number INTEGER);
