-- 0005: a notice may announce several versions, at most one per policy (spec rule 17).
--
-- `notice_versions` holds one row per (notice, version it announces); `policy` is that
-- version's policy, denormalised so that one indexed lookup finds every notice touching a
-- policy. Every rule that reads what a notice announces (1, 2, 3, 8, 9, 12) reads this
-- table. `notices.announces` and `notices.policy` keep the first announced version (in
-- policy key order) and its policy, as `corrections.affected_version` and
-- `corrections.policy` keep it for a correction of the notice: a ledger written before
-- this migration keeps every row's meaning, and the table is filled from them.
CREATE TABLE notice_versions (
  notice  INTEGER NOT NULL REFERENCES notices (seq),
  version INTEGER NOT NULL REFERENCES versions (seq),
  policy  INTEGER NOT NULL REFERENCES policies (id),
  PRIMARY KEY (notice, version),
  UNIQUE (notice, policy)
) STRICT, WITHOUT ROWID;
CREATE INDEX notice_versions_by_version ON notice_versions (version);
CREATE INDEX notice_versions_by_policy ON notice_versions (policy, notice);

INSERT INTO notice_versions (notice, version, policy)
  SELECT seq, announces, policy FROM notices WHERE announces IS NOT NULL ORDER BY seq;

CREATE TRIGGER notice_versions_no_update BEFORE UPDATE ON notice_versions BEGIN SELECT RAISE(ABORT, 'notice_versions is append-only: UPDATE is refused'); END;
CREATE TRIGGER notice_versions_no_delete BEFORE DELETE ON notice_versions BEGIN SELECT RAISE(ABORT, 'notice_versions is append-only: DELETE is refused'); END;
