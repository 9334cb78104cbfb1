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
