-- Schema version 7: room numbers in free text are seen only by who may see rooms.
-- `content` and `note` hold the text every viewer may see (no phone, ID or room number);
-- the text with its rooms, for viewers shown rooms, sits beside it, NULL where it has none.
-- Texts stored before this version are scrubbed by the next purge (ops/purge.py).
ALTER TABLE hotline_tickets ADD COLUMN IF NOT EXISTS content_with_rooms VARCHAR;
ALTER TABLE open_tickets ADD COLUMN IF NOT EXISTS content_with_rooms VARCHAR;
ALTER TABLE alarms ADD COLUMN IF NOT EXISTS note_with_rooms VARCHAR;
ALTER TABLE open_alarms ADD COLUMN IF NOT EXISTS note_with_rooms VARCHAR;
