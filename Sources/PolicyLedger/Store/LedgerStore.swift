/// Every statement that names the ledger's schema (migrations/) lives in this type and
/// its extensions under `Store/`, one file per topic: the domain above asks it questions,
/// and the SQLite layer below knows no table of ours.
///
/// One store wraps the ledger's one connection; it is used from one thread at a time.
final class LedgerStore {
  let db: Connection
  /// The Merkle tree's right edge as this store's last append left it, so that a run of
  /// appends need not read it back each time (see `appendMerkleLeaf`).
  var merkleEdge: MerkleEdge? = nil
  /// Whether the last employee ``employeeIDCreating(_:)`` looked up was new.
  var expectNewEmployee = false

  init(_ db: Connection) {
    self.db = db
  }

  /// Sets the pragmas a ledger connection runs with.
  static func configure(_ db: Connection) throws {
    try db.execute("PRAGMA foreign_keys = ON")
    if db.mode == .readOnly {
      // Queries jump around a large file (one policy's versions, one employee's
      // deliveries): reading pages through a memory map saves a system call and a copy
      // per page that SQLite's own cache misses. Reads only; writes never go through it.
      // https://www.sqlite.org/mmap.html
      try db.execute("PRAGMA mmap_size = 2147418112")
    }
    if db.mode == .readWriteCreate {
      // WAL lets readers go on while one process appends.
      // https://www.sqlite.org/wal.html
      // A new ledger is published in rollback mode (the file alone holds every page), so the
      // processes that open it next switch it to WAL, which needs the file to themselves:
      // two at once both hold a read lock and wait for each other, and SQLite answers one
      // of them SQLITE_BUSY without waiting. That one tries again and finds WAL set.
      try db.retryingBusy { try db.execute("PRAGMA journal_mode = WAL") }
      try db.execute("PRAGMA synchronous = FULL")
      // A notice to a workforce inserts a million names into the directory's index in
      // no particular order: with SQLite's default 2 MB of cache most of those inserts
      // would read and spill pages through the kernel. 64 MiB is an upper bound; pages
      // are only allocated as they are used.
      // https://www.sqlite.org/pragma.html#pragma_cache_size
      try db.execute("PRAGMA cache_size = -65536")
    }
  }
}

/// Times are stored as microseconds since 1970 UTC (docs/journal-format.md).
extension Row {
  func instant<C: NamedColumns>(_ column: C) -> Instant { Instant(microseconds: int64(column)) }
  func optionalInstant<C: NamedColumns>(_ column: C) -> Instant? { optionalInt64(column).map(Instant.init(microseconds:)) }
}

// MARK: - Finding projected rows by the names users give them

extension LedgerStore {
  func policyID(_ key: String) throws -> Int64? {
    try db.cached("SELECT id FROM policies WHERE key = ?").first([key]) { $0.int64(0) }
  }

  func versionRow(_ ref: VersionRef) throws -> (seq: Int64, policy: Int64, announcedAt: Instant)? {
    try db.cached(
      "SELECT v.seq, v.policy, v.announced_at FROM versions v JOIN policies p ON p.id = v.policy WHERE p.key = ? AND v.version = ?"
    ).first([ref.policy, ref.number]) { (seq: $0.int64(0), policy: $0.int64(1), announcedAt: Instant(microseconds: $0.int64(2))) }
  }

  /// The highest version number policy `key` has, or nil when it has none.
  func lastVersionNumber(policy key: String) throws -> Int64? {
    try db.cached("SELECT max(v.version) FROM versions v JOIN policies p ON p.id = v.policy WHERE p.key = ?")
      .first([key]) { $0.optionalInt64(0) } ?? nil
  }

  func noticeRow(_ id: String) throws -> (seq: Int64, sentAt: Instant, announces: Int64?, policy: Int64?)? {
    try db.cached("SELECT seq, sent_at, announces, policy FROM notices WHERE id = ?").first([id]) {
      (seq: $0.int64(0), sentAt: Instant(microseconds: $0.int64(1)), announces: $0.optionalInt64(2), policy: $0.optionalInt64(3))
    }
  }

  /// The seqs of the versions notice `seq` announces (rule 17): in policy key order, or
  /// (cheaper) in seq order.
  func versionsAnnounced(byNotice seq: Int64, inKeyOrder: Bool = true) throws -> [Int64] {
    try db.cached(
      inKeyOrder
        ? "SELECT nv.version FROM notice_versions nv JOIN policies p ON p.id = nv.policy WHERE nv.notice = ? ORDER BY p.key"
        : "SELECT version FROM notice_versions WHERE notice = ?"
    ).map([seq]) { $0.int64(0) }
  }

