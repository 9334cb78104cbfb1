import Foundation
import Testing

@_spi(Benchmarks) @testable import PolicyLedger

/// Each kind of failure carries its code, for a caller to switch on; the message stays the
/// one line the command line prints.
@Suite struct LedgerErrorTests {
  @Test func aNameTheLedgerNeverRecordedIsNotFound() throws {
    let ledger = try Ledger.temporary()
    try WorkedExample.record(into: ledger)
    expectLedgerError("no policy 'nope'", code: .notFound) { try ledger.history("nope") }
    expectLedgerError(
      "no notice 'N404' in this ledger (list notices with 'policy-ledger notices')", code: .notFound
    ) { try ledger.outstanding(notice: "N404") { _ in } }
    expectLedgerError(
      "no notice 'N404' in this ledger (list notices with 'policy-ledger notices')", code: .notFound
    ) { try ledger.acknowledge(notice: "N404", employee: "E1", at: at("2020-08-01T00:00:00Z"), actor: "t") }
    expectLedgerError(
      "no notice, correction or version 'nope' in this ledger (name a version as KEY@N)", code: .notFound
    ) { try ledger.show("nope") }
    expectLedgerError(
      "no notice, correction or version 'nope' in this ledger (name a version as KEY@N)", code: .notFound
    ) { try ledger.seq(ofEntry: "nope") }
    expectLedgerError("policy 'mobile-devices' has no version 9 (its latest is 2)", code: .notFound) { try ledger.show("mobile-devices@9") }
  }

  @Test func badInputAClashAndARuleEachHaveTheirCode() throws {
    let ledger = try Ledger.temporary()
    try WorkedExample.record(into: ledger)
    expectLedgerError("invalid --title '': must not be empty", code: .invalidInput) {
      try ledger.addVersion(
        NewVersion(policy: "p", title: "", body: [], effectiveFrom: at("2020-01-01T00:00:00Z")), actor: "t")
    }
    expectLedgerError(
      "invalid --id '\(WorkedExample.noticeID)': a notice or correction with that id already exists", code: .conflict
    ) {
      try ledger.sendNotice(
        NewNotice(id: WorkedExample.noticeID, subject: "S", body: [], sentAt: at("2020-08-01T00:00:00Z"), sender: "hr"),
        recipients: RecipientList(["E1"]), actor: "t")
    }
    let readOnly = try Ledger(path: ledger.path, access: .readOnly)
    expectLedgerError("the ledger at \(ledger.path) is open read-only", code: .refused) {
      try readOnly.addVersion(NewVersion(policy: "p", title: "T", body: [], effectiveFrom: at("2020-01-01T00:00:00Z")), actor: "t")
    }
  }

  @Test func aProofThatDoesNotFitItsTreeIsInvalidInput() throws {
    expectLedgerError("the inclusion proof has fewer hashes than a tree of 4 leaves needs", code: .invalidInput) {
      try MerkleProof.root(fromInclusionProof: [], index: 0, size: 4, leafHash: Merkle.leafHash([1]))
    }
  }

  @Test func aPayloadThatDoesNotDecodeIsDamage() throws {
    let error = #expect(throws: LedgerError.self) { try EntryPayload.decode(kind: "rumour", bytes: []) }
    #expect(error?.code == .damaged)
  }

  /// A correction of a kind this version does not know is refused, not read as an
  /// amendment: the queries that read corrections say so instead of answering.
  @Test func aStoredCorrectionOfAnUnknownKindIsRefusedByTheQueries() throws {
    let ledger = try Ledger.temporary()
    try WorkedExample.record(into: ledger)
    let db = try Connection(path: ledger.path, mode: .readWriteCreate)
    try db.execute("DROP TRIGGER corrections_no_update")
    try db.execute("PRAGMA ignore_check_constraints = ON")
    try db.execute("UPDATE corrections SET kind = 'withdrawal'")
    let message = "the corrections table holds a correction of unknown kind 'withdrawal'; run 'policy-ledger verify'"
    let reader = try Ledger(path: ledger.path, access: .readOnly)
    expectLedgerError(message, code: .damaged) { try reader.history(WorkedExample.policy) }
    expectLedgerError(message, code: .damaged) { try reader.timeline(policy: WorkedExample.policy) }
    expectLedgerError(message, code: .damaged) { try reader.outstanding { _ in } }
  }
}
