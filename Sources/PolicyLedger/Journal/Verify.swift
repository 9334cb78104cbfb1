/// The outcome of `verify`.
public struct VerifyResult: Sendable, Equatable {
  /// The number of entries checked.
  public var entries: Int64
  /// The last entry's sequence number and hash, when the journal is not empty.
  public var head: Head?
  /// The first problem found; nil when everything matched.
  public var failure: Failure?
  /// The Merkle tree rebuilt from the journal: its size and root.
  public var tree: TreeHead? = nil

  /// A journal head: the last entry's sequence number and hash, `SEQ:HASH` as `policy-ledger head` prints it.
  public struct Head: Sendable, Equatable, CustomStringConvertible {
    /// The entry's sequence number.
    public var seq: Int64
    /// The entry's hash (32 bytes).
    public var hash: [UInt8]
    /// `SEQ:HASH`, the hash in lowercase hex.
    public var description: String { "\(seq):\(Hex.encode(hash))" }

    /// The head `seq`, `hash`.
    public init(seq: Int64, hash: [UInt8]) {
      self.seq = seq
      self.hash = hash
    }

    /// The head of a ledger with no entry: `0:` and 64 zeros, the first entry's previous
    /// hash. Every ledger begins with that history.
    public static let empty = Head(seq: 0, hash: [UInt8](repeating: 0, count: 32))

    /// The head as one record, as `head --format` prints it: `seq`, `entry_hash` (the
    /// journal export's names) and `head` (`SEQ:HASH`, as `verify --expect` takes it).
    public var record: EntryRecord {
      EntryRecord(columns: ["seq", "entry_hash", "head"], values: [.integer(seq), .text(Hex.encode(hash)), .text(description)])
    }

    /// Parses `SEQ:HASH` (hash in hex); `0:` and 64 zeros is ``empty``, as `head` prints it
    /// for a ledger with no entry.
    public static func parse(_ text: String, field: String) throws -> Head {
      let parts = text.split(separator: ":", omittingEmptySubsequences: false)
      guard parts.count == 2, let seq = Int64(parts[0]), let hash = Hex.decode(String(parts[1])), hash.count == 32,
        seq >= 1 || (seq == 0 && hash == empty.hash)
      else {
        throw LedgerError(.invalidInput, "invalid \(field) '\(Identifier.printable(text))': expected SEQ:HASH, as 'policy-ledger head' prints it")
      }
      return Head(seq: seq, hash: hash)
    }
  }

  /// The first problem verify found.
  public struct Failure: Sendable, Equatable, CustomStringConvertible {
    /// The first bad entry, when the problem belongs to one.
    public var seq: Int64?
    /// What is wrong.
    public var message: String
    /// `entry SEQ: MESSAGE`, or the message alone.
    public var description: String { seq.map { "entry \($0): \(message)" } ?? message }
  }

  /// True when everything matched.
  public var isValid: Bool { failure == nil }
}

extension Ledger {
  /// The last entry's sequence number and hash.
  public func head() throws -> VerifyResult.Head? {
    try read { try store.journalHead().map { VerifyResult.Head(seq: $0.seq, hash: $0.hash) } }
  }

  /// The last entry recorded by `recordedAt` and its recorded time: the head the ledger
  /// had then (`recorded_at` never decreases along the journal). Nil when nothing was.
  public func head(recordedBy recordedAt: Instant) throws -> (head: VerifyResult.Head, recordedAt: Instant)? {
    try read {
      try store.lastEntry(recordedBy: recordedAt).map { (head: VerifyResult.Head(seq: $0.seq, hash: $0.hash), recordedAt: $0.recordedAt) }
    }
  }

  /// Recomputes the hash chain, rebuilds every projection and the Merkle tree from the
  /// journal and compares them with the ledger's tables; with `expect`, also checks that
  /// the ledger still begins with that history; with `checkpoint`, that the ledger is an
  /// append-only extension of it (an RFC 6962 consistency proof from the checkpoint's
  /// size). Reports the first bad entry; the checks are `Verifier`'s, in the order of
  /// docs/journal-format.md, "What verify checks".
  ///
  /// Whatever the file's bytes, it ends with a verdict: SQLite finding the file damaged
  /// while verify reads it is a failure, "the ledger file is damaged: …", not an error.
  /// - Throws: only for what is not the file's content (busy, unreadable, out of memory).
  public func verify(
    expect: VerifyResult.Head? = nil, checkpoint: SignedCheckpoint? = nil, progress: ((Int64) -> Void)? = nil
  ) throws -> VerifyResult {
    try readVerdict { try Verifier(ledger: self, progress: progress).run(expect: expect, checkpoint: checkpoint) }
  }
}
