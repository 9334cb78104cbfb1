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

  public struct Head: Sendable, Equatable, CustomStringConvertible {
    public var seq: Int64
    public var hash: [UInt8]
    public var description: String { "\(seq):\(Hex.encode(hash))" }

    public init(seq: Int64, hash: [UInt8]) {
      self.seq = seq
      self.hash = hash
    }

    /// Parses `SEQ:HASH` (hash in hex).
    public static func parse(_ text: String, field: String) throws -> Head {
      let parts = text.split(separator: ":", omittingEmptySubsequences: false)
      guard parts.count == 2, let seq = Int64(parts[0]), seq >= 1, let hash = Hex.decode(String(parts[1])), hash.count == 32 else {
        throw LedgerError("invalid \(field) '\(text)': expected SEQ:HASH, as 'policy-ledger head' prints it")
      }
      return Head(seq: seq, hash: hash)
    }
  }

  public struct Failure: Sendable, Equatable, CustomStringConvertible {
    /// The first bad entry, when the problem belongs to one.
    public var seq: Int64?
    public var message: String
    public var description: String { seq.map { "entry \($0): \(message)" } ?? message }
  }

  public var isValid: Bool { failure == nil }
}

extension Ledger {
  /// The last entry's sequence number and hash.
  public func head() throws -> VerifyResult.Head? {
    try read { try db.journalHead().map { VerifyResult.Head(seq: $0.seq, hash: $0.hash) } }
  }

  /// The last entry recorded by `recordedAt` and its recorded time: the head the ledger
  /// had then (`recorded_at` never decreases along the journal). Nil when nothing was.
  public func head(recordedBy recordedAt: Instant) throws -> (head: VerifyResult.Head, recordedAt: Instant)? {
    try read {
      try db.cached("SELECT seq, recorded_at, entry_hash FROM journal WHERE recorded_at <= ? ORDER BY seq DESC LIMIT 1")
        .first([recordedAt.microseconds]) {
          (head: VerifyResult.Head(seq: $0.int64(0), hash: $0.blob(2)), recordedAt: Instant(microseconds: $0.int64(1)))
        }
    }
  }

