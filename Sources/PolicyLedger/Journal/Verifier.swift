/// The one problem `verify` reports: the first bad entry (nil when the problem belongs to
/// no entry) and what is wrong with it. Each check throws it; ``Verifier/run(expect:checkpoint:)``
/// catches it once and puts it in the result.
struct VerifyFailure: Error, Equatable {
  var seq: Int64?
  var message: String

  init(_ seq: Int64?, _ message: String) {
    self.seq = seq
    self.message = message
  }
}

/// `verify`, one method per check of docs/journal-format.md ("What verify checks"), called
/// in that order by ``run(expect:checkpoint:)``.
///
/// Steps 1, 3 and 4 share one pass over the journal: ``checkChain()`` replays each entry
/// into ``ProjectionCheck`` and rebuilds the Merkle tree as it goes, and the later steps
/// judge what that pass found. Steps 4 and 5 are reported together, the lowest entry first,
/// so that the first bad entry is named whichever table shows it.
///
/// Runs inside one read transaction (``Ledger/verify(expect:checkpoint:progress:)``).
final class Verifier {
  private let ledger: Ledger
  private let store: LedgerStore
  private let progress: ((Int64) -> Void)?
  /// What the checks found so far: the entries checked and the head.
  private var result = VerifyResult(entries: 0, head: nil, failure: nil)

  /// Each entry's rows are compared with the stored ones as the journal is replayed.
  private let projection: ProjectionCheck
  private let projector: Projector<ProjectionCheck>
  /// Each notice's and correction's recorded recipient count and digest, by entry.
  private var recorded: [Int64: (count: Int64, sha256: String)] = [:]
  /// Each `employee.import` entry's recorded row count and digest, by entry.
  private var imported: [Int64: (count: Int64, sha256: String)] = [:]
  /// Each resend entry's message, by entry (nil when the message is unknown).
  private var resent: [Int64: Int64?] = [:]
  /// The tree rebuilt from the entry hashes, compared with merkle_nodes as it grows.
  private var tree = MerkleFrontier()
  private let treeCheck: MerkleTableCheck
  /// The stored tree's first difference, found during the pass, reported by step 3.
  private var treeFailure: VerifyFailure? = nil
  /// The differences of steps 4 and 5, every table's first.
  private var findings: [VerifyFailure] = []
  /// The notice and correction ids replayed so far: the replay does not trust UNIQUE indexes.
  private var ids = ReplayIDs()
  /// Step 6's findings, looked for once: step 5 needs them first when a view differs.
  private var schemaDifferences: [LedgerStore.SchemaDifference]? = nil

  init(ledger: Ledger, progress: ((Int64) -> Void)?) throws {
    self.ledger = ledger
    self.store = ledger.store
    self.progress = progress
    projection = try ProjectionCheck(store: store)
    projector = Projector(store: projection)
    treeCheck = store.merkleTableCheck()
  }

  /// Runs every check in order; the first failure ends the run and is the result's.
  func run(expect: VerifyResult.Head?, checkpoint: SignedCheckpoint?) throws -> VerifyResult {
    do {
      try checkChain()
      result.tree = currentTree
      try checkExpectedHead(expect)
      try checkMerkleTree()
      try checkProjections()
      try checkRecipients()
      try checkImportedRosterRows()
      try reportFirstFinding()
      try checkSchema()
      try checkIndexes()
      try checkRules()
      try checkCheckpoint(checkpoint)
    } catch let failure as VerifyFailure {
      result.failure = .init(seq: failure.seq, message: failure.message)
    }
    return result
  }

  private var currentTree: TreeHead { TreeHead(size: tree.size, root: tree.root) }

  // MARK: 1. The chain

