import Foundation

/// An offline-checkable proof that one checkpoint's tree extends another's: the RFC 9162
/// consistency proof PROOF(m, D[n]) (section 2.1.4.1) with both checkpoint notes, so that
/// an auditor holding the public key needs nothing else (docs/proofs.md section 6).
///
///     policy-ledger consistency proof v1
///     BASE64(hash)                            one line per proof hash, in RFC 9162 order
///     …
///                                             (blank line)
///     OLD CHECKPOINT NOTE, verbatim           text, blank line, signature lines
///                                             (blank line)
///     NEW CHECKPOINT NOTE, verbatim
///
/// The first line keeps the file from passing for a tlog-proof or a manifest. A
/// checkpoint's text holds no blank line and its signature lines all start with `— `,
/// so the blank line after the old note's signatures is where the new note begins.
public struct ConsistencyProof: Equatable, Sendable {
  /// The older checkpoint.
  public var old: SignedCheckpoint
  /// The newer checkpoint, of a tree that extends the older one.
  public var new: SignedCheckpoint
  /// The RFC 6962 consistency proof from the old size to the new.
  public var hashes: [[UInt8]]

  /// The first line of the file.
  public static let header = "policy-ledger consistency proof v1"

  /// A proof that `new` extends `old`.
  public init(old: SignedCheckpoint, new: SignedCheckpoint, hashes: [[UInt8]]) {
    self.old = old
    self.new = new
    self.hashes = hashes
  }

  /// The file's text: header, hashes, then both notes.
  public var serialized: String {
    var text = ConsistencyProof.header + "\n"
    for hash in hashes { text += Base64.encode(hash) + "\n" }
    return text + "\n" + old.note.serialized + "\n" + new.note.serialized
  }

  /// Whether `bytes` start with this format's first line (rather than a tlog-proof's).
  public static func isConsistencyProof(_ bytes: [UInt8]) -> Bool {
    bytes.starts(with: Array((header + "\n").utf8))
  }

  /// Parses a consistency proof file.
  /// - Throws: `LedgerError` "invalid SOURCE: …" naming the line.
  public init(parsing bytes: [UInt8], source: String) throws {
    func bad(_ line: Int, _ problem: String) -> LedgerError { LedgerError(.invalidInput, "invalid \(source): line \(line): \(problem)") }
    guard let text = String(validating: bytes, as: UTF8.self) else { throw LedgerError(.invalidInput, "invalid \(source): it is not UTF-8 text") }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard lines.first == Substring(ConsistencyProof.header) else {
      throw bad(1, "expected '\(ConsistencyProof.header)' (a proof from 'policy-ledger prove --consistency')")
    }
    var next = 1
    hashes = []
    while next < lines.count, !lines[next].isEmpty {
      guard let hash = Base64.decode(lines[next]), hash.count == 32 else {
        throw bad(next + 1, "a proof line must be the base64 of a 32-byte hash")
      }
      guard hashes.count < 128 else { throw bad(next + 1, "more than 128 proof hashes") }
      hashes.append(hash)
      next += 1
    }
    // The old note: its text up to a blank line, then its signature lines.
    let oldStart = next + 1
    var end = oldStart
    while end < lines.count, !lines[end].isEmpty { end += 1 }
    end += 1
    while end < lines.count, lines[end].hasPrefix("— ") { end += 1 }
    guard oldStart < lines.count, end < lines.count, lines[end].isEmpty, end + 1 < lines.count else {
      throw bad(min(end, lines.count), "expected a blank line, the old checkpoint, a blank line and the new checkpoint")
    }
    let oldNote = lines[oldStart..<end].joined(separator: "\n") + "\n"
    old = try SignedCheckpoint(parsing: Array(oldNote.utf8), source: "\(source) (its old checkpoint)")
    let newNote = lines[(end + 1)...].joined(separator: "\n")
    new = try SignedCheckpoint(parsing: Array(newNote.utf8), source: "\(source) (its new checkpoint)")
  }

  /// Reads a consistency proof file.
  public init(file path: String, field: String) throws {
    let source = "\(field) '\(path)'"
    try self.init(parsing: try readSmallFile(path, source: source), source: source)
  }

