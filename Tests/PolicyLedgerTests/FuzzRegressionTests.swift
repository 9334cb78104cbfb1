import Foundation
import Testing

@_spi(Benchmarks) @testable import PolicyLedger

/// Every input the fuzzers (scripts/fuzz.sh) found, and their seed corpora, replayed through
/// the same properties (FuzzProperties) in `swift test`.
@Suite struct FuzzRegressionTests {
  /// The repository's Fuzz/ folder.
  static let fuzzFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fuzz")

  /// The files of Fuzz/corpus/TARGET and Fuzz/regressions/TARGET, by name.
  static func inputs(_ target: String) -> [String] {
    ["corpus", "regressions"].flatMap { folder -> [String] in
      let path = fuzzFolder.appendingPathComponent(folder).appendingPathComponent(target).path
      let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
      return names.filter { !$0.hasPrefix(".") }.sorted().map { "\(folder)/\(target)/\($0)" }
    }
  }

  static func bytes(_ name: String) throws -> [UInt8] {
    Array(try Data(contentsOf: fuzzFolder.appendingPathComponent(name)))
  }

  @Test func theCorporaAreThere() {
    #expect(Self.inputs("time").count >= 20)
    #expect(Self.inputs("csv").count >= 10)
  }

  /// The verify fuzzer mutates these ledgers, so they must be of the schema verify checks:
  /// a seed that needs a migration is refused at open, and its mutations would reach
  /// nothing past the migration check. Adding a migration fails this test until
  /// scripts/verify-seeds.sh has written the seeds again. Together they hold every kind of
  /// entry and a checkpoint's origin.
  @Test func verifySeedsAreLedgersOfTheCurrentSchema() throws {
    let seeds = Self.inputs("verify").filter { $0.hasPrefix("corpus/verify/current-") }
    #expect(seeds.count >= 2)
    var kinds = Set<String>()
    var origins = 0
    for seed in seeds {
      let copy = FileManager.default.temporaryDirectory.appendingPathComponent("seed-\(UUID().uuidString).db").path
      defer { for suffix in ["", "-wal", "-shm", "-journal"] { unlink(copy + suffix) } }
      let bytes = try Self.bytes(seed)
      try Data(bytes).write(to: URL(fileURLWithPath: copy))
      #expect(bytes.count <= 65536, "\(seed) is longer than scripts/fuzz.sh verify's -max_len")
      let ledger = try Ledger(path: copy, access: .readOnly)
      let result = try ledger.verify()
      #expect(result.isValid, "\(seed): \(result)")
      #expect(result.entries > 0)
      kinds.formUnion(try ledger.db.prepare("SELECT DISTINCT kind FROM journal").map { $0.string(0) })
      origins += Int(ledger.rowCount("ledger_origin"))
    }
    #expect(
      kinds == [
        "policy.add", "notice.send", "correction.retract", "correction.amend", "ack", "employee.join", "employee.leave",
        "message.resend", "employee.import",
      ])
    #expect(origins >= 1)
  }

  @Test(arguments: inputs("time"))
  func timeInputsKeepEveryProperty(_ name: String) throws {
    #expect(FuzzProperties.time(try Self.bytes(name)) == nil)
  }

  @Test(arguments: inputs("csv"))
  func csvInputsKeepEveryProperty(_ name: String) throws {
    let bytes = try Self.bytes(name)
    #expect(FuzzProperties.csv(bytes) == nil)
    #expect(FuzzProperties.lines(bytes) == nil)
  }

  // MARK: What the fuzzers found

  /// Found by the time fuzzer (Fuzz/regressions/time/year-10000-in-utc): the latest wall
  /// time with the most negative offset is an instant in year 10000 in UTC. It was accepted,
  /// then printed (by export, by show) as a text no command could read back. Times outside the
  /// years 0001-9999 in UTC are now refused, so every accepted time round-trips in UTC.
  @Test(arguments: [
    ("9999-12-31T23:59:59.999999-23:59", "10000-01-01T23:58:59.999999Z"),
    ("9999-12-31T20:00-04:00", "10000-01-01T00:00:00Z"),
    ("0001-01-01T00:00:00+00:01", "0000-12-31T23:59:00Z"),
  ])
  func timesOutsideTheUTCYearsALedgerCanPrintAreRefused(_ text: String, _ utc: String) throws {
    #expect(throws: InvalidTime(value: text, reason: "it is \(utc), outside the years 0001-9999 in UTC, which is all a ledger can print")) {
      try Instant.parse(text)
    }
    #expect(FuzzProperties.time(Array(text.utf8)) == nil)
  }

  /// Found by the time fuzzer after that change (Fuzz/regressions/time/wall-clock-past-9999-at-an-offset):
  /// the harness still expected UTC and a fixed offset to accept the same wall-clock texts, but
  /// 9999-12-31T23:59 at -09:30 is in year 10000 in UTC. The property now allows exactly that.
  @Test func aWallClockTimeNearTheEndIsAcceptedInUTCButNotWestOfIt() throws {
    let text = try String(decoding: Self.bytes("regressions/time/wall-clock-past-9999-at-an-offset"), as: UTF8.self)
    #expect(text == "9999-12-31T23:59")
    #expect(try Instant.parse(text).iso8601() == "9999-12-31T23:59:00Z")
    let west = TimeZone(secondsFromGMT: -(9 * 3600 + 30 * 60))!
    #expect(throws: InvalidTime(value: text, reason: "it is 10000-01-01T09:29:00Z, outside the years 0001-9999 in UTC, which is all a ledger can print")) {
      try Instant.parse(text, timeZone: west)
    }
    #expect(FuzzProperties.time(Array(text.utf8)) == nil)
  }

  @Test func theEndsOfTheRangeAreAcceptedWithAnyOffsetThatKeepsThemInside() throws {
    let latest = try Instant.parse("9999-12-31T23:59:59.999999Z")
    #expect(try Instant.parse("9999-12-31T22:59:59.999999-01:00") == latest)
    #expect(try Instant.parse(latest.iso8601()) == latest)
    let earliest = try Instant.parse("0001-01-01T00:00:00Z")
    #expect(try Instant.parse("0001-01-01T00:00:00-00:30") > earliest)
    // Wall-clock text read in a zone: inside when west of UTC at the end, refused east of it at the start.
    #expect(try Instant.parse("9999-12-31T12:00", timeZone: TimeZone(identifier: "America/Los_Angeles")!) <= latest)
    #expect(throws: InvalidTime.self) { try Instant.parse("0001-01-01T00:00", timeZone: TimeZone(identifier: "Asia/Tokyo")!) }
  }

  /// Found by the CSV fuzzer (Fuzz/regressions/csv/bare-quote-after-too-long-field): a field
  /// longer than the limit, then a bare quote, was refused as too long when it arrived in
  /// several chunks but for its quote when it arrived in one. The length now counts first.
  @Test(arguments: [1, 3, 7, 64])
  func aTooLongFieldBeforeABareQuoteIsTooLongInAnyChunks(_ chunk: Int) throws {
    let input = try Self.bytes("regressions/csv/bare-quote-after-too-long-field")
    #expect(input == [0, 0, 0, 0, 0xF0, 0x80, 0x80, 0x80, 0, 0, 0x2A, 0x22, 0x0A])
    let reader = CSVReader(bytes: input, chunkSize: chunk)
    reader.maxFieldBytes = 1
    #expect(throws: CSVError(line: 1, message: "field longer than 1 bytes")) { try reader.readRecord() }
    // Within the limit, the quote is what is wrong, in any chunks.
    let within = CSVReader(bytes: Array("a\"b\n".utf8), chunkSize: chunk)
    within.maxFieldBytes = 1
    #expect(throws: CSVError(line: 1, message: "bare quote in unquoted field")) { try within.readRecord() }
  }

  // MARK: Limits the fuzzers' small inputs do not reach

  /// Lines of exactly 1 MiB are read, one byte more is refused, at every chunk size; a CR
  /// before the LF does not count (the reader keeps room for it).
  @Test(arguments: [7, 4096, 1024 * 1024])
  func lineLimitHoldsAcrossChunks(_ chunk: Int) throws {
    let max = LineReader.maxLineBytes
    let exact = [UInt8](repeating: UInt8(ascii: "a"), count: max)
    for ending in [[0x0A], [0x0D, 0x0A], []] as [[UInt8]] {
      // With no line end the line is the last one.
      let reader = LineReader(bytes: exact + ending + (ending.isEmpty ? [] : Array("next\n".utf8)), chunkSize: chunk)
      #expect(try reader.next()?.text.utf8.count == max)
      #expect(try reader.next()?.text == (ending.isEmpty ? nil : "next"))
      let over = LineReader(bytes: Array("ok\n".utf8) + exact + [UInt8(ascii: "b")] + ending, chunkSize: chunk)
      #expect(try over.next()?.text == "ok")
      #expect(throws: CSVError(line: 2, message: "line longer than \(max) bytes")) { try over.next() }
    }
  }

  @Test(arguments: [3, 64, 1024 * 1024])
  func fieldLimitHoldsAcrossChunks(_ chunk: Int) throws {
    let field = String(repeating: "x", count: 100)
    for quoted in [false, true] {
      let cell = quoted ? "\"\(field)\"" : field
      let exact = CSVReader(bytes: Array("a,b\n1,\(cell)\n".utf8), chunkSize: chunk)
      exact.maxFieldBytes = 100
      #expect(try exact.readRecord() == ["a", "b"])
      #expect(try exact.readRecord() == ["1", field])
      let over = CSVReader(bytes: Array("a,b\n1,\(cell)\n".utf8), chunkSize: chunk)
      over.maxFieldBytes = 99
      #expect(try over.readRecord() == ["a", "b"])
      #expect(throws: CSVError(line: 2, message: "field longer than 99 bytes")) { try over.readRecord() }
    }
  }
}
