import Foundation
import PolicyLedger

// Records the worked example (README, "The worked example") and asks its questions:
// which version of mobile-devices was in force, as known when, and as told to whom.

let path = CommandLine.arguments.dropFirst().first ?? "example-ledger.db"
guard !FileManager.default.fileExists(atPath: path) else {
  FileHandle.standardError.write(Data("ledger-example: \(path) exists; give a new file\n".utf8))
  exit(2)
}

func pacific(_ text: String) throws -> Instant {
  try Instant.parse(text, timeZone: TimeZone(identifier: "America/Los_Angeles")!)
}

do {
  let ledger = try Ledger(path: path, access: .readWrite)

  // Version 1, in force since New Year; version 2 (delete TikTok) from 08:00 on 10 July.
  try ledger.addVersion(
    NewVersion(
      policy: "mobile-devices", title: "Mobile devices that access company email",
      body: Array("Any phone that accesses company email must use a passcode.\n".utf8),
      effectiveFrom: try pacific("2020-01-01")),
    actor: "hr")
  let v2 = try ledger.addVersion(
    NewVersion(
      policy: "mobile-devices", title: "Mobile devices that access company email",
      body: Array("Delete TikTok from any phone that accesses company email.\n".utf8),
      effectiveFrom: try pacific("2020-07-10T08:00")),
    actor: "hr")

  // The 08:00 email announcing version 2, to four employees; E1004 acknowledges it.
  let notice = try ledger.sendNotice(
    NewNotice(
      id: "N-2020-07-10-0800", subject: "Action required: remove TikTok from mobile devices",
      body: Array("Delete TikTok by end of day today.\n".utf8), sentAt: try pacific("2020-07-10T08:00"),
      sender: "it-security", announces: v2),
    recipients: RecipientList(["E1001", "E1002", "E1003", "E1004"]), actor: "hr")
  try ledger.acknowledge(notice: notice, employee: "E1004", at: try pacific("2020-07-10T08:30"), actor: "hr")

  // At 14:00 a retraction, "sent in error", voids version 2; E1004 never receives it.
  try ledger.correct(
    NewCorrection(
      id: "R-2020-07-10-1400", kind: .retraction, target: .notice(notice), voidVersion: true,
      issuedAt: try pacific("2020-07-10T14:00"), statement: "This morning's email was sent in error.",
      reason: "sent in error"),
    recipients: .named(RecipientList(["E1001", "E1002", "E1003"])), actor: "hr")

  // The questions: the version in force at T, in a view (known at k, as told to E).
  func inForce(_ t: String, _ view: Bitemporal.View = .init()) throws -> String {
    try ledger.inForce("mobile-devices", at: try pacific(t), view: view).map { "v\($0.version)" }.first ?? "none"
  }
  let noon = try pacific("2020-07-10T12:00")
  print("in force at 12:00, as known now:", try inForce("2020-07-10T12:00"))
  print("in force at 12:00, as known at 12:00:", try inForce("2020-07-10T12:00", .init(knownAt: noon)))
  print("in force at 15:00, as told to E1004:", try inForce("2020-07-10T15:00", .init(toldTo: "E1004")))
  print("in force at 15:00, as told to E1001:", try inForce("2020-07-10T15:00", .init(toldTo: "E1001")))
  for row in try ledger.history("mobile-devices") {
    let corrections = row.correctedBy.isEmpty ? "" : ", corrected by " + row.correctedBy.joined(separator: ", ")
    print("history: v\(row.version) \(row.status.rawValue)\(corrections)")
  }
  // Who was told version 2 and never told of its retraction (rows stream to the closure).
  var outstanding: [String] = []
  try ledger.outstanding(notice: notice) { outstanding.append("\($0.employee) (\($0.correction))") }
  print("outstanding:", outstanding.joined(separator: ", "))

  let verdict = try ledger.verify()
  print("verify:", verdict.isValid ? "ok, \(verdict.entries) entries" : "FAILED: \(verdict.failure!)")
} catch let error as LedgerError {
  // Typed failures: switch on error.code (.notFound, .invalidInput, .refused, .conflict, …).
  FileHandle.standardError.write(Data("ledger-example: \(error) [\(error.code)]\n".utf8))
  exit(error.code == .damaged ? 1 : 2)
}
