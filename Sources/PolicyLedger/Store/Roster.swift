/// The roster (migrations/0004_workforce.sql, 0006_roster_imports.sql): who was employed
/// when, in which groups (spec rule 19).
///
/// Every query reads `roster_rows`, which holds each single `employee join` / `employee
/// leave` entry as ordinal 0 of its seq and each imported row as ordinal 1, 2, 3 … of its
/// `employee.import` entry: journal order among roster rows is (seq, ordinal), and a row is
/// known from its entry's `recorded_at`.
extension LedgerStore {
  /// Rule 19 over the whole journal (as recording judges a leave): employee number
  /// `employee`'s roster row with the greatest `at` ≤ `t`, ties going to the later row in
  /// journal order. The rows an import has written so far count, so that an import's leave
  /// is judged against the ledger and the earlier rows of its own file.
  func rosterState(employee: Int64, at t: Instant) throws -> (employed: Bool, at: Instant)? {
    try db.cached(
      "SELECT employed, at FROM roster_rows WHERE employee = ? AND at <= ? ORDER BY at DESC, seq DESC, ordinal DESC LIMIT 1"
    ).first([employee, t.microseconds]) { (employed: $0.int64(0) != 0, at: Instant(microseconds: $0.int64(1))) }
  }

  /// The time of the employee's first join after `t`, if any (for a refused leave's message).
  func firstJoin(employee: Int64, after t: Instant) throws -> Instant? {
    try db.cached("SELECT min(at) FROM roster_rows WHERE employee = ? AND employed = 1 AND at > ?")
      .first([employee, t.microseconds]) { $0.isNull(0) ? nil : Instant(microseconds: $0.int64(0)) } ?? nil
  }

  /// Whether any roster row is known at (k, r) (rule 1): `coverage` needs a workforce.
  func hasRoster(knownAt k: Instant?, recordedAt r: Instant?) throws -> Bool {
    try db.cached(
      "SELECT 1 FROM roster_rows o JOIN journal j ON j.seq = o.seq WHERE o.at <= ? AND j.recorded_at <= ? LIMIT 1"
    ).first([k?.microseconds ?? .max, r?.microseconds ?? .max]) { _ in true } ?? false
  }

  /// Rule 19 for every employee at once, in employee-id order (UTF-8 bytes, as the
  /// directory's unique index sorts them): each employee's roster row with the greatest
  /// `at` ≤ min(t, k) among those recorded by r (ties: journal order, (seq, ordinal)), when
  /// it is a join. This restates `Bitemporal.rosterState(_:at:in:)` as one statement, for
  /// speed: the directory is walked in name order and each employee's rows found through
  /// `roster_rows_by_employee`; the replay model's property tests compare the two.
  /// `body` gets the employee's number and id, the groups and the `at` of that row.
  func forEachEmployed(
    at t: Instant, knownAt k: Instant?, recordedAt r: Instant?,
    _ body: (_ number: Int64, _ id: String, _ groups: String, _ since: Instant) throws -> Void
  ) throws {
    let bound = min(t, k ?? t)
    let statement = try db.prepare(
      """
      SELECT e.id, e.name, o.groups, o.at FROM employees e JOIN roster_rows o ON (o.seq, o.ordinal) = (
        SELECT x.seq, x.ordinal FROM roster_rows x JOIN journal j ON j.seq = x.seq
        WHERE x.employee = e.id AND x.at <= ?1 AND j.recorded_at <= ?2
        ORDER BY x.at DESC, x.seq DESC, x.ordinal DESC LIMIT 1)
      WHERE o.employed = 1
      ORDER BY e.name
      """)
    try statement.bind([bound.microseconds, r?.microseconds ?? .max])
    while try statement.step() {
      let row = statement.row
      try body(row.int64(0), row.string(1), row.string(2), Instant(microseconds: row.int64(3)))
    }
  }

