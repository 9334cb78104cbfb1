import Foundation

/// What `show` and `export` read: entries field by field. Each kind of entry has one list
/// of the fields it can show (``NoticeField``, ``CorrectionField``, ``VersionField``,
/// ``AckField``: output name, SQL expression, kind of value), and `show` and `export` each
/// pick an order of them (``FieldList``), so that a column's name, SQL and reading are
/// written once and cannot drift apart.
extension LedgerStore {
  /// Notice `id` in full, or nil when there is none.
  func shownNotice(_ id: String, timeZone: TimeZone?) throws -> EntryRecord? {
    try shown(Self.shownNotice, "\(NoticeField.from) WHERE n.id = ?", [id], timeZone)
  }

  /// Correction `id` in full, or nil when there is none.
  func shownCorrection(_ id: String, timeZone: TimeZone?) throws -> EntryRecord? {
    try shown(Self.shownCorrection, "\(CorrectionField.from) WHERE c.id = ?", [id], timeZone)
  }

  /// Version `ref` in full, or nil when there is none.
  func shownVersion(_ ref: VersionRef, timeZone: TimeZone?) throws -> EntryRecord? {
    try shown(Self.shownVersion, "\(VersionField.from) WHERE p.key = ? AND v.version = ?", [ref.policy, ref.number], timeZone)
  }

  private func shown<F>(_ list: FieldList<F>, _ from: String, _ values: [any SQLiteBindable], _ timeZone: TimeZone?) throws
    -> EntryRecord?
  {
    try db.prepare("SELECT \(list.selectList) \(from)").first(values) { row in
      var cells: [Cell] = []
      list.fill(&cells, from: row, timeZone: timeZone)
      return EntryRecord(columns: list.names, values: cells)
    }
  }

  /// The output columns of `kind`, in order.
  static func exportColumns(_ kind: ExportKind) -> [String] {
    switch kind {
    case .versions: exportedVersion.names
    case .notices: exportedNotice.names
    case .recipients: ["notice", "employee", "sent_at", "delivery"]
    case .corrections: exportedCorrection.names
    case .acks: exportedAck.names
    case .employees: ["employee", "at", "event", "groups", "by", "recorded_at"]
    case .journal: ["seq", "recorded_at", "kind", "actor", "payload", "previous_hash", "entry_hash"]
    }
  }