  /// Recomputes the hash chain, rebuilds every projection and the Merkle tree from the
  /// journal and compares them with the ledger's tables; with `expect`, also checks that
  /// the ledger still begins with that history; with `checkpoint`, that the ledger is an
  /// append-only extension of it (an RFC 6962 consistency proof from the checkpoint's
  /// size). Reports the first bad entry.
  /// The checks themselves; ``verify(expect:checkpoint:progress:)`` turns a damaged file's
  /// SQLite errors into a verdict.
  func verifyJournal(
    expect: VerifyResult.Head?, checkpoint: SignedCheckpoint?, progress: ((Int64) -> Void)?
  ) throws -> VerifyResult {
    try read {
      var result = VerifyResult(entries: 0, head: nil, failure: nil)
      func fail(_ seq: Int64?, _ message: String) -> VerifyResult {
        result.failure = .init(seq: seq, message: message)
        return result
      }
      // Each entry's rows are compared with the stored ones as the journal is replayed.
      let projection = try ProjectionCheck(db: db)
      let projector = Projector(store: projection)
      var payloads: [Int64: (count: Int64, sha256: String)] = [:]
      // The tree is rebuilt beside the projections, from the entry hashes just checked,
      // and compared with merkle_nodes as it goes; its first problem waits for step 3.
      var tree = MerkleFrontier()
      let treeCheck = db.merkleTableCheck()
      var treeFailure: VerifyResult.Failure? = nil

      // 1. The chain, entry by entry, each entry replayed against the stored tables.
      var previous = JournalEntry.genesisHash
      var lastRecorded = Instant(microseconds: .min)
      var expected: Int64 = 1
      var failure: VerifyResult.Failure? = nil
      var ids = ReplayIDs()
      do {
        try db.forEachEntry { entry in
          guard failure == nil else { return }
          func bad(_ message: String) { failure = .init(seq: entry.seq, message: message) }
          if entry.seq != expected {
            // Name the entry that is missing, not the one that came instead.
            let after = expected == 1 ? "starts at" : "goes from entry \(expected - 1) to"
            failure = .init(seq: expected, message: "missing: the journal \(after) entry \(entry.seq)")
            return
          }
          if entry.previousHash != previous { return bad("its previous hash does not match the entry before it") }
          let hash = JournalEntry.hash(
            previous: entry.previousHash, seq: entry.seq, recordedAt: entry.recordedAt, kind: entry.kind,
            actor: entry.actor, payload: entry.payload)
          if hash != entry.entryHash { return bad("its hash does not match its contents (the entry was altered)") }
          if entry.recordedAt < lastRecorded { return bad("recorded_at goes back in time") }
          let payload: EntryPayload
          do {
            payload = try EntryPayload.decode(kind: entry.kind, bytes: entry.payload)
          } catch {
            return bad("cannot be replayed: \(error)")
          }
          if let problem = ids.admit(payload, entry: entry.seq) { return bad(problem) }
          do {
            try projector.apply(seq: entry.seq, payload)
          } catch let error as UnresolvedReference {
            // Judged with the tables' differences: a stored row removed behind the ledger's
            // back makes a later entry look unresolvable, and the removal comes first.
            projection.found(entry.seq, "cannot be replayed: \(error)")
          }
          for (node, hash) in tree.append(leafHash: Merkle.leafHash(entry.entryHash)) where treeFailure == nil {
            if let problem = try treeCheck.check(node, hash: hash) { treeFailure = .init(seq: entry.seq, message: problem) }
          }
          switch payload {
          case .notice(let n): payloads[entry.seq] = (n.recipientCount, n.recipientsSHA256)
          case .correction(let c): payloads[entry.seq] = (c.recipientCount, c.recipientsSHA256)
          default: break
          }
          previous = entry.entryHash
          lastRecorded = entry.recordedAt
          result.entries = entry.seq
          result.head = .init(seq: entry.seq, hash: entry.entryHash)
          expected += 1
          if entry.seq % 10_000 == 0 { progress?(entry.seq) }
        }
      }
      if let failure { return fail(failure.seq, failure.message) }
      result.tree = TreeHead(size: tree.size, root: tree.root)
      // A node for leaves past the end belongs to entries that are missing: name the first.
      if treeFailure == nil, let problem = try treeCheck.leftover(size: tree.size) {
        treeFailure = .init(seq: tree.size + 1, message: problem)
      }

      // 2. `--expect`: the ledger still begins with that history.
      if let expect {
        guard let hash = try db.cached("SELECT entry_hash FROM journal WHERE seq = ?").first([expect.seq], { $0.blob(0) }) else {
          return fail(
            expect.seq,
            "missing: the ledger has \(result.entries) entries, fewer than the \(expect.seq) expected (entries were dropped from the end)")
        }
        if hash != expect.hash { return fail(expect.seq, "its hash is \(Hex.encode(hash)), not the expected \(Hex.encode(expect.hash))") }
      }

      // 3. Every projected table against the replay, and 4. every recipient list against the
      // count and digest its entry recorded. Every mismatch is collected, so that the first bad
      // entry is named whichever table shows it.
      try projection.finish()
      var findings = projection.findings
      func found(_ seq: Int64?, _ message: String) { findings.append(.init(seq: seq, message: message)) }
      if let treeFailure { return fail(treeFailure.seq, treeFailure.message) }

      let stored = try Ledger.storedRecipientDigests(db)
      // A message number below 1 is no entry's: such rows are named without one.
      func entry(_ message: Int64) -> Int64? { message >= 1 ? message : nil }
      if let seq = stored.orphan { found(entry(seq), "the deliveries table lists recipients that no employee or entry accounts for") }
      for (seq, recorded) in payloads.sorted(by: { $0.key < $1.key }) {
        var empty = RecipientDigest()
        let (count, sha) = stored.digests[seq] ?? (0, empty.finishHex())
        if count != recorded.count || sha != recorded.sha256 {
          found(seq, "its recipients do not match: the entry records \(recorded.count) with digest \(recorded.sha256), the deliveries table holds \(count) with digest \(sha)")
          break
        }
      }
      if let extra = stored.digests.keys.filter({ payloads[$0] == nil }).min() {
        if extra >= 1 {
          found(extra, "the deliveries table lists recipients for an entry that is not a notice or correction")
        } else {
          found(nil, "the deliveries table lists recipients for message \(extra), which no entry has")
        }
      }
      if let id = stored.unaccountedEmployee {
        found(nil, "the employees table has an employee (number \(id)) that no entry accounts for")
      }
      // The lowest entry first (the earlier check on a tie), then what belongs to no entry.
      if let first = findings.filter({ $0.seq != nil }).min(by: { $0.seq! < $1.seq! }) ?? findings.first {
        return fail(first.seq, first.message)
      }

      // 5. The schema, triggers included, is exactly what the migrations create: a dropped
      // append-only trigger is itself a change made behind the ledger's back. (ANALYZE's
      // sqlite_stat tables are statistics for the query planner, not schema.) The
      // migrations are run on an empty scratch database to have the schema they create.
      let scratch = try Connection(path: "", mode: .temporary)
      try scratch.execute("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF")
      try Migrator().migrate(scratch, path: "(verify scratch)")
      var uri = Connection.fileURI(path) + "?mode=ro"
      if db.isImmutable { uri += "&immutable=1" }
      try scratch.prepare("ATTACH DATABASE ? AS ledger").run([uri])
      let schema = "SELECT type, name, tbl_name, sql FROM $sqlite_schema WHERE name NOT LIKE 'sqlite\\_stat%' ESCAPE '\\'"
      let replayedSchema = schema.replacingOccurrences(of: "$", with: "main.")
      let storedSchema = schema.replacingOccurrences(of: "$", with: "ledger.")
      if let object = try scratch.prepare(
        """
        SELECT side, type, name FROM (
          SELECT 'missing' AS side, * FROM (\(replayedSchema) EXCEPT \(storedSchema))
          UNION ALL
          SELECT 'changed', * FROM (\(storedSchema) EXCEPT \(replayedSchema))
        ) ORDER BY side = 'changed', name LIMIT 1
        """
      ).first({ (side: $0.string(0), type: $0.string(1), name: $0.string(2)) }) {
        let what = object.side == "missing" ? "is missing or was altered" : "was added or altered"
        return fail(nil, "the schema does not match the migrations: \(object.type) '\(object.name)' \(what)")
      }

      // 6. Every index holds exactly its table's rows, in order (IndexCheck).
      if let problem = try IndexCheck(db: db).firstMismatch() { return fail(nil, problem) }

      // 7. `--checkpoint`: the tree now extends the checkpoint's tree.
      if let checkpoint {
        do {
          try checkConsistency(with: checkpoint, current: result.tree!)
        } catch let error as LedgerError {
          return fail(nil, error.description)
        }
      }
      return result
    }
  }

