-- 0003: deliveries after the first (spec rule 16): `notice resend` and `correct resend`.
--
-- Recording a notice or a correction is its first delivery; a resend delivers the same
-- message again, later, to more people, and is one journal entry of its own
-- (`message.resend`), which covers its recipients by count and digest as a notice does.
--
-- `deliveries` stays one row per (message, employee): an employee who already received
-- a message cannot be named again, and the primary key says so. `via` tells which
-- delivery reached the employee: NULL for the message's own entry (its first delivery,
-- so every row of an older ledger keeps its meaning and costs one header byte), else the
-- seq of the resend entry. A delivery's time is its resend's `sent_at`, or the message's
-- own `sent_at` / `issued_at`.
ALTER TABLE deliveries ADD COLUMN via INTEGER;

-- One row per resend entry: the message it delivers again (a notice's or a
-- correction's seq), when, and its recipients' count and digest.
CREATE TABLE resends (
  seq               INTEGER PRIMARY KEY REFERENCES journal (seq),
  message           INTEGER NOT NULL,
  sent_at           INTEGER NOT NULL,
  recipient_count   INTEGER NOT NULL,
  recipients_sha256 TEXT    NOT NULL
) STRICT;
CREATE INDEX resends_by_message ON resends (message);

CREATE TRIGGER resends_no_update BEFORE UPDATE ON resends BEGIN SELECT RAISE(ABORT, 'resends is append-only: UPDATE is refused'); END;
CREATE TRIGGER resends_no_delete BEFORE DELETE ON resends BEGIN SELECT RAISE(ABORT, 'resends is append-only: DELETE is refused'); END;
