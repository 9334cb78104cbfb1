/// Reading and appending journal rows.
extension Connection {
  /// The last entry's sequence number, recorded time and hash; nil for an empty journal.
  func journalHead() throws -> (seq: Int64, recordedAt: Instant, hash: [UInt8])? {
    try cached("SELECT seq, recorded_at, entry_hash FROM journal ORDER BY seq DESC LIMIT 1").first {
      (seq: $0.int64(0), recordedAt: Instant(microseconds: $0.int64(1)), hash: $0.blob(2))
    }
  }

  /// Appends one entry after `head`, chained to its hash, and adds it to the Merkle tree.
  /// Call inside a write transaction.
  @discardableResult
  func appendEntry(
    _ payload: EntryPayload, actor: String, seq: Int64, recordedAt: Instant, previousHash: [UInt8]
  ) throws -> JournalEntry {
    let bytes = payload.encoded()
    let kind = payload.kind
    let hash = JournalEntry.hash(
      previous: previousHash, seq: seq, recordedAt: recordedAt, kind: kind, actor: actor, payload: bytes)
    try cached(
      "INSERT INTO journal (seq, recorded_at, kind, actor, payload, prev_hash, entry_hash) VALUES (?, ?, ?, ?, ?, ?, ?)"
    ).run([seq, recordedAt.microseconds, kind, actor, bytes, previousHash, hash])
    // The entry hash is also the next leaf of the Merkle tree (docs/proofs.md): adding it
    // here, in the same transaction, keeps the tree and the journal whole together.
    try appendMerkleLeaf(seq: seq, entryHash: hash, previousHash: previousHash)
    return JournalEntry(
      seq: seq, recordedAt: recordedAt, kind: kind, actor: actor, payload: bytes, previousHash: previousHash,
      entryHash: hash)
  }

  /// Every journal entry in order, one at a time.
  func forEachEntry(from seq: Int64 = 1, _ body: (JournalEntry) throws -> Void) throws {
    try prepare(
      "SELECT seq, recorded_at, kind, actor, payload, prev_hash, entry_hash FROM journal WHERE seq >= ? ORDER BY seq"
    ).forEach([seq]) { row in
      try body(
        JournalEntry(
          seq: row.int64(0), recordedAt: Instant(microseconds: row.int64(1)), kind: row.string(2),
          actor: row.string(3), payload: row.blob(4), previousHash: row.blob(5), entryHash: row.blob(6)))
    }
  }
}

/// The slot the next entry will take: computed once at the start of a write transaction.
struct NextEntry {
  let seq: Int64
  let recordedAt: Instant
  let previousHash: [UInt8]

  /// `recorded_at` never decreases along the journal, even if the clock steps back.
  init(after head: (seq: Int64, recordedAt: Instant, hash: [UInt8])?, now: Instant = .now()) {
    seq = (head?.seq ?? 0) + 1
    recordedAt = max(now, head?.recordedAt ?? now)
    previousHash = head?.hash ?? JournalEntry.genesisHash
  }
}