  /// What the deliveries table holds, for step 4 of ``verify(expect:progress:)``.
  struct DeliveryDigests {
    /// Each message's recipient count and digest.
    var digests: [Int64: (count: Int64, sha256: String)] = [:]
    /// The first message with a delivery row that names no employee.
    var orphan: Int64? = nil
    /// The lowest employee number that no delivery and no acknowledgement names.
    var unaccountedEmployee: Int64? = nil
  }

  /// The count and digest of every message's recipients, in one pass over `deliveries`
  /// in primary-key order — each message's rows together, read straight off the table —
  /// with the employee directory held in memory in name order (``EmployeeDirectory``):
  /// a message's recipients are then put in digest order by their ranks in the directory,
  /// and the ids of consecutive ranks are hashed as one slice of the directory's bytes.
  ///
  /// A directory whose numbers are far sparser than its rows (never the case for a
  /// ledger this library wrote) is walked by name instead, with SQLite doing the sort.
  static func storedRecipientDigests(_ db: Connection) throws -> DeliveryDigests {
    guard let directory = try EmployeeDirectory(db) else { return try storedRecipientDigestsByName(db) }
    var stored = DeliveryDigests()
    var delivered = [Bool](repeating: false, count: directory.capacity)
    var current: Int64? = nil
    var ranks: [UInt32] = []
    // A plain loop rather than forEach's closure: no dynamic exclusivity checks on the
    // captured state, ten million times.
    let scan = try db.prepare("SELECT message, employee FROM deliveries ORDER BY message, employee")
    try scan.bind([])
    while try scan.step() {
      let row = scan.row
      let message = row.int64(0)
      let employee = row.int64(1)
      if message != current {
        // Every message's rows count, whatever its number: a row moved to message -1 must
        // leave its own message's digest, and show up as a message no entry has.
        if let current { stored.digests[current] = directory.digest(ofRanks: &ranks) }
        current = message
      }
      guard let rank = directory.rank(of: employee) else {
        if stored.orphan == nil { stored.orphan = message }
        continue
      }
      ranks.append(rank)
      delivered[Int(employee)] = true
    }
    if let current { stored.digests[current] = directory.digest(ofRanks: &ranks) }
    var acked = Set<Int64>()
    try db.prepare("SELECT DISTINCT employee FROM acks").forEach { acked.insert($0.int64(0)) }
    stored.unaccountedEmployee = directory.firstNumber { !delivered[Int($0)] && !acked.contains($0) }
    return stored
  }

