import ArgumentParser
import Foundation
import PolicyLedger

extension PolicyLedgerCommand {
  struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "demo",
      abstract: "Record the July 2020 worked example into a fresh ledger and answer its questions.",
      discussion: """
        Without --db the ledger is a new temporary file. With --db the file must not exist yet, \
        so that the demo never mixes with real entries.
        """)

    @Option(help: "Where to write the demo ledger (must not exist yet).", completion: .file()) var db: String?

    func run() throws {
      // Without --db the demo ledger stays in the temporary folder, so that the queries
      // the demo prints can be tried on it.
      let path = db ?? FileManager.default.temporaryDirectory.appendingPathComponent("policy-ledger-demo-\(UUID().uuidString).db").path
      if FileManager.default.fileExists(atPath: path) { throw LedgerError("'\(path)' exists; the demo needs a new file") }
      let ledger = try Ledger(path: path, access: .readWrite)
      try WorkedExample.record(into: ledger)
      try WorkedExample.recordRoster(into: ledger)
      try WorkedExample.recordNewStarter(into: ledger)
      try DemoReport(ledger: ledger, sink: .standardOutput).write()
    }
  }
}

/// The demo's answers, written as a person would want to read them.
struct DemoReport {
  let ledger: Ledger
  let sink: ByteSink
  let zone = WorkedExample.pacific

  func line(_ text: String = "") { sink.write(text + "\n") }

  func clock(_ instant: Instant) -> String {
    let text = instant.iso8601(in: zone)  // 2020-07-10T12:00:00-07:00
    return String(text.prefix(16)).replacingOccurrences(of: "T", with: " ")
  }

  func firstLine(_ row: InForceRow) throws -> String {
    let record = try ledger.show("\(row.policy)@\(row.version)")
    guard let index = record.columns.firstIndex(of: "body"), case .text(let body) = record.values[index] else { return "" }
    return body.split(separator: "\n").first.map(String.init) ?? ""
  }

