import ArgumentParser
import Foundation
import PolicyLedger

/// Where the ledger is and how times are read and written.
struct LedgerOptions: ParsableArguments {
  @Option(help: "The ledger file (default: $POLICY_LEDGER_DB, else ./policy-ledger.db).", completion: .file())
  var db: String?

  @Option(help: "The time zone for times given without an offset and for times printed (IANA name or ±HH:MM; default: $POLICY_LEDGER_TZ, else UTC).")
  var tz: String?

  /// The values as plain data, which the fast path builds without ArgumentParser.
  var settings: LedgerSettings { LedgerSettings(db: db, tz: tz) }

  var path: String { settings.path }
  func timeZone() throws -> TimeZone? { try settings.timeZone() }
  func time(_ text: String, _ field: String) throws -> Instant { try settings.time(text, field) }
  func time(_ text: String?, _ field: String) throws -> Instant? { try settings.time(text, field) }
  func upperTime(_ text: String?, _ field: String) throws -> Instant? { try settings.upperTime(text, field) }
  func range(from: String?, to: String?) throws -> TimeRange { try settings.range(from: from, to: to) }
  func openForQuery() throws -> Ledger { try settings.openForQuery() }
  func openForRecording() throws -> Ledger { try settings.openForRecording() }
}

/// The values of `LedgerOptions`, and what commands do with them.
struct LedgerSettings {
  var db: String?
  var tz: String?

  var path: String {
    // getenv, not `ProcessInfo.processInfo.environment`: that builds a [String: String] of
    // the whole environment, and the first String-keyed dictionary costs a start-up a scan
    // of every conformance record in the binary (docs/performance.md).
    if let db { return db }
    guard let value = getenv("POLICY_LEDGER_DB").map({ String(cString: $0) }), !value.isEmpty else {
      return "./policy-ledger.db"
    }
    return value
  }

  /// The zone as given: `--tz`, else `$POLICY_LEDGER_TZ` (set and not empty), else nil (UTC).
  var zoneText: (text: String, fromEnvironment: Bool)? {
    if let tz { return (tz, false) }
    guard let value = getenv("POLICY_LEDGER_TZ").map({ String(cString: $0) }), !value.isEmpty else { return nil }
    return (value, true)
  }

  /// The zone of ``zoneText``; an invalid one is an error naming `--tz` or
  /// `$POLICY_LEDGER_TZ`, with the nearest zone names when a name is misspelt.
  func timeZone() throws -> TimeZone? {
    guard let (text, fromEnvironment) = zoneText else { return nil }
    do {
      return try parseTimeZone(text)
    } catch {
      var message = "invalid \(fromEnvironment ? "$POLICY_LEDGER_TZ" : "--tz"): \(error)"
      // Only now is the list of zone names read (from ICU): a refusal can afford it.
      let nearest = NearestNames.suggestions(for: text, among: TimeZone.knownTimeZoneIdentifiers)
      if !nearest.isEmpty { message += "; did you mean \(NearestNames.phrase(nearest))?" }
      throw LedgerError(.invalidInput, message)
    }
  }

  /// Parses a time argument strictly, naming the option in the error. Without --tz the
  /// zone is UTC, and no `TimeZone` is built: a zone by name is ICU's (loading ICU's data
  /// cost a one-query CLI run 40 page faults), and even Foundation's fixed GMT zone first
  /// builds its zone cache (68,000 instructions; docs/performance.md).
  func time(_ text: String, _ field: String) throws -> Instant {
    let zone = try timeZone()
    do {
      return try Instant.parse(text, timeZone: zone)
    } catch {
      throw LedgerError("invalid \(field) \(error)")
    }
  }

  func time(_ text: String?, _ field: String) throws -> Instant? {
    try text.map { try time($0, field) }
  }

  /// The upper end of a range (`--to`), which includes it: a bare date (`2020-07-10`) means
  /// the whole of that day in the zone, that is every instant before the next day's 00:00;
  /// anything else reads as ``time(_:_:)`` reads it.
  func upperTime(_ text: String?, _ field: String) throws -> Instant? {
    guard let text else { return nil }
    let start = try time(text, field)
    guard let date = BareDate(text) else { return start }
    let zone = try timeZone()
    guard let next = date.next else {
      // 9999-12-31 has no next day to read: its last microsecond in the zone, or, west of
      // UTC (where that is past 9999 in UTC), the last instant a ledger can print.
      if let end = try? Instant.parse(text + "T23:59:59.999999", timeZone: zone) { return end }
      return try Instant.parse("9999-12-31T23:59:59.999999Z")
    }
    // The next day's first instant: its 00:00, or where the clocks skip that 00:00 (moving
    // forward at midnight), the instant they moved. (The day typed was read above as any
    // bare date is: one whose own 00:00 is skipped is refused, as `--from` refuses it.)
    let end: Instant
    do {
      end = try Instant.startOfDay(next.text, timeZone: zone)
    } catch {
      throw LedgerError("invalid \(field) '\(Identifier.printable(text))': \(error.reason)")
    }
    // Instants are compared at microsecond precision, and ranges include their upper end.
    return Instant(microseconds: end.microseconds - 1)
  }

