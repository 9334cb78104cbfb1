import Foundation
import Testing

@_spi(Benchmarks) @testable import PolicyLedger

/// Bytes of the file changed below SQL (docs/reliability.md, "verify and the file's
/// bytes"): each test first shows that the change alters an answer, then that `verify`
/// fails — and never traps — on it.
@Suite struct IndexCheckTests {
  static let t0 = at("2020-01-01T00:00:00Z")
  static let employees = (1001...1010).map { "E\($0)" }

  /// A closed ledger file: pol1…pol8 at version 1, a notice N1 announcing pol5@1 to
  /// E1001…E1010, an acknowledgement, and a retraction C1 of the notice.
  static func ledgerFile() throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("index-check-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let path = folder.appendingPathComponent("l.db").path
    do {
      let ledger = try Ledger(path: path, access: .readWrite)
      for n in 1...8 {
        try ledger.addTestVersion("pol\(n)", from: "2020-0\(n)-01T00:00:00Z", announced: "2019-12-01T00:00:00Z")
      }
      try ledger.sendTestNotice(id: "N1", announces: VersionRef(policy: "pol5", number: 1), to: employees)
      try ledger.acknowledge(notice: "N1", employee: "E1004", at: at("2020-07-11T00:00:00Z"), actor: "test")
      try ledger.correct(
        NewCorrection(
          id: "C1", kind: .retraction, target: .notice("N1"), issuedAt: at("2020-07-12T00:00:00Z"), statement: "Sent in error.",
          reason: "error"),
        recipients: .defaults, actor: "test")
      // The kinds of entry added since: a resend, a notice announcing two versions, the
      // roster and a version for one group, so that their tables and indexes are in the file.
      try ledger.resend("N1", kind: .notice, sentAt: at("2020-07-13T00:00:00Z"), recipients: .named(RecipientList(["E2001"])), actor: "test")
      try ledger.sendNotice(
        NewNotice(
          id: "N2", subject: "Handbook", body: Array("Two policies".utf8), sentAt: at("2020-07-14T00:00:00Z"), sender: "hr",
          announces: [VersionRef(policy: "pol7", number: 1), VersionRef(policy: "pol8", number: 1)]),
        recipients: RecipientList(["E1001", "E1002", "E2001"]), actor: "test")
      try ledger.recordRosterEntry(RosterEntry(employee: "E1001", event: .join, at: at("2019-01-01T00:00:00Z"), groups: ["staff"]), actor: "test")
      try ledger.recordRosterEntry(RosterEntry(employee: "E2001", event: .join, at: at("2019-01-01T00:00:00Z"), groups: ["contractors"]), actor: "test")
      try ledger.recordRosterEntry(RosterEntry(employee: "E1002", event: .join, at: at("2020-06-01T00:00:00Z")), actor: "test")
      // An import: E3001 only on it, and E1002 moved to staff at the time of their join above
      // (the import, later in the journal, wins).
      let roster = "employee,at,event,groups\nE3001,2019-01-01T00:00:00Z,join,contractors\nE1002,2020-06-01T00:00:00Z,join,staff\nE3001,2020-09-01T00:00:00Z,leave,\n"
      try ledger.importEmployees(ImportFile(name: "roster.csv", bytes: Array(roster.utf8)), actor: "test")
      try ledger.addVersion(
        NewVersion(policy: "aud1", title: "Staff only", body: Array("For staff".utf8), effectiveFrom: at("2020-01-01T00:00:00Z"), appliesTo: ["staff"]),
        actor: "test")
      #expect(try ledger.verify().isValid)
    }  // closed: the -wal is now in the file
    return path
  }

  static func verdict(_ path: String) throws -> VerifyResult.Failure? {
    try Ledger(path: path, access: .readOnly).verify().failure
  }

  static func inForce(_ path: String, _ key: String?) throws -> String {
    String(describing: try Ledger(path: path, access: .readOnly).inForce(key, at: at("2020-12-01T00:00:00Z")))
  }

