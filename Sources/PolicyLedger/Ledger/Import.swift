import Foundation

/// What `import` reads: for each kind, the CSV that `export` writes (spec section 5), so
/// that an export imported into a new ledger rebuilds the same history.
///
/// Each import is one write transaction — every row or none — that appends one journal
/// entry per row through the same code as `policy add`, `notice send`, `correct` and `ack`;
/// `import employees` appends one entry for the whole file (``Ledger/importEmployees(_:timeZone:actor:progress:)``).
/// docs/formats.md ("Export and import") describes the columns and what is checked.
public enum ImportKind: String, CaseIterable, Sendable {
  /// What `export` writes for versions, notices (with `recipients`), corrections,
  /// acknowledgements and the roster (`employees`).
  case versions, notices, corrections, acks, employees

  /// The columns a file must have. A correction also needs `notice` or `version` (or both,
  /// as export writes them), and each row names exactly one of them.
  public var required: [String] {
    switch self {
    case .versions: ["policy", "title", "body", "effective_from"]
    case .notices: ["id", "subject", "body", "sent_at", "sender"]
    case .corrections: ["kind", "issued_at", "statement", "reason"]
    case .acks: ["notice", "employee", "at"]
    case .employees: ["employee", "at", "event"]
    }
  }

  /// The columns a file may have besides: with ``required``, exactly the columns that
  /// ``ExportKind/columns`` lists for the same kind.
  public var optional: [String] {
    switch self {
    case .versions: ["version", "effective_until", "announced_at", "by", "recorded_at", "body_sha256", "applies_to"]
    case .notices: ["channel", "announces", "by", "recorded_at", "body_sha256", "recipient_count", "recipients_sha256"]
    case .corrections:
      [
        "id", "notice", "version", "void_version", "effective_from", "effective_until", "by", "recorded_at",
        "recipient_count", "recipients_sha256",
      ]
    case .acks: ["by", "recorded_at"]
    case .employees: ["groups", "by", "recorded_at"]
    }
  }

  /// One entry of this kind, for messages: "version", "notice", "correction", "ack".
  public var singular: String { String(rawValue.dropLast()) }
}

/// A CSV file to import, and the name its refusals give it (`notices.csv line 3: …`).
public struct ImportFile {
  /// The path as given, or "standard input" for `-`.
  public let name: String
  let reader: CSVReader

  /// Opens `path` for streaming; nothing is read yet.
  ///
  /// - Parameters:
  ///   - path: The file, or `-` for standard input.
  ///   - field: The option or argument that named the file (`FILE`, `--recipients`), for
  ///     the refusal of a file that cannot be opened: `invalid FILE 'v.csv': cannot open it
  ///     (No such file or directory)`. Without it, `cannot open 'v.csv': No such file or
  ///     directory`.
  public init(path: String, field: String? = nil) throws {
    reader = try CSVReader(path: path, field: field)
    name = path == "-" ? "standard input" : path
  }

  /// CSV bytes in memory, named `name` in errors (tests).
  public init(name: String, bytes: [UInt8]) {
    reader = CSVReader(bytes: bytes)
    self.name = name
  }

  /// Reads and checks the header.
  func table(required: [String], optional: [String]) throws -> CSVTable {
    do {
      return try CSVTable(reader: reader, required: required, optional: optional)
    } catch {
      throw LedgerError(.invalidInput, "\(name) line \(error.line): \(error.message)")
    }
  }

  /// The next record, or nil at the end.
  func next(_ table: CSVTable) throws -> CSVRow? {
    do {
      return try table.next()
    } catch {
      throw LedgerError(.invalidInput, "\(name) line \(error.line): \(error.message)")
    }
  }
}

/// How far an import has got, for a progress display.
public enum ImportProgress: Sendable, Equatable {
  /// Rows of the recipients file read into the temporary table so far.
  case loading(rows: Int64)
  /// Rows recorded so far: one per entry, and one per recipient given to an entry. The
  /// first report, 0, marks the start of recording.
  case recording(rows: Int64)
}

/// Counts an import's rows and reports every 10,000th.
final class ImportCounter {
  private let report: (ImportProgress) -> Void
  private var loadedRows: Int64 = 0
  private var recordedRows: Int64 = 0

  init(report: @escaping (ImportProgress) -> Void) {
    self.report = report
  }

