import Foundation
import PolicyLedger
import Testing

@testable import LedgerBenchData

/// The benchmark's data generator (Benchmarks/Sources/ledger-bench/Datasets.swift) at
/// tiny sizes: it must keep building valid ledgers through the library's API, the same
/// data every time, and reuse what it cached. The benchmark itself is not built here.
@Suite struct BenchmarkDataTests {
  let root = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-bench-\(UUID().uuidString)").path

  func lines(_ path: String) throws -> [String] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
  }

  @Test func recipientFilesHoldEveryIdOnceInASeededOrder() throws {
    defer { try? FileManager.default.removeItem(atPath: root) }
    var data = try Datasets(root: root, regenerate: false)
    let files = try data.recipients(300)
    let ids = try lines(files.txt)
    #expect(ids.count == 300)
    #expect(Set(ids) == Set((0..<300).map(Datasets.employee)))
    #expect(ids != ids.sorted())
    #expect(try lines(files.csv) == ids.map { "1," + $0 })
    // Built again elsewhere: the same bytes.
    var again = try Datasets(root: root + "-again", regenerate: false)
    defer { try? FileManager.default.removeItem(atPath: root + "-again") }
    #expect(try lines(again.recipients(300).txt) == ids)
  }

  @Test func theInForceLedgerHoldsTenVersionsAPolicyAndVerifies() throws {
    defer { try? FileManager.default.removeItem(atPath: root) }
    var data = try Datasets(root: root, regenerate: false)
    let (path, froms) = try data.inForce(policies: 30)
    #expect(froms.count == 300)
    let ledger = try Ledger(path: path, access: .readOnly)
    #expect(try ledger.head()?.seq == 303)
    #expect(try ledger.verify().isValid)
    #expect(try ledger.history(Datasets.policyKey(7)).count == 10)
    let row = try #require(try ledger.inForce(Datasets.policyKey(7), at: Instant(microseconds: froms[7 * 10 + 4])).first)
    #expect(row.policy == Datasets.policyKey(7))
    // A second call reuses the cached file.
    let modified = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
    #expect(try data.inForce(policies: 30).ledger == path)
    #expect(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date == modified)
  }

  @Test func theCoverageLedgerHoldsTheRosterNoticesAndAcknowledgements() throws {
    defer { try? FileManager.default.removeItem(atPath: root) }
    var data = try Datasets(root: root, regenerate: false)
    let roster = try data.roster(100)
    let rows = try lines(roster.csv)
    #expect(rows.first == "employee,at,event,groups")
    #expect(Array(rows.dropFirst()) == (try lines(roster.plain)))
    #expect(Set(rows.dropFirst().map { String($0.prefix(8)) }) == Set((0..<100).map(Datasets.employee)))
    let path = try data.coverage(employees: 100, notices: 4, acks: 15)
    let ledger = try Ledger(path: path, access: .readOnly)
    #expect(try ledger.verify().isValid)
    // One import of 100 joins (one entry), 2 versions, 4 notices, 1 retraction, 15 acknowledgements.
    #expect(try ledger.head()?.seq == 23)
    var statuses: [Bitemporal.CoverageStatus: Int] = [:]
    try ledger.coverage("conduct", at: Instant(microseconds: Datasets.epoch + 200 * Datasets.day)) { row, _ in
      #expect(row.version == 2)
      statuses[row.status, default: 0] += 1
    }
    #expect(statuses[.acknowledged] == 15)
    #expect(statuses.values.reduce(0, +) == 100)
  }

  @Test func theWorkforceLedgerSendsEveryNoticeToEveryone() throws {
    defer { try? FileManager.default.removeItem(atPath: root) }
    var data = try Datasets(root: root, regenerate: false)
    let path = try data.workforce(recipients: 200, notices: 3)
    let ledger = try Ledger(path: path, access: .readOnly)
    #expect(try ledger.verify().isValid)
    // 3 versions, 3 notices, 2 acknowledgements.
    #expect(try ledger.head()?.seq == 8)
    let timeline = try ledger.timeline(employee: Datasets.employee(123))
    #expect(timeline.filter { $0.kind == .notice }.map(\.id) == ["N-1", "N-2", "N-3"])
  }

  @Test func theVerifyLedgerHoldsTheNoticeAndTheEntriesAsked() throws {
    defer { try? FileManager.default.removeItem(atPath: root) }
    var data = try Datasets(root: root, regenerate: false)
    let path = try data.verify(recipients: 100, entries: 40)
    let ledger = try Ledger(path: path, access: .readOnly)
    #expect(try ledger.head()?.seq == 41)
    #expect(try ledger.verify().isValid)
  }
}