  static func recipients(_ path: String) throws -> [String] {
    var ids: [String] = []
    try Ledger(path: path, access: .readOnly).recipients(of: "N1") { ids.append(String(describing: $0)) }
    return ids
  }

  @Test func twoKeysSwappedInThePolicyKeyIndexAreCaught() throws {
    let path = try Self.ledgerFile()
    let before = try Self.inForce(path, nil)
    var file = try FileBytes(path)
    let page = try file.rootPage(of: "sqlite_autoindex_policies_1")
    let five = try #require(file.offsets(of: "pol5", in: page).first)
    let six = try #require(file.offsets(of: "pol6", in: page).first)
    file.bytes[five + 3] = UInt8(ascii: "6")
    file.bytes[six + 3] = UInt8(ascii: "5")
    try file.write()
    // Every policy listed through the index pairs pol6 with pol5's version, and pol6 alone is not found.
    #expect(try Self.inForce(path, nil) != before)
    #expect(throws: LedgerError.self) { try Self.inForce(path, "pol6") }
    let failure = try #require(try Self.verdict(path))
    #expect(failure.message.hasPrefix("the index 'sqlite_autoindex_policies_1' does not match the policies table"))
  }

  @Test func aBitFlippedInAnEmployeeRowIsCaught() throws {
    let path = try Self.ledgerFile()
    let before = try Self.recipients(path)
    var file = try FileBytes(path)
    let page = try file.rootPage(of: "employees")
    let offset = try #require(file.offsets(of: "E1004", in: page).first)
    file.bytes[offset] ^= 0x01  // E1004 → D1004
    try file.write()
    #expect(try Self.recipients(path) != before)
    let failure = try #require(try Self.verdict(path))
    #expect(failure.message.hasPrefix("the index 'sqlite_autoindex_employees_1' does not match the employees table"))
  }

  @Test func aBitFlippedInTheCorrectionIDIndexIsCaughtAndSoIsTheRepeatedIDItLetIn() throws {
    let path = try Self.ledgerFile()
    var file = try FileBytes(path)
    let page = try file.rootPage(of: "sqlite_autoindex_corrections_1")
    let offset = try #require(file.offsets(of: "C1", in: page).first)
    file.bytes[offset] ^= 0x01  // C1 → B1 in the index only
    try file.write()
    let failure = try #require(try Self.verdict(path))
    #expect(failure.message.hasPrefix("the index 'sqlite_autoindex_corrections_1' does not match the corrections table"))

    // The damaged index lets a second C1 be recorded; the replay refuses it by itself.
    let seq: Int64
    do {
      let ledger = try Ledger(path: path, access: .readWrite)
      try ledger.addTestVersion("pol9", from: "2021-01-01T00:00:00Z")
      _ = try ledger.correct(
        NewCorrection(
          id: "C1", kind: .amendment, target: .version(VersionRef(policy: "pol9", number: 1)), issuedAt: at("2021-02-01T00:00:00Z"),
          statement: "Later.", reason: "r", effectiveFrom: at("2021-03-01T00:00:00Z")),
        recipients: .none, actor: "test")
      seq = ledger.entryCount
    }
    let repeated = try #require(try Self.verdict(path))
    #expect(repeated.seq == seq)
    #expect(repeated.message == "its id 'C1' is already entry 11's (ids are unique)")
  }

  @Test(arguments: [UInt8(0x80), 0x7F, 0x00])
  func aDamagedRowNumberInTheEmployeeNameIndexEndsInAVerdict(value: UInt8) throws {
    let path = try Self.ledgerFile()
    var file = try FileBytes(path)
    let page = try file.rootPage(of: "sqlite_autoindex_employees_1")
    let offset = try #require(file.offsets(of: "E1004", in: page).first)
    // The record is the name, then the row number in one byte (serial type 1).
    file.bytes[offset + 5] = value
    try file.write()
    // The notice's recipients no longer match (the employees are read through this index),
    // and the index no longer matches its table: either way a verdict, not a trap.
    #expect(try Self.verdict(path) != nil)
  }