  /// The range `--from`/`--to` give, both ends included. A `--to` before `--from` is
  /// refused, quoted as typed (a bare date's end, 23:59:59.999999, is not what anyone
  /// wrote): a reversed range holds nothing, and answering it with an empty table would
  /// hide the typo behind what reads as "nothing happened".
  func range(from: String?, to: String?) throws -> TimeRange {
    let start = try time(from, "--from"), end = try upperTime(to, "--to")
    if let start, let end, let from, let to, end < start {
      throw LedgerError(
        .invalidInput, "invalid --to '\(Identifier.printable(to))': it is before --from '\(Identifier.printable(from))'")
    }
    return TimeRange(from: start, to: end)
  }

  /// The ledger, read-only, left open until the process exits: a command runs once, and
  /// closing the connection (SQLite freeing its schema and statements, 0.16 M instructions
  /// of a one-query run; docs/performance.md) only does what the process's exit does too.
  /// A read-only connection writes nothing at close, and the kernel releases its file
  /// locks at exit.
  func openForQuery() throws -> Ledger {
    let ledger = try Ledger(path: path, access: .readOnly)
    _ = Unmanaged.passRetained(ledger)
    // The last ledger opened is the one read: a reading again (verify) may take locks.
    LedgerSettings.readWithoutLocks = ledger.readsWithoutLocks ? ledger : nil
    if ledger.readsWithoutLocks {
      // An output file is written whole from the reads before it replaces its target: a
      // change up to then is an error that leaves the old file (and, for `export --all`,
      // every old file); one after it is after the reads, and is no longer looked for.
      OutputFile.beforeReplacing = {
        if let changed = LedgerSettings.changedWhileRead() { throw changed }
        LedgerSettings.readWithoutLocks = nil
      }
    }
    return ledger
  }

  /// A ledger this command reads without SQLite's locks (``Ledger/readsWithoutLocks``):
  /// the command's end checks that it did not change meanwhile (``changedWhileRead()``).
  nonisolated(unsafe) static var readWithoutLocks: Ledger?

  /// The error to report in place of the command's own outcome when a ledger read without
  /// locks changed while it was read: an answer, a verdict or a "damaged" refusal made from
  /// two states of the file is none of these.
  static func changedWhileRead() -> LedgerError? {
    guard let ledger = readWithoutLocks, ledger.changedWhileRead() else { return nil }
    return ledger.changedWhileReadError
  }
  func openForRecording() throws -> Ledger { try Ledger(path: path, access: .readWrite, createsOnFirstCommit: true) }
}

/// How query results are written.
struct OutputOptions: ParsableArguments {
  @Option(help: "The output format: table, csv, tsv, json or jsonl.")
  var format: OutputFormat = OutputOptions.defaultFormat

  /// The format without --format (here once for ArgumentParser and the fast path).
  static let defaultFormat = OutputFormat.table

  @Flag(help: "In CSV and TSV, put a ' before values that start with = + - @ (in CSV, TAB or CR too) so spreadsheets do not run them (alters data).")
  var excelSafe = false

  @Flag(help: "Leave out the header row of csv, tsv and table output.")
  var noHeaders = false

  /// The values as plain data, which the fast path builds without ArgumentParser.
  var settings: OutputSettings { OutputSettings(format: format, excelSafe: excelSafe, noHeaders: noHeaders) }

  func writer(to sink: ByteSink = .standardOutput) -> any RowWriter { settings.writer(to: sink) }
  func write<R: TabularRow>(_ rows: [R], timeZone: TimeZone?) throws { try settings.write(rows, timeZone: timeZone) }
}

/// The values of `OutputOptions`, and what commands do with them.
struct OutputSettings {
  var format: OutputFormat
  var excelSafe: Bool
  var noHeaders = false