  /// Every roster row, for `export employees`, in journal order (seq, ordinal): an
  /// imported row's `by` is the one it gave, else its entry's actor.
  func forEachRosterEntry(_ body: (_ id: String, _ at: Instant, _ employed: Bool, _ groups: String, _ by: String, _ recordedAt: Instant) throws -> Void) throws {
    let statement = try db.prepare(
      """
      SELECT e.name, o.at, o.employed, o.groups, coalesce(o.actor, j.actor), j.recorded_at
      FROM roster_rows o JOIN journal j ON j.seq = o.seq JOIN employees e ON e.id = o.employee ORDER BY o.seq, o.ordinal
      """)
    try statement.bind([])
    while try statement.step() {
      let row = statement.row
      try body(
        row.string(0), Instant(microseconds: row.int64(1)), row.int64(2) != 0, row.string(3), row.string(4),
        Instant(microseconds: row.int64(5)))
    }
  }

  // MARK: - Imported rows

  /// The statements `import employees` runs, prepared once an import and bound by index
  /// (no array of boxed values a row). Rows are written 64 to a statement — one cursor
  /// opened on `roster_rows` and its index for 64 rows rather than one — and so are the
  /// new employees of 64 joins, whose directory numbers are then the 64 numbers after the
  /// highest (each new row of a rowid table takes the highest number plus one, in
  /// VALUES order; when fewer than 64 rows went in — an employee already known, or named
  /// twice — each number is looked up instead). That statement is `INSERT OR IGNORE`: as
  /// `ON CONFLICT (name) DO NOTHING` it cost 1.3 to 1.9 s of system time a million rows
  /// (SQLite keeping a statement journal of the index pages it touched), as `OR IGNORE`
  /// none (docs/performance.md). The rows held back are written by
  /// ``flush()``, which must run before anything reads `roster_rows` or the directory.
  final class RosterRowWriter {
    private let db: Connection
    private let seq: Int64
    private let insertRow: Statement
    private let insertMany: Statement
    private let insertEmployee: Statement
    private let insertEmployees: Statement
    private let selectEmployee: Statement
    /// The last ordinal given: rows are 1, 2, 3 … in file order.
    private(set) var ordinal: Int64 = 0
    private static let batch = 64
    private static let columns: Int32 = 7
    private struct Pending {
      var ordinal: Int64
      /// The directory number; nil for a join until ``flush()`` registers `name`.
      var employee: Int64?
      var name: String
      var at: Int64
      var employed: Bool
      var groups: String
      var actor: String?
    }
    private var pending: [Pending] = []

    init(_ db: Connection, seq: Int64) throws {
      self.db = db
      self.seq = seq
      let columns = "INSERT INTO roster_rows (seq, ordinal, employee, at, employed, groups, actor) VALUES "
      insertRow = try db.prepare(columns + "(?, ?, ?, ?, ?, ?, ?)")
      insertMany = try db.prepare(
        columns + Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: RosterRowWriter.batch).joined(separator: ", "))
      insertEmployee = try db.prepare("INSERT INTO employees (name) VALUES (?1) ON CONFLICT (name) DO NOTHING")
      insertEmployees = try db.prepare(
        "INSERT OR IGNORE INTO employees (name) VALUES " + Array(repeating: "(?)", count: RosterRowWriter.batch).joined(separator: ", "))
      selectEmployee = try db.prepare("SELECT id FROM employees WHERE name = ?1")
      pending.reserveCapacity(RosterRowWriter.batch)
    }

    /// The employee's directory number, registering a new employee (rule 15: a roster row
    /// makes its employee known, as a single roster entry does).
    func employeeNumber(_ name: String) throws -> Int64 {
      try insertEmployee.run(text: name, at: 1)
      if db.changes == 1 { return db.lastInsertRowID }
      return try knownNumber(name)
    }

    private func knownNumber(_ name: String) throws -> Int64 {
      try selectEmployee.bind(text: name, at: 1)
      var number: Int64? = nil
      try selectEmployee.forEachBound { number = $0.int64(0) }
      guard let number else { throw LedgerError(.damaged, "employee '\(Identifier.printable(name))' is neither new nor in the directory") }
      return number
    }