  /// Calls `body` with each row of `kind`, in journal order. The array passed is reused
  /// from row to row.
  func forEachExportRow(_ kind: ExportKind, timeZone: TimeZone?, _ body: ([Cell]) throws -> Void) throws {
    // One array for every row (rewritten in place), not one allocated per row: ten
    // million rows make that a tenth of the export's time.
    var cells: [Cell] = []
    func rows<F>(_ list: FieldList<F>, _ from: String) throws {
      try db.prepare("SELECT \(list.selectList) \(from)").forEach { row in
        list.fill(&cells, from: row, timeZone: timeZone)
        try body(cells)
      }
    }
    switch kind {
    case .versions: try rows(Self.exportedVersion, "\(VersionField.from) ORDER BY v.seq")
    case .notices: try rows(Self.exportedNotice, "\(NoticeField.from) ORDER BY n.seq")
    case .corrections: try rows(Self.exportedCorrection, "\(CorrectionField.from) ORDER BY c.seq")
    case .acks: try rows(Self.exportedAck, "\(AckField.from) ORDER BY a.seq")
    case .employees:
      try forEachRosterEntry { id, at, employed, groups, by, recordedAt in
        cells.removeAll(keepingCapacity: true)
        cells += [
          .text(id), .time(at, timeZone), .text(employed ? RosterEvent.join.rawValue : RosterEvent.leave.rawValue),
          .list(Groups.split(groups)), .text(by), .time(recordedAt, timeZone),
        ]
        try body(cells)
      }
    case .recipients:
      // Message by message in journal order; each message's deliveries its own first, then its
      // resends by time (journal order among equal times); each delivery's rows in
      // employee-number order. `sent_at` is the time of the delivery that reached the
      // employee, `delivery` its number: 0 the message's own, 1 and up its resends in the
      // order written, which import checks and records them in, so that a resend at the
      // message's own time, or two at one time, come back as they were (docs/formats.md).
      // Read in primary-key order (message, employee number), with no sort: a row of the
      // message's own delivery is written as it comes; a resend's wait for the end of the
      // message's rows (only messages that were resent have any). Each message's id and time
      // are looked up once.
      var messages: [Int64: (id: String, at: Cell)] = [:]
      try db.prepare("SELECT seq, id, sent_at FROM notices UNION ALL SELECT seq, id, issued_at FROM corrections").forEach {
        messages[$0.int64(0)] = ($0.string(1), .time(Instant(microseconds: $0.int64(2)), timeZone))
      }
      var resent: [Int64: (at: Int64, cell: Cell)] = [:]
      try db.prepare("SELECT seq, sent_at FROM resends").forEach {
        resent[$0.int64(0)] = ($0.int64(1), .time(Instant(microseconds: $0.int64(1)), timeZone))
      }
      var lastSeq: Int64 = -1
      var first: Cell = .null
      cells = [.null, .null, .null, .integer(0)]
      // The current message's rows of resends: (the resend's time, the resend entry, order
      // of arrival, employee id).
      var resentRows: [(at: Int64, via: Int64, order: Int, name: String)] = []
      func writeResentRows() throws {
        guard !resentRows.isEmpty else { return }
        resentRows.sort { ($0.at, $0.via, $0.order) < ($1.at, $1.via, $1.order) }
        var delivery: Int64 = 0
        var via: Int64 = -1
        for row in resentRows {
          if row.via != via { (via, delivery) = (row.via, delivery + 1) }
          cells[1] = .text(row.name)
          cells[2] = resent[row.via]?.cell ?? .null
          cells[3] = .integer(delivery)
          try body(cells)
        }
        cells[3] = .integer(0)
        resentRows.removeAll(keepingCapacity: true)
      }
      try db.prepare(
        """
        SELECT d.message, e.name, d.via, d.employee FROM deliveries d JOIN employees e ON e.id = d.employee
        UNION ALL
        SELECT d.message, e.name, d.via, d.employee FROM resent_deliveries d JOIN employees e ON e.id = d.employee
        ORDER BY 1, 4
        """
      )
      .forEach { r in
        let seq = r.int64(0)
        if seq != lastSeq {
          try writeResentRows()
          lastSeq = seq
          cells[0] = .text(messages[seq]?.id)
          first = messages[seq]?.at ?? .null
        }
        if let via = r.optionalInt64(2) {
          resentRows.append((resent[via]?.at ?? .max, via, resentRows.count, r.string(1)))
          return
        }
        cells[1] = .text(r.string(1))
        cells[2] = first
        try body(cells)
      }
      try writeResentRows()
    case .journal:
      try forEachEntry { e in
        try body([
          .integer(e.seq), .time(e.recordedAt, timeZone), .text(e.kind), .text(e.actor), .text(Hex.encode(e.payload)),
          .text(Hex.encode(e.previousHash)), .text(Hex.encode(e.entryHash)),
        ])
      }
    }
  }

  private static let shownNotice = FieldList<NoticeField>([
    .id, .kind, .subject, .body, .sentAt, .sender, .channel, .announces, .recipientCount, .recipientsSHA256, .bodySHA256,
    .by, .recordedAt, .seq, .entryHash, .resends, .recipients,
  ])
  private static let exportedNotice = FieldList<NoticeField>([
    .id, .subject, .body, .sentAt, .sender, .channel, .announces, .by, .recordedAt, .bodySHA256, .recipientCount,
    .recipientsSHA256,
  ])
  private static let shownCorrection = FieldList<CorrectionField>([
    .id, .kind, .notice, .version, .voidVersion, .issuedAt, .statement, .reason, .effectiveFrom, .effectiveUntil,
    .recipientCount, .recipientsSHA256, .by, .recordedAt, .seq, .entryHash, .resends, .recipients,
  ])
  private static let exportedCorrection = FieldList<CorrectionField>([
    .id, .kind, .notice, .version, .voidVersion, .issuedAt, .statement, .reason, .effectiveFrom, .effectiveUntil, .by,
    .recordedAt, .recipientCount, .recipientsSHA256,
  ])
  private static let shownVersion = FieldList<VersionField>([
    .policy, .version, .title, .body, .effectiveFrom, .effectiveUntil, .announcedAt, .appliesTo, .bodySHA256, .by,
    .recordedAt, .seq, .entryHash,
  ])
  private static let exportedVersion = FieldList<VersionField>([
    .policy, .version, .title, .body, .effectiveFrom, .effectiveUntil, .announcedAt, .by, .recordedAt, .bodySHA256,
    .appliesTo,
  ])
  private static let exportedAck = FieldList<AckField>([.notice, .employee, .at, .by, .recordedAt])
}

