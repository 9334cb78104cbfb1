import Foundation
import PolicyLedger
import Testing

/// The library's concurrency contract (docs/architecture.md, "The public API"): a `Ledger` is
/// used by one task at a time, and any number of `Ledger` values — in one process or in
/// several — may have the same file open at once. Writers take turns (SQLite's write lock,
/// waited on for up to a minute); readers see one committed snapshot per query.
@Suite struct ConcurrencyTests {
  static let from = Instant(microseconds: 1_577_836_800_000_000)  // 2020-01-01T00:00:00Z

  /// Appends `count` versions of `policy` through a `Ledger` of its own, and reads as it goes.
  static func appender(_ path: String, _ worker: String, count: Int) async throws -> [String] {
    let ledger = try Ledger(path: path, access: .readWrite)
    var refs: [String] = []
    for index in 0..<count {
      let ref = try ledger.addVersion(
        NewVersion(policy: "shared", title: "\(worker)-\(index)", body: Array("Text \(worker) \(index).\n".utf8), effectiveFrom: from),
        actor: worker)
      refs.append(ref.description)
      // Every answer this task reads is a whole one: the version it has just recorded is there.
      let history = try ledger.history("shared", view: .init())
      #expect(history.contains { $0.version == ref.number && $0.title == "\(worker)-\(index)" })
      await Task.yield()
    }
    return refs
  }

  /// Reads the ledger through read-only `Ledger`s of its own while the appenders write.
  static func reader(_ path: String, rounds: Int) async throws -> Int {
    var largest = 0
    for _ in 0..<rounds {
      let ledger = try Ledger(path: path, access: .readOnly)
      let versions = try ledger.history("shared").map(\.version)
      // A snapshot: versions 1…n with no gap, whatever the writers are doing.
      #expect(versions == (0..<versions.count).map { Int64($0) + 1 })
      largest = max(largest, versions.count)
      #expect(try ledger.verify().isValid)
      await Task.yield()
    }
    return largest
  }

  @Test func manyTasksWithALedgerEachShareOneFile() async throws {
    // In memory-backed /dev/shm where there is one, as ScratchLedger: each entry syncs to disk.
    let shm = URL(fileURLWithPath: "/dev/shm")
    let base = FileManager.default.isWritableFile(atPath: shm.path) ? shm : FileManager.default.temporaryDirectory
    let directory = base.appendingPathComponent("policy-ledger-tasks-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("ledger.db").path
    // The first entry creates the file, so that the readers can open it from the start.
    _ = try await Self.appender(path, "first", count: 1)

    async let a = Self.appender(path, "a", count: 12)
    async let b = Self.appender(path, "b", count: 12)
    async let c = Self.appender(path, "c", count: 12)
    async let d = Self.appender(path, "d", count: 12)
    async let r1 = Self.reader(path, rounds: 10)
    async let r2 = Self.reader(path, rounds: 10)
    let written = try await [a, b, c, d]
    let read = try await [r1, r2]

    // Nothing lost and nothing numbered twice: 1 + 4 × 12 versions, each task's in its own order.
    let all = written.flatMap { $0 }
    #expect(Set(all).count == 48)
    #expect(Set(all) == Set((2...49).map { "shared@\($0)" }))
    for refs in written {
      let numbers = refs.map { Int($0.split(separator: "@")[1])! }
      #expect(numbers == numbers.sorted(), "one task's versions are numbered in the order it recorded them")
    }
    #expect(read.allSatisfy { $0 >= 1 && $0 <= 49 })
    let ledger = try Ledger(path: path, access: .readOnly)
    let result = try ledger.verify()
    #expect(result.isValid, "\(String(describing: result.failure))")
    #expect(result.entries == 49)
    #expect(try ledger.history("shared").map(\.version) == Array(1...49))
  }
}
