-- Schema version 3: the records still open at the end of the data, copied out of the big
-- tables at the end of every write that changes them (etl/derived.py). "Open at a moment"
-- is open_* (never closed) plus the rows closed after that moment, which the big table's
-- zone maps on closed_at / handled_at find without reading the rest (boardkit/open_records.py).
CREATE TABLE IF NOT EXISTS open_tickets AS SELECT * FROM hotline_tickets LIMIT 0;
CREATE TABLE IF NOT EXISTS open_alarms AS SELECT * FROM alarms LIMIT 0;

-- Each person's origin province (their latest report that names one), so the roster page's
-- arrivals by province count persons without looking up three million reports.
ALTER TABLE persons ADD COLUMN IF NOT EXISTS origin_province VARCHAR;
