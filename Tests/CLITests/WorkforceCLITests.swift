import Foundation
import PolicyLedger
import Testing

/// A ledger with a workforce: `LedgerFiles.makeFullLedger` (entries 1–10), then entry 11
/// E1001 joins (staff), 12 C3001 joins (contractors), 13 C3001 leaves, 14 policy `p` version
/// 1 for staff only, 15 `import employees` of four rows (I1 joins staff, I2 joins eng, I1
/// moves to eng at the same time with `by` hr, I2 leaves).
enum WorkforceLedger {
  @discardableResult
  static func make(at path: String) throws -> VerifyResult.Head {
    try LedgerFiles.makeFullLedger(at: path)
    let ledger = try Ledger(path: path, access: .readWrite)
    let t = LedgerFiles.time
    try ledger.recordRosterEntry(RosterEntry(employee: "E1001", event: .join, at: t("2019-09-01"), groups: ["staff"]), actor: "hr")
    try ledger.recordRosterEntry(RosterEntry(employee: "C3001", event: .join, at: t("2020-06-01"), groups: ["contractors"]), actor: "hr")
    try ledger.recordRosterEntry(RosterEntry(employee: "C3001", event: .leave, at: t("2020-08-01")), actor: "hr")
    try ledger.addVersion(
      NewVersion(policy: "p", title: "P", body: Array("p\n".utf8), effectiveFrom: t("2020-01-01"), appliesTo: ["staff"]), actor: "hr")
    let rows = "employee,at,event,groups,by\nI1,2020-01-01,join,staff,\nI2,2020-01-01,join,eng,\nI1,2020-01-01,join,eng,hr\nI2,2020-03-01,leave,,\n"
    try ledger.importEmployees(ImportFile(name: "roster.csv", bytes: Array(rows.utf8)), actor: "importer")
    return try #require(try ledger.head())
  }

  static let tamperings: [Tampering] = [
    .init("roster", "seq", "UPDATE roster SET seq = 100 WHERE seq = 11", .entry(11)),
    .init("roster", "employee", "UPDATE roster SET employee = (SELECT id FROM employees WHERE name = 'E1002') WHERE seq = 11", .entry(11)),
    .init("roster", "at", "UPDATE roster SET at = at + 1 WHERE seq = 12", .entry(12)),
    .init("roster", "employed", "UPDATE roster SET employed = 1 WHERE seq = 13", .entry(13)),
    .init("roster", "groups", "UPDATE roster SET groups = 'staff' WHERE seq = 12", .entry(12)),
    .init("roster", "deleted row", "DELETE FROM roster WHERE seq = 12", .entry(12)),
    .init("versions", "applies_to of a version for some groups", "UPDATE versions SET applies_to = NULL WHERE seq = 14", .entry(14)),
    .init("versions", "applies_to of a version for all", "UPDATE versions SET applies_to = 'staff' WHERE seq = 1", .entry(1)),
    // C3001 is in the directory only through the roster.
    .init("employees", "name of a roster-only employee", "UPDATE employees SET name = 'C3999' WHERE name = 'C3001'", .entry(12)),
    // A single entry's row in roster_rows (ordinal 0) is compared as a projection.
    .init("roster_rows", "at of a single entry's row", "UPDATE roster_rows SET at = at + 1 WHERE seq = 12", .entry(12)),
    .init("roster_rows", "single entry's row deleted", "DELETE FROM roster_rows WHERE seq = 13", .entry(13)),
    // An import's rows (entry 15) are checked against its count and digest.
    .init("roster_rows", "at of an imported row", "UPDATE roster_rows SET at = at + 1 WHERE seq = 15 AND ordinal = 2", .entry(15)),
    .init("roster_rows", "employed of an imported row", "UPDATE roster_rows SET employed = 0 WHERE seq = 15 AND ordinal = 1", .entry(15)),
    .init("roster_rows", "groups of an imported row", "UPDATE roster_rows SET groups = 'staff' WHERE seq = 15 AND ordinal = 3", .entry(15)),
    .init(
      "roster_rows", "employee of an imported row",
      "UPDATE roster_rows SET employee = (SELECT id FROM employees WHERE name = 'E1001') WHERE seq = 15 AND ordinal = 1", .entry(15)),
    .init("roster_rows", "employee of an imported row not in the directory", "UPDATE roster_rows SET employee = 999 WHERE seq = 15 AND ordinal = 2", .entry(15)),
    .init("roster_rows", "by of an imported row", "UPDATE roster_rows SET actor = 'mallory' WHERE seq = 15 AND ordinal = 1", .entry(15)),
    .init("roster_rows", "by of an imported row cleared", "UPDATE roster_rows SET actor = NULL WHERE seq = 15 AND ordinal = 3", .entry(15)),
    .init("roster_rows", "imported row deleted", "DELETE FROM roster_rows WHERE seq = 15 AND ordinal = 4", .entry(15)),
    .init(
      "roster_rows", "imported row added",
      "INSERT INTO roster_rows SELECT seq, 5, employee, at, employed, groups, actor FROM roster_rows WHERE seq = 15 AND ordinal = 1",
      .entry(15)),
    .init(
      "roster_rows", "imported rows reordered",
      """
      UPDATE roster_rows SET ordinal = 100 WHERE seq = 15 AND ordinal = 1; UPDATE roster_rows SET ordinal = 1 WHERE seq = 15 AND ordinal = 3;
      UPDATE roster_rows SET ordinal = 3 WHERE seq = 15 AND ordinal = 100
      """, .entry(15)),
    // The same rows in the same order, numbered with a gap: the digest alone cannot see it.
    .init("roster_rows", "imported row renumbered", "UPDATE roster_rows SET ordinal = 7 WHERE seq = 15 AND ordinal = 4", .entry(15)),
    .init("roster_rows", "imported row moved under a single entry", "UPDATE roster_rows SET seq = 11 WHERE seq = 15 AND ordinal = 4", .entry(11)),
    .init("roster_imports", "row_count", "UPDATE roster_imports SET row_count = 3 WHERE seq = 15", .entry(15)),
    .init("roster_imports", "rows_sha256", "UPDATE roster_imports SET rows_sha256 = upper(rows_sha256) WHERE seq = 15", .entry(15)),
    .init("roster_imports", "deleted row", "DELETE FROM roster_imports WHERE seq = 15", .entry(15)),
    // I2 is in the directory only through the import.
    .init("employees", "name of an import-only employee", "UPDATE employees SET name = 'I9' WHERE name = 'I2'", .entry(15)),
  ]
}