  func loaded() {
    loadedRows += 1
    if loadedRows % 10_000 == 0 { report(.loading(rows: loadedRows)) }
  }

  func recorded() {
    recordedRows += 1
    if recordedRows % 10_000 == 0 { report(.recording(rows: recordedRows)) }
  }
}

/// What an import recorded.
public struct ImportSummary: Sendable, Equatable {
  /// The kind of rows imported.
  public var kind: ImportKind
  /// Journal entries appended: one per row, but one for a whole `import employees` (none
  /// for a file with no rows).
  public var entries: Int64 = 0
  /// Rows of the file recorded (for every kind but employees, one entry each).
  public var rows: Int64 = 0
  /// Deliveries recorded from the recipients file (first deliveries and resends).
  public var recipients: Int64 = 0
  /// Resend entries appended besides (rule 16): one for each later `sent_at` the recipients
  /// file gives a message.
  public var resends: Int64 = 0
  /// Rows of the recipients file that name no id of the imported file (the recipients of
  /// corrections when importing notices, and the other way round).
  public var skippedRecipientRows: Int64 = 0

  /// An empty summary of an import of `kind`.
  public init(kind: ImportKind) {
    self.kind = kind
  }
}

extension Ledger {
  /// Imports `export versions` CSV: one `policy add` entry per row, numbered per policy in
  /// file order.
  /// - Parameters:
  ///   - file: the CSV file, with its header row.
  ///   - timeZone: how times without `Z` or an offset are read (`--tz`).
  ///   - actor: who makes the entries whose `by` is empty or absent.
  ///   - progress: called when recording starts, then every 10,000 rows.
  /// - Throws: `LedgerError` naming the file, the line, the column and the value; the
  ///   ledger is then unchanged.
  @discardableResult
  public func importVersions(
    _ file: ImportFile, timeZone: TimeZone = .utc, actor: String, progress: @escaping (ImportProgress) -> Void = { _ in }
  ) throws -> ImportSummary {
    try importRows(.versions, file, recipients: nil, timeZone: timeZone, actor: actor, progress: progress) { row, _ in
      let new = NewVersion(
        policy: row.text("policy"), title: row.text("title"), body: Array(row.text("body").utf8),
        effectiveFrom: try row.time("effective_from"), effectiveUntil: try row.optionalTime("effective_until"),
        announcedAt: try row.optionalTime("announced_at"),
        appliesTo: try row.optionalText("applies_to").flatMap { try Groups.audience($0, field: "applies_to") })
      let entry = try recordVersion(new, actor: row.actor, names: .columns)
      if let given = try row.optionalInteger("version"), given != entry.version {
        throw LedgerError(.invalidInput,
          "invalid version '\(given)': the ledger numbers this version \(entry.policy)@\(entry.version) (1, 2, 3 … per policy, in journal order)"
        )
      }
      try row.check("body_sha256", entry.bodySHA256, what: "the SHA-256 of the body")
      return 0
    }
  }

  /// Imports `export notices` CSV: one `notice send` entry per row, each with the rows of
  /// `recipients` (`export recipients` CSV) whose `notice` is its id, in file order.
  ///
  /// The recipients file is read once, into a temporary table, so that a notice to a million
  /// employees never holds their ids in memory; rows naming an id that is not in `file`
  /// are skipped and counted in ``ImportSummary/skippedRecipientRows``.
  @discardableResult
  public func importNotices(
    _ file: ImportFile, recipients: ImportFile, timeZone: TimeZone = .utc, actor: String,
    progress: @escaping (ImportProgress) -> Void = { _ in }
  ) throws -> ImportSummary {
    try importRows(.notices, file, recipients: recipients, timeZone: timeZone, actor: actor, progress: progress) {
      row, stored in
      let id = row.text("id")
      let new = NewNotice(
        id: id, subject: row.text("subject"), body: Array(row.text("body").utf8), sentAt: try row.time("sent_at"),
        sender: row.text("sender"), channel: row.optionalText("channel") ?? "email",
        announces: try row.optionalText("announces").map { try VersionRef.parseList($0, field: "announces") } ?? [])
      try requireFreeMessageID(id, field: "id")
      try stored!.requireFirstDelivery(ofNotice: id)
      try stored!.refuseEarlyRows(of: id, first: new.sentAt, needsRecipient: true)
      let firstCount = try row.firstDeliveryCount(of: id, at: new.sentAt, in: stored!)
      var source = try stored!.recipients(of: id, first: new.sentAt, count: firstCount)
      let entry = try recordNotice(new, recipients: &source, actor: row.actor, names: .columns)
      try row.check("body_sha256", entry.bodySHA256, what: "the SHA-256 of the body")
      try row.checkRecipients(
        count: entry.recipientCount, sha256: entry.recipientsSHA256, of: "notice '\(id)'", numbered: stored!.numbered)
      return entry.recipientCount
        + (try recordResends(of: entry.id, kind: .notice, first: new.sentAt, firstCount: firstCount, stored!, actor: row.actor))
    }
  }

