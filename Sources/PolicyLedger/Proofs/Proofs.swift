import Foundation

/// The Merkle tree's size and root hash at one moment.
public struct TreeHead: Equatable, Sendable {
  /// The number of entries.
  public var size: Int64
  /// The root hash (32 bytes).
  public var root: [UInt8]
}

// MARK: - The ledger's origin, checkpoints and proofs

extension Ledger {
  /// The tree over the whole journal, read in one snapshot.
  public func treeHead() throws -> TreeHead {
    try read {
      let size = try store.journalHead()?.seq ?? 0
      return TreeHead(size: size, root: try store.storedTree(size: size).root())
    }
  }

  /// The ledger's origin (the first line of its checkpoints), or nil before its first checkpoint.
  public func origin() throws -> String? {
    try read { try store.origin() }
  }

  /// What a ledger without an origin asked about a checkpoint may be: a copy restored from
  /// before the first checkpoint (the origin is not part of the journal), which takes the
  /// origin once given.
  static func noOriginHint(_ origin: String) -> String {
    "a copy restored from before its first checkpoint has no origin: 'policy-ledger checkpoint --origin \(HTMLReport.shellQuoted(origin))' gives it that one"
  }

  /// Refuses `requested` when the ledger already has a different origin.
  public func checkOrigin(_ requested: String?) throws {
    // The ledger's own origin, repeated, is taken as stored, even one stored before a
    // rule of names was added; any other is held to the rules first.
    if let requested, try origin() != requested { try NoteName.check(requested, field: "--origin") }
    if let requested, let stored = try origin(), stored != requested {
      throw LedgerError(.conflict,
        "invalid --origin '\(Identifier.printable(requested))': this ledger's origin is '\(Identifier.printable(stored))' (set at its first checkpoint; it never changes)")
    }
  }

  /// The ledger's origin; on first use, stores `requested`, else a generated
  /// `policy-ledger/` and 16 random hex digits. A read-only ledger opens its file for
  /// writing for that one row.
  public func establishOrigin(_ requested: String?) throws -> String {
    try checkOrigin(requested)
    if let stored = try origin() { return stored }
    // The origin is stored for a checkpoint, which only a ledger that verifies is given:
    // one that does not is refused before the origin is fixed for good.
    _ = try verifiedTreeHead()
    let writer = access == .readWrite ? self : try Ledger(path: path, access: .readWrite)
    let candidate = requested ?? "policy-ledger/" + Hex.encode((0..<8).map { _ in UInt8.random(in: 0...255) })
    let stored = try writer.write {
      // Another process may have set it meanwhile: the first one wins.
      try writer.store.setOrigin(ifUnset: candidate)
      guard let stored = try writer.store.origin() else {
        throw LedgerError(.damaged, "the ledger at \(path) kept no origin; run 'policy-ledger verify'")
      }
      return stored
    }
    // The origin names the ledger in every checkpoint: it goes into the main file before
    // the command ends, so that a copy of the file alone (`cp l.db`, a backup that skips
    // the -wal) still has it rather than getting a new origin at its next checkpoint.
    // Under Litestream (its tables are in the file) TRUNCATE would wait out the whole busy
    // timeout for the read transaction Litestream always holds, and then give up
    // (docs/replication.md): there the replica, not a copy of the file, is the copy, and
    // PASSIVE copies what it can without waiting. Elsewhere a reader in another process can
    // hold TRUNCATE off; the origin then reaches the file with SQLite's next checkpoint.
    try writer.db.checkpoint(waitingForReaders: !(try writer.store.isReplicatedByLitestream()))
    if let requested, stored != requested { try checkOrigin(requested) }
    return stored
  }

