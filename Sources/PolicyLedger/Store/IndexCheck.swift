import Foundation
import PolicyLedgerSQLite

/// Every index of the ledger compared with its table, for `verify`.
///
/// Queries find rows through indexes; verify's replay reads the tables. Bytes of an index
/// changed behind the ledger's back (two keys swapped, a bit flipped in a key or in the
/// row number it points to) would make queries answer from rows the tables do not hold
/// while the tables themselves still match the journal. So each index is read twice:
///
/// - through the index, in index order: every row must sort strictly after the one before
///   it (the index's key columns, then the row number or primary key that makes each
///   entry unique), and for a UNIQUE index the key columns alone must too;
/// - through the table, without the index (`NOT INDEXED`, or a WITHOUT ROWID table's own
///   primary key): the same columns, with the table's row numbers strictly increasing.
///
/// Both reads fold an order-independent digest of their rows (the wrapping sum of a keyed
/// 128-bit hash of each row; the key is random for each run, so no one can prepare rows
/// that collide) and count them; an index that differs from its table in any row, or holds
/// its rows out of order, fails. A partial index is compared with the rows its WHERE
/// clause selects.
///
/// This is the part of `PRAGMA integrity_check` that concerns answers (an index agreeing
/// with its table, in order) at the cost of two sequential scans per index, without its
/// one B-tree seek per row and index. It does not check the divider keys of interior
/// B-tree pages, which only seeks exercise (docs/reliability.md says what that leaves).
///
/// It runs after the schema was found to be exactly the migrations' (the WHERE clauses of
/// partial indexes are taken from the stored schema).
struct IndexCheck {
  let db: Connection

  /// The first index that does not match its table, described; nil when all match.
  func firstMismatch() throws -> String? {
    let indexes = try db.prepare(
      "SELECT name, tbl_name, coalesce(sql, '') FROM sqlite_schema WHERE type = 'index' ORDER BY tbl_name, name"
    ).map { (name: $0.string(0), table: $0.string(1), sql: $0.string(2)) }
    let key = (UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max))
    for index in indexes {
      if let problem = try check(index: index.name, table: index.table, sql: index.sql, key: key) {
        return "the index '\(index.name)' does not match the \(index.table) table: \(problem)"
      }
    }
    return nil
  }

  private struct Column {
    let name: String
    let isKey: Bool
  }

  private func check(index: String, table: String, sql: String, key: (UInt64, UInt64)) throws -> String? {
    let hasRowID = (try? db.prepare("SELECT rowid FROM \(quoted(table)) LIMIT 0")) != nil
    let list = try db.prepare("SELECT name, origin, \"unique\" FROM pragma_index_list(?)").map([table]) {
      (name: $0.string(0), origin: $0.string(1), unique: $0.int64(2) != 0)
    }
    // A WITHOUT ROWID table's primary key index is the table itself.
    let primaryKey = hasRowID ? nil : list.first { $0.origin == "pk" }?.name
    if index == primaryKey { return nil }
    guard let unique = list.first(where: { $0.name == index })?.unique else {
      return "it is not listed among the table's indexes"
    }
    var columns: [Column] = []
    var binary = true
    try db.prepare("SELECT cid, name, key, coll FROM pragma_index_xinfo(?) ORDER BY seqno").forEach([index]) { row in
      let cid = row.int64(0)
      guard cid >= -1 else { return }  // an expression: none in this schema
      columns.append(Column(name: cid == -1 ? "rowid" : row.string(1), isKey: row.int64(2) != 0))
      if row.string(3) != "BINARY" { binary = false }
    }
    guard !columns.isEmpty else { return "it has no columns" }
    let keyCount = columns.filter(\.isKey).count
    let names = columns.map { quoted($0.name) }.joined(separator: ", ")
    let filter = partialFilter(sql).map { " WHERE \($0)" } ?? ""

    // Through the index, in its order.
    let viaIndex = try Scan.run(
      db, "SELECT \(names) FROM \(quoted(table)) INDEXED BY \(quoted(index))\(filter) ORDER BY \(names)",
      key: key, ordered: binary ? 0..<columns.count : nil, uniquePrefix: unique && binary ? keyCount : nil)
    if let problem = viaIndex.problem { return problem }

    // Through the table alone, its row numbers (or primary key) strictly increasing.
    let source = primaryKey.map { "INDEXED BY \(quoted($0))" } ?? "NOT INDEXED"
    let viaTable = try Scan.run(
      db, "SELECT \(names) FROM \(quoted(table)) \(source)\(filter)", key: key,
      ordered: hasRowID && columns.last?.name == "rowid" ? (columns.count - 1)..<columns.count : nil, uniquePrefix: nil)
    if let problem = viaTable.problem { return "its table: \(problem)" }
    if viaIndex.count != viaTable.count {
      return "the index has \(viaIndex.count) entries, the table \(viaTable.count) rows"
    }
    if viaIndex.sum != viaTable.sum { return "an entry differs from its row" }
    return nil
  }

  /// The WHERE clause of a partial index, from its CREATE INDEX statement.
  private func partialFilter(_ sql: String) -> String? {
    guard let range = sql.range(of: " WHERE ", options: [.caseInsensitive, .backwards]) else { return nil }
    return String(sql[range.upperBound...])
  }

  private func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

  /// One read of an index or a table: its rows' count and digest, and the first problem.
  private struct Scan {
    var count: Int64 = 0
    var sum: (UInt64, UInt64) = (0, 0)
    var problem: String? = nil

    static func run(
      _ db: Connection, _ sql: String, key: (UInt64, UInt64), ordered: Range<Int>?, uniquePrefix: Int?
    ) throws -> Scan {
      var scan = Scan()
      let statement = try db.prepare(sql)
      try statement.bind([])
      let handle = statement.handle
      let width = Int(sqlite3_column_count(handle))
      var previous = [StoredValue](repeating: .null, count: width)
      var current = [StoredValue](repeating: .null, count: width)
      while try statement.step() {
        var a = key.0 ^ 0x9E37_79B9_7F4A_7C15
        var b = key.1 ^ 0xC2B2_AE3D_27D4_EB4F
        for column in 0..<width {
          let value = StoredValue(handle, Int32(column))
          value.fold(into: &a, &b)
          current[column] = value
        }
        scan.sum = (scan.sum.0 &+ Hash64.finish(a), scan.sum.1 &+ Hash64.finish(b))
        if scan.problem == nil, scan.count > 0, let ordered {
          let order = StoredValue.compare(previous[ordered], current[ordered])
          if order >= 0 {
            scan.problem = order == 0 ? "two entries are the same" : "its entries are out of order"
          } else if let prefix = uniquePrefix, StoredValue.compare(previous[0..<prefix], current[0..<prefix]) == 0,
            !current[0..<prefix].contains(where: \.isNull)
          {
            scan.problem = "two entries have the same key"
          }
        }
        swap(&previous, &current)
        scan.count += 1
      }
      return scan
    }
  }
}