  /// Imports `export corrections` CSV: one `correct retract` or `correct amend` entry per row.
  ///
  /// With `recipients`, each correction goes to the rows whose `notice` is its id (none when
  /// there are none; other rows are skipped and counted); without, to its default
  /// recipients (rule 8).
  @discardableResult
  public func importCorrections(
    _ file: ImportFile, recipients: ImportFile?, timeZone: TimeZone = .utc, actor: String,
    progress: @escaping (ImportProgress) -> Void = { _ in }
  ) throws -> ImportSummary {
    try importRows(.corrections, file, recipients: recipients, timeZone: timeZone, actor: actor, progress: progress) {
      row, stored in
      let kindText = row.text("kind")
      guard let kind = CorrectionKind(rawValue: kindText) else {
        throw LedgerError(.invalidInput, "invalid kind '\(Identifier.printable(kindText))': expected retraction or amendment")
      }
      let target: CorrectionTarget
      switch (row.optionalText("notice"), row.optionalText("version")) {
      case (let notice?, nil): target = .notice(notice)
      case (nil, let version?): target = .version(try VersionRef.parse(version, field: "version"))
      case (let notice?, let version?):
        throw LedgerError(.invalidInput,
          "invalid version '\(Identifier.printable(version))': the row also names notice '\(Identifier.printable(notice))'; a correction targets one notice or one version"
        )
      case (nil, nil): throw LedgerError(.invalidInput, "no target: give a notice or a version (both are empty)")
      }
      let id = row.optionalText("id")
      let new = NewCorrection(
        id: id, kind: kind, target: target, voidVersion: try row.bool("void_version"), issuedAt: try row.time("issued_at"),
        statement: row.text("statement"), reason: row.text("reason"), effectiveFrom: try row.optionalTime("effective_from"),
        effectiveUntil: try row.optionalTime("effective_until"))
      let choice: CorrectionRecipients
      var firstCount: Int64? = nil
      if let stored {
        if let id {
          try requireFreeMessageID(id, field: "id")
          try stored.refuseEarlyRows(of: id, first: new.issuedAt, needsRecipient: false)
          firstCount = try row.firstDeliveryCount(of: id, at: new.issuedAt, in: stored)
          choice = .named(try stored.recipients(of: id, first: new.issuedAt, count: firstCount))
        } else {
          choice = .named(StoredRecipients.none)
        }
      } else {
        choice = .defaults
      }
      let entry = try recordCorrection(new, recipients: choice, actor: row.actor, names: .columns)
      try row.checkRecipients(
        count: entry.recipientCount, sha256: entry.recipientsSHA256, of: "correction '\(entry.id)'",
        numbered: stored?.numbered ?? false)
      guard let stored, let id else { return 0 }
      return entry.recipientCount
        + (try recordResends(of: id, kind: .correction, first: new.issuedAt, firstCount: firstCount, stored, actor: row.actor))
    }
  }

  /// Imports `export acks` CSV: one `ack` entry per row.
  @discardableResult
  public func importAcks(
    _ file: ImportFile, timeZone: TimeZone = .utc, actor: String, progress: @escaping (ImportProgress) -> Void = { _ in }
  ) throws -> ImportSummary {
    try importRows(.acks, file, recipients: nil, timeZone: timeZone, actor: actor, progress: progress) { row, _ in
      let ack = AckEntry(notice: row.text("notice"), employee: row.text("employee"), at: try row.time("at"))
      _ = try recordAck(ack, actor: row.actor, names: .columns)
      return 0
    }
  }

