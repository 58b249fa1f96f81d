-- Schema version 10: when each person was first known from an enterprise report and from a
-- community report (by the files' dates; derived: etl/derived.py), so the committees' blind
-- spot on a day (boardkit/data/predicates.py, blind_spot) is two comparisons on `persons`
-- instead of a look through every roster version.
ALTER TABLE persons ADD COLUMN IF NOT EXISTS enterprise_known_on DATE;
ALTER TABLE persons ADD COLUMN IF NOT EXISTS community_known_on DATE;
-- Each person's integer id (etl/derived.py), in `persons` and their versions: lists join a
-- person's versions to their row on it instead of on the long person_key.
ALTER TABLE persons ADD COLUMN IF NOT EXISTS person_id BIGINT;
ALTER TABLE person_timeline ADD COLUMN IF NOT EXISTS person_id BIGINT;
