import Foundation
import Testing

@_spi(Benchmarks) @testable import PolicyLedger

@Suite struct BatchTests {
  static let t0 = Instant(microseconds: 1_600_000_000_000_000)

  func version(_ policy: String) -> NewVersion {
    NewVersion(policy: policy, title: "Title", body: Array("Body".utf8), effectiveFrom: Self.t0)
  }

  @Test func aBatchCommitsEveryEntryInOneChain() throws {
    let ledger = try Ledger.temporary()
    try ledger.batch {
      for i in 0..<50 { try ledger.addVersion(version("p\(i % 5)"), actor: "test") }
    }
    #expect(try ledger.head()?.seq == 50)
    #expect(try ledger.db.prepare("SELECT max(version) FROM versions").first { $0.int(0) } == 10)
    #expect(try ledger.verify().isValid)
  }

  @Test func aRefusedEntryInsideABatchLeavesNothingBehindAndTheOthersStay() throws {
    let ledger = try Ledger.temporary()
    try ledger.batch {
      try ledger.addVersion(version("kept"), actor: "test")
      // Refused after some of its rows were written: the duplicate comes last.
      #expect(throws: LedgerError.self) {
        try ledger.sendNotice(
          NewNotice(id: "N1", subject: "S", body: [], sentAt: Self.t0, sender: "hr"), recipients: RecipientList(["E1", "E2", "E1"]),
          actor: "test")
      }
      try ledger.addVersion(version("kept"), actor: "test")
    }
    #expect(try ledger.head()?.seq == 2)
    #expect(try ledger.db.prepare("SELECT count(*) FROM deliveries").first { $0.int(0) } == 0)
    #expect(try ledger.db.prepare("SELECT count(*) FROM employees").first { $0.int(0) } == 0)
    #expect(try ledger.verify().isValid)
  }

  @Test func aThrowOutOfTheBatchRollsBackEveryEntry() throws {
    let ledger = try Ledger.temporary()
    try ledger.addVersion(version("before"), actor: "test")
    let head = try ledger.head()
    struct Stop: Error {}
    #expect(throws: Stop.self) {
      try ledger.batch {
        try ledger.addVersion(version("inside"), actor: "test")
        throw Stop()
      }
    }
    #expect(try ledger.head() == head)
    #expect(try ledger.db.prepare("SELECT count(*) FROM policies").first { $0.int(0) } == 1)
  }

  @Test func aReadOnlyLedgerRefusesABatch() throws {
    let writer = try Ledger.temporary()
    try writer.addVersion(version("p"), actor: "test")
    let reader = try Ledger(path: writer.path, access: .readOnly)
    let error = #expect(throws: LedgerError.self) {
      try reader.batch { try reader.addVersion(version("q"), actor: "test") }
    }
    #expect(error?.description == "the ledger at \(writer.path) is open read-only")
    #expect(try writer.head()?.seq == 1)
  }
}
