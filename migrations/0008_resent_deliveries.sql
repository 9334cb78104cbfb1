-- 0008: deliveries made by resends, in a table of their own.
--
-- A resend (`notice resend`, `correct resend`, an imported `message.resend`) delivers a
-- message again to people it has not reached. Its rows used to go into `deliveries`,
-- into the middle of the message's key range and all over the by-employee index; here
-- they go to the end of a table that holds only resends' rows, which writes a fraction
-- of the pages (docs/performance.md, "correct resend --outstanding").
--
-- One row per (message, employee), as in `deliveries`; `via` is the resend entry's seq.
-- Rows written by resends before this migration stay in `deliveries` (with `via` set):
-- the deliveries of a message are the rows of both tables, which `all_deliveries` lists.
-- An employee appears at most once for a message across both tables: the store checks
-- both before it inserts, and verify rebuilds the union from the journal and compares.
CREATE TABLE resent_deliveries (
  message  INTEGER NOT NULL,
  employee INTEGER NOT NULL,
  via      INTEGER NOT NULL,
  PRIMARY KEY (message, employee)
) STRICT, WITHOUT ROWID;
CREATE INDEX resent_deliveries_by_employee ON resent_deliveries (employee);

CREATE TRIGGER resent_deliveries_no_update BEFORE UPDATE ON resent_deliveries BEGIN SELECT RAISE(ABORT, 'resent_deliveries is append-only: UPDATE is refused'); END;
CREATE TRIGGER resent_deliveries_no_delete BEFORE DELETE ON resent_deliveries BEGIN SELECT RAISE(ABORT, 'resent_deliveries is append-only: DELETE is refused'); END;

-- The first journal seq whose resends write `resent_deliveries`: a resend entry before it
-- has its rows in `deliveries`, one from it on in `resent_deliveries`, so that verify can
-- tell a row moved from one table to the other. One row, written here (verify checks
-- that there is exactly one).
CREATE TABLE resent_deliveries_from (seq INTEGER NOT NULL) STRICT;
INSERT INTO resent_deliveries_from (seq) SELECT coalesce(max(seq), 0) + 1 FROM journal;
CREATE TRIGGER resent_deliveries_from_no_update BEFORE UPDATE ON resent_deliveries_from BEGIN SELECT RAISE(ABORT, 'resent_deliveries_from is append-only: UPDATE is refused'); END;
CREATE TRIGGER resent_deliveries_from_no_delete BEFORE DELETE ON resent_deliveries_from BEGIN SELECT RAISE(ABORT, 'resent_deliveries_from is append-only: DELETE is refused'); END;

-- Every delivery: a message's own (`via` NULL) and its resends' (`via` the resend entry),
-- whichever table holds them.
CREATE VIEW all_deliveries (message, employee, via) AS
  SELECT message, employee, via FROM deliveries
  UNION ALL
  SELECT message, employee, via FROM resent_deliveries;
