import Foundation

/// One recipient id and where it came from, for error messages.
public struct Recipient: Sendable {
  /// The employee id, as given (trimmed and checked when recorded).
  public let id: String
  private let place: Place

  private enum Place: Sendable {
    case named(String)
    case line(Int, of: String)
  }

  /// "--to", or "line 3 of recipients.txt" — built only when an error needs it, not once a row.
  public var origin: String {
    switch place {
    case .named(let origin): origin
    case .line(let line, let name): "line \(line) of \(name)"
    }
  }

  /// A recipient `id` that came from `origin` (an option name, for messages).
  public init(id: String, origin: String) {
    self.id = id
    self.place = .named(origin)
  }

  init(id: String, line: Int, of name: String) {
    self.id = id
    self.place = .line(line, of: name)
  }
}

/// A stream of recipient ids: a notice to a million employees never holds them all.
public protocol RecipientSource {
  /// The next recipient, or nil when there are no more.
  mutating func next() throws -> Recipient?
}

/// Recipients given on the command line (`--to E1,E2`).
public struct RecipientList: RecipientSource, Sendable {
  private var ids: IndexingIterator<[String]>
  private let field: String

  /// Recipients `ids`, named `field` in messages.
  public init(_ ids: [String], field: String = "--to") {
    self.ids = ids.makeIterator()
    self.field = field
  }

  /// The next recipient, or nil at the end.
  public mutating func next() throws -> Recipient? {
    ids.next().map { Recipient(id: $0, origin: field) }
  }
}

/// A recipients file: one employee id a line, trimmed, blank lines skipped; `-` is standard input.
public struct RecipientFile: RecipientSource {
  private let reader: LineReader
  private let name: String

  /// Opens the recipients file at `path` (`-` for standard input); `field` names the
  /// option that gave it in a refusal to open it, as ``ImportFile/init(path:field:)`` does.
  public init(path: String, field: String? = nil) throws {
    reader = try LineReader(path: path, field: field)
    name = path == "-" ? "standard input" : path
  }

  /// The next non-blank line's id, or nil at the end of the file.
  public mutating func next() throws -> Recipient? {
    do {
      while let (line, text) = try reader.next() {
        let id = Identifier.trimmed(text)
        if id.isEmpty { continue }
        return Recipient(id: id, line: line, of: name)
      }
      return nil
    } catch {
      throw LedgerError(.invalidInput, "recipients file \(name) line \(error.line): \(error.message)")
    }
  }
}

extension String {
  func trimmingWhitespace() -> String {
    // Fast path: both ends printable ASCII (an employee id, nearly always), so nothing to trim.
    if let first = utf8.first, let last = utf8.last, first > 0x20, first < 0x7F, last > 0x20, last < 0x7F { return self }
    // One definition for every entry point: Identifier.trimmed.
    let scalars = unicodeScalars
    guard let start = scalars.firstIndex(where: { !Identifier.isTrimmable($0) }),
      let end = scalars.lastIndex(where: { !Identifier.isTrimmable($0) })
    else { return "" }
    return String(scalars[start...end])
  }
}

/// The digest that covers a recipient list in the journal: SHA-256 over the ids sorted
/// by their UTF-8 bytes, each followed by a line feed — what
/// `LC_ALL=C sort ids.txt | sha256sum` prints for a file of the ids.
///
/// Ids that arrive in order are hashed as they come. Ids that arrive in any other order
/// are also kept, compactly (``RecipientSorter``), up to a bound, so that the digest comes
/// from one in-memory sort; past the bound the caller falls back to a sorted scan of the
/// stored rows (``stored(message:in:)``).
struct RecipientDigest {
  private var hasher = SHA256Hasher()
  /// Ids and line feeds not yet handed to the hasher: one call per 16 KiB, not two per id.
  private var pending: [UInt8] = []
  private var previous: [UInt8] = []
  private(set) var count: Int64 = 0
  /// False once an id arrived out of order.
  private(set) var isSorted = true
  /// Every id so far, while ``isSorted`` may still turn false and the bound allows.
  private var sorter: RecipientSorter?

  /// - Parameter keepingUpTo: how many id bytes to keep for an in-memory sort (0: none).
  init(keepingUpTo limit: Int = 0) {
    pending.reserveCapacity(RecipientDigest.chunk + 256)
    sorter = limit > 0 ? RecipientSorter(limit: limit) : nil
  }

  private static let chunk = 16 * 1024

  mutating func add(_ id: String) {
    var id = id
    id.withUTF8 { add(UnsafeRawBufferPointer($0)) }
  }

  mutating func add(_ utf8: UnsafeRawBufferPointer) {
    count += 1
    if sorter != nil, !sorter!.add(utf8) { sorter = nil }
    guard isSorted else { return }
    if count > 1 && !RecipientSorter.precedes(previous, utf8) {
      isSorted = false
      pending = []
      previous = []
      return
    }
    previous.removeAll(keepingCapacity: true)
    previous.append(contentsOf: utf8)
    pending.append(contentsOf: utf8)
    pending.append(0x0A)
    if pending.count >= RecipientDigest.chunk {
      hasher.update(pending)
      pending.removeAll(keepingCapacity: true)
    }
  }