/// How a stored value becomes an output cell.
enum FieldValue: Sendable {
  case text, optionalText, body, time, optionalTime, integer, hex, flag, optionalList
  /// A list of groups as the tables hold it (`,`-joined); NULL is `all` (rule 20).
  case audience
}

/// One field an entry's output can show: its output name, its SQL expression over the
/// aliases of its type's `from`, and how its value becomes a cell.
protocol StoredField: Sendable {
  var spec: (name: String, sql: String, value: FieldValue) { get }
}

/// Fields in output order: the SELECT list, the column names and the cells of each row
/// all come from this one list.
struct FieldList<Field: StoredField>: Sendable {
  let fields: [Field]
  let names: [String]
  let selectList: String

  init(_ fields: [Field]) {
    self.fields = fields
    names = fields.map(\.spec.name)
    selectList = fields.map(\.spec.sql).joined(separator: ", ")
  }

  /// The cells of one row read with ``selectList``, written over `cells` (which keeps its
  /// storage: a caller streaming many rows allocates no array per row).
  func fill(_ cells: inout [Cell], from row: Row, timeZone: TimeZone?) {
    cells.removeAll(keepingCapacity: true)
    for (index, field) in fields.enumerated() {
      switch field.spec.value {
      case .text: cells.append(.text(row.string(index)))
      case .optionalText: cells.append(.text(row.optionalString(index)))
      case .body: cells.append(.text(String(decoding: row.blob(index), as: UTF8.self)))
      case .time: cells.append(.time(Instant(microseconds: row.int64(index)), timeZone))
      case .optionalTime: cells.append(.time(row.optionalInt64(index).map(Instant.init(microseconds:)), timeZone))
      case .integer: cells.append(.integer(row.int64(index)))
      case .hex: cells.append(.text(Hex.encode(row.blob(index))))
      case .flag: cells.append(.boolean(row.int64(index) != 0))
      case .optionalList:
        cells.append(.list(row.optionalString(index).map { $0.split(separator: "\u{1F}").map(String.init) } ?? []))
      case .audience: cells.append(.list(row.optionalString(index).map(Groups.split) ?? [Groups.all]))
      }
    }
  }
}

enum NoticeField: StoredField {
  case id, kind, subject, body, sentAt, sender, channel, announces, recipientCount, recipientsSHA256, bodySHA256
  case by, recordedAt, seq, entryHash, resends, recipients

  static let from = """
    FROM notices n JOIN journal j ON j.seq = n.seq
    """

  var spec: (name: String, sql: String, value: FieldValue) {
    switch self {
    case .id: ("id", "n.id", .text)
    case .kind: ("kind", "'notice'", .text)
    case .subject: ("subject", "n.subject", .text)
    case .body: ("body", "n.body", .body)
    case .sentAt: ("sent_at", "n.sent_at", .time)
    case .sender: ("sender", "n.sender", .text)
    case .channel: ("channel", "n.channel", .text)
    // Every version it announces (rule 17), in policy key order, joined by U+001F (which
    // no key holds) for the list cell, which writes them `;`-joined.
    case .announces:
      (
        "announces",
        """
        (SELECT group_concat(ref, char(31)) FROM (
          SELECT p.key || '@' || v.version AS ref FROM notice_versions nv JOIN versions v ON v.seq = nv.version
          JOIN policies p ON p.id = nv.policy WHERE nv.notice = n.seq ORDER BY p.key))
        """,
        .optionalList
      )
    case .recipientCount: ("recipient_count", "n.recipient_count", .integer)
    case .recipientsSHA256: ("recipients_sha256", "n.recipients_sha256", .text)
    case .bodySHA256: ("body_sha256", "n.body_sha256", .text)
    case .resends: ("resends", MessageDeliveries.resends("n.seq"), .integer)
    case .recipients: ("recipients", MessageDeliveries.reached("n.recipient_count", "n.seq"), .integer)
    case .by: ("by", "j.actor", .text)
    case .recordedAt: ("recorded_at", "j.recorded_at", .time)
    case .seq: ("seq", "j.seq", .integer)
    case .entryHash: ("entry_hash", "j.entry_hash", .hex)
    }
  }
}