  /// The version with this seq, as `KEY@N`.
  func versionRef(seq: Int64) throws -> VersionRef? {
    try db.cached("SELECT p.key, v.version FROM versions v JOIN policies p ON p.id = v.policy WHERE v.seq = ?")
      .first([seq]) { VersionRef(policy: $0.string(0), number: $0.int64(1)) }
  }

  func correctionSeq(_ id: String) throws -> Int64? {
    try db.cached("SELECT seq FROM corrections WHERE id = ?").first([id]) { $0.int64(0) }
  }

  /// Whether a notice or correction already has this id (they share one id space).
  func messageIDExists(_ id: String) throws -> Bool {
    try db.cached("SELECT 1 FROM notices WHERE id = ?1 UNION ALL SELECT 1 FROM corrections WHERE id = ?1").first([id]) { _ in true } ?? false
  }

  func employeeID(_ name: String) throws -> Int64? {
    try db.cached("SELECT id FROM employees WHERE name = ?").first([name]) { $0.int64(0) }
  }

  /// The employee's directory number, adding the employee when new. Which statement goes
  /// first follows the previous call: an import of a roster meets new employees one after
  /// another (one INSERT each), acknowledgements known ones (one SELECT each).
  func employeeIDCreating(_ name: String) throws -> Int64 {
    if expectNewEmployee {
      try db.cached("INSERT INTO employees (name) VALUES (?) ON CONFLICT (name) DO NOTHING").run([name])
      if db.changes == 1 { return db.lastInsertRowID }
      expectNewEmployee = false
    }
    if let id = try employeeID(name) { return id }
    try db.cached("INSERT INTO employees (name) VALUES (?)").run([name])
    expectNewEmployee = true
    return db.lastInsertRowID
  }
}

// MARK: - Acknowledgements and the origin

extension LedgerStore {
  /// The seq of `employee`'s acknowledgement of notice `notice`, if there is one.
  func ackSeq(notice: String, employee: String) throws -> Int64? {
    try db.cached(
      "SELECT a.seq FROM acks a JOIN notices n ON n.seq = a.notice JOIN employees e ON e.id = a.employee WHERE n.id = ? AND e.name = ?"
    ).first([notice, employee], { $0.int64(0) })
  }

  /// The ledger's origin (docs/proofs.md), or nil before its first checkpoint.
  func origin() throws -> String? {
    try db.cached("SELECT origin FROM ledger_origin").first { $0.string(0) }
  }

  /// Stores `origin` unless the ledger has one: the first one set wins.
  func setOrigin(ifUnset origin: String) throws {
    try db.cached("INSERT OR IGNORE INTO ledger_origin (id, origin) VALUES (1, ?)").run([origin])
  }
}

// MARK: - The journal