  /// ``storedRecipientDigests(_:)`` without holding the directory: one walk of the
  /// employees by name, joined to their deliveries.
  static func storedRecipientDigestsByName(_ db: Connection) throws -> DeliveryDigests {
    var digests: [Int64: RecipientDigest] = [:]
    try db.prepare(
      "SELECT e.name, d.message FROM employees e JOIN deliveries d ON d.employee = e.id ORDER BY e.name"
    ).forEach { row in
      digests[row.int64(1), default: RecipientDigest()].add(row.text(0))
    }
    var stored = DeliveryDigests()
    for (message, var digest) in digests { stored.digests[message] = (digest.count, digest.finishHex()) }
    stored.orphan = try db.prepare(
      "SELECT min(d.message) FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM employees e WHERE e.id = d.employee)"
    ).first { $0.optionalInt64(0) } ?? nil
    stored.unaccountedEmployee = try db.prepare(
      """
      SELECT min(e.id) FROM employees e
      WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.employee = e.id)
        AND NOT EXISTS (SELECT 1 FROM acks a WHERE a.employee = e.id)
      """
    ).first { $0.optionalInt64(0) } ?? nil
    return stored
  }
}

/// The employee directory in memory, in name order — the order of the recipients
/// digest (UTF-8 bytes, as SQLite's BINARY collation sorts them), read off the names'
/// unique index: every id followed by a line feed in one byte array, and each employee
/// number's rank in it.
struct EmployeeDirectory {
  /// Every id and a line feed, in sorted order: consecutive ranks are one contiguous slice.
  private var lines: [UInt8] = []
  /// Where each rank's line starts, and one more entry for the end.
  private var starts: [UInt32] = [0]
  /// The rank of each employee number, or `missing`.
  private var ranks: [UInt32]
  private static let missing = UInt32.max

  /// The highest employee number an array is indexed by (4 bytes a slot).
  static let maxNumber: Int64 = 64 << 20

