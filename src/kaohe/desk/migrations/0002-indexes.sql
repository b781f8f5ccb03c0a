-- kaohe 0.2: the tables a street's page reads by street, indexed as versions and reviews are (a city's store
-- holds thousands of streets' rows; a folder's few hundred did not need them).
CREATE INDEX IF NOT EXISTS comments_by_street ON comments (period, street, id);
CREATE INDEX IF NOT EXISTS evidence_by_street ON evidence (period, street, id);
CREATE INDEX IF NOT EXISTS appeals_by_street ON appeals (period, street, id);
CREATE INDEX IF NOT EXISTS rectifications_by_street ON rectifications (street, id)