  /// The tree over the whole journal as a checkpoint gives it out: rebuilt from the journal
  /// by `verify`, in one snapshot in which `verify` finds the whole ledger sound, and refused
  /// otherwise. A checkpoint (and with it a receipt, a proof's new checkpoint, an export's
  /// manifest) commits whoever signs it to the history it names. Read from `merkle_nodes`
  /// alone, it would name whatever root that table holds: someone able to write the file
  /// but not holding the key could have the key holder sign a tree of another history than
  /// the one the journal, and every query, shows. This costs one `verify`
  /// (docs/proofs.md, "Costs").
  public func verifiedTreeHead() throws -> TreeHead {
    try read {
      let result = try verify()
      if let failure = result.failure {
        throw LedgerError(.damaged,
          "no checkpoint is given for a ledger that does not verify: \(failure); run 'policy-ledger verify'")
      }
      guard let tree = result.tree else {
        throw LedgerError(.damaged, "the ledger does not verify; run 'policy-ledger verify'")
      }
      return tree
    }
  }

  /// The checkpoint of the whole journal now, signed by `key` when given: only for a ledger
  /// that verifies (``verifiedTreeHead()``).
  public func checkpoint(origin: String, signedBy key: NoteSigningKey? = nil) throws -> SignedCheckpoint {
    let head = try verifiedTreeHead()
    return SignedCheckpoint(Checkpoint(origin: origin, size: head.size, root: head.root), signedBy: key)
  }

  /// Checks that `checkpoint` describes this ledger: same origin, and this ledger's
  /// tree at the checkpoint's size has the checkpoint's root.
  public func checkMatches(_ checkpoint: SignedCheckpoint, field: String) throws {
    try read {
      let c = checkpoint.checkpoint
      guard let origin = try origin() else {
        throw LedgerError(.notFound,
          "\(field) is \(checkpoint.summary), but this ledger has never issued a checkpoint (\(Self.noOriginHint(checkpoint.checkpoint.origin)))")
      }
      guard c.origin == origin else {
        throw LedgerError(.invalidInput, "\(field) is \(checkpoint.summary), but this ledger is \(Identifier.printable(origin))")
      }
      let size = try store.journalHead()?.seq ?? 0
      guard c.size <= size else {
        throw LedgerError(.invalidInput,
          "\(field) is \(checkpoint.summary), but this ledger has only \(size) entries (entries were dropped from the end, or this is an older copy)")
      }
      let root = try store.storedTree(size: c.size).root()
      guard root == c.root else {
        // The entries' own tree, not merkle_nodes', is what the message names: a table
        // changed behind the ledger's back must not make a genuine checkpoint look wrong.
        if try store.journalRoot(size: c.size) != root { throw LedgerError.storedTreeDiffers(what: "its root at size \(c.size)") }
        throw LedgerError(.invalidInput,
          "\(field) does not match this ledger: its first \(c.size) entries hash to \(Base64.encode(root)), not the checkpoint's \(Base64.encode(c.root))")
      }
    }
  }

  /// The journal seq of the entry named `name`: a notice or correction id, or `KEY@N`.
  public func seq(ofEntry name: String) throws -> Int64 {
    try read {
      if let notice = try store.noticeRow(name) { return notice.seq }
      if let correction = try store.correctionSeq(name) { return correction }
      if let ref = try? VersionRef.parse(name, field: "entry") {
        if let version = try store.versionRow(ref) { return version.seq }
        throw try unknownVersion(ref)
      }
      throw LedgerError.noEntry(name)
    }
  }

  /// The journal seq of `employee`'s acknowledgement of `notice`.
  public func seq(ofAckOf notice: String, by employee: String) throws -> Int64 {
    try read {
      guard
        let seq = try store.ackSeq(notice: notice, employee: employee)
      else { throw LedgerError(.notFound, "'\(employee)' has not acknowledged notice '\(notice)'") }
      return seq
    }
  }

