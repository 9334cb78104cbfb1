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
    // The pages themselves first. The scans below read every entry of an index B-tree,
    // the keys of its interior pages included (an index B-tree keeps entries there), but
    // a table B-tree's interior pages hold only the row numbers that lookups by row number
    // follow, which no scan reads: a changed one hides rows from those lookups.
    // > PRAGMA quick_check … is like integrity_check except that it does not verify UNIQUE
    // > constraints and does not verify that index content matches table content.
    // https://www.sqlite.org/pragma.html#pragma_quick_check
    // What it leaves out is what the scans below check, at a fifth of integrity_check's cost
    // (docs/performance.md).
    if let problem = try db.prepare("PRAGMA quick_check(1)").first({ $0.optionalString(0) }) ?? nil, problem != "ok" {
      return "the file's pages are not well-formed: \(problem)"
    }
    let indexes = try db.prepare(
      "SELECT name, tbl_name, coalesce(sql, '') FROM sqlite_schema WHERE type = 'index' ORDER BY tbl_name, name"
    ).map { (name: $0.string(0), table: $0.string(1), sql: $0.string(2)) }
    let key = (UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max))
    // A WITHOUT ROWID table is itself the B-tree of its primary key, which quick_check
    // does not check for order (integrity_check does: "row not in PRIMARY KEY order"), and
    // which the index scans below skip. Two of its rows swapped, or a key byte changed,
    // would hide rows from the lookups queries make while every scan still finds them.
    let tables = try db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").map { $0.string(0) }
    for table in tables where !table.hasPrefix("sqlite_") {
      if let problem = try checkPrimaryKeyOrder(table: table, key: key) {
        return "the \(table) table's rows are not in primary key order: \(problem)"
      }
    }
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

  /// For a WITHOUT ROWID table: its rows, read in the order of its B-tree, must have
  /// strictly increasing primary keys. Nil for a table with row numbers.
  private func checkPrimaryKeyOrder(table: String, key: (UInt64, UInt64)) throws -> String? {
    guard (try? db.prepare("SELECT rowid FROM \(quoted(table)) LIMIT 0")) == nil else { return nil }
    guard let primaryKey = try db.prepare("SELECT name FROM pragma_index_list(?) WHERE origin = 'pk'").first([table], { $0.string(0) })
    else { return "it has no primary key" }
    var columns: [String] = []
    var plain = true
    try db.prepare("SELECT name, \"desc\", coll, key FROM pragma_index_xinfo(?) ORDER BY seqno").forEach([primaryKey]) { row in
      guard row.int64(3) != 0 else { return }
      columns.append(row.string(0))
      if row.int64(1) != 0 || row.string(2) != "BINARY" { plain = false }
    }
    guard plain, !columns.isEmpty else { return "its primary key is not in ascending binary order, as the migrations make every one" }
    let names = columns.map(quoted).joined(separator: ", ")
    let scan = try Scan.run(
      db, "SELECT \(names) FROM \(quoted(table)) INDEXED BY \(quoted(primaryKey))", key: key, ordered: 0..<columns.count,
      uniquePrefix: nil)
    return scan.problem
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
      // Two rows' values, reused from row to row: a scan of millions of rows allocates nothing.
      var previous = StoredRow(width: width)
      var current = StoredRow(width: width)
      while try statement.step() {
        current.load(handle)
        let (a, b) = current.hash(key: key)
        scan.sum = (scan.sum.0 &+ a, scan.sum.1 &+ b)
        if scan.problem == nil, scan.count > 0, let ordered {
          let order = StoredRow.compare(previous, current, ordered)
          if order >= 0 {
            scan.problem = order == 0 ? "two entries are the same" : "its entries are out of order"
          } else if let prefix = uniquePrefix, StoredRow.compare(previous, current, 0..<prefix) == 0,
            !current.hasNull(in: 0..<prefix)
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

/// The values of one row, read without trusting their storage class, in buffers that the
/// next row reuses.
struct StoredRow {
  private var types: [Int32]
  /// An integer, or a real's bit pattern.
  private var numbers: [Int64]
  private var bytes: [[UInt8]]

  init(width: Int) {
    types = [Int32](repeating: SQLITE_NULL, count: width)
    numbers = [Int64](repeating: 0, count: width)
    bytes = [[UInt8]](repeating: [], count: width)
  }

  mutating func load(_ handle: OpaquePointer) {
    for column in 0..<types.count {
      let index = Int32(column)
      let type = sqlite3_column_type(handle, index)
      types[column] = type
      switch type {
      case SQLITE_INTEGER: numbers[column] = sqlite3_column_int64(handle, index)
      case SQLITE_FLOAT: numbers[column] = Int64(bitPattern: sqlite3_column_double(handle, index).bitPattern)
      case SQLITE_TEXT, SQLITE_BLOB:
        let pointer =
          type == SQLITE_TEXT
          ? UnsafeRawPointer(sqlite3_column_text(handle, index)) : sqlite3_column_blob(handle, index)
        let count = Int(sqlite3_column_bytes(handle, index))
        bytes[column].removeAll(keepingCapacity: true)
        if let pointer, count > 0 { bytes[column].append(contentsOf: UnsafeRawBufferPointer(start: pointer, count: count)) }
      default: break
      }
    }
  }

  func hasNull(in columns: Range<Int>) -> Bool { columns.contains { types[$0] == SQLITE_NULL } }

  /// Two 64-bit hashes of the row's values with their storage classes, keyed.
  func hash(key: (UInt64, UInt64)) -> (UInt64, UInt64) {
    var a = key.0 ^ 0x9E37_79B9_7F4A_7C15
    var b = key.1 ^ 0xC2B2_AE3D_27D4_EB4F
    func mix(_ word: UInt64) {
      a = Hash64.round(a, word)
      b = Hash64.round(b, word ^ 0x5851_F42D_4C95_7F2D)
    }
    for column in 0..<types.count {
      let type = types[column]
      mix(0xA0 | UInt64(type))
      switch type {
      case SQLITE_INTEGER, SQLITE_FLOAT: mix(UInt64(bitPattern: numbers[column]))
      case SQLITE_TEXT, SQLITE_BLOB:
        bytes[column].withUnsafeBytes { raw in
          mix(UInt64(raw.count))
          var offset = 0
          while offset + 8 <= raw.count {
            mix(raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
          }
          if offset < raw.count {
            var tail: UInt64 = 0
            for byte in raw[offset...].reversed() { tail = tail << 8 | UInt64(byte) }
            mix(tail)
          }
        }
      default: break
      }
    }
    return (Hash64.finish(a), Hash64.finish(b))
  }

  /// SQLite's order (BINARY collation): NULL, then numbers, then text, then blobs.
  private static func rank(_ type: Int32) -> Int {
    switch type {
    case SQLITE_NULL: 0
    case SQLITE_INTEGER, SQLITE_FLOAT: 1
    case SQLITE_TEXT: 2
    default: 3
    }
  }

  private func double(_ column: Int) -> Double {
    types[column] == SQLITE_FLOAT ? Double(bitPattern: UInt64(bitPattern: numbers[column])) : Double(numbers[column])
  }

  /// -1, 0 or 1, as SQLite orders the two rows' values in `columns`.
  static func compare(_ x: StoredRow, _ y: StoredRow, _ columns: Range<Int>) -> Int {
    for column in columns {
      let p = x.types[column], q = y.types[column]
      if rank(p) != rank(q) { return rank(p) < rank(q) ? -1 : 1 }
      let order: Int
      switch p {
      case SQLITE_NULL: order = 0
      case SQLITE_INTEGER where q == SQLITE_INTEGER:
        let m = x.numbers[column], n = y.numbers[column]
        order = m < n ? -1 : m == n ? 0 : 1
      case SQLITE_INTEGER, SQLITE_FLOAT:
        let m = x.double(column), n = y.double(column)
        order = m < n ? -1 : m == n ? 0 : 1
      default: order = compareBytes(x.bytes[column], y.bytes[column])
      }
      if order != 0 { return order }
    }
    return 0
  }

  private static func compareBytes(_ p: [UInt8], _ q: [UInt8]) -> Int {
    let common = min(p.count, q.count)
    let order = p.withUnsafeBytes { a in
      q.withUnsafeBytes { b in
        guard common > 0, let a = a.baseAddress, let b = b.baseAddress else { return Int32(0) }
        return memcmp(a, b, common)
      }
    }
    if order != 0 { return order < 0 ? -1 : 1 }
    return p.count < q.count ? -1 : p.count == q.count ? 0 : 1
  }
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

extension LedgerStore {
  /// Step 7 of verify: the first index that does not match its table (``IndexCheck``).
  func firstIndexMismatch() throws -> String? { try IndexCheck(db: db).firstMismatch() }
}
