-- 0006: `import employees` as one journal entry (`employee.import`) covering its rows by
-- count and digest, as a notice covers its recipients (docs/journal-format.md).
--
-- `roster_rows` holds every roster row, in journal order: (entry seq, ordinal). A single
-- `employee join` / `employee leave` entry is ordinal 0 (and keeps its row in `roster`,
-- unchanged, as before this migration); the rows of an import are ordinals 1, 2, 3 … in
-- file order. Every roster query reads this table, so single entries and imported rows
-- are one roster: an employee's state at t is their row with the greatest `at` ≤ t, ties
-- going to the later (seq, ordinal). `actor` is the `by` an imported row gave, NULL when
-- it gave none (the entry's actor) and for a single entry.
--
-- An import's rows are written before its journal entry (whose payload holds their count
-- and digest), in the same transaction: `seq` names the entry without a foreign key. Nor
-- is `employee` one (a million-row import would pay a directory lookup a row for it):
-- verify checks that every row belongs to an entry, names an employee of the directory,
-- and that each import's rows give the count and digest its entry recorded.
CREATE TABLE roster_rows (
  seq      INTEGER NOT NULL,
  ordinal  INTEGER NOT NULL,
  employee INTEGER NOT NULL,
  at       INTEGER NOT NULL,
  employed INTEGER NOT NULL CHECK (employed IN (0, 1)),
  groups   TEXT    NOT NULL,
  actor    TEXT,
  PRIMARY KEY (seq, ordinal)
) STRICT, WITHOUT ROWID;
CREATE INDEX roster_rows_by_employee ON roster_rows (employee, at, seq, ordinal);

-- One row per `employee.import` entry: how many rows it covers and their digest.
CREATE TABLE roster_imports (
  seq         INTEGER PRIMARY KEY REFERENCES journal (seq),
  row_count   INTEGER NOT NULL,
  rows_sha256 TEXT    NOT NULL
) STRICT;

-- A ledger written before this migration: its single entries, as ordinal 0.
INSERT INTO roster_rows (seq, ordinal, employee, at, employed, groups)
  SELECT seq, 0, employee, at, employed, groups FROM roster ORDER BY seq;

CREATE TRIGGER roster_rows_no_update BEFORE UPDATE ON roster_rows BEGIN SELECT RAISE(ABORT, 'roster_rows is append-only: UPDATE is refused'); END;
CREATE TRIGGER roster_rows_no_delete BEFORE DELETE ON roster_rows BEGIN SELECT RAISE(ABORT, 'roster_rows is append-only: DELETE is refused'); END;
CREATE TRIGGER roster_imports_no_update BEFORE UPDATE ON roster_imports BEGIN SELECT RAISE(ABORT, 'roster_imports is append-only: UPDATE is refused'); END;
CREATE TRIGGER roster_imports_no_delete BEFORE DELETE ON roster_imports BEGIN SELECT RAISE(ABORT, 'roster_imports is append-only: DELETE is refused'); END;