  /// The proof that entry `seq` is in `checkpoint`'s tree, with the entry itself as
  /// the proof's extra data. The checkpoint must match this ledger.
  public func proof(seq: Int64, in checkpoint: SignedCheckpoint, field: String = "--checkpoint") throws -> TlogProof {
    try read {
      try checkMatches(checkpoint, field: field)
      let size = checkpoint.checkpoint.size
      // Only an entry the ledger holds, past the checkpoint, is helped by a newer one (the
      // checkpoint is no larger than the ledger: checkMatches).
      guard seq >= 1 else { throw LedgerError(.notFound, "there is no entry \(seq): entries are numbered from 1") }
      let head = try store.journalHead()?.seq ?? 0
      guard seq <= head else { throw LedgerError(.notFound, "no entry \(seq) in this ledger: its last entry is \(head)") }
      guard seq <= size else {
        throw LedgerError(.notFound,
          "entry \(seq) is not in \(checkpoint.summary); take a newer checkpoint with 'policy-ledger checkpoint'")
      }
      guard
        let entry = try store.entry(seq)
      else { throw LedgerError(.notFound, "no entry \(seq) in this ledger") }
      let extra = entry.previousHash + JournalEntry.canonicalBytes(
        seq: entry.seq, recordedAt: entry.recordedAt, kind: entry.kind, actor: entry.actor, payload: entry.payload)
      var hasher = SHA256Hasher()
      hasher.update(extra)
      guard hasher.finish() == entry.entryHash else {
        throw LedgerError(.damaged, "entry \(seq)'s hash does not match its contents; run 'policy-ledger verify'")
      }
      // The path is read from merkle_nodes: checked against the checkpoint's root before it
      // is given out, so that a changed node is named here and not by the proof's reader.
      let hashes = try store.storedTree(size: size).inclusionProof(index: seq - 1)
      do {
        try MerkleProof.verifyInclusion(
          hashes, index: seq - 1, size: size, leafHash: Merkle.leafHash(entry.entryHash), root: checkpoint.checkpoint.root)
      } catch is LedgerError {
        throw LedgerError.storedTreeDiffers(what: "its path for entry \(seq)")
      }
      return TlogProof(extra: extra, index: seq - 1, hashes: hashes, checkpoint: checkpoint)
    }
  }

  /// A receipt for entry `seq`: the proof of it in a new checkpoint of the whole journal,
  /// taken in one snapshot and signed by `key` when given.
  public func receipt(seq: Int64, origin: String, signedBy key: NoteSigningKey?) throws -> TlogProof {
    try read { try proof(seq: seq, in: try checkpoint(origin: origin, signedBy: key), field: "the receipt's checkpoint") }
  }

  /// Checks that the tree `current` extends `checkpoint`'s by a consistency proof from
  /// the checkpoint's size to the current size, computed from the stored tree.
  func checkConsistency(with checkpoint: SignedCheckpoint, current: TreeHead) throws {
    let c = checkpoint.checkpoint
    guard let origin = try origin() else {
      throw LedgerError(.notFound,
        "the checkpoint is for \(Identifier.printable(c.origin)), but this ledger has never issued a checkpoint (\(Self.noOriginHint(c.origin)))")
    }
    guard c.origin == origin else { throw LedgerError(.invalidInput, "the checkpoint is for \(Identifier.printable(c.origin)), but this ledger is \(Identifier.printable(origin))") }
    guard c.size <= current.size else {
      throw LedgerError(.damaged,
        "\(checkpoint.summary) has \(c.size) entries, but the ledger only \(current.size) (entries were dropped from the end, or this is an older copy)")
    }
    let proof = try store.storedTree(size: current.size).consistencyProof(from: c.size)
    do {
      try MerkleProof.verifyConsistency(proof, oldSize: c.size, newSize: current.size, oldRoot: c.root, newRoot: current.root)
    } catch let error as LedgerError {
      throw LedgerError(.damaged,
        "the ledger is not an append-only extension of \(checkpoint.summary): its first \(c.size) entries no longer hash to the checkpoint's root (\(error))")
    }
  }
}

// MARK: - The proof file