  /// The hex digest, when it can be had without the stored rows: the ids came sorted,
  /// or they were all kept for a sort.
  mutating func finishHexIfKnown() -> String? {
    if isSorted { return finishHex() }
    guard var sorter else { return nil }
    self.sorter = nil
    return sorter.digest().sha256
  }

  /// The hex digest of the ids added, which must have come in sorted order; ids that
  /// did not (only a damaged ledger's stored rows could) give a digest that matches
  /// nothing recorded.
  mutating func finishHex() -> String {
    if !isSorted { hasher.update(Array("unsorted".utf8)) }
    if !pending.isEmpty { hasher.update(pending) }
    pending = []
    return hasher.finishHex()
  }
}

/// Recipient ids kept compactly for one sort by UTF-8 bytes: the bytes of all ids in one
/// array, and per id its offset, length and first eight bytes as a big-endian integer, so
/// that most comparisons are one integer comparison.
struct RecipientSorter {
  private struct Entry {
    var prefix: UInt64
    var offset: UInt32
    var length: UInt32
  }

  private var bytes: [UInt8] = []
  private var entries: [Entry] = []
  private let limit: Int

  init(limit: Int) { self.limit = min(limit, Int(UInt32.max)) }

  /// Keeps `id`; false (and everything dropped) once the kept bytes would pass the limit.
  mutating func add(_ id: UnsafeRawBufferPointer) -> Bool {
    guard bytes.count + id.count + 16 * (entries.count + 1) <= limit else {
      bytes = []
      entries = []
      return false
    }
    var prefix: UInt64 = 0
    for i in 0..<8 { prefix = prefix << 8 | UInt64(i < id.count ? id[i] : 0) }
    entries.append(Entry(prefix: prefix, offset: UInt32(bytes.count), length: UInt32(id.count)))
    bytes.append(contentsOf: id)
    return true
  }

  /// Calls `body` with each id in sorted order (ids hold no NUL, so zero padding of the
  /// prefix sorts a shorter id before a longer one that it begins).
  ///
  /// A least-significant-digit radix sort on the eight-byte prefixes (skipping the byte
  /// positions where all ids agree, such as a common "E0"), then a comparison sort of each
  /// run of equal prefixes: a million ids sort in a few passes over memory instead of
  /// twenty million comparisons.
  mutating func forEachSorted(_ body: (UnsafeRawBufferPointer) -> Void) {
    if entries.count < 256 {
      // A short list: a comparison sort is cheaper than eight counting passes.
      entries.sort { $0.prefix < $1.prefix }
    } else {
      radixSortByPrefix()
    }
    bytes.withUnsafeBytes { all in
      func id(_ e: Entry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: all[Int(e.offset)..<Int(e.offset + e.length)])
      }
      var start = 0
      while start < entries.count {
        var end = start + 1
        while end < entries.count && entries[end].prefix == entries[start].prefix { end += 1 }
        if end - start > 1 { entries[start..<end].sort { RecipientSorter.precedes(id($0), id($1)) } }
        start = end
      }
      for e in entries { body(id(e)) }
    }
  }

  private mutating func radixSortByPrefix() {
    var scratch = [Entry](repeating: Entry(prefix: 0, offset: 0, length: 0), count: entries.count)
    for shift in stride(from: 0, to: 64, by: 8) {
      var counts = [Int](repeating: 0, count: 257)
      for e in entries { counts[Int((e.prefix >> UInt64(shift)) & 0xFF) + 1] += 1 }
      if counts.contains(entries.count) { continue }
      for i in 1..<257 { counts[i] += counts[i - 1] }
      for e in entries {
        let digit = Int((e.prefix >> UInt64(shift)) & 0xFF)
        scratch[counts[digit]] = e
        counts[digit] += 1
      }
      swap(&entries, &scratch)
    }
  }

  /// The count and digest of the ids kept: each id and a line feed, in sorted order.
  mutating func digest() -> (count: Int64, sha256: String) {
    var hasher = SHA256Hasher()
    var buffer = [UInt8]()
    buffer.reserveCapacity(16 * 1024 + 1024)
    forEachSorted { id in
      buffer.append(contentsOf: id)
      buffer.append(0x0A)
      if buffer.count >= 16 * 1024 {
        hasher.update(buffer)
        buffer.removeAll(keepingCapacity: true)
      }
    }
    if !buffer.isEmpty { hasher.update(buffer) }
    return (Int64(entries.count), hasher.finishHex())
  }

  /// Whether `a` sorts strictly before `b` by bytes.
  static func precedes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    let n = min(a.count, b.count)
    if n > 0 {
      let c = memcmp(a.baseAddress!, b.baseAddress!, n)
      if c != 0 { return c < 0 }
    }
    return a.count < b.count
  }

  static func precedes(_ a: [UInt8], _ b: UnsafeRawBufferPointer) -> Bool {
    a.withUnsafeBytes { precedes($0, b) }
  }
}
