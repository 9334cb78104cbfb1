/// The statements behind ``Projector``'s tables: inserting a projected row (recording)
/// and reading a table back in journal order (verify's ``ProjectionCheck``).
extension ProjectedTable {
  var insertSQL: String { ProjectedTable.inserts[index] }

  /// Every stored row, in journal order.
  var scanSQL: String { "SELECT \(columns.joined(separator: ", ")) FROM \(name)\(projectedRows) ORDER BY \(scanOrder)" }

  /// One statement per table, in `allCases` order (``index``).
  private static let inserts = allCases.map { table in
    let columns = table.columns
    return "INSERT INTO \(table.name) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
  }
}

/// Recording's store: the ledger's own tables, in the append's transaction.
extension LedgerStore: ProjectionStore {
  func addPolicy(_ key: String, entry seq: Int64) throws -> Int64 {
    try db.cached("INSERT INTO policies (key) VALUES (?)").run([key])
    return db.lastInsertRowID
  }

  func version(_ ref: VersionRef, before seq: Int64) throws -> (seq: Int64, policy: Int64)? {
    try versionRow(ref).flatMap { $0.seq < seq ? (seq: $0.seq, policy: $0.policy) : nil }
  }

  func notice(_ id: String, before seq: Int64) throws -> (seq: Int64, announces: Int64?, policy: Int64?)? {
    try noticeRow(id).flatMap { $0.seq < seq ? (seq: $0.seq, announces: $0.announces, policy: $0.policy) : nil }
  }

  func message(_ id: String, before seq: Int64) throws -> Int64? {
    try messageSeq(id).flatMap { $0 < seq ? $0 : nil }
  }

  func employee(_ name: String) throws -> Int64 { try employeeIDCreating(name) }

  func add(_ table: ProjectedTable, entry seq: Int64, _ values: [any SQLiteBindable]) throws {
    try db.cached(table.insertSQL).run(values)
  }
}