/// A C2SP tlog-proof (https://c2sp.org/tlog-proof): an offline-checkable proof that one
/// journal entry is in a checkpoint's tree.
///
///     c2sp.org/tlog-proof@v1
///     extra BASE64(previous hash ‖ canonical entry bytes)
///     index 41                                (seq − 1)
///     BASE64(hash)                            one line per audit-path hash, leaf first
///     …
///                                             (blank line)
///     CHECKPOINT NOTE, verbatim
///
/// The extra data is the entry itself: its SHA-256 is the entry hash, which is the leaf's
/// data, so the proof authenticates it.
public struct TlogProof: Equatable, Sendable {
  /// The proven entry's data, previous hash ‖ canonical entry bytes; nil when the proof
  /// carries no `extra` line.
  public var extra: [UInt8]?
  /// The entry's leaf index (its sequence number minus one).
  public var index: Int64
  /// The audit path, leaf first.
  public var hashes: [[UInt8]]
  /// The checkpoint the proof leads to.
  public var checkpoint: SignedCheckpoint

  /// The first line of the file.
  public static let header = "c2sp.org/tlog-proof@v1"

  /// The file's text (c2sp.org/tlog-proof).
  public var serialized: String {
    var text = TlogProof.header + "\n"
    if let extra { text += "extra \(Base64.encode(extra))\n" }
    text += "index \(index)\n"
    for hash in hashes { text += Base64.encode(hash) + "\n" }
    return text + "\n" + checkpoint.note.serialized
  }

  /// Parses a proof file.
  /// - Throws: `LedgerError` "invalid SOURCE: …" naming the line.
  public init(parsing bytes: [UInt8], source: String) throws {
    func bad(_ line: Int, _ problem: String) -> LedgerError { LedgerError(.invalidInput, "invalid \(source): line \(line): \(problem)") }
    guard let text = String(validating: bytes, as: UTF8.self) else { throw LedgerError(.invalidInput, "invalid \(source): it is not UTF-8 text") }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard lines.first == Substring(TlogProof.header) else {
      throw bad(1, "expected '\(TlogProof.header)' (a proof from 'policy-ledger prove' or 'ack --receipt')")
    }
    var next = 1
    extra = nil
    if next < lines.count, lines[next].hasPrefix("extra ") {
      guard let data = Base64.decode(lines[next].dropFirst("extra ".count)) else { throw bad(next + 1, "the extra data is not base64") }
      extra = data
      next += 1
    }
    guard next < lines.count, lines[next].hasPrefix("index "),
      let index = Int64(lines[next].dropFirst("index ".count)), index >= 0,
      String(index) == lines[next].dropFirst("index ".count)
    else { throw bad(next + 1, "expected 'index N', the entry's 0-based position in the tree") }
    self.index = index
    next += 1
    hashes = []
    while next < lines.count, !lines[next].isEmpty {
      guard let hash = Base64.decode(lines[next]), hash.count == 32 else {
        throw bad(next + 1, "an audit-path line must be the base64 of a 32-byte hash")
      }
      guard hashes.count < 64 else { throw bad(next + 1, "more than 64 audit-path hashes") }
      hashes.append(hash)
      next += 1
    }
    guard next < lines.count else { throw bad(next, "the proof ends before its checkpoint (expected a blank line, then the checkpoint)") }
    let rest = lines[(next + 1)...].joined(separator: "\n")
    checkpoint = try SignedCheckpoint(parsing: Array(rest.utf8), source: "\(source) (its checkpoint)")
  }

  /// A proof of leaf `index` in `checkpoint`'s tree.
  public init(extra: [UInt8]?, index: Int64, hashes: [[UInt8]], checkpoint: SignedCheckpoint) {
    self.extra = extra
    self.index = index
    self.hashes = hashes
    self.checkpoint = checkpoint
  }

  /// Reads a proof file.
  public init(file path: String, field: String) throws {
    let source = "\(field) '\(path)'"
    try self.init(parsing: try readSmallFile(path, source: source), source: source)
  }

