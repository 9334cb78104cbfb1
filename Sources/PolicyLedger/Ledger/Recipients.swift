/// One recipient id and where it came from, for error messages.
public struct Recipient: Sendable {
  public let id: String
  /// "--to", or "line 3 of recipients.txt".
  public let origin: String

  public init(id: String, origin: String) {
    self.id = id
    self.origin = origin
  }
}

/// A stream of recipient ids: a notice to a million employees never holds them all.
public protocol RecipientSource {
  mutating func next() throws -> Recipient?
}

/// Recipients given on the command line (`--to E1,E2`).
public struct RecipientList: RecipientSource {
  private var ids: IndexingIterator<[String]>
  private let field: String

  public init(_ ids: [String], field: String = "--to") {
    self.ids = ids.makeIterator()
    self.field = field
  }

  public mutating func next() throws -> Recipient? {
    ids.next().map { Recipient(id: $0, origin: field) }
  }
}

/// A recipients file: one employee id a line, trimmed, blank lines skipped; `-` is standard input.
public struct RecipientFile: RecipientSource {
  private let reader: LineReader
  private let name: String

  public init(path: String) throws {
    reader = try LineReader(path: path)
    name = path == "-" ? "standard input" : path
  }

  public mutating func next() throws -> Recipient? {
    do {
      while let (line, text) = try reader.next() {
        let id = text.trimmingWhitespace()
        if id.isEmpty { continue }
        return Recipient(id: id, origin: "line \(line) of \(name)")
      }
      return nil
    } catch {
      throw LedgerError("recipients file \(name) line \(error.line): \(error.message)")
    }
  }
}

extension String {
  func trimmingWhitespace() -> String {
    let scalars = unicodeScalars
    guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
    let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
    return String(scalars[start...end])
  }
}

/// The digest that covers a recipient list in the journal: SHA-256 over the ids sorted
/// by their UTF-8 bytes, each followed by a line feed — what
/// `LC_ALL=C sort ids.txt | sha256sum` prints for a file of the ids.
struct RecipientDigest {
  private var hasher = SHA256Hasher()
  private var previous: [UInt8]? = nil
  private(set) var count: Int64 = 0
  /// False once an id arrived out of order; the digest must then come from a sorted scan.
  private(set) var isSorted = true

  mutating func add(_ id: String) {
    var id = id
    id.withUTF8 { utf8 in
      if isSorted, let previous, !previous.lexicographicallyPrecedes(utf8) { isSorted = false }
      if isSorted {
        hasher.update(UnsafeRawBufferPointer(utf8))
        hasher.update([0x0A])
        previous = Array(utf8)
      }
    }
    count += 1
  }

  mutating func finishHex() -> String { hasher.finishHex() }

  /// The count and digest of the recipients stored for `message`, by a sorted scan.
  static func stored(message: Int64, in db: Connection) throws -> (count: Int64, sha256: String) {
    var digest = RecipientDigest()
    try db.cached(
      "SELECT e.name FROM deliveries d JOIN employees e ON e.id = d.employee WHERE d.message = ? ORDER BY e.name"
    ).forEach([message]) { row in
      digest.add(row.string(0))
    }
    return (digest.count, digest.finishHex())
  }
}
