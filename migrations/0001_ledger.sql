-- 0001: the journal and the tables that project it.
--
-- The journal is the ledger: every recording command appends one entry, hash-chained
-- to the one before (docs/journal-format.md). Every other table is a projection of the
-- journal that `policy-ledger verify` rebuilds and compares. Times are microseconds
-- since 1970-01-01T00:00:00Z. Never edit a shipped migration: add the next number.

CREATE TABLE journal (
  seq          INTEGER PRIMARY KEY CHECK (seq >= 1),
  recorded_at  INTEGER NOT NULL,
  kind         TEXT    NOT NULL,
  actor        TEXT    NOT NULL,
  payload      BLOB    NOT NULL,
  prev_hash    BLOB    NOT NULL CHECK (length(prev_hash) = 32),
  entry_hash   BLOB    NOT NULL CHECK (length(entry_hash) = 32)
) STRICT;

-- Policy keys, numbered in the order they were first recorded.
CREATE TABLE policies (
  id   INTEGER PRIMARY KEY,
  key  TEXT    NOT NULL UNIQUE
) STRICT;

CREATE TABLE versions (
  seq             INTEGER PRIMARY KEY REFERENCES journal (seq),
  policy          INTEGER NOT NULL REFERENCES policies (id),
  version         INTEGER NOT NULL CHECK (version >= 1),
  title           TEXT    NOT NULL,
  body            BLOB    NOT NULL,
  body_sha256     TEXT    NOT NULL,
  effective_from  INTEGER NOT NULL,
  effective_until INTEGER,
  announced_at    INTEGER NOT NULL,
  UNIQUE (policy, version)
) STRICT;

-- Notices and corrections share one id space; the `messages` view spans both.
CREATE TABLE notices (
  seq               INTEGER PRIMARY KEY REFERENCES journal (seq),
  id                TEXT    NOT NULL UNIQUE,
  subject           TEXT    NOT NULL,
  body              BLOB    NOT NULL,
  body_sha256       TEXT    NOT NULL,
  sent_at           INTEGER NOT NULL,
  sender            TEXT    NOT NULL,
  channel           TEXT    NOT NULL,
  announces         INTEGER REFERENCES versions (seq),
  policy            INTEGER REFERENCES policies (id),
  recipient_count   INTEGER NOT NULL,
  recipients_sha256 TEXT    NOT NULL,
  CHECK ((announces IS NULL) = (policy IS NULL))
) STRICT;
CREATE INDEX notices_by_version ON notices (announces) WHERE announces IS NOT NULL;
CREATE INDEX notices_by_policy ON notices (policy) WHERE policy IS NOT NULL;

-- `notice` or `version` is the target. `affected_version` is the version the
-- correction affects (spec rule 2): its target version, or the version its target
-- notice announces; `policy` is that version's policy. Both are denormalised so that
-- one indexed lookup finds every correction of a policy.
CREATE TABLE corrections (
  seq               INTEGER PRIMARY KEY REFERENCES journal (seq),
  id                TEXT    NOT NULL UNIQUE,
  kind              TEXT    NOT NULL CHECK (kind IN ('retraction', 'amendment')),
  notice            INTEGER REFERENCES notices (seq),
  version           INTEGER REFERENCES versions (seq),
  affected_version  INTEGER REFERENCES versions (seq),
  policy            INTEGER REFERENCES policies (id),
  void_version      INTEGER NOT NULL CHECK (void_version IN (0, 1)),
  issued_at         INTEGER NOT NULL,
  statement         TEXT    NOT NULL,
  reason            TEXT    NOT NULL,
  effective_from    INTEGER,
  effective_until   INTEGER,
  recipient_count   INTEGER NOT NULL,
  recipients_sha256 TEXT    NOT NULL,
  CHECK ((notice IS NULL) <> (version IS NULL))
) STRICT;
CREATE INDEX corrections_by_notice ON corrections (notice) WHERE notice IS NOT NULL;
CREATE INDEX corrections_by_version ON corrections (affected_version) WHERE affected_version IS NOT NULL;
CREATE INDEX corrections_by_policy ON corrections (policy) WHERE policy IS NOT NULL;

