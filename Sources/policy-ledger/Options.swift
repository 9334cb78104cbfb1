import ArgumentParser
import Foundation
import PolicyLedger

/// Where the ledger is and how times are read and written.
struct LedgerOptions: ParsableArguments {
  @Option(help: "The ledger file (default: $POLICY_LEDGER_DB, else ./policy-ledger.db).")
  var db: String?

  @Option(help: "The time zone for times given without an offset and for times printed (IANA name or +HH:MM; default UTC).")
  var tz: String?

  /// The values as plain data, which the fast path builds without ArgumentParser.
  var settings: LedgerSettings { LedgerSettings(db: db, tz: tz) }

  var path: String { settings.path }
  func timeZone() throws -> TimeZone? { try settings.timeZone() }
  func time(_ text: String, _ field: String) throws -> Instant { try settings.time(text, field) }
  func time(_ text: String?, _ field: String) throws -> Instant? { try settings.time(text, field) }
  func openForQuery() throws -> Ledger { try settings.openForQuery() }
  func openForRecording() throws -> Ledger { try settings.openForRecording() }
}

/// The values of `LedgerOptions`, and what commands do with them.
struct LedgerSettings {
  var db: String?
  var tz: String?

  var path: String {
    db ?? ProcessInfo.processInfo.environment["POLICY_LEDGER_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? "./policy-ledger.db"
  }

  func timeZone() throws -> TimeZone? { try tz.map(parseTimeZone) }

  /// Parses a time argument strictly, naming the option in the error. Without --tz the
  /// zone is Foundation's fixed GMT zone (`Instant` treats it as UTC): a zone by name is
  /// ICU's, and loading ICU's data cost a one-query CLI run 40 page faults.
  func time(_ text: String, _ field: String) throws -> Instant {
    let zone = try timeZone() ?? TimeZone(secondsFromGMT: 0)!
    do {
      return try Instant.parse(text, timeZone: zone)
    } catch {
      throw LedgerError("invalid \(field) '\(error.value)': \(error.reason)")
    }
  }

  func time(_ text: String?, _ field: String) throws -> Instant? {
    try text.map { try time($0, field) }
  }

  func openForQuery() throws -> Ledger { try Ledger(path: path, access: .readOnly) }
  func openForRecording() throws -> Ledger { try Ledger(path: path, access: .readWrite) }
}

/// How query results are written.
struct OutputOptions: ParsableArguments {
  @Option(help: "The output format: table, csv, json or jsonl.")
  var format: OutputFormat = OutputOptions.defaultFormat

  /// The format without --format (here once for ArgumentParser and the fast path).
  static let defaultFormat = OutputFormat.table

  @Flag(help: "In CSV, put a ' before values that start with = + - @ so spreadsheets do not run them (alters data).")
  var excelSafe = false

  /// The values as plain data, which the fast path builds without ArgumentParser.
  var settings: OutputSettings { OutputSettings(format: format, excelSafe: excelSafe) }

  func writer(to sink: ByteSink = .standardOutput) -> any RowWriter { settings.writer(to: sink) }
  func write<R: TabularRow>(_ rows: [R], timeZone: TimeZone?) throws { try settings.write(rows, timeZone: timeZone) }
}

/// The values of `OutputOptions`, and what commands do with them.
struct OutputSettings {
  var format: OutputFormat
  var excelSafe: Bool

  func writer(to sink: ByteSink = .standardOutput) -> any RowWriter {
    makeRowWriter(format, sink: sink, excelSafe: excelSafe)
  }

  /// Writes `rows` to stdout in the chosen format.
  func write<R: TabularRow>(_ rows: [R], timeZone: TimeZone?) throws {
    let sink = ByteSink.standardOutput
    try writer(to: sink).write(rows, timeZone: timeZone)
    try sink.flush()
  }
}

extension OutputFormat: ExpressibleByArgument {}

/// Who is making the entry.
struct ActorOptions: ParsableArguments {
  @Option(help: "Who makes this entry (default: $POLICY_LEDGER_ACTOR, else the login name).")
  var by: String?

  var actor: String { by ?? Ledger.defaultActor() }
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