  func write() throws {
    typealias W = WorkedExample
    let head = try ledger.head()!
    line("policy-ledger demo: the July 2020 worked example")
    line("ledger \(ledger.path), head \(head) (before the resend at the end)")
    line("times are Pacific (America/Los_Angeles), 2020-07-10 unless a date is shown")
    line()
    line("What happened")
    line("  2020-01-01 00:00  \(W.policy)@1 in force: no restriction on apps")
    line("  2020-07-06 09:00  welcome email \(W.welcomeID) to \(W.toldNeither), a new starter (announces no version)")
    line("  08:00  notice \(W.noticeID) to \(W.noticeRecipients.joined(separator: ", ")): delete TikTok (announces \(W.policy)@2, effective at once)")
    line("  08:30  \(W.missedRetraction) acknowledges the notice")
    line("  14:00  retraction \(W.retractionID) to \(W.retractionRecipients.joined(separator: ", ")) (not \(W.missedRetraction)): \"sent in error\", voids \(W.policy)@2")
    line()
    line("Which version was in force?")
    let questions: [(String, Instant, Bitemporal.View)] = [
      ("at 12:00, as known now", W.july10(12), .init()),
      ("at 12:00, as known at 12:00", W.july10(12), .init(knownAt: W.july10(12))),
      ("at 15:00, as known at 15:00", W.july10(15), .init(knownAt: W.july10(15))),
      ("at 12:00, as known at 07:00", W.july10(12), .init(knownAt: W.july10(7))),
      ("at 15:00, as told to \(W.missedRetraction) (missed the retraction)", W.july10(15), .init(toldTo: W.missedRetraction)),
      ("at 15:00, as told to \(W.toldBoth) (got both)", W.july10(15), .init(toldTo: W.toldBoth)),
      ("at 15:00, as told to \(W.toldNeither) (got neither)", W.july10(15), .init(toldTo: W.toldNeither)),
    ]
    let width = questions.map(\.0.count).max()!
    for (question, at, view) in questions {
      let answer: String
      if let row = try ledger.inForce(W.policy, at: at, view: view).first {
        answer = "version \(row.version): \(try firstLine(row))"
      } else {
        answer = "nothing in force"
      }
      line("  " + question.padding(toLength: width, withPad: " ", startingAt: 0) + "  ->  " + answer)
    }
    line()
    line("History of \(W.policy) (\(query("history \(W.policy)")))")
    try table(try ledger.history(W.policy))
    line()
    line("Timeline of \(W.toldBoth) (\(query("timeline --employee \(W.toldBoth)")))")
    try table(try ledger.timeline(employee: W.toldBoth))
    line()
    line("Outstanding at 15:00: received the notice, never the retraction (\(query("outstanding --as-known-at 2020-07-10T15:00")))")
    var outstanding: [OutstandingRow] = []
    try ledger.outstanding(view: .init(knownAt: W.july10(15))) { outstanding.append($0) }
    try table(outstanding)
    try writeCoverage()
    // The end of the story: the one person the retraction missed is reached, and nothing is
    // outstanding any more.
    line()
    try WorkedExample.resendRetraction(into: ledger)
    line("16:00  the retraction is sent again to those it missed: \(query("correct resend \(W.retractionID) --sent-at 2020-07-10T16:00 --outstanding"))")
    line("Its recipients now (\(query("recipients \(W.retractionID)")))")
    try table(try ledger.recipientRows(of: W.retractionID))
    line()
    outstanding = []
    try ledger.outstanding { outstanding.append($0) }
    line(
      outstanding.isEmpty
        ? "Outstanding after the resend: none, every recipient of the notice has now received the retraction (\(query("outstanding")))"
        : "Outstanding after the resend (\(query("outstanding")))")
    try table(outstanding)
    line()
    let verified = try ledger.verify()
    line(
      "Verify: \(verified.isValid ? "ok, the hash chain and every table match the journal" : "FAILED"); head now \(try ledger.head()!)")
    try sink.flush()
  }

  /// The command that prints the same table again: this ledger, these times.
  func query(_ command: String) -> String {
    "policy-ledger --db \(HTMLReport.shellQuoted(ledger.path)) \(command) --tz \(zone.identifier)"
  }

  /// The workforce part: who was meant to be told, who was, and who still believes what.
  func writeCoverage() throws {
    typealias W = WorkedExample
    line()
    line("The roster: \(W.staff.joined(separator: ", ")) (staff), \(W.contractors.joined(separator: ", ")) (contractors)")
    line()
    line("Coverage at 12:00, as known at 12:00 (\(query("coverage \(W.policy) --at 2020-07-10T12:00 --as-known-at 2020-07-10T12:00")))")
    var noon: [CoverageRow] = []
    try ledger.coverage(W.policy, at: W.july10(12), view: .init(knownAt: W.july10(12))) { row, _ in noon.append(row) }
    try table(noon)
    line()
    line("The same, by group: the contractors were never sent the notice (\(query("coverage \(W.policy) --at 2020-07-10T12:00 --as-known-at 2020-07-10T12:00 --summary")))")
    try table(try ledger.coverageSummary(W.policy, at: W.july10(12), view: .init(knownAt: W.july10(12))))
    line()
    line("Who still believed another version than the one in force at 15:00, as known at 15:00? (the rows of \(query("coverage \(W.policy) --at 2020-07-10T15:00 --as-known-at 2020-07-10T15:00")) whose believes_version differs)")
    var believers: [CoverageRow] = []
    try ledger.coverage(W.policy, at: W.july10(15), view: .init(knownAt: W.july10(15))) { row, _ in
      if row.believesVersion != row.version { believers.append(row) }
    }
    try table(believers)
  }

  func table<R: TabularRow>(_ rows: [R]) throws {
    try sink.flush()
    let writer = TableWriter(sink: sink)
    try writer.write(rows, timeZone: zone)
  }
}
