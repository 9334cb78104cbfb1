import Foundation

@_spi(Benchmarks) @testable import PolicyLedger

/// A ledger file's bytes, changed directly as a tamperer with a hex editor would:
/// below SQL, so that neither triggers nor indexes see the change.
struct FileBytes {
  let path: String
  var bytes: [UInt8]
  let pageSize: Int

  /// Reads the file; its -wal must have been checkpointed (the ledger closed).
  init(_ path: String) throws {
    self.path = path
    bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    pageSize = Int(bytes[16]) << 8 | Int(bytes[17]) == 1 ? 65536 : Int(bytes[16]) << 8 | Int(bytes[17])
  }

  /// The byte range of the root page of a table or index (the whole object on a small ledger).
  func rootPage(of name: String) throws -> Range<Int> {
    let db = try Connection(path: path, mode: .readOnly)
    let page = try db.prepare("SELECT rootpage FROM sqlite_schema WHERE name = ?").first([name]) { $0.int64(0) } ?? 0
    let start = (Int(page) - 1) * pageSize
    return start..<start + pageSize
  }

  /// Where `text` occurs in `range`.
  func offsets(of text: String, in range: Range<Int>) -> [Int] {
    let needle = Array(text.utf8)
    let starts = range.lowerBound..<(range.upperBound - needle.count + 1)
    return starts.filter { Array(bytes[$0..<$0 + needle.count]) == needle }
  }

  func write() throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
  }
}
