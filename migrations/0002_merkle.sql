-- 0002: the Merkle tree over the journal, and the ledger's origin (docs/proofs.md).
--
-- The journal's entry hashes are the leaves of an RFC 6962 Merkle tree, in journal
-- order: leaf i (0-based) is SHA-256(0x00 || entry_hash of seq i+1), and a node is
-- SHA-256(0x01 || left || right). `merkle_nodes` holds the hash of every perfect subtree:
-- (level, idx) covers leaves idx*2^level .. (idx+1)*2^level - 1. Appending an entry adds
-- its leaf and each subtree it completes (two rows on average), in the entry's own
-- transaction; any root, inclusion proof or consistency proof reads O(log n) rows.
-- `verify` rebuilds the table from the journal and compares. A ledger recorded before
-- this migration gets its tree from a Swift step that runs right after this file, in
-- the same transaction (Migrator.steps).

CREATE TABLE merkle_nodes (
  level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 62),
  idx   INTEGER NOT NULL CHECK (idx >= 0),
  hash  BLOB    NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;

-- The first line of every checkpoint: the ledger's stable name, written once, by the
-- first command that issues a checkpoint (`checkpoint`, `ack --receipt`,
-- `export --manifest`), from --origin or generated.
CREATE TABLE ledger_origin (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  origin TEXT    NOT NULL
) STRICT;

CREATE TRIGGER merkle_nodes_no_update BEFORE UPDATE ON merkle_nodes BEGIN SELECT RAISE(ABORT, 'merkle_nodes is append-only: UPDATE is refused'); END;
CREATE TRIGGER merkle_nodes_no_delete BEFORE DELETE ON merkle_nodes BEGIN SELECT RAISE(ABORT, 'merkle_nodes is append-only: DELETE is refused'); END;
CREATE TRIGGER ledger_origin_no_update BEFORE UPDATE ON ledger_origin BEGIN SELECT RAISE(ABORT, 'ledger_origin is append-only: UPDATE is refused'); END;
CREATE TRIGGER ledger_origin_no_delete BEFORE DELETE ON ledger_origin BEGIN SELECT RAISE(ABORT, 'ledger_origin is append-only: DELETE is refused'); END;
