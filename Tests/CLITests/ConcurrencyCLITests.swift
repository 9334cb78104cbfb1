import Foundation
import PolicyLedger
import Testing

/// Several processes (the command line) and several tasks of this process (the library, a
/// `Ledger` each) appending to one file at once: every append lands, numbered once, and the
/// chain verifies (docs/architecture.md, "The public API", concurrency).
@Suite struct ConcurrencyCLITests {
  @Test(.tags(.slow)) func fourProcessesAndFourTasksAppendingAtOnceLoseNothing() async throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("ledger.db")
    let first = try CLI.run([
      "policy", "add", "shared", "--title", "first", "--body", "First.", "--effective-from", "2020-01-01", "--db", db,
    ])
    #expect(first.status == 0, "\(first.stderr)")

    // Four processes, started on threads of their own while the tasks below append.
    let results = Collected<CLIResult>()
    let group = DispatchGroup()
    for worker in 0..<4 {
      DispatchQueue.global().async(group: group) {
        for index in 0..<10 {
          let title = "p\(worker)-\(index)"
          if let result = try? CLI.run([
            "policy", "add", "shared", "--title", title, "--body", "Text of \(title).", "--effective-from", "2020-01-01", "--db", db,
          ]) {
            results.append(result)
          }
        }
      }
    }
    func task(_ worker: Int) async throws -> [String] {
      let ledger = try Ledger(path: db, access: .readWrite)
      var refs: [String] = []
      for index in 0..<10 {
        let title = "t\(worker)-\(index)"
        let ref = try ledger.addVersion(
          NewVersion(
            policy: "shared", title: title, body: Array("Text of \(title).".utf8),
            effectiveFrom: try Instant.parse("2020-01-01")),
          actor: "task")
        refs.append(ref.description)
        await Task.yield()
      }
      return refs
    }
    async let t0 = task(0)
    async let t1 = task(1)
    async let t2 = task(2)
    async let t3 = task(3)
    let fromTasks = try await [t0, t1, t2, t3].flatMap { $0 }
    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in group.notify(queue: .global()) { done.resume() } }
    let fromProcesses = results.all

    #expect(fromProcesses.count == 40)
    for result in fromProcesses { #expect(result.status == 0 && result.stderr.isEmpty, "\(result.stderr)") }
    let refs = fromTasks + fromProcesses.map { $0.stdout.trimmingCharacters(in: .newlines) }
    #expect(refs.count == 80)
    #expect(Set(refs) == Set((2...81).map { "shared@\($0)" }))

    let ledger = try Ledger(path: db, access: .readOnly)
    let verdict = try ledger.verify()
    #expect(verdict.isValid && verdict.entries == 81, "\(String(describing: verdict.failure))")
    let titles = try ledger.history("shared").map(\.title)
    #expect(Set(titles).count == 81)
    let verify = try CLI.run(["verify", "--db", db])
    #expect(verify.status == 0 && verify.stdout.hasPrefix("ok: 81 entries verified"), "\(verify.stderr)")
  }
}
