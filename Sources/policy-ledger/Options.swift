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

  mutating func validate() throws { try settings.validate() }

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

  /// Checks the values together (nothing to check yet); `LedgerOptions.validate()` runs it too.
  func validate() throws {}

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

  mutating func validate() throws { try settings.validate() }

  func writer(to sink: ByteSink = .standardOutput) -> any RowWriter { settings.writer(to: sink) }
  func write<R: TabularRow>(_ rows: [R], timeZone: TimeZone?) throws { try settings.write(rows, timeZone: timeZone) }
}

/// The values of `OutputOptions`, and what commands do with them.
struct OutputSettings {
  var format: OutputFormat
  var excelSafe: Bool

  /// Checks the values together (nothing to check yet); `OutputOptions.validate()` runs it too.
  func validate() throws {}

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

  mutating func validate() throws { try settings.validate() }

  func view(_ ledger: LedgerOptions, toldTo: String? = nil) throws -> Bitemporal.View {
    try settings.view(ledger.settings, toldTo: toldTo)
  }
}

/// The values of `ViewOptions`, and what commands do with them.
struct ViewSettings {
  var asKnownAt: String?
  var asRecordedAt: String?

  /// Checks the values together (nothing to check yet); `ViewOptions.validate()` runs it too.
  func validate() throws {}

  func view(_ ledger: LedgerSettings, toldTo: String? = nil) throws -> Bitemporal.View {
    Bitemporal.View(
      knownAt: try ledger.time(asKnownAt, "--as-known-at"), recordedAt: try ledger.time(asRecordedAt, "--as-recorded-at"),
      toldTo: toldTo)
  }
}

/// Reads a body from `--body` or `--body-file`, byte for byte.
func readBody(text: String?, file: String?) throws -> [UInt8] {
  switch (text, file) {
  case (let text?, nil): return Array(text.utf8)
  case (nil, let file?):
    let bytes: [UInt8]
    if file == "-" {
      bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
    } else {
      guard let data = FileManager.default.contents(atPath: file) else {
        throw LedgerError("invalid --body-file '\(file)': cannot read it (\(String(cString: strerror(errno))))")
      }
      bytes = Array(data)
    }
    // The library refuses such a body too, but can only name --body; here the file and
    // the line are known.
    if String(validating: bytes, as: UTF8.self) == nil {
      // A line feed is never part of a multi-byte character, so lines can be checked apart.
      let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
      let line = (lines.firstIndex { String(validating: $0, as: UTF8.self) == nil } ?? 0) + 1
      throw LedgerError("invalid --body-file '\(file == "-" ? "standard input" : file)' line \(line): not valid UTF-8 text")
    }
    return bytes
  default: throw ValidationError("Give exactly one of --body and --body-file.")
  }
}

/// Shows progress on stderr when it is a terminal; says nothing otherwise.
struct Progress {
  let label: String
  let start = Date()
  static let isTerminal = isatty(2) == 1

  func callAsFunction(_ done: Int64, of total: Int64? = nil) {
    guard Progress.isTerminal else { return }
    let elapsed = Date().timeIntervalSince(start)
    let rate = elapsed > 0 ? Double(done) / elapsed : 0
    var line = "\r\(label): \(done) rows, \(Int(rate)) rows/s"
    if let total, rate > 0, total > done { line += ", \(Int(Double(total - done) / rate)) s left" }
    FileHandle.standardError.write(Data(line.utf8))
  }

  func finish() {
    if Progress.isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
  }
}

/// Passes recipients through, showing how many have been read (on a terminal only).
struct CountingRecipients<Source: RecipientSource>: RecipientSource {
  var source: Source
  let progress: Progress
  var count: Int64 = 0

  init(_ source: Source, label: String) {
    self.source = source
    progress = Progress(label: label)
  }

  mutating func next() throws -> Recipient? {
    guard let recipient = try source.next() else {
      progress.finish()
      return nil
    }
    count += 1
    if count % 100_000 == 0 { progress(count) }
    return recipient
  }
}