  /// Imports `export employees` CSV as ONE journal entry, `employee.import`, that covers its
  /// rows by count and digest (docs/journal-format.md, "employee.import") as a notice covers its recipients; the
  /// rows go to `roster_rows` as ordinals 1, 2, 3 … of that entry, in file order. `event` is
  /// `join` or `leave`; `groups`, for a join, `;`-joined; `by`, when given, is kept with the
  /// row (the entry's actor is `actor`). A file with no rows records nothing.
  ///
  /// Each row is checked as `employee join` and `employee leave` check it, in file order: a
  /// leave against the ledger and the earlier rows of the same file. The whole import is
  /// known from the entry's one `recorded_at`. The file is streamed: each row is checked,
  /// written through prepared statements and hashed before the next is read.
  @discardableResult
  public func importEmployees(
    _ file: ImportFile, timeZone: TimeZone = .utc, actor: String, progress: @escaping (ImportProgress) -> Void = { _ in }
  ) throws -> ImportSummary {
    try write {
      let kind = ImportKind.employees
      let table = try file.table(required: kind.required, optional: kind.optional)
      try checkActor(actor, names: .options)
      let counter = ImportCounter(report: progress)
      let next = NextEntry(after: try store.journalHead())
      let writer = try LedgerStore.RosterRowWriter(db, seq: next.seq)
      var digest = RosterRowsDigest()
      // Columns by position, looked up once: a row is then read without hashing names.
      func column(_ name: String) -> Int? { table.columns.firstIndex(of: name) }
      let columns = RosterColumns(
        employee: column("employee")!, at: column("at")!, event: column("event")!, groups: column("groups"),
        by: column("by"), recordedAt: column("recorded_at"))
      // "now" in a file is one instant for the whole import (and the clock is read once).
      let now = importNow
      var summary = ImportSummary(kind: kind)
      progress(.recording(rows: 0))
      while let csv = try file.next(table) {
        do {
          try importRosterRow(csv.fields, columns, timeZone: timeZone, now: now, writer: writer, digest: &digest)
        } catch let error as LedgerError {
          throw error.prefixed("\(file.name) line \(csv.line): ")
        } catch let error as SQLiteError {
          if let failure = Ledger.machineFailure(error, path: path) { throw failure }
          throw LedgerError("\(file.name) line \(csv.line): \(error.description)")
        }
        summary.rows += 1
        counter.recorded()
      }
      try writer.flush()
      if digest.count > 0 {
        try append(.rosterImport(RosterImportEntry(rowCount: digest.count, rowsSHA256: digest.finishHex())), actor: actor, next: next)
        summary.entries = 1
      }
      return summary
    }
  }

  /// Where the columns of an employees file are.
  private struct RosterColumns {
    let employee: Int, at: Int, event: Int
    let groups: Int?, by: Int?, recordedAt: Int?
  }

  /// Checks one row of an employees file, writes it and adds it to the digest.
  private func importRosterRow(
    _ fields: [String], _ columns: RosterColumns, timeZone: TimeZone, now: Instant, writer: LedgerStore.RosterRowWriter,
    digest: inout RosterRowsDigest
  ) throws {
    func optional(_ index: Int?) -> String? { index.flatMap { fields[$0].isEmpty ? nil : fields[$0] } }
    func time(_ text: String, _ column: String) throws -> Instant {
      do {
        return try Instant.parse(text, timeZone: timeZone, now: now)
      } catch {
        throw LedgerError(.invalidInput, "invalid \(column) '\(Identifier.printable(error.value))': \(error.reason)")
      }
    }
    let employee = fields[columns.employee]
    try Identifier.check(employee, field: "employee")
    let eventText = fields[columns.event]
    guard let event = RosterEvent(rawValue: eventText) else {
      throw LedgerError(.invalidInput, "invalid event '\(Identifier.printable(eventText))': expected join or leave")
    }
    let groupsText = optional(columns.groups)
    // The groups as the tables hold them (joined with ','), through the fast path when it
    // applies, else Groups.parse (which trims, and words every refusal).
    let joined = try groupsText.map { try RosterFastPath.groups($0) ?? Groups.joined(Groups.parse($0, field: "groups")) } ?? ""
    let atText = fields[columns.at]
    guard !atText.isEmpty else { throw LedgerError(.invalidInput, "invalid at '': must not be empty") }
    let at = try RosterFastPath.utcSecond(atText) ?? time(atText, "at")
    // recorded_at is the ledger's to assign: checked as a time, then not used (docs/formats.md).
    if let recorded = optional(columns.recordedAt) { _ = try time(recorded, "recorded_at") }
    let by = optional(columns.by)
    if let by { try checkActor(by, names: .columns) }
    // A join's employee is registered when its row is written (``LedgerStore/RosterRowWriter``).
    var number: Int64? = nil
    switch event {
    case .join:
      break
    case .leave:
      if !joined.isEmpty {
        throw LedgerError(.invalidInput, "invalid groups '\(Identifier.printable(groupsText ?? ""))': a leave has no groups")
      }
      // The rows written so far count: a leave is judged against the earlier lines too.
      try writer.flush()
      number = try checkLeave(employee, at: at, names: .columns)
    }
    try writer.add(employee: number, name: employee, at: at, employed: event == .join, groups: joined, actor: by)
    digest.add(employee: employee, at: at.microseconds, employed: event == .join, groups: joined, actor: by)
  }