  @Test func aMalformedPageIsAVerdictNotAnError() throws {
    let path = try Self.ledgerFile()
    var file = try FileBytes(path)
    let page = try file.rootPage(of: "deliveries")
    file.bytes[page.lowerBound] = 0x07  // no such B-tree page type
    try file.write()
    let failure = try #require(try Self.verdict(path))
    #expect(failure.message.hasPrefix("the ledger file is damaged: "))
  }

  @Test func aSchemaDamagedWhereOpeningReadsItIsReportedDamaged() throws {
    let path = try Self.ledgerFile()
    var file = try FileBytes(path)
    // The stored CREATE TABLE of the migrations' bookkeeping, its first column renamed
    // (found by ByteFlipTests, seed 20261206: SQLite's "no such column: name" came through raw).
    let schema = file.offsets(of: "ledger_migrations (", in: 0..<file.bytes.count)
    let at = try #require(schema.first)
    let column = try #require(file.offsets(of: "name", in: at..<at + 200).first)
    file.bytes[column] = UInt8(ascii: "x")
    try file.write()
    do {
      _ = try Ledger(path: path, access: .readOnly)
      Issue.record("opened")
    } catch let error as LedgerError {
      #expect(error.code == .damaged)
      #expect(error.description == "the ledger at \(path) is damaged (no such column: name); restore it from a copy")
    }
  }

  @Test func everyIndexOfAnUndamagedLedgerMatchesItsTable() throws {
    let path = try Self.ledgerFile()
    let ledger = try Ledger(path: path, access: .readOnly)
    let problem = try ledger.read { try IndexCheck(db: ledger.db).firstMismatch() }
    #expect(problem == nil)
  }

  /// A row number in an interior page of the employees table changed: a scan still reads
  /// every row, but a lookup by row number (deliveries → employees) takes the wrong branch.
  @Test func aChangedRowNumberInATablesInteriorPageIsCaught() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("index-check-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("l.db").path
    let names = (1...1500).map { "E" + String(10_000 + $0) }
    do {
      let ledger = try Ledger(path: path, access: .readWrite)
      try ledger.addTestVersion("pol1", from: "2020-01-01T00:00:00Z")
      _ = try ledger.sendTestNotice(id: "N1", to: names)
    }
    let before = try Self.recipients(path)
    #expect(before.count == names.count)
    var file = try FileBytes(path)
    let page = try file.rootPage(of: "employees")
    try #require(file.bytes[page.lowerBound] == 0x05, "the employees table has an interior root page")
    // The first cell: a 4-byte child page number, then the divider row number as a varint.
    let pointer = page.lowerBound + 12
    let cell = page.lowerBound + (Int(file.bytes[pointer]) << 8 | Int(file.bytes[pointer + 1]))
    try #require(file.bytes[cell + 4] & 0x80 != 0 && file.bytes[cell + 5] & 0x80 == 0, "a two-byte row number")
    file.bytes[cell + 5] = 0  // the divider drops below the rows of its left child
    try file.write()
    // Every row is still there for a scan, but some are lost to lookups by row number.
    let db = try Connection(path: path, mode: .readOnly)
    let count = try db.prepare("SELECT count(*) FROM employees").first { $0.int64(0) } ?? 0
    #expect(count == Int64(names.count))
    let lookup = try db.prepare("SELECT name FROM employees WHERE id = ?")
    let found = try (1...count).filter { try lookup.first([$0]) { _ in true } ?? false }
    #expect(found.count < names.count, "lookups by row number lose employees")
    let failure = try #require(try Self.verdict(path))
    #expect(failure.message.hasPrefix("the file's pages are not well-formed"), "\(failure)")
  }
}
