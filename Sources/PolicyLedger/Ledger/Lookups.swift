/// Finding projected rows by the names users give them.
extension Connection {
  func policyID(_ key: String) throws -> Int64? {
    try cached("SELECT id FROM policies WHERE key = ?").first([key]) { $0.int64(0) }
  }

  func versionRow(_ ref: VersionRef) throws -> (seq: Int64, policy: Int64, announcedAt: Instant)? {
    try cached(
      "SELECT v.seq, v.policy, v.announced_at FROM versions v JOIN policies p ON p.id = v.policy WHERE p.key = ? AND v.version = ?"
    ).first([ref.policy, ref.number]) { (seq: $0.int64(0), policy: $0.int64(1), announcedAt: Instant(microseconds: $0.int64(2))) }
  }

  func noticeRow(_ id: String) throws -> (seq: Int64, sentAt: Instant, announces: Int64?, policy: Int64?)? {
    try cached("SELECT seq, sent_at, announces, policy FROM notices WHERE id = ?").first([id]) {
      (seq: $0.int64(0), sentAt: Instant(microseconds: $0.int64(1)), announces: $0.optionalInt64(2), policy: $0.optionalInt64(3))
    }
  }

  func correctionSeq(_ id: String) throws -> Int64? {
    try cached("SELECT seq FROM corrections WHERE id = ?").first([id]) { $0.int64(0) }
  }

  /// Whether a notice or correction already has this id (they share one id space).
  func messageIDExists(_ id: String) throws -> Bool {
    try cached("SELECT 1 FROM notices WHERE id = ?1 UNION ALL SELECT 1 FROM corrections WHERE id = ?1").first([id]) { _ in true } ?? false
  }

  func employeeID(_ name: String) throws -> Int64? {
    try cached("SELECT id FROM employees WHERE name = ?").first([name]) { $0.int64(0) }
  }

  /// The employee's directory number, adding the employee when new.
  func employeeIDCreating(_ name: String) throws -> Int64 {
    if let id = try employeeID(name) { return id }
    try cached("INSERT INTO employees (name) VALUES (?)").run([name])
    return lastInsertRowID
  }
}