  /// Entries numbered without gaps, each chained to the one before, each hash recomputed,
  /// `recorded_at` never decreasing, each payload decoding; each entry is replayed (steps 3
  /// and 4) in the same pass.
  private func checkChain() throws {
    var previous = JournalEntry.genesisHash
    var lastRecorded = Instant(microseconds: .min)
    var expected: Int64 = 1
    try store.forEachEntry { entry in
      func bad(_ message: String) -> VerifyFailure { VerifyFailure(entry.seq, message) }
      if entry.seq != expected {
        // Name the entry that is missing, not the one that came instead.
        let after = expected == 1 ? "starts at" : "goes from entry \(expected - 1) to"
        throw VerifyFailure(expected, "missing: the journal \(after) entry \(entry.seq)")
      }
      if entry.previousHash != previous { throw bad("its previous hash does not match the entry before it") }
      let hash = JournalEntry.hash(
        previous: entry.previousHash, seq: entry.seq, recordedAt: entry.recordedAt, kind: entry.kind,
        actor: entry.actor, payload: entry.payload)
      if hash != entry.entryHash { throw bad("its hash does not match its contents (the entry was altered)") }
      if entry.recordedAt < lastRecorded { throw bad("recorded_at goes back in time") }
      let payload: EntryPayload
      do {
        payload = try EntryPayload.decode(kind: entry.kind, bytes: entry.payload)
      } catch {
        throw bad("cannot be replayed: \(error)")
      }
      try replay(entry, payload)
      previous = entry.entryHash
      lastRecorded = entry.recordedAt
      result.entries = entry.seq
      result.head = .init(seq: entry.seq, hash: entry.entryHash)
      expected += 1
      if entry.seq % 10_000 == 0 { progress?(entry.seq) }
    }
  }

  /// Feeds one chained entry to the checks that judge it later: its rows to the projection
  /// check, its leaf to the rebuilt tree, its recorded recipients to step 5.
  private func replay(_ entry: JournalEntry, _ payload: EntryPayload) throws {
    do {
      try projector.apply(seq: entry.seq, payload)
    } catch let error as UnresolvedReference {
      // Judged with the tables' differences: a stored row removed behind the ledger's
      // back makes a later entry look unresolvable, and the removal comes first.
      projection.found(entry.seq, "cannot be replayed: \(error)")
    }
    // A repeated id is judged with the tables' differences too: the lowest entry first.
    if let problem = ids.admit(payload, entry: entry.seq) { projection.found(entry.seq, problem) }
    for (node, hash) in tree.append(leafHash: Merkle.leafHash(entry.entryHash)) where treeFailure == nil {
      if let problem = try treeCheck.check(node, hash: hash) { treeFailure = VerifyFailure(entry.seq, problem) }
    }
    switch payload {
    case .notice(let n): recorded[entry.seq] = (n.recipientCount, n.recipientsSHA256)
    case .correction(let c): recorded[entry.seq] = (c.recipientCount, c.recipientsSHA256)
    case .resend(let r):
      recorded[entry.seq] = (r.recipientCount, r.recipientsSHA256)
      resent[entry.seq] = try store.message(r.message, before: entry.seq)
    case .rosterImport(let b): imported[entry.seq] = (b.rowCount, b.rowsSHA256)
    default: break
    }
  }

  // MARK: 2. `--expect`

  /// The ledger still begins with the history `expect` names.
  private func checkExpectedHead(_ expect: VerifyResult.Head?) throws {
    // The empty history (`head` of a ledger with no entry) begins every ledger.
    guard let expect, expect != .empty else { return }
    guard let hash = try store.entryHash(expect.seq) else {
      throw VerifyFailure(
        expect.seq,
        "missing: the ledger has \(result.entries) entries, fewer than the \(expect.seq) expected (entries were dropped from the end, or this is an older copy)")
    }
    if hash != expect.hash {
      throw VerifyFailure(expect.seq, "its hash is \(Hex.encode(hash)), not the expected \(Hex.encode(expect.hash))")
    }
  }

  // MARK: 3. The Merkle tree