    /// The next row of the import (ordinal 1, 2, 3 …), written now or with the next 63.
    /// `employee` is the directory number when known (a leave); for a join, nil: the
    /// employee `name` is registered when the row is written.
    func add(employee: Int64?, name: String, at: Instant, employed: Bool, groups: String, actor: String?) throws {
      ordinal += 1
      pending.append(Pending(ordinal: ordinal, employee: employee, name: name, at: at.microseconds, employed: employed, groups: groups, actor: actor))
      if pending.count == RosterRowWriter.batch { try flush() }
    }

    /// Registers the employees of the rows held back, in file order, and writes the rows.
    func flush() throws {
      if pending.count == RosterRowWriter.batch && pending.allSatisfy({ $0.employee == nil }) {
        for (i, row) in pending.enumerated() { try insertEmployees.bind(text: row.name, at: Int32(i) + 1) }
        try insertEmployees.runBound()
        if db.changes == RosterRowWriter.batch {
          let first = db.lastInsertRowID - Int64(RosterRowWriter.batch) + 1
          for i in pending.indices { pending[i].employee = first + Int64(i) }
        } else {
          for i in pending.indices { pending[i].employee = try knownNumber(pending[i].name) }
        }
      } else {
        for i in pending.indices where pending[i].employee == nil { pending[i].employee = try employeeNumber(pending[i].name) }
      }
      if pending.count == RosterRowWriter.batch {
        for (i, row) in pending.enumerated() { try bind(insertMany, row: i, row) }
        try insertMany.runBound()
      } else {
        for row in pending {
          try bind(insertRow, row: 0, row)
          try insertRow.runBound()
        }
      }
      pending.removeAll(keepingCapacity: true)
    }

    private func bind(_ statement: Statement, row i: Int, _ row: Pending) throws {
      let base = Int32(i) * RosterRowWriter.columns
      try statement.bind(seq, at: base + 1)
      try statement.bind(row.ordinal, at: base + 2)
      try statement.bind(row.employee!, at: base + 3)
      try statement.bind(row.at, at: base + 4)
      try statement.bind(row.employed ? 1 : 0, at: base + 5)
      try statement.bind(text: row.groups, at: base + 6)
      if let actor = row.actor { try statement.bind(text: actor, at: base + 7) } else { try statement.bind(Int64?.none, at: base + 7) }
    }
  }

  /// What `verify` reads of the imported roster rows (ordinals other than 0).
  struct ImportedRosterRows {
    /// Each import entry's rows: their count and ``RosterRowsDigest``.
    var digests: [Int64: (count: Int64, sha256: String)] = [:]
    /// The first entry whose rows are not numbered 1, 2, 3 ….
    var misnumbered: Int64? = nil
    /// The first entry with a row whose employee number is not in the directory.
    var unknownEmployee: Int64? = nil
  }

  /// Every imported roster row, in (seq, ordinal) order, folded into each entry's count and
  /// digest as ``RosterRowsDigest`` defines them, with the employee's id from the directory.
  func importedRosterRows() throws -> ImportedRosterRows {
    var stored = ImportedRosterRows()
    var current: Int64? = nil
    var digest = RosterRowsDigest()
    var expected: Int64 = 1
    let scan = try db.prepare(
      """
      SELECT r.seq, r.ordinal, e.name, r.at, r.employed, r.groups, r.actor
      FROM roster_rows r LEFT JOIN employees e ON e.id = r.employee WHERE r.ordinal <> 0 ORDER BY r.seq, r.ordinal
      """)
    try scan.bind([])
    while try scan.step() {
      let row = scan.row
      let seq = row.int64(0)
      if seq != current {
        if let current { stored.digests[current] = (digest.count, digest.finishHex()) }
        current = seq
        digest = RosterRowsDigest()
        expected = 1
      }
      if row.int64(1) != expected, stored.misnumbered.map({ seq < $0 }) ?? true { stored.misnumbered = seq }
      expected = row.int64(1) + 1
      guard let name = row.optionalString(2) else {
        if stored.unknownEmployee.map({ seq < $0 }) ?? true { stored.unknownEmployee = seq }
        continue
      }
      digest.add(
        employee: name, at: row.int64(3), employed: row.int64(4) != 0, groups: row.string(5), actor: row.optionalString(6))
    }
    if let current { stored.digests[current] = (digest.count, digest.finishHex()) }
    return stored
  }
}
