/// What `verify` reads of the deliveries table: every message's recipient count and
/// digest (step 5 of docs/journal-format.md, "What verify checks").
extension LedgerStore {
  /// What the deliveries table holds, for ``Verifier/checkRecipients()``.
  struct DeliveryDigests {
    /// Each delivering entry's recipient count and digest: the message's own entry for
    /// rows with no `via`, else the resend entry `via` names.
    var digests: [Int64: (count: Int64, sha256: String)] = [:]
    /// The message each resend entry's rows deliver (the first seen, when they disagree).
    var messageOfResend: [Int64: Int64] = [:]
    /// The first resend entry whose rows name more than one message.
    var splitResend: Int64? = nil
    /// The first resend entry with a row in the table it was not written to: `deliveries`
    /// for a resend recorded before `resent_deliveries` existed, that table after.
    var misfiledResend: Int64? = nil
    /// Why the first seq of `resent_deliveries` cannot be read, if it cannot.
    var boundaryProblem: String? = nil
    /// The first message with a delivery row that names no employee.
    var orphan: Int64? = nil
    /// The lowest employee number that no delivery, acknowledgement or roster entry names.
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
  func storedRecipientDigests() throws -> DeliveryDigests {
    guard let directory = try EmployeeDirectory(db) else { return try storedRecipientDigestsByName() }
    var stored = DeliveryDigests()
    let boundary = try resentDeliveriesFrom(&stored)
    var delivered = [Bool](repeating: false, count: directory.capacity)
    var current: Int64? = nil
    var ranks: [UInt32] = []
    // A message's resends' rows lie among its own (the key is message, employee).
    var resendRanks: [Int64: [UInt32]] = [:]
    func finishMessage(_ message: Int64) {
      stored.digests[message] = directory.digest(ofRanks: &ranks)
      for (via, var chosen) in resendRanks {
        if let earlier = stored.messageOfResend[via], earlier != message {
          if stored.splitResend.map({ via < $0 }) ?? true { stored.splitResend = via }
          continue
        }
        stored.messageOfResend[via] = message
        stored.digests[via] = directory.digest(ofRanks: &chosen)
      }
      resendRanks.removeAll(keepingCapacity: true)
    }
    // A plain loop rather than forEach's closure: no dynamic exclusivity checks on the
    // captured state, ten million times. Both tables in key order, merged here rather
    // than by SQL's UNION ALL ... ORDER BY, which costs about half as much again as the
    // scans themselves; a row repeated in both tables is read twice, and counts twice.
    let own = try db.prepare("SELECT message, employee, via FROM deliveries ORDER BY message, employee")
    let resent = try db.prepare("SELECT message, employee, via FROM resent_deliveries ORDER BY message, employee")
    try own.bind([])
    try resent.bind([])
    var ownLive = try own.step(), resentLive = try resent.step()
    while ownLive || resentLive {
      let fromResent: Bool
      if ownLive && resentLive {
        let a = own.row, b = resent.row
        let (am, bm) = (a.int64(0), b.int64(0))
        fromResent = bm < am || (bm == am && b.int64(1) < a.int64(1))
      } else {
        fromResent = resentLive
      }
      let row = fromResent ? resent.row : own.row
      let message = row.int64(0)
      let employee = row.int64(1)
      if message != current {
        // Every message's rows count, whatever its number: a row moved to message -1 must
        // leave its own message's digest, and show up as a message no entry has.
        if let current { finishMessage(current) }
        current = message
      }
      if let rank = directory.rank(of: employee) {
        if let via = row.optionalInt64(2) {
          stored.noteTable(via: via, resent: fromResent, boundary: boundary)
          resendRanks[via, default: []].append(rank)
        } else {
          ranks.append(rank)
        }
        delivered[Int(employee)] = true
      } else if stored.orphan == nil {
        stored.orphan = message
      }
      if fromResent { resentLive = try resent.step() } else { ownLive = try own.step() }
    }
    if let current { finishMessage(current) }
    var acked = Set<Int64>()
    try db.prepare("SELECT DISTINCT employee FROM acks").forEach { acked.insert($0.int64(0)) }
    // The roster registers its employees too (rule 15).
    try db.prepare("SELECT employee FROM roster UNION SELECT employee FROM roster_rows").forEach { acked.insert($0.int64(0)) }
    stored.unaccountedEmployee = directory.firstNumber { !delivered[Int($0)] && !acked.contains($0) }
    return stored
  }