/// One stored value, read without trusting its storage class.
enum StoredValue {
  case null
  case integer(Int64)
  case real(Double)
  case text([UInt8])
  case blob([UInt8])

  init(_ handle: OpaquePointer, _ column: Int32) {
    switch sqlite3_column_type(handle, column) {
    case SQLITE_INTEGER: self = .integer(sqlite3_column_int64(handle, column))
    case SQLITE_FLOAT: self = .real(sqlite3_column_double(handle, column))
    case SQLITE_TEXT:
      let pointer = sqlite3_column_text(handle, column)
      let count = Int(sqlite3_column_bytes(handle, column))
      self = .text(pointer.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? [])
    case SQLITE_BLOB:
      let pointer = sqlite3_column_blob(handle, column)
      let count = Int(sqlite3_column_bytes(handle, column))
      self = .blob(pointer.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? [])
    default: self = .null
    }
  }

  var isNull: Bool { if case .null = self { true } else { false } }

  /// SQLite's order (BINARY collation): NULL, then numbers, then text, then blobs.
  private var rank: Int {
    switch self {
    case .null: 0
    case .integer, .real: 1
    case .text: 2
    case .blob: 3
    }
  }

  /// -1, 0 or 1, as SQLite orders the two tuples.
  static func compare(_ a: ArraySlice<StoredValue>, _ b: ArraySlice<StoredValue>) -> Int {
    for (x, y) in zip(a, b) {
      let order = compare(x, y)
      if order != 0 { return order }
    }
    return 0
  }

  static func compare(_ x: StoredValue, _ y: StoredValue) -> Int {
    if x.rank != y.rank { return x.rank < y.rank ? -1 : 1 }
    switch (x, y) {
    case (.integer(let p), .integer(let q)): return p < q ? -1 : p == q ? 0 : 1
    case (.text(let p), .text(let q)), (.blob(let p), .blob(let q)): return compareBytes(p, q)
    case (.null, .null): return 0
    default:
      let p = x.double, q = y.double
      return p < q ? -1 : p == q ? 0 : 1
    }
  }

  private var double: Double {
    switch self {
    case .integer(let n): Double(n)
    case .real(let d): d
    default: 0
    }
  }

  private static func compareBytes(_ p: [UInt8], _ q: [UInt8]) -> Int {
    for (x, y) in zip(p, q) where x != y { return x < y ? -1 : 1 }
    return p.count < q.count ? -1 : p.count == q.count ? 0 : 1
  }

  /// Adds the value, with its storage class, to two running hashes.
  func fold(into a: inout UInt64, _ b: inout UInt64) {
    func mix(_ word: UInt64) {
      a = Hash64.round(a, word)
      b = Hash64.round(b, word ^ 0x5851_F42D_4C95_7F2D)
    }
    switch self {
    case .null: mix(0xA0)
    case .integer(let n): mix(0xA1); mix(UInt64(bitPattern: n))
    case .real(let d): mix(0xA2); mix(d.bitPattern)
    case .text(let bytes), .blob(let bytes):
      mix(isText ? 0xA3 : 0xA4)
      mix(UInt64(bytes.count))
      var word: UInt64 = 0
      for (offset, byte) in bytes.enumerated() {
        word = word << 8 | UInt64(byte)
        if offset & 7 == 7 {
          mix(word)
          word = 0
        }
      }
      if bytes.count & 7 != 0 { mix(word) }
    }
  }

  private var isText: Bool { if case .text = self { true } else { false } }
}

/// A 64-bit mixing hash (multiply–xorshift rounds, the finaliser of SplitMix64): not
/// cryptographic, but keyed with a random value for each verify.
enum Hash64 {
  static func round(_ state: UInt64, _ word: UInt64) -> UInt64 {
    var x = (state ^ word) &* 0xBF58_476D_1CE4_E5B9
    x ^= x >> 31
    return x &* 0x94D0_49BB_1331_11EB
  }

  static func finish(_ state: UInt64) -> UInt64 {
    var x = state
    x ^= x >> 30
    x = x &* 0xBF58_476D_1CE4_E5B9
    x ^= x >> 27
    x = x &* 0x94D0_49BB_1331_11EB
    return x ^ (x >> 31)
  }
}
