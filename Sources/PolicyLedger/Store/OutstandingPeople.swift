/// `outstanding_people`: for each correction, the people it is outstanding for as the whole
/// journal stands (rule 9 with every entry known), kept as entries are recorded so that
/// `correct resend --outstanding` reads them rather than comparing the recipient lists of
/// what the correction affects with its own (docs/performance.md, "correct resend
/// --outstanding").
///
/// The set changes only when deliveries or corrections are added:
/// - a correction is recorded: every recipient of a notice it affects whom it did not reach
///   (``keepOutstanding(ofNewCorrection:)``);
/// - a notice reaches more people, by its own entry or a resend: for each correction that
///   affects it, those of them it has not reached (``keepOutstanding(afterNotice:via:)``) —
///   a new notice is affected by the corrections of a version it announces;
/// - a correction reaches more people: their rows go (``keepOutstanding(afterCorrection:)``).
/// `verify` rebuilds each correction's set from the deliveries (``computedOutstandingPeople(ofCorrection:)``)
/// and compares (``firstOutstandingDifference()``).
extension LedgerStore {
  /// The directory numbers of the people for whom correction `seq` is outstanding, as kept,
  /// in ascending order.
  func keptOutstandingPeople(ofCorrection seq: Int64) throws -> [Int64] {
    try db.cached("SELECT employee FROM outstanding_people WHERE correction = ?1 ORDER BY employee").map([seq]) { $0.int64(0) }
  }

  /// Adds the rows of correction `seq`, just recorded with its first delivery.
  func keepOutstanding(ofNewCorrection seq: Int64) throws {
    let people = try computedOutstandingPeople(ofCorrection: seq)
    let size = LedgerStore.recipientBatch
    let batch = try db.cached(
      "INSERT INTO outstanding_people (correction, employee) VALUES \((2...size + 1).map { "(?1, ?\($0))" }.joined(separator: ", "))")
    let one = try db.cached("INSERT INTO outstanding_people (correction, employee) VALUES (?1, ?2)")
    try batch.bind(seq, at: 1)
    try one.bind(seq, at: 1)
    var start = 0
    while start + size <= people.count {
      for i in 0..<size { try batch.bind(people[start + i], at: Int32(i + 2)) }
      try batch.runBound()
      start += size
    }
    for employee in people[start...] {
      try one.bind(employee, at: 2)
      try one.runBound()
    }
  }

  /// Adds, after notice `notice` reached more people — its own entry's recipients (`via`
  /// nil) or resend `via`'s — a row for each of them and each correction that affects the
  /// notice (one of the notice, or of a version it announces) that has not reached them.
  func keepOutstanding(afterNotice notice: Int64, via: Int64?) throws {
    // The corrections first (usually none), then the delivery rows: a notice's key range
    // is read only when some correction affects it.
    try db.cached(
      """
      INSERT OR IGNORE INTO outstanding_people (correction, employee)
      SELECT c.seq, d.employee FROM (
          SELECT seq FROM corrections WHERE notice = ?1
          UNION
          SELECT c.seq FROM notice_versions nv CROSS JOIN corrections c
          WHERE nv.notice = ?1 AND c.affected_version = nv.version AND c.version = nv.version
        ) c
        CROSS JOIN \(LedgerStore.deliveryTable(via: via)) d ON d.message = ?1 AND d.via IS ?2
      WHERE NOT EXISTS (SELECT 1 FROM all_deliveries got WHERE got.message = c.seq AND got.employee = d.employee)
      """
    ).run([notice, via])
  }

  /// Removes, after correction `seq` reached more people, the rows of those it now reached.
  func keepOutstanding(afterCorrection seq: Int64) throws {
    try db.cached(
      """
      DELETE FROM outstanding_people WHERE correction = ?1
        AND EXISTS (SELECT 1 FROM all_deliveries d WHERE d.message = ?1 AND d.employee = outstanding_people.employee)
      """
    ).run([seq])
  }

