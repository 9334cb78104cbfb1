/// Works out the query tables' rows for one journal entry, and hands them to a store.
///
/// Recording and `verify` both go through here, so what each entry puts in each table is
/// written once: recording's store is ``LedgerStore``, which inserts each row; verify's
/// (``ProjectionCheck``) compares each row with the ledger's next stored one, table by
/// table in journal order. Recipient lists are the exception — the journal holds only
/// their count and digest — so recording writes `deliveries` itself.
struct Projector<Store: ProjectionStore> {
  let store: Store

  func apply(seq: Int64, _ payload: EntryPayload) throws {
    switch payload {
    case .version(let v):
      let policy = try store.policyID(v.policy) ?? store.addPolicy(v.policy, entry: seq)
      try store.add(
        .versions, entry: seq,
        [
          seq, policy, v.version, v.title, v.body, v.bodySHA256, v.effectiveFrom.microseconds,
          v.effectiveUntil?.microseconds, v.announcedAt.microseconds, v.appliesTo.map(Groups.joined),
        ])
    case .notice(let n):
      // Rule 17: one row per announced version; `notices` keeps the first (key order).
      var announced: [(seq: Int64, policy: Int64)] = []
      for ref in n.announces {
        guard let row = try store.version(ref, before: seq) else {
          throw UnresolvedReference(description: "notice announces unknown version \(ref)")
        }
        announced.append(row)
      }
      try store.add(
        .notices, entry: seq,
        [
          seq, n.id, n.subject, n.body, n.bodySHA256, n.sentAt.microseconds, n.sender, n.channel, announced.first?.seq,
          announced.first?.policy, n.recipientCount, n.recipientsSHA256,
        ])
      for row in announced.sorted(by: { $0.seq < $1.seq }) {
        try store.add(.noticeVersions, entry: seq, [seq, row.seq, row.policy])
      }
    case .correction(let c):
      var notice: Int64? = nil
      var version: Int64? = nil
      var affected: Int64? = nil
      var policy: Int64? = nil
      switch c.target {
      case .notice(let id):
        guard let row = try store.notice(id, before: seq) else {
          throw UnresolvedReference(description: "correction targets unknown notice '\(id)'")
        }
        notice = row.seq
        affected = row.announces
        policy = row.policy
      case .version(let ref):
        guard let row = try store.version(ref, before: seq) else {
          throw UnresolvedReference(description: "correction targets unknown version \(ref)")
        }
        version = row.seq
        affected = row.seq
        policy = row.policy
      }
      try store.add(
        .corrections, entry: seq,
        [
          seq, c.id, c.kind.rawValue, notice, version, affected, policy, c.voidVersion, c.issuedAt.microseconds,
          c.statement, c.reason, c.effectiveFrom?.microseconds, c.effectiveUntil?.microseconds, c.recipientCount,
          c.recipientsSHA256,
        ])
    case .ack(let a):
      guard let notice = try store.notice(a.notice, before: seq) else {
        throw UnresolvedReference(description: "acknowledgement of unknown notice '\(a.notice)'")
      }
      let employee = try store.employee(a.employee)
      try store.add(.acks, entry: seq, [notice.seq, employee, a.at.microseconds, seq])
    case .roster(let r):
      // Registers the employee in the directory, as a delivery does (rule 15).
      let employee = try store.employee(r.employee)
      try store.add(.roster, entry: seq, [seq, employee, r.at.microseconds, r.event == .join, Groups.joined(r.groups)])
      // The one roster every query reads: a single entry is ordinal 0 of its seq.
      try store.add(
        .rosterRows, entry: seq, [seq, Int64(0), employee, r.at.microseconds, r.event == .join, Groups.joined(r.groups), String?.none])
    case .rosterImport(let b):
      // The rows are the import's to write (as recipients are a notice's): the journal holds
      // their count and digest, which verify recomputes from `roster_rows`.
      try store.add(.rosterImports, entry: seq, [seq, b.rowCount, b.rowsSHA256])
    case .resend(let r):
      guard let message = try store.message(r.message, before: seq) else {
        throw UnresolvedReference(description: "resend of unknown notice or correction '\(r.message)'")
      }
      try store.add(.resends, entry: seq, [seq, message, r.sentAt.microseconds, r.recipientCount, r.recipientsSHA256])
    }
  }
}