  /// Checks the proof without the ledger: the checkpoint is signed by `key` (and, when
  /// `trusted` is given, is that same checkpoint); the entry in the extra data hashes,
  /// through the audit path, to the checkpoint's root at the position its seq names.
  /// - Returns: the entry, now known to be in the signed tree.
  public func check(key: NoteVerifierKey, trusted: SignedCheckpoint? = nil) throws -> ProvenEntry {
    let checkpoint = trusted ?? self.checkpoint
    if let trusted, trusted.checkpoint != self.checkpoint.checkpoint {
      let (mine, theirs) = (self.checkpoint.checkpoint, trusted.checkpoint)
      if mine.origin == theirs.origin && mine.size != theirs.size {
        throw LedgerError(.invalidInput,
          "the proof is for \(self.checkpoint.summary), not \(trusted.summary); ask for a proof against that checkpoint ('policy-ledger prove … --checkpoint FILE')")
      }
      throw LedgerError(.invalidInput, "the proof is for \(self.checkpoint.summary) with root \(Base64.encode(mine.root)), not \(trusted.summary) with root \(Base64.encode(theirs.root))")
    }
    // The key must have signed the checkpoint: the proof's copy or, given one, the trusted
    // copy (the same origin, size and root, so either signature covers them). A trusted
    // copy kept without its signature then still checks the proof; one with a broken
    // signature by the key does not.
    try trusted?.note.checkAsKeptCopy(by: key)
    do {
      try self.checkpoint.note.verify(key)
    } catch let own as LedgerError {
      guard let trusted else { throw LedgerError(.invalidInput, "the checkpoint cannot be trusted: \(own)") }
      do {
        try trusted.note.verify(key)
      } catch let theirs as LedgerError {
        throw LedgerError(.invalidInput, "the checkpoint cannot be trusted: the proof's copy: \(own); the trusted copy: \(theirs)")
      }
    }
    guard let extra else { throw LedgerError(.invalidInput, "the proof carries no entry (no 'extra' line), so there is nothing to check") }
    let entry = try ProvenEntry.decodeEntry(extra)
    guard entry.seq == index + 1 else {
      throw LedgerError(.invalidInput, "the proof's entry is entry \(entry.seq), but its index \(index) is the place of entry \(index + 1)")
    }
    do {
      try MerkleProof.verifyInclusion(
        hashes, index: index, size: checkpoint.checkpoint.size, leafHash: Merkle.leafHash(entry.entryHash),
        root: checkpoint.checkpoint.root)
    } catch let error as LedgerError {
      throw LedgerError(.invalidInput, "entry \(entry.seq) is not proven to be in \(checkpoint.summary): \(error)")
    }
    let payload: EntryPayload
    do {
      payload = try EntryPayload.decode(kind: entry.kind, bytes: entry.payload)
    } catch {
      throw LedgerError(.invalidInput, "entry \(entry.seq) is in \(checkpoint.summary), but its \(entry.kind) payload cannot be read: \(error)")
    }
    return ProvenEntry(checkpoint: checkpoint.checkpoint, signer: key, entry: entry, payload: payload)
  }
}

/// A journal entry proven to be in a signed checkpoint's tree.
public struct ProvenEntry: Equatable, Sendable {
  /// The checkpoint the entry is in.
  public var checkpoint: Checkpoint
  /// The key that signed the checkpoint.
  public var signer: NoteVerifierKey
  /// The entry, decoded from the proof.
  public var entry: JournalEntry
  /// The entry's typed content.
  public var payload: EntryPayload

  /// Splits a proof's extra data, `previous hash ‖ canonical entry bytes`, into the entry.
  static func decodeEntry(_ extra: [UInt8]) throws -> JournalEntry {
    guard extra.count > 32 else { throw LedgerError(.invalidInput, "the proof's entry is too short to be a journal entry") }
    var decoder = CanonicalDecoder(Array(extra[32...]))
    do {
      let seq = try decoder.integer(), recordedAt = try decoder.integer(), kind = try decoder.text(), actor = try decoder.text()
      var hasher = SHA256Hasher()
      hasher.update(extra)
      return JournalEntry(
        seq: seq, recordedAt: Instant(microseconds: recordedAt), kind: kind, actor: actor,
        payload: Array(decoder.bytes[decoder.offset...]), previousHash: Array(extra[..<32]), entryHash: hasher.finish())
    } catch {
      throw LedgerError(.invalidInput, "the proof's entry is not a journal entry: \(error)")
    }
  }

