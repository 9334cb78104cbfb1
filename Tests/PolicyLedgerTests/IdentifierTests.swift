import Foundation
import Testing

@testable import PolicyLedger

/// One id normalisation at every entry point (docs/reliability.md, "ids"): white space
/// trimmed at the ends where lists are split and lines read, nothing else changed, and
/// invisible or direction-changing characters refused wherever the id came from.
@Suite struct IdentifierTests {
  /// Characters that do not show, or reorder what is shown: format characters (Cf), line
  /// and paragraph separators, NEL.
  static let invisible: [String] = [
    "\u{200B}", "\u{200C}", "\u{200D}", "\u{2060}", "\u{FEFF}", "\u{202E}", "\u{202A}", "\u{2066}", "\u{2069}",
    "\u{E0041}", "\u{00AD}", "\u{2028}", "\u{2029}", "\u{0085}",
  ]

  @Test(arguments: invisible)
  func anInvisibleCharacterIsRefusedAnywhereInAnID(character: String) {
    for id in ["E4" + character, character + "E4", "E" + character + "4"] {
      #expect(Identifier.problem(id) != nil, "\(id.unicodeScalars.map { String($0.value, radix: 16) })")
      #expect(Identifier.problem(id, isPolicyKey: true) != nil)
    }
  }

  @Test func theMessageNamesTheCharacter() {
    #expect(
      Identifier.problem("E4\u{200B}")
        == "the invisible or direction-changing character U+200B is not allowed (Unicode format characters)")
    #expect(Identifier.problem("E4\u{2028}") == "the line or paragraph separator U+2028 is not allowed")
    #expect(Identifier.printable("E4\u{202E}") == "E4\\u{202E}")
    // Every space but U+0020 is shown escaped, and NUL as \u{0}, not \0 (read as octal before a digit).
    #expect(Identifier.printable("N1\u{A0}") == "N1\\u{00A0}")
    #expect(Identifier.printable("a b\u{3000}") == "a b\\u{3000}")
    #expect(Identifier.printable("E\u{0}2") == "E\\u{0}2")
  }

  @Test func trimmingRemovesWhiteSpaceAtTheEndsOnly() {
    #expect(Identifier.trimmed(" \tE4\u{00A0}\u{3000}\r") == "E4")
    #expect(Identifier.trimmed("E4\u{200B}") == "E4\u{200B}")
    #expect(Identifier.trimmed("E4\u{2028}") == "E4\u{2028}")
    #expect(Identifier.trimmed("\u{0085}E4") == "\u{0085}E4")
    #expect(Identifier.trimmed("E 4") == "E 4")
  }

  @Test func ordinaryIDsInAnyScriptAreAccepted() {
    for id in ["E1001", "café", "社員-42", "Ωmega", "a b", "نور"] { #expect(Identifier.problem(id) == nil) }
  }

  // MARK: Each entry point

  static let zws = "E4\u{200B}"
  static let refusal = "the invisible or direction-changing character U+200B is not allowed (Unicode format characters)"

  func refuses(_ body: (Ledger) throws -> Void) throws {
    let ledger = try Ledger.temporary()
    try ledger.addTestVersion("p")
    try ledger.sendTestNotice(id: "N1", to: ["E1"])
    do {
      try body(ledger)
      Issue.record("accepted")
    } catch let error as LedgerError {
      #expect(error.description.hasSuffix(Self.refusal), "\(error)")
    }
    #expect(ledger.entryCount == 2)
    #expect(ledger.rowCount("employees") == 1)
  }

  @Test func aRecipientGivenByNameIsRefused() throws {
    try refuses { try $0.sendTestNotice(to: ["E1", Self.zws]) }
  }

  @Test func aRecipientInAFileIsRefusedRatherThanKeptAsAnotherEmployee() throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("ids-\(UUID().uuidString).txt")
    try Data("E1\n \(Self.zws) \n".utf8).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    try refuses {
      try $0.sendNotice(
        NewNotice(id: "N2", subject: "S", body: [], sentAt: at("2020-08-01T00:00:00Z"), sender: "hr"),
        recipients: try RecipientFile(path: file.path), actor: "test")
    }
  }

  @Test func aNoticeIDAnEmployeeAndAPolicyKeyAreRefused() throws {
    try refuses { try $0.sendTestNotice(id: "N\u{200B}", to: ["E1"]) }
    try refuses { try $0.acknowledge(notice: "N1", employee: Self.zws, at: at("2020-08-01T00:00:00Z"), actor: "test") }
    try refuses { try $0.addTestVersion("p\u{200B}") }
    try refuses {
      _ = try $0.correct(
        NewCorrection(
          id: "C\u{200B}", kind: .retraction, target: .notice("N1"), issuedAt: at("2020-08-01T00:00:00Z"), statement: "S", reason: "R"),
        recipients: .defaults, actor: "test")
    }
  }

  @Test func anImportedRecipientIsRefused() throws {
    try refuses {
      _ = try $0.importNotices(
        ImportFile(name: "notices.csv", bytes: Array("id,subject,body,sent_at,sender\nN2,S,b,2020-08-01,hr\n".utf8)),
        recipients: ImportFile(name: "recipients.csv", bytes: Array("notice,employee\nN2,\(Self.zws)\n".utf8)), actor: "i")
    }
  }
}
