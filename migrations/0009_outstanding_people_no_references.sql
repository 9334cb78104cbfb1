-- 0009: `outstanding_people` without REFERENCES clauses.
--
-- 0007 declared the table's two columns as references to `corrections` and `employees`.
-- The ledger enforces foreign keys, so SQLite looked both parents up for every row a
-- statement added or removed: the removal of the 100,000 rows a `correct resend
-- --outstanding` delivers took four to five times as long as on the same table without
-- them, and adding as many, as a correction does, nearly twice as long
-- (docs/performance.md, "correct resend --outstanding"). The clauses guard nothing the table needs: only the ledger writes it,
-- from rows it has just read from those two tables, and verify rebuilds every
-- correction's set from the deliveries and compares, which fails for a row of an unknown
-- correction or employee as for any other.
--
-- The same table and rows, without the clauses; SQLite cannot drop a clause in place,
-- so the rows are copied to a new table that then takes the old one's name.
CREATE TABLE outstanding_people_0009 (
  correction INTEGER NOT NULL,
  employee   INTEGER NOT NULL,
  PRIMARY KEY (correction, employee)
) STRICT, WITHOUT ROWID;
INSERT INTO outstanding_people_0009 (correction, employee)
  SELECT correction, employee FROM outstanding_people ORDER BY correction, employee;
DROP TABLE outstanding_people;
ALTER TABLE outstanding_people_0009 RENAME TO outstanding_people;