  /// Fills `outstanding_people` for a ledger recorded before it existed (the migration
  /// that adds it): each correction's set, rebuilt from the deliveries.
  /// It runs before `all_deliveries` exists (a later migration adds it, with the table
  /// resends write from then on): until then every delivery is in `deliveries`, which a
  /// temporary view of that name lists for the backfill's queries.
  func backfillOutstandingPeople() throws {
    let hasUnion = try db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'view' AND name = 'all_deliveries'")
      .first([], { $0.int64(0) }) ?? 0
    if hasUnion == 0 {
      try db.execute("CREATE TEMP VIEW all_deliveries (message, employee, via) AS SELECT message, employee, via FROM main.deliveries")
    }
    defer { if hasUnion == 0 { try? db.execute("DROP VIEW temp.all_deliveries") } }
    for seq in try db.prepare("SELECT seq FROM corrections ORDER BY seq").map([], { $0.int64(0) }) {
      try keepOutstanding(ofNewCorrection: seq)
    }
  }

  /// `verify`: the first correction whose kept set differs from the one its deliveries
  /// give, or a row of something that is not a correction.
  func firstOutstandingDifference() throws -> (seq: Int64?, message: String)? {
    let corrections = try db.prepare("SELECT seq FROM corrections ORDER BY seq").map([], { $0.int64(0) })
    for seq in corrections {
      let expected = try computedOutstandingPeople(ofCorrection: seq)
      let kept = try keptOutstandingPeople(ofCorrection: seq)
      if expected != kept {
        return (seq,
          "the outstanding_people table does not match the deliveries: it lists \(kept.count) people still to reach, the deliveries give \(expected.count)")
      }
    }
    let orphan = try db.prepare(
      "SELECT correction FROM outstanding_people WHERE correction NOT IN (SELECT seq FROM corrections) ORDER BY correction LIMIT 1"
    ).first([], { $0.int64(0) })
    if let orphan {
      return (orphan >= 1 ? orphan : nil, "the outstanding_people table lists people for message \(orphan), which is not a correction")
    }
    return nil
  }

  /// The directory numbers of the people for whom correction `seq` is outstanding as the
  /// deliveries stand (every entry known): the recipients, by any delivery, of each notice
  /// the correction affects whom no delivery of the correction has reached; ascending.
  ///
  /// Rule 9 for one correction, and rule 2's notices a correction affects, restated in SQL
  /// (tested against ReplayModel by BitemporalPropertyTests). For a correction of a notice:
  /// one merge of two ranges of the deliveries' key — the notice's rows and the
  /// correction's, both in employee order — rather than a lookup of the correction's key
  /// for each of the notice's rows.
  func computedOutstandingPeople(ofCorrection seq: Int64) throws -> [Int64] {
    guard let notice = try db.cached("SELECT notice FROM corrections WHERE seq = ?").first([seq], { $0.optionalInt64(0) }) ?? nil
    else {
      return try db.cached(LedgerStore.outstandingOfVersionTarget).map([seq]) { $0.int64(0) }
    }
    let told = try db.cached("SELECT employee FROM all_deliveries WHERE message = ?1 ORDER BY employee")
    let corrected = try db.cached("SELECT employee FROM all_deliveries WHERE message = ?1 ORDER BY employee /* corrected */")
    try told.bind([notice])
    try corrected.bind([seq])
    defer {
      told.reset()
      corrected.reset()
    }
    var people: [Int64] = []
    var next: Int64 = try corrected.step() ? corrected.row.int64(0) : .max
    while try told.step() {
      let employee = told.row.int64(0)
      while next < employee { next = try corrected.step() ? corrected.row.int64(0) : .max }
      if next != employee { people.append(employee) }
    }
    return people
  }

  /// The outstanding people of a correction of a version: the recipients of every notice
  /// announcing it, each once.
  private static let outstandingOfVersionTarget = """
    SELECT e.id FROM employees e
    WHERE e.id IN (
      SELECT d.employee FROM corrections c JOIN notice_versions nv ON nv.version = c.version JOIN all_deliveries d ON d.message = nv.notice
      WHERE c.seq = ?1)
      AND NOT EXISTS (SELECT 1 FROM all_deliveries got WHERE got.message = ?1 AND got.employee = e.id)
    ORDER BY e.id
    """
}