-- The employee directory: an integer for each employee id ever named.
CREATE TABLE employees (
  id   INTEGER PRIMARY KEY,
  name TEXT    NOT NULL UNIQUE
) STRICT;

-- Who received each notice and correction (`message` is its journal seq). The
-- recipient list itself is not in the journal: each entry covers it by count and
-- digest, which verify recomputes from these rows.
CREATE TABLE deliveries (
  message  INTEGER NOT NULL,
  employee INTEGER NOT NULL,
  PRIMARY KEY (message, employee)
) STRICT, WITHOUT ROWID;
CREATE INDEX deliveries_by_employee ON deliveries (employee);

CREATE TABLE acks (
  notice   INTEGER NOT NULL REFERENCES notices (seq),
  employee INTEGER NOT NULL REFERENCES employees (id),
  at       INTEGER NOT NULL,
  seq      INTEGER NOT NULL UNIQUE REFERENCES journal (seq),
  PRIMARY KEY (notice, employee)
) STRICT, WITHOUT ROWID;
CREATE INDEX acks_by_employee ON acks (employee);

-- Append-only: no row of the ledger is ever changed or removed.
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal BEGIN SELECT RAISE(ABORT, 'the journal is append-only: UPDATE is refused'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal BEGIN SELECT RAISE(ABORT, 'the journal is append-only: DELETE is refused'); END;
CREATE TRIGGER policies_no_update BEFORE UPDATE ON policies BEGIN SELECT RAISE(ABORT, 'policies is append-only: UPDATE is refused'); END;
CREATE TRIGGER policies_no_delete BEFORE DELETE ON policies BEGIN SELECT RAISE(ABORT, 'policies is append-only: DELETE is refused'); END;
CREATE TRIGGER versions_no_update BEFORE UPDATE ON versions BEGIN SELECT RAISE(ABORT, 'versions is append-only: UPDATE is refused'); END;
CREATE TRIGGER versions_no_delete BEFORE DELETE ON versions BEGIN SELECT RAISE(ABORT, 'versions is append-only: DELETE is refused'); END;
CREATE TRIGGER notices_no_update BEFORE UPDATE ON notices BEGIN SELECT RAISE(ABORT, 'notices is append-only: UPDATE is refused'); END;
CREATE TRIGGER notices_no_delete BEFORE DELETE ON notices BEGIN SELECT RAISE(ABORT, 'notices is append-only: DELETE is refused'); END;
CREATE TRIGGER corrections_no_update BEFORE UPDATE ON corrections BEGIN SELECT RAISE(ABORT, 'corrections is append-only: UPDATE is refused'); END;
CREATE TRIGGER corrections_no_delete BEFORE DELETE ON corrections BEGIN SELECT RAISE(ABORT, 'corrections is append-only: DELETE is refused'); END;
CREATE TRIGGER employees_no_update BEFORE UPDATE ON employees BEGIN SELECT RAISE(ABORT, 'employees is append-only: UPDATE is refused'); END;
CREATE TRIGGER employees_no_delete BEFORE DELETE ON employees BEGIN SELECT RAISE(ABORT, 'employees is append-only: DELETE is refused'); END;
CREATE TRIGGER deliveries_no_update BEFORE UPDATE ON deliveries BEGIN SELECT RAISE(ABORT, 'deliveries is append-only: UPDATE is refused'); END;
CREATE TRIGGER deliveries_no_delete BEFORE DELETE ON deliveries BEGIN SELECT RAISE(ABORT, 'deliveries is append-only: DELETE is refused'); END;
CREATE TRIGGER acks_no_update BEFORE UPDATE ON acks BEGIN SELECT RAISE(ABORT, 'acks is append-only: UPDATE is refused'); END;
CREATE TRIGGER acks_no_delete BEFORE DELETE ON acks BEGIN SELECT RAISE(ABORT, 'acks is append-only: DELETE is refused'); END;