  /// Numbers run from 0 to `capacity - 1`.
  var capacity: Int { ranks.count }
  /// How many employees there are.
  var count: Int { starts.count - 1 }

  /// Loads the directory; nil when its numbers are too sparse to index an array by
  /// (more than four slots a row) or its ids too many bytes for 32-bit offsets.
  init?(_ db: Connection) throws {
    // max and min of the rowid are one lookup each, asked apart: SQLite answers a min()
    // or a max() alone from the B-tree's edge, but scans the table for both together.
    let maxID = try db.prepare("SELECT coalesce(max(id), 0) FROM employees").first { $0.int64(0) } ?? 0
    let minID = try db.prepare("SELECT coalesce(min(id), 0) FROM employees").first { $0.int64(0) } ?? 0
    guard minID >= 0, maxID <= EmployeeDirectory.maxNumber else { return nil }
    ranks = [UInt32](repeating: EmployeeDirectory.missing, count: Int(maxID) + 1)
    lines.reserveCapacity(Int(maxID) * 10)
    starts.reserveCapacity(Int(maxID) + 2)
    var tooLong = false
    let scan = try db.prepare("SELECT id, name FROM employees ORDER BY name")
    try scan.bind([])
    while try scan.step() {
      let name = scan.row.text(1)
      guard lines.count + name.count + 1 < Int(UInt32.max) else {
        tooLong = true
        break
      }
      // The number comes from the names' index: a damaged one may hold any value.
      let number = scan.row.int64(0)
      guard number >= 0, number < ranks.count else { return nil }
      ranks[Int(number)] = UInt32(count)
      lines.append(contentsOf: name)
      lines.append(0x0A)
      starts.append(UInt32(lines.count))
    }
    if tooLong || Int(maxID) > 4 * count + 1024 { return nil }
  }

  /// The rank of employee `number` in name order; nil when there is no such employee.
  func rank(of number: Int64) -> UInt32? {
    guard number >= 0, number < ranks.count else { return nil }
    let rank = ranks[Int(number)]
    return rank == EmployeeDirectory.missing ? nil : rank
  }

  /// The count and digest of the employees of these ranks (each once), which it empties:
  /// the ids in rank order, each with a line feed, hashed a run of consecutive ranks at a
  /// time. Many ranks are put in order by a bitmap over the directory, few by a sort.
  func digest(ofRanks chosen: inout [UInt32]) -> (count: Int64, sha256: String) {
    var hasher = SHA256Hasher()
    var run = 0..<0
    lines.withUnsafeBytes { all in
      func flush() {
        guard !run.isEmpty else { return }
        hasher.update(UnsafeRawBufferPointer(rebasing: all[Int(starts[run.lowerBound])..<Int(starts[run.upperBound])]))
      }
      func take(_ rank: Int) {
        if rank == run.upperBound {
          run = run.lowerBound..<rank + 1
        } else {
          flush()
          run = rank..<rank + 1
        }
      }
      if chosen.count * 32 >= count {
        var bits = [UInt64](repeating: 0, count: (count + 63) / 64)
        for rank in chosen { bits[Int(rank) >> 6] |= 1 << UInt64(rank & 63) }
        for (index, word) in bits.enumerated() where word != 0 {
          var word = word
          while word != 0 {
            take(index << 6 | word.trailingZeroBitCount)
            word &= word - 1
          }
        }
      } else {
        chosen.sort()
        for rank in chosen { take(Int(rank)) }
      }
      flush()
    }
    let taken = Int64(chosen.count)
    chosen.removeAll(keepingCapacity: true)
    return (taken, hasher.finishHex())
  }

  /// The lowest employee number in the directory for which `test` holds.
  func firstNumber(where test: (Int64) -> Bool) -> Int64? {
    for number in 0..<ranks.count where ranks[number] != EmployeeDirectory.missing && test(Int64(number)) {
      return Int64(number)
    }
    return nil
  }
}
