-- 0007: who still misses each correction, kept as entries are recorded (spec rule 9,
-- as the whole journal stands), so that `correct resend --outstanding` reads its people
-- instead of comparing two recipient lists of up to millions of rows.
--
-- One row per (correction, employee): the employee received, by any delivery, a notice
-- the correction affects (rule 2), and no delivery of the correction has reached them.
-- Unlike the tables above it is not append-only: rows are added when a correction is
-- recorded and when a notice it affects reaches more people, and removed when a delivery
-- of the correction reaches the employee. It says nothing the journal and its
-- deliveries do not: verify rebuilds it from them and compares. Ledgers written before
-- this migration get their rows right after it, in the same transaction.
CREATE TABLE outstanding_people (
  correction INTEGER NOT NULL REFERENCES corrections (seq),
  employee   INTEGER NOT NULL REFERENCES employees (id),
  PRIMARY KEY (correction, employee)
) STRICT, WITHOUT ROWID;
