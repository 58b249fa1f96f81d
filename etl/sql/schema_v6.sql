-- Schema version 6: the topic model's confidence in each ticket's topic (its
-- softmax probability; 1 for a clerk's correction), so the 12345 page can list the report
-- day's least certain tickets for a clerk to confirm or correct.
ALTER TABLE hotline_tickets ADD COLUMN IF NOT EXISTS topic_confidence DOUBLE;
-- open_tickets copies hotline_tickets' columns (schema_v3.sql).
ALTER TABLE open_tickets ADD COLUMN IF NOT EXISTS topic_confidence DOUBLE;