  /// Rule 16 on import: one resend entry for the rows at the message's own time past its
  /// first delivery's `firstCount` (a resend at the same time), then one for each resend
  /// the recipients file gives message `id` (each numbered delivery above 0, or else each
  /// later `sent_at`, earliest first), so that resends survive an export and import.
  /// Returns how many recipients they took.
  private func recordResends(
    of id: String, kind: MessageKind, first: Instant, firstCount: Int64?, _ stored: ImportRecipients, actor: String
  ) throws -> Int64 {
    var taken: Int64 = 0
    if let firstCount {
      let source = try stored.sameTimeResend(of: id, first: first, after: firstCount)
      taken += try recordResend(id, kind: kind, sentAt: first, recipients: .named(source), actor: actor, names: .columns)
        .recipientCount
    }
    for resend in try stored.resends(of: id, first: first) {
      let source = try stored.recipients(of: id, resend: resend)
      taken += try recordResend(id, kind: kind, sentAt: resend.sentAt, recipients: .named(source), actor: actor, names: .columns)
        .recipientCount
    }
    return taken
  }

  /// The shared loop: one transaction; the header, then the recipients file (if any) into a
  /// temporary table, then each row through `record`, whose refusals gain the file and line.
  /// `record` returns the number of recipients it took from the recipients file.
  private func importRows(
    _ kind: ImportKind, _ file: ImportFile, recipients: ImportFile?, timeZone: TimeZone, actor: String,
    progress: @escaping (ImportProgress) -> Void, record: (ImportRow, ImportRecipients?) throws -> Int64
  ) throws -> ImportSummary {
    try write {
      let table = try file.table(required: kind.required, optional: kind.optional)
      if kind == .corrections, !table.columns.contains("notice"), !table.columns.contains("version") {
        throw LedgerError(.invalidInput, "\(file.name) line 1: missing column 'notice' or 'version' (each correction targets one)")
      }
      let counter = ImportCounter(report: progress)
      // "now" in either file is one instant for the whole import, as in a roster's.
      let now = importNow
      let stored = try recipients.map {
        try ImportRecipients(loading: $0, into: store, counter: counter, timeZone: timeZone, now: now)
      }
      var summary = ImportSummary(kind: kind)
      let start = try store.journalHead()?.seq ?? 0
      progress(.recording(rows: 0))
      while let csv = try file.next(table) {
        let row = ImportRow(csv: csv, timeZone: timeZone, now: now, defaultActor: actor, recipientsFile: recipients?.name)
        do {
          // recorded_at is the ledger's to assign and cannot be equal in a new ledger:
          // checked as a time, then not used (docs/formats.md).
          _ = try row.optionalTime("recorded_at")
          summary.recipients += try record(row, stored)
        } catch let error as LedgerError {
          throw error.prefixed("\(file.name) line \(csv.line): ")
        } catch let error as SQLiteError {
          if let failure = Ledger.machineFailure(error, path: path) { throw failure }
          throw LedgerError("\(file.name) line \(csv.line): \(error.description)")
        }
        summary.entries += 1
        summary.rows += 1
        counter.recorded()
      }
      summary.resends = (try store.journalHead()?.seq ?? 0) - start - summary.entries
      if let stored {
        summary.skippedRecipientRows = stored.rows - summary.recipients
        try stored.drop()
      }
      return summary
    }
  }
}