enum CorrectionField: StoredField {
  case id, kind, notice, version, voidVersion, issuedAt, statement, reason, effectiveFrom, effectiveUntil
  case recipientCount, recipientsSHA256, by, recordedAt, seq, entryHash, resends, recipients

  static let from = """
    FROM corrections c JOIN journal j ON j.seq = c.seq
    LEFT JOIN notices n ON n.seq = c.notice
    LEFT JOIN versions tv ON tv.seq = c.version LEFT JOIN policies tp ON tp.id = tv.policy
    """

  var spec: (name: String, sql: String, value: FieldValue) {
    switch self {
    case .id: ("id", "c.id", .text)
    case .kind: ("kind", "c.kind", .text)
    case .notice: ("notice", "n.id", .optionalText)
    case .version: ("version", "tp.key || '@' || tv.version", .optionalText)
    case .voidVersion: ("void_version", "c.void_version", .flag)
    case .issuedAt: ("issued_at", "c.issued_at", .time)
    case .statement: ("statement", "c.statement", .text)
    case .reason: ("reason", "c.reason", .text)
    case .effectiveFrom: ("effective_from", "c.effective_from", .optionalTime)
    case .effectiveUntil: ("effective_until", "c.effective_until", .optionalTime)
    case .recipientCount: ("recipient_count", "c.recipient_count", .integer)
    case .recipientsSHA256: ("recipients_sha256", "c.recipients_sha256", .text)
    case .resends: ("resends", MessageDeliveries.resends("c.seq"), .integer)
    case .recipients: ("recipients", MessageDeliveries.reached("c.recipient_count", "c.seq"), .integer)
    case .by: ("by", "j.actor", .text)
    case .recordedAt: ("recorded_at", "j.recorded_at", .time)
    case .seq: ("seq", "j.seq", .integer)
    case .entryHash: ("entry_hash", "j.entry_hash", .hex)
    }
  }
}

/// A message's later deliveries (rule 16), as `show` gives them: `recipient_count` and
/// `recipients_sha256` are the first delivery's, as recorded; these two count its resends
/// and everyone it reached over all its deliveries (a resend reaches only people not
/// reached before, so the counts add up), as `notices` does.
enum MessageDeliveries {
  static func resends(_ seq: String) -> String {
    "(SELECT count(*) FROM resends r WHERE r.message = \(seq))"
  }
  static func reached(_ count: String, _ seq: String) -> String {
    "\(count) + coalesce((SELECT sum(r.recipient_count) FROM resends r WHERE r.message = \(seq)), 0)"
  }
}

enum VersionField: StoredField {
  case policy, version, title, body, effectiveFrom, effectiveUntil, announcedAt, bodySHA256, by, recordedAt, seq
  case entryHash, appliesTo

  static let from = "FROM versions v JOIN policies p ON p.id = v.policy JOIN journal j ON j.seq = v.seq"

  var spec: (name: String, sql: String, value: FieldValue) {
    switch self {
    case .policy: ("policy", "p.key", .text)
    case .version: ("version", "v.version", .integer)
    case .title: ("title", "v.title", .text)
    case .body: ("body", "v.body", .body)
    case .effectiveFrom: ("effective_from", "v.effective_from", .time)
    case .effectiveUntil: ("effective_until", "v.effective_until", .optionalTime)
    case .announcedAt: ("announced_at", "v.announced_at", .time)
    case .bodySHA256: ("body_sha256", "v.body_sha256", .text)
    case .by: ("by", "j.actor", .text)
    case .recordedAt: ("recorded_at", "j.recorded_at", .time)
    case .seq: ("seq", "j.seq", .integer)
    case .entryHash: ("entry_hash", "j.entry_hash", .hex)
    case .appliesTo: ("applies_to", "v.applies_to", .audience)
    }
  }
}

enum AckField: StoredField {
  case notice, employee, at, by, recordedAt

  static let from = """
    FROM acks a JOIN notices n ON n.seq = a.notice JOIN employees e ON e.id = a.employee JOIN journal j ON j.seq = a.seq
    """

  var spec: (name: String, sql: String, value: FieldValue) {
    switch self {
    case .notice: ("notice", "n.id", .text)
    case .employee: ("employee", "e.name", .text)
    case .at: ("at", "a.at", .time)
    case .by: ("by", "j.actor", .text)
    case .recordedAt: ("recorded_at", "j.recorded_at", .time)
    }
  }
}