  /// ``storedRecipientDigests()`` without holding the directory: one walk of the
  /// employees by name, joined to their deliveries.
  func storedRecipientDigestsByName() throws -> DeliveryDigests {
    var digests: [Int64: RecipientDigest] = [:]
    var stored = DeliveryDigests()
    let boundary = try resentDeliveriesFrom(&stored)
    try db.prepare(
      """
      SELECT e.name, d.message, d.via, d.resent FROM employees e
      JOIN (\(LedgerStore.bothDeliveryTables)) d ON d.employee = e.id ORDER BY e.name
      """
    ).forEach { row in
      let message = row.int64(1)
      if let via = row.optionalInt64(2) {
        stored.noteTable(via: via, resent: row.int64(3) != 0, boundary: boundary)
        if let earlier = stored.messageOfResend[via], earlier != message {
          if stored.splitResend.map({ via < $0 }) ?? true { stored.splitResend = via }
          return
        }
        stored.messageOfResend[via] = message
        digests[via, default: RecipientDigest()].add(row.text(0))
      } else {
        digests[message, default: RecipientDigest()].add(row.text(0))
      }
    }
    for (message, var digest) in digests { stored.digests[message] = (digest.count, digest.finishHex()) }
    stored.orphan = try db.prepare(
      "SELECT min(d.message) FROM all_deliveries d WHERE NOT EXISTS (SELECT 1 FROM employees e WHERE e.id = d.employee)"
    ).first { $0.optionalInt64(0) } ?? nil
    stored.unaccountedEmployee = try db.prepare(
      """
      SELECT min(e.id) FROM employees e
      WHERE NOT EXISTS (SELECT 1 FROM all_deliveries d WHERE d.employee = e.id)
        AND NOT EXISTS (SELECT 1 FROM acks a WHERE a.employee = e.id)
        AND NOT EXISTS (SELECT 1 FROM roster r WHERE r.employee = e.id)
        AND NOT EXISTS (SELECT 1 FROM roster_rows r WHERE r.employee = e.id)
      """
    ).first { $0.optionalInt64(0) } ?? nil
    return stored
  }

  /// Both delivery tables, each row marked with the table it is in (`resent` 1 for
  /// `resent_deliveries`), for the walk by name.
  static let bothDeliveryTables = """
    SELECT message, employee, via, 0 AS resent FROM deliveries
    UNION ALL
    SELECT message, employee, via, 1 FROM resent_deliveries
    """

  /// The first seq whose resends write `resent_deliveries` (its one row), or nil with the
  /// problem noted.
  private func resentDeliveriesFrom(_ stored: inout DeliveryDigests) throws -> Int64? {
    let rows = try db.prepare("SELECT seq FROM resent_deliveries_from").map { $0.int64(0) }
    guard rows.count == 1 else {
      stored.boundaryProblem = "the resent_deliveries_from table holds \(rows.count) rows; it must hold one"
      return nil
    }
    return rows[0]
  }
}

extension LedgerStore.DeliveryDigests {
  /// Notes resend `via`'s row if it lies in the table it was not written to.
  mutating func noteTable(via: Int64, resent: Bool, boundary: Int64?) {
    guard let boundary, resent != (via >= boundary) else { return }
    if misfiledResend.map({ via < $0 }) ?? true { misfiledResend = via }
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
    // Too sparse to index an array by (a damaged row number can make the highest one
    // huge): decided before anything is allocated for it.
    let rows = try db.prepare("SELECT count(*) FROM employees").first { $0.int64(0) } ?? 0
    guard maxID <= 4 * rows + 1024 else { return nil }
    ranks = [UInt32](repeating: EmployeeDirectory.missing, count: Int(maxID) + 1)
    lines.reserveCapacity(Int(rows) * 10)
    starts.reserveCapacity(Int(rows) + 2)
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