  /// Reads `path` as a consistency proof when it starts with this format's first line;
  /// nil when it is some other file (a tlog-proof, for the caller to read).
  public static func ifConsistencyProof(file path: String, field: String) throws -> ConsistencyProof? {
    let source = "\(field) '\(path)'"
    let bytes = try readSmallFile(path, source: source)
    return isConsistencyProof(bytes) ? try ConsistencyProof(parsing: bytes, source: source) : nil
  }

  /// Checks the proof without the ledger: both checkpoints are signed by `key`, name the
  /// same origin, the old one is not larger, and the proof leads from the old root to
  /// the new one (RFC 9162 section 2.1.4.2). With `trusted`, that checkpoint must be one
  /// of the two.
  /// - Returns: what was proven, as a record.
  /// - Throws: `LedgerError` saying which of these failed.
  public func check(key: NoteVerifierKey, trusted: SignedCheckpoint? = nil) throws -> EntryRecord {
    let (o, n) = (old.checkpoint, new.checkpoint)
    if let trusted, trusted.checkpoint != o, trusted.checkpoint != n {
      throw LedgerError(.invalidInput, "the proof is between \(old.summary) and \(new.summary), neither of which is \(trusted.summary) with root \(Base64.encode(trusted.checkpoint.root))")
    }
    try trusted?.note.checkAsKeptCopy(by: key)
    for (name, checkpoint) in [("old", old), ("new", new)] {
      do {
        try checkpoint.note.verify(key)
      } catch let error as LedgerError {
        throw LedgerError(.invalidInput, "the \(name) checkpoint cannot be trusted: \(error)")
      }
    }
    guard o.origin == n.origin else {
      throw LedgerError(.invalidInput, "the checkpoints are of different ledgers: '\(Identifier.printable(o.origin))' and '\(Identifier.printable(n.origin))'")
    }
    guard o.size <= n.size else {
      throw LedgerError(.invalidInput, "the old checkpoint has \(o.size) entries, the new one only \(n.size): entries were dropped")
    }
    do {
      try MerkleProof.verifyConsistency(hashes, oldSize: o.size, newSize: n.size, oldRoot: o.root, newRoot: n.root)
    } catch let error as LedgerError {
      throw LedgerError(.invalidInput, "\(new.summary) is not proven to extend \(old.summary): \(error)")
    }
    let fields: [(String, Cell)] = [
      ("origin", .text(o.origin)), ("old_size", .integer(o.size)), ("old_root", .text(Base64.encode(o.root))),
      ("new_size", .integer(n.size)), ("new_root", .text(Base64.encode(n.root))),
      ("signed_by", .text("\(key.name)+\(NoteVerifierKey.hex(key.keyID))")),
    ]
    return EntryRecord(columns: fields.map(\.0), values: fields.map(\.1))
  }
}

extension Ledger {
  /// The proof that `new` extends `old`; without `new`, a checkpoint of the whole journal
  /// now (for this ledger's origin, signed by `key` when given). Both checkpoints must be
  /// this ledger's (``checkMatches(_:field:)``), so a proof is never made for a fork.
  public func consistencyProof(
    from old: SignedCheckpoint, to new: SignedCheckpoint?, signedBy key: NoteSigningKey? = nil
  ) throws -> ConsistencyProof {
    try read {
      try checkMatches(old, field: "--consistency")
      let new = try new ?? checkpoint(origin: old.checkpoint.origin, signedBy: key)
      try checkMatches(new, field: "--to")
      let (m, n) = (old.checkpoint.size, new.checkpoint.size)
      guard m <= n else {
        throw LedgerError(.invalidInput, "--consistency is \(old.summary), larger than --to, \(new.summary); give the older checkpoint first")
      }
      let hashes = try store.storedTree(size: n).consistencyProof(from: m)
      // Read from merkle_nodes: checked against both roots before it is given out.
      do {
        try MerkleProof.verifyConsistency(hashes, oldSize: m, newSize: n, oldRoot: old.checkpoint.root, newRoot: new.checkpoint.root)
      } catch is LedgerError {
        throw LedgerError.storedTreeDiffers(what: "its consistency proof from size \(m) to \(n)")
      }
      return ConsistencyProof(old: old, new: new, hashes: hashes)
    }
  }
}
