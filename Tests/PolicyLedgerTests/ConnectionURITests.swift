import Foundation
import Testing

@_spi(Benchmarks) @testable import PolicyLedger

/// `Connection.fileURI` escapes a path byte by byte; Foundation's percent-encoding, which it
/// replaced, is the oracle.
struct ConnectionURITests {
  static func foundationURI(_ path: String) -> String {
    var allowed = CharacterSet.urlPathAllowed
    allowed.remove(charactersIn: "?#%")
    return "file:" + path.addingPercentEncoding(withAllowedCharacters: allowed)!
  }

  @Test func everyASCIICharacterIsEscapedAsFoundationEscapesIt() {
    for byte in UInt8(1)..<128 {
      let path = "/tmp/a" + String(UnicodeScalar(byte)) + "b.db"
      #expect(Connection.fileURI(path) == Self.foundationURI(path), "byte \(byte)")
    }
  }

  @Test func unicodeAndReservedCharactersMatchFoundation() {
    for path in [
      "", "ledger.db", "./policy-ledger.db", "/srv/hr ledgers/2024?#%.db", "/tmp/Zürich/ledger.db", "C:\\x;y=z&w",
      "/tmp/日本語/台帳.db", "/tmp/emoji-😀.db", "/tmp/e\u{301}.db", "%41%", "a//b/../c",
    ] {
      #expect(Connection.fileURI(path) == Self.foundationURI(path), "\(path)")
    }
  }

  @Test func aLedgerAtAPathWithReservedCharactersOpens() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("uri ?#%;é-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/ledger ?#%.db"
    try WorkedExample.record(into: try Ledger(path: path, access: .readWrite))
    #expect(FileManager.default.fileExists(atPath: path))
    #expect(try Ledger(path: path, access: .readOnly).verify().isValid)
  }
}

/// `Connection.cached` finds a statement by its SQL's length and text (a list, not a
/// `[String: Statement]`: docs/performance.md, "Second pass").
struct StatementCacheTests {
  @Test func theSameSQLGivesTheSameStatementAndOtherSQLItsOwn() throws {
    let db = try Connection(path: "", mode: .temporary)
    let one = try db.cached("SELECT 1 AS a")
    // The same text in another String object (built at run time) finds the same statement.
    let again = try db.cached(["SELECT", "1", "AS", "a"].joined(separator: " "))
    #expect(one === again)
    // Same length, other text: its own statement, answering its own question.
    let two = try db.cached("SELECT 2 AS a")
    #expect(two !== one)
    #expect(try one.first { $0.int(0) } == 1)
    #expect(try two.first { $0.int(0) } == 2)
    // A longer SQL that starts with the same text is another statement too.
    let longer = try db.cached("SELECT 1 AS a, 3 AS b")
    #expect(longer !== one)
    #expect(try longer.first { $0.int(1) } == 3)
    #expect(try db.cached("SELECT 2 AS a") === two)
  }
}
