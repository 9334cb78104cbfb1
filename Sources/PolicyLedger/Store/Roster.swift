/// The roster (migrations/0004_workforce.sql): who was employed when, in which groups
/// (spec rule 19).
extension LedgerStore {
  /// Rule 19 over the whole journal (as recording judges a leave): employee number
  /// `employee`'s roster entry with the greatest `at` ≤ `t`, ties going to the later entry.
  func rosterState(employee: Int64, at t: Instant) throws -> (employed: Bool, at: Instant)? {
    try db.cached(
      "SELECT employed, at FROM roster WHERE employee = ? AND at <= ? ORDER BY at DESC, seq DESC LIMIT 1"
    ).first([employee, t.microseconds]) { (employed: $0.int64(0) != 0, at: Instant(microseconds: $0.int64(1))) }
  }

  /// Whether any roster entry is known at (k, r) (rule 1): `coverage` needs a workforce.
  func hasRoster(knownAt k: Instant?, recordedAt r: Instant?) throws -> Bool {
    try db.cached(
      "SELECT 1 FROM roster o JOIN journal j ON j.seq = o.seq WHERE o.at <= ? AND j.recorded_at <= ? LIMIT 1"
    ).first([k?.microseconds ?? .max, r?.microseconds ?? .max]) { _ in true } ?? false
  }

  /// Rule 19 for every employee at once, in employee-id order (UTF-8 bytes, as the
  /// directory's unique index sorts them): each employee's roster entry with the greatest
  /// `at` ≤ min(t, k) among those recorded by r (ties: journal order), when it is a join.
  /// This restates `Bitemporal.rosterState(_:at:in:)` as one statement, for speed: the
  /// directory is walked in name order and each employee's entries found through
  /// `roster_by_employee`; the replay model's property tests compare the two.
  /// `body` gets the employee's number and id, the groups and the `at` of that entry.
  func forEachEmployed(
    at t: Instant, knownAt k: Instant?, recordedAt r: Instant?,
    _ body: (_ number: Int64, _ id: String, _ groups: String, _ since: Instant) throws -> Void
  ) throws {
    let bound = min(t, k ?? t)
    let statement = try db.prepare(
      """
      SELECT e.id, e.name, o.groups, o.at FROM employees e JOIN roster o ON o.seq = (
        SELECT x.seq FROM roster x JOIN journal j ON j.seq = x.seq
        WHERE x.employee = e.id AND x.at <= ?1 AND j.recorded_at <= ?2
        ORDER BY x.at DESC, x.seq DESC LIMIT 1)
      WHERE o.employed = 1
      ORDER BY e.name
      """)
    try statement.bind([bound.microseconds, r?.microseconds ?? .max])
    while try statement.step() {
      let row = statement.row
      try body(row.int64(0), row.string(1), row.string(2), Instant(microseconds: row.int64(3)))
    }
  }

  /// Every roster entry, for `export employees`, in journal order.
  func forEachRosterEntry(_ body: (_ id: String, _ at: Instant, _ employed: Bool, _ groups: String, _ by: String, _ recordedAt: Instant) throws -> Void) throws {
    let statement = try db.prepare(
      """
      SELECT e.name, o.at, o.employed, o.groups, j.actor, j.recorded_at
      FROM roster o JOIN journal j ON j.seq = o.seq JOIN employees e ON e.id = o.employee ORDER BY o.seq
      """)
    try statement.bind([])
    while try statement.step() {
      let row = statement.row
      try body(
        row.string(0), Instant(microseconds: row.int64(1)), row.int64(2) != 0, row.string(3), row.string(4),
        Instant(microseconds: row.int64(5)))
    }
  }
}