  func writer(to sink: ByteSink = .standardOutput) -> any RowWriter {
    makeRowWriter(format, sink: sink, excelSafe: excelSafe, headers: !noHeaders)
  }

  /// Writes `rows` to stdout in the chosen format.
  func write<R: TabularRow>(_ rows: [R], timeZone: TimeZone?) throws {
    let sink = ByteSink.standardOutput
    try writer(to: sink).write(rows, timeZone: timeZone)
    try sink.flush()
  }
}

// @retroactive: to the command line the library is a module of another package (packageAccess: false).
extension OutputFormat: @retroactive ExpressibleByArgument {}

/// Who is making the entry.
struct ActorOptions: ParsableArguments {
  @Option(help: "Who makes this entry (default: $POLICY_LEDGER_ACTOR, else the login name).")
  var by: String?

  var actor: String { by ?? Ledger.defaultActor() }

  /// `$POLICY_LEDGER_ACTOR` is checked here, where its name is known, so that a refusal of
  /// it names the variable and not a `--by` that was never given. (`--by` itself is checked
  /// by the library.)
  func validate() throws {
    guard by == nil, let value = getenv("POLICY_LEDGER_ACTOR").map({ String(cString: $0) }), !value.isEmpty else { return }
    try Identifier.check(value, field: "$POLICY_LEDGER_ACTOR")
  }
}

/// The knowledge instants of a query.
struct ViewOptions: ParsableArguments {
  @Option(help: "Only what had happened by this instant (business time, ISO 8601; default: no limit).")
  var asKnownAt: String?

  @Option(help: "Only what the ledger had recorded by this instant (default: no limit).")
  var asRecordedAt: String?

  /// The values as plain data, which the fast path builds without ArgumentParser.
  var settings: ViewSettings { ViewSettings(asKnownAt: asKnownAt, asRecordedAt: asRecordedAt) }

  func view(_ ledger: LedgerOptions, toldTo: String? = nil) throws -> Bitemporal.View {
    try settings.view(ledger.settings, toldTo: toldTo)
  }
}

/// The knowledge instants of a report: as ``ViewOptions``, but without `--as-recorded-at`
/// a report stands on the time the last entry was recorded (its command pins that, to make
/// the same bytes again), and its help says so.
struct ReportViewOptions: ParsableArguments {
  @Option(help: "Only what had happened by this instant (business time, ISO 8601; default: no limit).")
  var asKnownAt: String?

  @Option(help: "Only what the ledger had recorded by this instant (default: the time the last entry was recorded).")
  var asRecordedAt: String?

  func view(_ ledger: LedgerOptions) throws -> Bitemporal.View {
    try ViewSettings(asKnownAt: asKnownAt, asRecordedAt: asRecordedAt).view(ledger.settings)
  }
}

/// The values of `ViewOptions`, and what commands do with them.
struct ViewSettings {
  var asKnownAt: String?
  var asRecordedAt: String?

  func view(_ ledger: LedgerSettings, toldTo: String? = nil) throws -> Bitemporal.View {
    Bitemporal.View(
      knownAt: try ledger.time(asKnownAt, "--as-known-at"), recordedAt: try ledger.time(asRecordedAt, "--as-recorded-at"),
      toldTo: toldTo)
  }
}

/// A date without a time (`YYYY-MM-DD`), for the day after it.
struct BareDate {
  var year: Int
  var month: Int
  var day: Int

  init?(_ text: String) {
    let bytes = Array(text.utf8)
    guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
      let year = Int(text.prefix(4)), let month = Int(text.dropFirst(5).prefix(2)), let day = Int(text.suffix(2))
    else { return nil }
    (self.year, self.month, self.day) = (year, month, day)
  }

  init(year: Int, month: Int, day: Int) { (self.year, self.month, self.day) = (year, month, day) }

  /// The next day (nil after 9999-12-31; the time parser has judged the date itself).
  var next: BareDate? {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][max(0, min(11, month - 1))]
    if day < days { return BareDate(year: year, month: month, day: day + 1) }
    if month < 12 { return BareDate(year: year, month: month + 1, day: 1) }
    return year < 9999 ? BareDate(year: year + 1, month: 1, day: 1) : nil
  }

  var text: String {
    func pad(_ n: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
    return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
  }
}

/// A range of instants from `--from` and `--to`, both ends included; either may be open.
/// A struct, not a tuple: a tuple type's metadata is built at run time.
struct TimeRange {
  var from: Instant?
  var to: Instant?
}