extension Ledger {
  /// For a whole copy (`import --all`), after its notices and corrections are recorded:
  /// refuses, naming its line, the first row of recipients file `file` whose message is
  /// none of the entries after `seq` (the notices of `notices` and the corrections of
  /// `corrections`). Imported one kind at a time, each skips the other's rows; in a copy,
  /// a row that neither takes would be dropped without a word.
  public func refuseUnclaimedRecipientRows(_ file: ImportFile, recordedAfter seq: Int64, notices: String, corrections: String) throws {
    let table = try file.table(required: ["notice", "employee"], optional: ["sent_at", "delivery"])
    while let row = try file.next(table) {
      let id = row["notice"]!
      if let message = try store.messageSeq(id), message > seq { continue }
      throw LedgerError(.invalidInput,
        "\(file.name) line \(row.line): invalid notice '\(Identifier.printable(id))': no notice of \(notices) and no correction of \(corrections) has that id; every row of a copy's recipients file names one of them"
      )
    }
  }
}

/// One row of an import file, read by column: an empty field is an absent value (an open
/// bound, a default, an assigned id), and every refusal names the column and the value.
struct ImportRow {
  let csv: CSVRow
  let timeZone: TimeZone
  /// What `now` in the file means: one instant for the whole import.
  let now: Instant
  let defaultActor: String
  /// The recipients file's name, for messages about recipients.
  let recipientsFile: String?

  /// The field, or "" when the header does not name the column.
  func text(_ column: String) -> String { csv[column] ?? "" }

  /// The field, or nil when it is empty or the header does not name the column.
  func optionalText(_ column: String) -> String? {
    guard let value = csv[column], !value.isEmpty else { return nil }
    return value
  }

  /// The `by` column when given, else the importer's actor.
  var actor: String { optionalText("by") ?? defaultActor }

  func time(_ column: String) throws -> Instant {
    guard let text = optionalText(column) else { throw LedgerError(.invalidInput, "invalid \(column) '': must not be empty") }
    return try parseTime(text, column)
  }

  func optionalTime(_ column: String) throws -> Instant? {
    try optionalText(column).map { try parseTime($0, column) }
  }

  private func parseTime(_ text: String, _ column: String) throws -> Instant {
    do {
      return try Instant.parse(text, timeZone: timeZone, now: now)
    } catch {
      throw LedgerError(.invalidInput, "invalid \(column) '\(Identifier.printable(error.value))': \(error.reason)")
    }
  }

  func optionalInteger(_ column: String) throws -> Int64? {
    guard let text = optionalText(column) else { return nil }
    guard text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let value = Int64(text) else {
      throw LedgerError(.invalidInput, "invalid \(column) '\(Identifier.printable(text))': expected a whole number")
    }
    return value
  }

  /// `true` or `1`, `false` or `0`; empty is false.
  func bool(_ column: String) throws -> Bool {
    switch optionalText(column) {
    case nil, "false", "0": return false
    case "true", "1": return true
    case let text?: throw LedgerError(.invalidInput, "invalid \(column) '\(Identifier.printable(text))': expected true or false (or 1 or 0)")
    }
  }

  /// A column the ledger assigns must, when given, say what the ledger assigned.
  func check(_ column: String, _ assigned: String, what: String) throws {
    if let given = optionalText(column), given != assigned {
      throw LedgerError(.invalidInput, "invalid \(column) '\(Identifier.printable(given))': \(what) is \(assigned)")
    }
  }

  /// How many of the rows at message `id`'s own time `at` its first delivery takes: the
  /// `recipient_count` this row gives, when it gives one with the `recipients_sha256` that
  /// proves the split and the file has more rows at that time (the rest were a resend at the
  /// same time, which `export recipients` writes after them); nil for all of them (a count
  /// without a digest is only checked, as before).
  func firstDeliveryCount(of id: String, at: Instant, in stored: ImportRecipients) throws -> Int64? {
    // A file that numbers its deliveries says which rows are the first delivery's.
    guard !stored.numbered, optionalText("recipients_sha256") != nil, let given = try optionalInteger("recipient_count"),
      given >= 0
    else {
      return nil
    }
    return given < (try stored.rowCount(of: id, first: at)) ? given : nil
  }