  /// `merkle_nodes` holds exactly the tree rebuilt from the journal's entry hashes.
  private func checkMerkleTree() throws {
    if let treeFailure { throw treeFailure }
    // A node for leaves past the end belongs to entries that are missing: name the first.
    if let problem = try treeCheck.leftover(size: tree.size) { throw VerifyFailure(tree.size + 1, problem) }
  }

  // MARK: 4. The projections

  /// Every projected table against the replay: each table's first difference is noted.
  private func checkProjections() throws {
    try projection.finish()
    findings += projection.findings
  }

  // MARK: 5. The recipients

  /// Every recipient list against the count and digest its entry recorded; no delivery or
  /// employee that no entry accounts for; `outstanding_people` as the deliveries give it.
  private func checkRecipients() throws {
    // Some of these checks read the deliveries through the view `all_deliveries`. That view
    // not as the migrations create it (altered, dropped, or a table in its place) would
    // make a table it reads look wrong, or fail the read: it is named as what it is, step
    // 6's failure, taken early. Any other object waits for step 6, and a difference step 4
    // found in a table still comes first.
    if let object = try differencesFromTheMigrations().first(where: { $0.name == "all_deliveries" }) {
      if findings.isEmpty { throw schemaFailure(object) }
      return
    }
    let stored = try store.storedRecipientDigests()
    // A message number below 1 is no entry's: such rows are named without one.
    func entry(_ message: Int64) -> Int64? { message >= 1 ? message : nil }
    if let seq = stored.orphan {
      findings.append(VerifyFailure(entry(seq), "the deliveries table lists recipients that no employee or entry accounts for"))
    }
    for (seq, recorded) in recorded.sorted(by: { $0.key < $1.key }) {
      var empty = RecipientDigest()
      let (count, sha) = stored.digests[seq] ?? (0, empty.finishHex())
      if count != recorded.count || sha != recorded.sha256 {
        findings.append(
          VerifyFailure(
            seq,
            "its recipients do not match: the entry records \(recorded.count) with digest \(recorded.sha256), the deliveries table holds \(count) with digest \(sha)"
          ))
        break
      }
    }
    // A resend's rows must deliver the message its entry names.
    let misplaced = stored.messageOfResend.filter { via, message in resent[via].map { $0 != message } ?? false }.keys
    if let via = [stored.splitResend, misplaced.min()].compactMap({ $0 }).min() {
      findings.append(VerifyFailure(via, "its recipients do not match: the deliveries table lists them under another message"))
    }
    // A resend's rows lie in the table that was current when it was recorded.
    if let problem = stored.boundaryProblem {
      findings.append(VerifyFailure(nil, problem))
    }
    if let via = stored.misfiledResend {
      findings.append(
        VerifyFailure(via, "its recipients do not match: its rows are not in the table its resend wrote (deliveries before resent_deliveries existed, resent_deliveries after)"))
    }
    if let extra = stored.digests.keys.filter({ recorded[$0] == nil }).min() {
      if extra >= 1 {
        findings.append(VerifyFailure(extra, "the deliveries table lists recipients for an entry that is not a notice, correction or resend"))
      } else {
        findings.append(VerifyFailure(nil, "the deliveries table lists recipients for message \(extra), which no entry has"))
      }
    }
    if let id = stored.unaccountedEmployee {
      findings.append(VerifyFailure(nil, "the employees table has an employee (number \(id)) that no entry accounts for"))
    }
    // Who each correction is still outstanding for, kept as entries are recorded, against
    // what the deliveries give: judged only once the tables it derives from matched, so that
    // a change there is named where it was made.
    if findings.isEmpty, let (seq, message) = try store.firstOutstandingDifference() {
      findings.append(VerifyFailure(seq, message))
    }
  }