/// An entry names a version or notice that no earlier entry recorded: the journal
/// cannot be replayed.
struct UnresolvedReference: Error, CustomStringConvertible {
  let description: String
}

/// The tables an entry projects into (besides `policies`, numbered as keys first appear,
/// and `deliveries`), each with its columns in the order ``Projector`` gives values.
enum ProjectedTable: CaseIterable {
  case versions, notices, corrections, acks, roster, resends, noticeVersions, rosterRows, rosterImports

  var name: String {
    switch self {
    case .versions: "versions"
    case .notices: "notices"
    case .corrections: "corrections"
    case .acks: "acks"
    case .roster: "roster"
    case .resends: "resends"
    case .noticeVersions: "notice_versions"
    case .rosterRows: "roster_rows"
    case .rosterImports: "roster_imports"
    }
  }

  var columns: [String] {
    switch self {
    case .versions:
      ["seq", "policy", "version", "title", "body", "body_sha256", "effective_from", "effective_until", "announced_at", "applies_to"]
    case .notices:
      [
        "seq", "id", "subject", "body", "body_sha256", "sent_at", "sender", "channel", "announces", "policy",
        "recipient_count", "recipients_sha256",
      ]
    case .corrections:
      [
        "seq", "id", "kind", "notice", "version", "affected_version", "policy", "void_version", "issued_at",
        "statement", "reason", "effective_from", "effective_until", "recipient_count", "recipients_sha256",
      ]
    case .acks: ["notice", "employee", "at", "seq"]
    case .roster: ["seq", "employee", "at", "employed", "groups"]
    case .resends: ["seq", "message", "sent_at", "recipient_count", "recipients_sha256"]
    case .noticeVersions: ["notice", "version", "policy"]
    case .rosterRows: ["seq", "ordinal", "employee", "at", "employed", "groups", "actor"]
    case .rosterImports: ["seq", "row_count", "rows_sha256"]
    }
  }

  /// The table's place in `allCases`.
  var index: Int {
    switch self {
    case .versions: 0
    case .notices: 1
    case .corrections: 2
    case .acks: 3
    case .roster: 4
    case .resends: 5
    case .noticeVersions: 6
    case .rosterRows: 7
    case .rosterImports: 8
    }
  }

  /// Which column holds the seq of the entry that owns the row.
  var entryColumn: Int { self == .acks ? 3 : 0 }

  /// The scan's order: the entry, then (for a table with several rows an entry) the order
  /// ``Projector`` gives them in — its primary key's.
  var scanOrder: String {
    switch self {
    case .noticeVersions: "notice, version"
    case .rosterRows: "seq, ordinal"
    default: columns[entryColumn]
    }
  }

  /// Which stored rows ``Projector`` gives: all but an import's roster rows (ordinals 1, 2,
  /// 3 …), which the import writes and verify checks against the entry's digest.
  var projectedRows: String { self == .rosterRows ? " WHERE ordinal = 0" : "" }
}

/// What ``Projector`` needs from where its rows go: the numbers earlier entries gave
/// policies, versions, notices and employees, and a place for each new row.
protocol ProjectionStore {
  func policyID(_ key: String) throws -> Int64?
  /// Numbers a policy key seen for the first time, in entry `seq`.
  func addPolicy(_ key: String, entry seq: Int64) throws -> Int64
  /// The version's seq and policy number, when an entry before `seq` recorded it.
  func version(_ ref: VersionRef, before seq: Int64) throws -> (seq: Int64, policy: Int64)?
  /// The notice's seq, the version it announces and that version's policy, when an entry
  /// before `seq` recorded it.
  func notice(_ id: String, before seq: Int64) throws -> (seq: Int64, announces: Int64?, policy: Int64?)?
  /// The seq of the notice or correction with this id, when an entry before `seq` recorded it.
  func message(_ id: String, before seq: Int64) throws -> Int64?
  /// The employee's directory number (recording adds a new employee).
  func employee(_ name: String) throws -> Int64
  func add(_ table: ProjectedTable, entry seq: Int64, _ values: [any SQLiteBindable]) throws
}
