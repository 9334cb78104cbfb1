/// What an `import employees` entry (`employee.import`) records: how many roster rows it
/// covers and the SHA-256 of their canonical bytes in file order, as a notice covers its
/// recipients by count and digest. The rows themselves are projected into `roster_rows`
/// (migrations/0006_roster_imports.sql) as ordinals 1, 2, 3 … of the entry; verify
/// recomputes the digest from them (docs/journal-format.md, "employee.import").
public struct RosterImportEntry: Equatable, Sendable {
  /// How many rows the import recorded (at least one).
  public var rowCount: Int64
  /// The SHA-256 of the rows' canonical bytes (docs/journal-format.md, "employee.import"), in lowercase hex.
  public var rowsSHA256: String

  /// An import of `rowCount` rows whose digest is `rowsSHA256`.
  public init(rowCount: Int64, rowsSHA256: String) {
    self.rowCount = rowCount
    self.rowsSHA256 = rowsSHA256
  }
}

/// The digest of an import's roster rows, fed one row at a time in file order.
///
/// Each row is five canonical values (docs/journal-format.md's encoding): the employee id
/// (text), `at` in microseconds (integer), 1 for a join or 0 for a leave (integer), the
/// join's groups joined with `,` (text; empty for a leave or no groups), and the row's `by`
/// (text), or null when the row gave none. The digest is the SHA-256 of the rows' bytes one
/// after another; the encoding is injective, so no two lists of rows share bytes.
package struct RosterRowsDigest {
  private var hasher = SHA256Hasher()
  /// Rows' bytes not yet handed to the hasher: one call per 16 KiB, not one per row.
  private var pending: [UInt8] = []
  /// How many rows were added.
  package private(set) var count: Int64 = 0
  private static let chunk = 16 * 1024

  package init() {
    pending.reserveCapacity(RosterRowsDigest.chunk + 512)
  }

  /// Adds one row.
  package mutating func add(employee: String, at: Int64, employed: Bool, groups: String, actor: String?) {
    count += 1
    text(employee)
    integer(at)
    integer(employed ? 1 : 0)
    text(groups)
    if let actor { text(actor) } else { pending.append(0x00) }
    if pending.count >= RosterRowsDigest.chunk {
      hasher.update(pending)
      pending.removeAll(keepingCapacity: true)
    }
  }

  private mutating func integer(_ value: Int64) {
    pending.append(0x01)
    withUnsafeBytes(of: value.bigEndian) { pending.append(contentsOf: $0) }
  }

  private mutating func text(_ value: String) {
    var value = value
    value.withUTF8 { utf8 in
      pending.append(0x02)
      withUnsafeBytes(of: UInt32(utf8.count).bigEndian) { pending.append(contentsOf: $0) }
      pending.append(contentsOf: utf8)
    }
  }

  /// The digest in lowercase hex; the value is then used up.
  package mutating func finishHex() -> String {
    hasher.update(pending)
    pending.removeAll()
    return hasher.finishHex()
  }
}