  /// Every import's rows in `roster_rows` against the count and digest its entry recorded,
  /// numbered 1, 2, 3 … and naming employees of the directory; no imported rows for an
  /// entry that is not an import.
  private func checkImportedRosterRows() throws {
    let stored = try store.importedRosterRows()
    for (seq, recorded) in imported.sorted(by: { $0.key < $1.key }) {
      var empty = RosterRowsDigest()
      let (count, sha) = stored.digests[seq] ?? (0, empty.finishHex())
      if count != recorded.count || sha != recorded.sha256 {
        findings.append(
          VerifyFailure(
            seq,
            "its roster rows do not match: the entry records \(recorded.count) with digest \(recorded.sha256), the roster_rows table holds \(count) with digest \(sha)"
          ))
        break
      }
    }
    if let seq = stored.misnumbered {
      findings.append(VerifyFailure(seq, "its roster rows in the roster_rows table are not numbered 1, 2, 3 … in file order"))
    }
    if let seq = stored.unknownEmployee {
      findings.append(VerifyFailure(seq, "the roster_rows table lists a row of it whose employee is not in the directory"))
    }
    if let extra = stored.digests.keys.filter({ imported[$0] == nil }).min() {
      findings.append(
        VerifyFailure(extra >= 1 ? extra : nil, "the roster_rows table lists imported rows for entry \(extra), which is not an import"))
    }
  }

  /// Steps 4 and 5 together: the lowest entry first (the earlier check on a tie), then
  /// what belongs to no entry.
  private func reportFirstFinding() throws {
    var first: (seq: Int64, failure: VerifyFailure)? = nil
    for finding in findings {
      guard let seq = finding.seq else { continue }
      if first.map({ seq < $0.seq }) ?? true { first = (seq, finding) }
    }
    if let failure = first?.failure ?? findings.first { throw failure }
  }

  // MARK: 6. The schema

  /// The schema, triggers included, is exactly what the migrations create: a dropped
  /// append-only trigger is itself a change made behind the ledger's back. (ANALYZE's
  /// sqlite_stat1 and sqlite_stat4 tables, exactly as SQLite creates them, are statistics
  /// for the query planner, not schema; any other object of such a name is schema.) The migrations
  /// are run on an empty scratch database to have the schema they create.
  private func checkSchema() throws {
    if let object = try differencesFromTheMigrations().first { throw schemaFailure(object) }
  }

  /// Every object that differs, missing ones first, then by name.
  private func differencesFromTheMigrations() throws -> [LedgerStore.SchemaDifference] {
    if let schemaDifferences { return schemaDifferences }
    let found = try store.schemaDifferences(path: ledger.path)
    schemaDifferences = found
    return found
  }

  private func schemaFailure(_ object: LedgerStore.SchemaDifference) -> VerifyFailure {
    let what = object.missing ? "is missing or was altered" : "was added or altered"
    return VerifyFailure(nil, "the schema does not match the migrations: \(object.type) '\(object.name)' \(what)")
  }

  // MARK: 7. The indexes

  /// Every index holds exactly its table's rows, in order (``IndexCheck``): queries read
  /// through indexes, the checks above through tables.
  private func checkIndexes() throws {
    if let problem = try store.firstIndexMismatch() { throw VerifyFailure(nil, problem) }
  }

  // MARK: 8. The rules

  /// No entry breaks a rule the recording commands enforce (``LedgerStore/firstRuleViolation()``):
  /// a correct hash proves an entry unchanged since it was written, not that it was allowed.
  private func checkRules() throws {
    if let (seq, message) = try store.firstRuleViolation() { throw VerifyFailure(seq, message) }
  }

  // MARK: 9. `--checkpoint`

  /// The tree now extends the checkpoint's tree.
  private func checkCheckpoint(_ checkpoint: SignedCheckpoint?) throws {
    guard let checkpoint else { return }
    do {
      try ledger.checkConsistency(with: checkpoint, current: currentTree)
    } catch let error as LedgerError {
      throw VerifyFailure(nil, error.description)
    }
  }
}
