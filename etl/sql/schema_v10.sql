-- Schema version 10: when each person was first known from an enterprise report and from a
-- community report (by the files' dates; derived: etl/derived.py), so the committees' blind
-- spot on a day (boardkit/data/predicates.py, blind_spot) is two comparisons on `persons`
-- instead of a look through every roster version.
ALTER TABLE persons ADD COLUMN IF NOT EXISTS enterprise_known_on DATE;
ALTER TABLE persons ADD COLUMN IF NOT EXISTS community_known_on DATE;
