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
