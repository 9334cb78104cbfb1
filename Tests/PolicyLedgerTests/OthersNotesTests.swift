import Foundation
import Testing

@testable import PolicyLedger

/// Checkpoints and keys made by others are read as C2SP allows; what the ledger issues
/// keeps the stricter rules of docs/proofs.md.
struct OthersNotesTests {
  static let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="

  @Test func aCheckpointOfAnotherLogMayHaveAnyNonEmptyOrigin() throws {
    let long = "log.example/" + String(repeating: "x", count: 300)
    for origin in ["example log", "a+b", long, "Ünïcode Log № 7"] {
      let checkpoint = try SignedCheckpoint(parsing: Array("\(origin)\n12\n\(Self.root)\n\n".utf8), source: "cp")
      #expect(checkpoint.checkpoint.origin == origin)
      #expect(checkpoint.checkpoint.text == "\(origin)\n12\n\(Self.root)\n")
    }
  }

  @Test func aKeyOfAnotherSignerNeedsOnlyC2SPsNameRules() throws {
    // 250 characters: longer than the ledger issues, allowed by C2SP signed-note.
    let name = "witness.example/" + String(repeating: "w", count: 234)
    let publicKey = [UInt8](repeating: 0, count: 31) + [1]
    let key = NoteVerifierKey(checkedName: name, publicKey: publicKey)
    let parsed = try NoteVerifierKey(parsing: key.encoded, source: "key")
    #expect(parsed == key)
    // Its signature lines are read, and ignored unless their key is the one asked for.
    let text = "example.com/log\n12\n\(Self.root)\n\n— \(name) \(Base64.encode([0, 0, 0, 1] + [UInt8](repeating: 9, count: 64)))\n"
    let note = try SignedNote.parse(Array(text.utf8), source: "cp")
    #expect(note.signatures.map(\.name) == [name])

    for bad in ["", "with space", "a+b", "tab\there"] {
      #expect(NoteName.readingProblem(bad) != nil, "\(bad)")
    }
  }

  @Test func whatTheLedgerIssuesKeepsTheStrictRules() throws {
    let long = String(repeating: "k", count: 201)
    #expect(NoteName.problem(long) == "longer than 200 characters")
    // Invisible and direction-changing characters, refused as in ids: a name that shows as
    // the genuine one on screen would pass a reader's check of the origin by eye.
    for (name, point) in [("example.com/hr\u{200B}", "U+200B"), ("example.com/hr\u{202E}", "U+202E"), ("\u{FEFF}hr", "U+FEFF")] {
      #expect(
        NoteName.problem(name)
          == "the invisible or direction-changing character \(point) is not allowed (Unicode format characters)")
      #expect(throws: LedgerError.self) { try NoteSigningKey.generate(name: name) }
    }
    #expect(throws: LedgerError.self) { try NoteSigningKey.generate(name: long) }
    let ledger = try Ledger.temporary()
    #expect(throws: LedgerError.self) { try ledger.establishOrigin("example log") }
    #expect(throws: LedgerError.self) { try ledger.establishOrigin(long) }
    expectLedgerError(
      "invalid --origin 'example.com/hr\\u{200B}': the invisible or direction-changing character U+200B is not allowed (Unicode format characters)"
    ) { try ledger.establishOrigin("example.com/hr\u{200B}") }
    #expect(try ledger.origin() == nil)
  }
}
