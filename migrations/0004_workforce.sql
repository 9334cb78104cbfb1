-- 0004: the workforce (spec rules 19–21): the roster, and the groups each version applies to.
--
-- The roster is journal entries like any other (`employee.join`, `employee.leave`),
-- projected here; verify rebuilds it. `employee` is the employee's number in the
-- `employees` directory (every roster entry registers its employee there, so rule 15's
-- "known employee" covers the roster). Ids only: no names or other personal data, since
-- an append-only ledger cannot forget (docs/semantics.md, "Coverage").

CREATE TABLE roster (
  seq      INTEGER PRIMARY KEY REFERENCES journal (seq),
  employee INTEGER NOT NULL REFERENCES employees (id),
  at       INTEGER NOT NULL,
  employed INTEGER NOT NULL CHECK (employed IN (0, 1)),
  -- A join's groups as recorded, joined with ',' (a group name holds no comma); '' for
  -- none, and for a leave. Every employee is also in the implicit group `all`.
  groups   TEXT    NOT NULL
) STRICT;
-- An employee's state at t is their roster entry with the greatest `at` ≤ t (rule 19).
CREATE INDEX roster_by_employee ON roster (employee, at, seq);

-- The groups a version applies to (rule 20), joined with ','; NULL is `all`, as for every
-- version recorded before this migration.
ALTER TABLE versions ADD COLUMN applies_to TEXT;

CREATE TRIGGER roster_no_update BEFORE UPDATE ON roster BEGIN SELECT RAISE(ABORT, 'roster is append-only: UPDATE is refused'); END;
CREATE TRIGGER roster_no_delete BEFORE DELETE ON roster BEGIN SELECT RAISE(ABORT, 'roster is append-only: DELETE is refused'); END;