@Suite struct WorkforceCLITests {
  @Test(arguments: WorkforceLedger.tamperings)
  func verifyCatchesChangesToTheRosterAndAudiences(_ tampering: Tampering) throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("ledger.db")
    try WorkforceLedger.make(at: path)
    #expect(try CLI.run(["verify", "--db", path]).status == 0)
    try LedgerFiles.tamper(path, table: tampering.table, tampering.sql)
    let verify = try CLI.run(["verify", "--db", path])
    #expect(verify.isOneLineError, "\(verify)")
    guard case .entry(let seq) = tampering.expected else { return }
    #expect(verify.stderr.hasPrefix("policy-ledger: error: verify failed: entry \(seq): "), "\(verify.stderr)")
  }

  @Test func recordingAndQueryingTheRosterFromTheCommandLine() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("w.db")
    func run(_ arguments: [String]) throws -> CLIResult { try CLI.run(arguments + ["--db", db]) }
    #expect(try run(["employee", "join", "E1", "--at", "2020-01-01", "--groups", "staff, eng"]).stdout == "E1\n")
    #expect(try run(["employee", "join", "C1", "--at", "2020-01-01", "--groups", "contractors"]).status == 0)
    #expect(try run(["employee", "leave", "C1", "--at", "2020-03-01"]).stdout == "C1\n")
    let employees = try run(["employees", "--at", "2020-02-01", "--format", "csv"])
    #expect(employees.stdout == "employee,groups,since\nC1,contractors,2020-01-01T00:00:00Z\nE1,staff;eng,2020-01-01T00:00:00Z\n")
    let json = try run(["employees", "--at", "2020-04-01", "--format", "json"])
    #expect(json.stdout == "[\n{\"employee\":\"E1\",\"groups\":[\"staff\",\"eng\"],\"since\":\"2020-01-01T00:00:00Z\"}\n]\n")
    #expect(try run(["policy", "add", "p", "--title", "T", "--body", "b", "--effective-from", "2020-01-01", "--applies-to", "eng"]).status == 0)
    #expect(try run(["notice", "send", "--id", "N1", "--subject", "s", "--body", "b", "--sent-at", "2020-01-02", "--sender", "hr", "--announces", "p@1", "--to", "E1,C1"]).status == 0)
    let coverage = try run(["coverage", "p", "--at", "2020-02-01", "--format", "csv"])
    #expect(coverage.stdout == "policy,version,employee,status,told_at,notice,acknowledged_at,believes_version\np,1,E1,told,2020-01-02T00:00:00Z,N1,,1\n")
    let summary = try run(["coverage", "p", "--at", "2020-02-01", "--summary", "--format", "csv"])
    #expect(summary.stdout == "policy,version,group,employed,acknowledged,told,not_told\np,1,all,1,0,1,0\np,1,eng,1,0,1,0\n")
    let exported = try run(["export", "versions", "--format", "csv"])
    #expect(exported.lines.last?.hasSuffix(",eng") == true)
    let history = try run(["history", "p", "--format", "json"])
    #expect(history.stdout.contains("\"applies_to\":[\"eng\"]"))
    #expect(try run(["verify"]).status == 0)
  }

  /// A leave before the employee's first join names that join: at a time the clocks pass
  /// twice (01:30 on the fall-back night) the two times differ only in their offsets.
  @Test func aLeaveBeforeTheFirstJoinNamesTheJoin() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("w.db")
    let common = ["--tz", "America/Los_Angeles", "--db", db]
    try #require(try CLI.run(["employee", "join", "E1", "--at", "2020-11-01T01:30-08:00"] + common).status == 0)
    let before = (LedgerFiles.sha256(db), try CLI.run(["export", "journal", "--db", db]).stdout)
    let refused = try CLI.run(["employee", "leave", "E1", "--at", "2020-11-01T01:30"] + common)
    #expect(refused.isOneLineError)
    #expect(
      refused.stderr
        == "policy-ledger: error: invalid --at '2020-11-01T01:30:00-07:00': 'E1' is not employed then (their first join is later, at 2020-11-01T01:30:00-08:00), so cannot leave\n"
    )
    #expect(LedgerFiles.sha256(db) == before.0)
    #expect(try CLI.run(["export", "journal", "--db", db]).stdout == before.1)
    // Someone the ledger has never heard of.
    let stranger = try CLI.run(["employee", "leave", "E9", "--at", "2020-11-02"] + common)
    #expect(stranger.isOneLineError && stranger.status == 2)
    #expect(stranger.stderr.contains("'E9' is not employed then (no join of theirs is recorded)"), "\(stranger.stderr)")
    #expect(LedgerFiles.sha256(db) == before.0)
    // The later instant, written with its offset, is a leave at the join's own time.
    #expect(try CLI.run(["employee", "leave", "E1", "--at", "2020-11-01T01:30-08:00"] + common).status == 0)
  }

  @Test func refusalsAreOneLineAndWriteNothing() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("w.db")
    func run(_ arguments: [String]) throws -> CLIResult { try CLI.run(arguments + ["--db", db]) }
    // A refused first command creates no ledger.
    let empty = try run(["employee", "join", "E1", "--at", "2020-01-01", "--groups", ""])
    #expect(empty.isOneLineError && empty.stderr == "policy-ledger: error: invalid --groups '': group '' must not be empty\n")
    let badImport = try dir.write("employees.csv", "employee,at,event,groups\nE1,2020-01-01,join,staff\nE2,2020-01-01,hired,\n")
    let refusedImport = try run(["import", "employees", badImport])
    #expect(refusedImport.stderr == "policy-ledger: error: \(badImport) line 3: invalid event 'hired': expected join or leave\n")
    #expect(refusedImport.status == 2)
    #expect(!FileManager.default.fileExists(atPath: db))

    #expect(try run(["employee", "join", "E1", "--at", "2020-01-01"]).status == 0)
    let before = try run(["export", "journal", "--format", "csv"]).stdout
    let employeesBefore = try run(["export", "employees", "--format", "csv"]).stdout
    // A leave judged in file order: E5 joins on line 3, after their leave on line 2.
    let badLeave = try dir.write("leave.csv", "employee,at,event\nE5,2020-02-01,leave\nE5,2020-01-01,join\n")
    let badTime = try dir.write("time.csv", "employee,at,event\nE5,2020-02-30,join\n")
    let badGroup = try dir.write("group.csv", "employee,at,event,groups\nE5,2020-01-01,join,staff;staff\n")
    for (arguments, message) in [
      (["employee", "leave", "E2", "--at", "2020-02-01"], "invalid --at '2020-02-01T00:00:00Z': 'E2' is not employed then (no join of theirs is recorded), so cannot leave"),
      (["employee", "join", "E3", "--at", "2020-01-01", "--groups", "a,,b"], "invalid --groups 'a,,b': group '' must not be empty"),
      (["employee", "join", "E3", "--at", "2020-01-01", "--groups", "all"], "invalid --groups 'all': every employee is in group 'all'; name the other groups"),
      (["policy", "add", "p", "--title", "T", "--body", "b", "--effective-from", "2020-01-01", "--applies-to", "staff,"], "invalid --applies-to 'staff,': group '' must not be empty"),
      (["import", "employees", badImport], "\(badImport) line 3: invalid event 'hired': expected join or leave"),
      (
        ["import", "employees", badLeave],
        "\(badLeave) line 2: invalid at '2020-02-01T00:00:00Z': 'E5' is not employed then (no join of theirs is in the ledger or the rows above; rows are judged in file order), so cannot leave"
      ),
      (["import", "employees", badTime], "\(badTime) line 2: invalid at '2020-02-30': February 2020 has 29 days"),
      (["import", "employees", badGroup], "\(badGroup) line 2: invalid groups 'staff;staff': group 'staff' is named twice"),
    ] {
      let result = try run(arguments)
      #expect(result.isOneLineError && result.stderr == "policy-ledger: error: \(message)\n", "\(arguments): \(result)")
      #expect(result.status == 2, "\(arguments)")
    }
    #expect(try run(["export", "journal", "--format", "csv"]).stdout == before)
    #expect(try run(["export", "employees", "--format", "csv"]).stdout == employeesBefore)
  }

  /// A group no roster row and no version's `--applies-to` names is an error with the
  /// nearest names, as an unknown key is: an empty list would read as "nobody in it". A
  /// recorded group with nobody employed in it at T is an empty answer.
  @Test func anUnknownGroupIsAnErrorAndARecordedEmptyGroupIsNoRows() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("w.db")
    try WorkforceLedger.make(at: db)
    let bytes = LedgerFiles.sha256(db)
    for (arguments, message) in [
      (["employees", "--group", "staf"], "no group 'staf' in this ledger; did you mean 'staff'?"),
      (["employees", "--group", "contractor", "--format", "csv"], "no group 'contractor' in this ledger; did you mean 'contractors'?"),
      (["coverage", "p", "--at", "2020-07-01", "--group", "Staff"], "no group 'Staff' in this ledger; did you mean 'staff'?"),
      (["coverage", "p", "--at", "2020-07-01", "--group", "nobody-ever", "--summary"], "no group 'nobody-ever' in this ledger"),
    ] {
      let result = try CLI.run(arguments + ["--db", db])
      #expect(result.status == 2 && result.stdout.isEmpty, "\(arguments): \(result)")
      #expect(result.stderr == "policy-ledger: error: \(message)\n", "\(arguments)")
    }
    // `contractors`: C3001 left on 2020-08-01; `eng` is recorded only by the import.
    #expect(try CLI.run(["employees", "--at", "2020-09-01", "--group", "contractors", "--format", "csv", "--db", db]).stdout == "employee,groups,since\n")
    #expect(try CLI.run(["employees", "--at", "2020-02-01", "--group", "eng", "--format", "csv", "--db", db]).status == 0)
    #expect(try CLI.run(["employees", "--group", "all", "--db", db]).status == 0)
    #expect(LedgerFiles.sha256(db) == bytes)
  }

  @Test func coverageWithoutARosterIsRefusedBeforeAnythingElse() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("ledger.db")
    try LedgerFiles.makeFullLedger(at: path)
    for key in ["mobile-devices", "no-such-policy"] {
      let result = try CLI.run(["coverage", key, "--at", "2020-07-10", "--db", path])
      #expect(result.status == 2)
      #expect(result.stderr == "policy-ledger: error: no workforce recorded: add employees with 'employee join' or 'import employees'\n")
    }
  }

  @Test func theDemoPrintsCoverageAfterTheOutstandingListAndBeforeItsEnding() throws {
    let dir = try TemporaryDirectory()
    let result = try CLI.run(["demo", "--db", dir.file("demo.db")])
    #expect(result.status == 0)
    let outstandingLine = try #require(result.lines.firstIndex { $0.hasPrefix("Outstanding at 15:00") })
    let coverageLine = try #require(result.lines.firstIndex { $0.hasPrefix("Coverage at 12:00") })
    let resendLine = try #require(result.lines.firstIndex { $0.hasPrefix("16:00  the retraction is sent again") })
    #expect(outstandingLine < coverageLine && coverageLine < resendLine)
    // The contractors were never sent the notice; E1004 still believes the void version.
    #expect(result.lines.contains { $0.hasPrefix("mobile-devices        2  C3001     not_told") })
    #expect(result.lines.contains { $0.hasPrefix("mobile-devices        1  E1004     not_told") && $0.hasSuffix("2") })
    #expect(result.lines.contains { $0.hasPrefix("mobile-devices        2  contractors         2             0     0         2") })
    let csv = try CLI.run(["coverage", "mobile-devices", "--at", "2020-07-10T12:00:00-07:00", "--as-known-at", "2020-07-10T12:00:00-07:00", "--status", "not_told", "--format", "csv", "--db", dir.file("demo.db")])
    #expect(csv.lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false)[2] } == ["C3001", "C3002", "E2001"])
    let demoBefore = LedgerFiles.sha256(dir.file("demo.db"))
    let badStatus = try CLI.run(["coverage", "mobile-devices", "--at", "2020-07-10", "--status", "read", "--db", dir.file("demo.db")])
    #expect(LedgerFiles.sha256(dir.file("demo.db")) == demoBefore)
    // A closed choice, read as --format is: a usage error (64) naming the three values.
    #expect(badStatus.status == 64)
    #expect(badStatus.stdout.isEmpty)
    #expect(badStatus.stderr.hasPrefix("Error: The value 'read' is invalid for '--status <status>'. Please provide one of 'acknowledged', 'told' or 'not_told'.\n"))
  }

  /// Employees only an import names are known like any other: listed, covered, completed,
  /// and the subject of "no employee" suggestions; the whole file is one journal entry.
  @Test func importedEmployeesAreKnownEverywhere() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("w.db")
    func run(_ arguments: [String]) throws -> CLIResult { try CLI.run(arguments + ["--db", db]) }
    let file = try dir.write(
      "employees.csv",
      "employee,at,event,groups\nI1,2020-01-01,join,staff\nI2,2020-01-01,join,contractors\nI3,2020-01-01,join,staff\nI3,2020-01-20,leave,\n")
    let imported = try run(["import", "employees", file, "--by", "hr"])
    #expect(imported.status == 0 && imported.stderr == "imported 4 roster rows\n", "\(imported)")
    let journal = try run(["export", "journal", "--format", "csv"]).lines
    #expect(journal.count == 2 && journal[1].contains(",employee.import,hr,"))
    #expect(try run(["employees", "--at", "2020-02-01", "--format", "csv"]).stdout == "employee,groups,since\nI1,staff,2020-01-01T00:00:00Z\nI2,contractors,2020-01-01T00:00:00Z\n")
    #expect(try run(["policy", "add", "p", "--title", "T", "--body", "b", "--effective-from", "2020-01-01", "--applies-to", "staff"]).status == 0)
    #expect(try run(["notice", "send", "--id", "N1", "--subject", "s", "--body", "b", "--sent-at", "2020-01-02", "--sender", "hr", "--announces", "p@1", "--to", "I1"]).status == 0)
    #expect(try run(["coverage", "p", "--at", "2020-02-01", "--format", "csv"]).stdout == "policy,version,employee,status,told_at,notice,acknowledged_at,believes_version\np,1,I1,told,2020-01-02T00:00:00Z,N1,,1\n")
    // Known through the import alone (I3 left, I2 was never sent anything).
    #expect(try run(["timeline", "--employee", "I2"]).status == 0)
    let unknown = try run(["timeline", "--employee", "I4"])
    #expect(unknown.status == 2 && unknown.stderr.contains("no employee 'I4'"), "\(unknown)")
    let completion = try CLI.run(["---completion", "ack", "--", "--employee", "2", "1", "--db", db, "I"])
    #expect(completion.lines == ["I1", "I2", "I3"], "\(completion)")
    #expect(try run(["verify"]).status == 0)
  }
}