  /// The checkpoint, the signer and the entry's fields, named as `show` and `export` name them.
  public func record(timeZone: TimeZone?) -> EntryRecord {
    let t = { (instant: Instant?) in Cell.time(instant, timeZone) }
    var fields: [(String, Cell)] = [
      ("origin", .text(checkpoint.origin)), ("tree_size", .integer(checkpoint.size)),
      ("root_hash", .text(Base64.encode(checkpoint.root))),
      ("signed_by", .text("\(signer.name)+\(NoteVerifierKey.hex(signer.keyID))")),
      ("seq", .integer(entry.seq)), ("recorded_at", t(entry.recordedAt)), ("entry_kind", .text(entry.kind)),
      ("by", .text(entry.actor)),
    ]
    switch payload {
    case .version(let v):
      fields += [
        ("policy", .text(v.policy)), ("version", .integer(v.version)), ("title", .text(v.title)),
        ("body", .text(String(decoding: v.body, as: UTF8.self))), ("body_sha256", .text(v.bodySHA256)),
        ("effective_from", t(v.effectiveFrom)), ("effective_until", t(v.effectiveUntil)),
        ("announced_at", t(v.announcedAt)),
      ]
      if let groups = v.appliesTo { fields.append(("applies_to", .list(groups))) }
    case .notice(let n):
      fields += [
        ("id", .text(n.id)), ("subject", .text(n.subject)), ("body", .text(String(decoding: n.body, as: UTF8.self))),
        ("body_sha256", .text(n.bodySHA256)), ("sent_at", t(n.sentAt)), ("sender", .text(n.sender)),
        ("channel", .text(n.channel)), ("announces", .list(n.announces.map(\.description))),
        ("recipient_count", .integer(n.recipientCount)), ("recipients_sha256", .text(n.recipientsSHA256)),
      ]
    case .correction(let c):
      var notice: String? = nil
      var version: String? = nil
      switch c.target {
      case .notice(let id): notice = id
      case .version(let ref): version = ref.description
      }
      fields += [
        ("id", .text(c.id)), ("kind", .text(c.kind.rawValue)), ("notice", .text(notice)), ("version", .text(version)),
        ("void_version", .boolean(c.voidVersion)), ("issued_at", t(c.issuedAt)),
        ("statement", .text(c.statement)), ("reason", .text(c.reason)), ("effective_from", t(c.effectiveFrom)),
        ("effective_until", t(c.effectiveUntil)), ("recipient_count", .integer(c.recipientCount)),
        ("recipients_sha256", .text(c.recipientsSHA256)),
      ]
    case .ack(let a):
      fields += [("notice", .text(a.notice)), ("employee", .text(a.employee)), ("at", t(a.at))]
    case .roster(let r):
      fields += [
        ("employee", .text(r.employee)), ("event", .text(r.event.rawValue)), ("at", t(r.at)), ("groups", .list(r.groups)),
      ]
    case .rosterImport(let b):
      fields += [("row_count", .integer(b.rowCount)), ("rows_sha256", .text(b.rowsSHA256))]
    case .resend(let r):
      fields += [
        ("message", .text(r.message)), ("sent_at", t(r.sentAt)), ("recipient_count", .integer(r.recipientCount)),
        ("recipients_sha256", .text(r.recipientsSHA256)),
      ]
    }
    fields.append(("entry_hash", .text(Hex.encode(entry.entryHash))))
    return EntryRecord(columns: fields.map(\.0), values: fields.map(\.1))
  }
}

extension LedgerError {
  /// `merkle_nodes` found to differ from the tree of the journal's entry hashes while a
  /// proof is made from it; `what` names the part (`its root at size 14`).
  static func storedTreeDiffers(what: String) -> LedgerError {
    LedgerError(.damaged, "the merkle_nodes table does not match the journal (\(what)); run 'policy-ledger verify'")
  }
}