  func checkRecipients(count: Int64, sha256: String, of entry: String, numbered: Bool = false) throws {
    // Without a recipients file a correction goes to its default recipients: say so, for
    // the count of an export's correction that went to fewer is refused here.
    let source =
      recipientsFile.map { numbered ? " (the rows of \($0) that name it with delivery 0)" : " (the rows of \($0) that name it)" }
      ?? " (its default recipients: no recipients file was given)"
    if let given = try optionalInteger("recipient_count"), given != count {
      throw LedgerError(.invalidInput, "invalid recipient_count '\(given)': \(entry) has \(count) recipient\(count == 1 ? "" : "s")\(source)")
    }
    try check("recipients_sha256", sha256, what: "the digest of the recipients of \(entry)\(source)")
  }
}

/// The fast paths of `import employees`, for the forms that `export employees` writes: each
/// gives exactly what the general reading gives, or nil to hand the field to it (which then
/// accepts it or words the refusal). ImportTests compares the two on many inputs.
enum RosterFastPath {
  /// `YYYY-MM-DDTHH:MM:SSZ` (what export writes for a whole second in UTC), read without
  /// building a parser: nil for any other form or any value out of range.
  static func utcSecond(_ text: String) -> Instant? {
    var text = text
    return text.withUTF8 { b -> Instant? in
      guard b.count == 20, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54, b[13] == 0x3A, b[16] == 0x3A, b[19] == 0x5A else {
        return nil
      }
      var bad = false
      func number(_ from: Int, _ count: Int) -> Int64 {
        var value: Int64 = 0
        for i in from..<from + count {
          let digit = b[i] &- 0x30
          if digit > 9 { bad = true }
          value = value * 10 + Int64(digit)
        }
        return value
      }
      let year = number(0, 4), month = number(5, 2), day = number(8, 2)
      let hour = number(11, 2), minute = number(14, 2), second = number(17, 2)
      guard !bad, year >= 1, month >= 1, month <= 12, day >= 1, hour <= 23, minute <= 59, second <= 59 else { return nil }
      let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
      let length: Int64 = month == 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].contains(month) ? 30 : 31
      guard day <= length else { return nil }
      // Days since 1970-01-01 of a proleptic Gregorian date (the civil-days algorithm of
      // http://howardhinnant.github.io/date_algorithms.html, for years 1 to 9999).
      let y = month <= 2 ? year - 1 : year
      let era = y / 400
      let yearOfEra = y - era * 400
      let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
      let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
      let days = era * 146_097 + dayOfEra - 719_468
      return Instant(microseconds: ((days * 24 + hour) * 60 + minute) * 60_000_000 + second * 1_000_000)
    }
  }

  /// A groups field of printable ASCII names without spaces, separated by `;` or `,`: the
  /// names joined with `,` (as the tables hold them), when each is 1 to 200 bytes, not
  /// `all` and not named twice; nil for anything else.
  static func groups(_ text: String) -> String? {
    var text = text
    var hasSemicolon = false
    let ok = text.withUTF8 { b -> Bool in
      var start = 0
      for end in 0...b.count {
        guard end == b.count || b[end] == 0x2C || b[end] == 0x3B else {
          guard b[end] > 0x20, b[end] < 0x7F else { return false }
          continue
        }
        if end < b.count && b[end] == 0x3B { hasSemicolon = true }
        let name = UnsafeBufferPointer(rebasing: b[start..<end])
        guard name.count >= 1, name.count <= 200 else { return false }
        if name.count == 3 && name[0] == 0x61 && name[1] == 0x6C && name[2] == 0x6C { return false }
        // Named twice: compared with every earlier name (a handful at most); each earlier
        // name ends at a separator before `start`.
        var earlier = 0
        for i in 0..<start where b[i] == 0x2C || b[i] == 0x3B {
          if UnsafeBufferPointer(rebasing: b[earlier..<i]).elementsEqual(name) { return false }
          earlier = i + 1
        }
        start = end + 1
      }
      return true
    }
    guard ok else { return nil }
    guard hasSemicolon else { return text }
    let count = text.utf8.count
    return String(unsafeUninitializedCapacity: count) { out in
      for (i, byte) in text.utf8.enumerated() { out[i] = byte == 0x3B ? 0x2C : byte }
      return count
    }
  }
}
