import Foundation
import LedgerBenchData
import Testing

@_spi(Benchmarks) @testable import PolicyLedger

/// An instant from ISO 8601 text, for readable tests.
func at(_ text: String) -> Instant {
  try! Instant.parse(text)
}

extension Ledger {
  /// The journal's length, to prove that a refused command wrote nothing.
  var entryCount: Int64 {
    (try? db.prepare("SELECT count(*) FROM journal").first { $0.int64(0) }) ?? -1
  }

  /// Rows in a table, to prove that nothing was projected either.
  func rowCount(_ table: String) -> Int64 {
    (try? db.prepare("SELECT count(*) FROM \(table)").first { $0.int64(0) }) ?? -1
  }

  /// Records a minimal valid version.
  @discardableResult
  func addTestVersion(_ policy: String = "p", from: String = "2020-01-01T00:00:00Z", until: String? = nil, announced: String? = nil) throws -> VersionRef {
    try addVersion(
      NewVersion(
        policy: policy, title: "Title of \(policy)", body: Array("Body of \(policy)".utf8), effectiveFrom: at(from),
        effectiveUntil: until.map(at), announcedAt: announced.map(at)),
      actor: "test")
  }

  @discardableResult
  func sendTestNotice(id: String? = nil, announces: VersionRef? = nil, sentAt: String = "2020-07-10T15:00:00Z", to: [String]) throws -> String {
    try sendNotice(
      NewNotice(id: id, subject: "Subject", body: Array("Notice body".utf8), sentAt: at(sentAt), sender: "hr", announces: announces),
      recipients: RecipientList(to), actor: "test")
  }
}

/// Expects `body` to throw a `LedgerError` whose description is exactly `message` (and
/// whose code is `code`, when given).
func expectLedgerError<R>(
  _ message: String, code: LedgerError.Code? = nil, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
  _ body: () throws -> R
) {
  do {
    _ = try body()
    Issue.record("expected the error: \(message)", sourceLocation: sourceLocation)
  } catch let error as LedgerError {
    #expect(error.description == message, comment, sourceLocation: sourceLocation)
    if let code { #expect(error.code == code, comment, sourceLocation: sourceLocation) }
  } catch {
    Issue.record("expected a LedgerError, got \(error)", sourceLocation: sourceLocation)
  }
}

/// The SHA-256 of `bytes` as the system's `sha256sum` computes it: an independent check.
func sha256sum(_ bytes: [UInt8]) throws -> String {
  brokenPipesAreErrors
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
  let input = Pipe(), output = Pipe()
  process.standardInput = input
  process.standardOutput = output
  try process.run()
  try input.fileHandleForWriting.write(contentsOf: Data(bytes))
  try input.fileHandleForWriting.close()
  let data = output.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return String(String(decoding: data, as: UTF8.self).prefix(64))
}

/// SIGPIPE ignored for the whole test process (the command line's tests do the same in
/// `CLI.run`): a child that exits before reading all its input makes the write fail with
/// EPIPE, which a test can report, instead of ending every test at once.
let brokenPipesAreErrors: Void = { _ = signal(SIGPIPE, SIG_IGN) }()