extension LedgerStore {
  /// The last entry's sequence number, recorded time and hash; nil for an empty journal.
  func journalHead() throws -> (seq: Int64, recordedAt: Instant, hash: [UInt8])? {
    try db.cached("SELECT seq, recorded_at, entry_hash FROM journal ORDER BY seq DESC LIMIT 1").first {
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
    try db.cached(
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
    try db.prepare(
      "SELECT seq, recorded_at, kind, actor, payload, prev_hash, entry_hash FROM journal WHERE seq >= ? ORDER BY seq"
    ).forEach([seq]) { row in
      try body(
        JournalEntry(
          seq: row.int64(0), recordedAt: Instant(microseconds: row.int64(1)), kind: row.string(2),
          actor: row.string(3), payload: row.blob(4), previousHash: row.blob(5), entryHash: row.blob(6)))
    }
  }

  /// Entry `seq` in full, or nil when the journal has none.
  func entry(_ seq: Int64) throws -> JournalEntry? {
    try db.cached("SELECT seq, recorded_at, kind, actor, payload, prev_hash, entry_hash FROM journal WHERE seq = ?").first([seq]) {
      JournalEntry(
        seq: $0.int64(0), recordedAt: Instant(microseconds: $0.int64(1)), kind: $0.string(2), actor: $0.string(3),
        payload: $0.blob(4), previousHash: $0.blob(5), entryHash: $0.blob(6))
    }
  }

  /// Entry `seq`'s hash, or nil when the journal has none.
  func entryHash(_ seq: Int64) throws -> [UInt8]? {
    try db.cached("SELECT entry_hash FROM journal WHERE seq = ?").first([seq]) { $0.blob(0) }
  }

  /// The last entry recorded by `recordedAt`: its seq, hash and recorded time.
  func lastEntry(recordedBy recordedAt: Instant) throws -> (seq: Int64, hash: [UInt8], recordedAt: Instant)? {
    try db.cached("SELECT seq, recorded_at, entry_hash FROM journal WHERE recorded_at <= ? ORDER BY seq DESC LIMIT 1")
      .first([recordedAt.microseconds]) {
        (seq: $0.int64(0), hash: $0.blob(2), recordedAt: Instant(microseconds: $0.int64(1)))
      }
  }
}

// MARK: - The schema

extension LedgerStore {
  /// The schema objects (triggers included) that differ from what the migrations create,
  /// those missing first, then by name; none when the schema is theirs. `missing` when the
  /// migrations create it and the ledger at `path` lacks it (or holds it altered), else
  /// the ledger has one they do not create.
  /// ANALYZE's sqlite_stat tables (``statisticsTables``, exactly) are statistics for the
  /// query planner, not schema, and
  /// Litestream's bookkeeping tables (``replicatorTables``) are accepted as they are. The
  /// migrations are run on an empty scratch database to have the schema they create.
  func schemaDifferences(path: String) throws -> [SchemaDifference] {
    let scratch = try Connection(path: "", mode: .temporary)
    try scratch.execute("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF")
    try Migrator().migrate(scratch, path: "(verify scratch)")
    var uri = Connection.fileURI(path) + "?mode=ro"
    if db.isImmutable { uri += "&immutable=1" }
    try scratch.prepare("ATTACH DATABASE ? AS ledger").run([uri])
    // ANALYZE's tables exactly as SQLite creates them, and nothing else of that name: an
    // index, trigger or view named `sqlite_stat…` (which `writable_schema` lets anyone
    // create) is compared as any other object is.
    let statistics = LedgerStore.statisticsTables.map { "(name = '\($0.name)' AND sql = '\($0.sql)')" }.joined(separator: " OR ")
    let schema = "SELECT type, name, tbl_name, sql FROM $sqlite_schema WHERE NOT (type = 'table' AND name = tbl_name AND (\(statistics)))"
    let replayedSchema = schema.replacingOccurrences(of: "$", with: "main.")
    let accepted = LedgerStore.replicatorTables.map { "(type = 'table' AND name = '\($0.name)' AND sql = '\($0.sql)')" }
    let storedSchema = schema.replacingOccurrences(of: "$", with: "ledger.")
      + " AND NOT (" + accepted.joined(separator: " OR ") + ")"
    return try scratch.prepare(
      """
      SELECT side, type, name FROM (
        SELECT 'missing' AS side, * FROM (\(replayedSchema) EXCEPT \(storedSchema))
        UNION ALL
        SELECT 'changed', * FROM (\(storedSchema) EXCEPT \(replayedSchema))
      ) ORDER BY side = 'changed', name
      """
    ).map([], { SchemaDifference(missing: $0.string(0) == "missing", type: $0.string(1), name: $0.string(2)) })
  }

  /// One object of the schema that differs from the migrations': `missing` when the
  /// migrations' object is absent or altered, else one the file has besides.
  struct SchemaDifference {
    var missing: Bool
    var type: String
    var name: String
  }

  /// The tables Litestream adds to a database it replicates, exactly as version 0.5.17
  /// creates them (and as `sqlite_schema` keeps their SQL), which it uses for its own
  /// locks and checkpoints; a restored copy has them too. They are accepted by name,
  /// type and SQL together, so any
  /// other object, or one of these with other columns, indexes or triggers, still
  /// fails `verify` (docs/journal-format.md, docs/replication.md).
  /// Whether Litestream has added its tables to the file: it replicates it, or did.
  func isReplicatedByLitestream() throws -> Bool {
    try db.cached("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '_litestream_lock'").first { $0.int(0) } ?? 0 > 0
  }

  /// The statistics tables `ANALYZE` creates (`sqlite_stat4` only in builds with STAT4),
  /// as `sqlite_schema` keeps their SQL: accepted as statistics for the query planner,
  /// not schema. Forged rows in them change which plan SQLite picks, never an answer.
  static let statisticsTables: [(name: String, sql: String)] = [
    ("sqlite_stat1", "CREATE TABLE sqlite_stat1(tbl,idx,stat)"),
    ("sqlite_stat4", "CREATE TABLE sqlite_stat4(tbl,idx,neq,nlt,ndlt,sample)"),
  ]

  static let replicatorTables: [(name: String, sql: String)] = [
    ("_litestream_seq", "CREATE TABLE _litestream_seq (id INTEGER PRIMARY KEY, seq INTEGER)"),
    ("_litestream_lock", "CREATE TABLE _litestream_lock (id INTEGER)"),
  ]
}
