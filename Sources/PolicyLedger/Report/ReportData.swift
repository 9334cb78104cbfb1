/// What an audit report is asked to show.
public struct ReportRequest: Sendable {
  /// The policies, in this order; every policy recorded by `recordedAt` when empty.
  public var policies: [String]
  /// The window of the picture and of the notices and corrections listed (both ends included).
  public var from: Instant?
  /// The end of the window (included); nil for no limit.
  public var to: Instant?
  /// Only what had happened by this instant (business time); default: no limit.
  public var knownAt: Instant?
  /// Only what the ledger had recorded by this instant; default: the last entry's recorded time,
  /// which pins the report to the ledger's head so that it can be made again later, byte for byte.
  public var recordedAt: Instant?
  /// The instant statuses are judged at; default: `knownAt`, else the recorded instant.
  public var statusAt: Instant?
  /// How many outstanding recipients to list for each correction and notice; the rest are counted.
  public var outstandingLimit: Int

  /// A request; every default is resolved when the report is made.
  public init(
    policies: [String] = [], from: Instant? = nil, to: Instant? = nil, knownAt: Instant? = nil,
    recordedAt: Instant? = nil, statusAt: Instant? = nil, outstandingLimit: Int = 50
  ) {
    self.policies = policies
    self.from = from
    self.to = to
    self.knownAt = knownAt
    self.recordedAt = recordedAt
    self.statusAt = statusAt
    self.outstandingLimit = outstandingLimit
  }
}

/// Everything a report shows, gathered from the ledger's queries in one read transaction,
/// with every default resolved to the instant it stands for.
public struct ReportData: Sendable {
  /// The last entry the report could see: the ledger as it stood at `recordedAt`.
  public var head: VerifyResult.Head
  /// Only what the ledger had recorded by this instant.
  public var recordedAt: Instant
  /// Only what had happened by this instant; nil for no limit.
  public var knownAt: Instant?
  /// The instant statuses are judged at.
  public var statusAt: Instant
  /// The start of the window.
  public var from: Instant?
  /// The end of the window.
  public var to: Instant?
  /// How many outstanding recipients are listed for each correction and notice.
  public var outstandingLimit: Int
  /// Each policy's part, in the order asked.
  public var policies: [PolicyReport]

  /// The point of view of every query in the report.
  public var view: Bitemporal.View { .init(knownAt: knownAt, recordedAt: recordedAt) }
}

/// One policy's part of a report.
public struct PolicyReport: Sendable {
  /// The policy's key.
  public var key: String
  /// `history` at the report's status instant: every version known in the view.
  public var history: [HistoryRow]
  /// The text and recorded details of each version in `history`, in the same order.
  public var versions: [ReportedVersion]
  /// `timeline(policy:)` in the window, with each entry's details from `show`.
  public var events: [ReportedEvent]
  /// Valid time: the version in force at each instant, as known in the report's view
  /// (``Ledger/inForcePeriods(_:from:to:view:)``).
  public var inForcePeriods: [InForcePeriod]
  /// Knowledge time: the version believed in force at each moment, as known at that moment
  /// (``Ledger/knownPeriods(_:from:to:view:)``).
  public var knownPeriods: [InForcePeriod]
  /// `outstanding` for each notice in `events`, grouped by notice and correction.
  public var outstanding: [OutstandingGroup]
  /// For each notice in `events`, its acknowledgements known in the view, the first
  /// `outstandingLimit` of them listed.
  public var acknowledgements: [AcknowledgementGroup] = []
  /// `coverage` at the status instant (Report/CoverageSection.swift); nil without a roster
  /// known in the view, or with nothing in force then.
  public var coverage: ReportedCoverage? = nil
  /// Whether a roster entry is known in the report's view: which of the two a nil
  /// `coverage` means.
  public var rosterKnown = false
}

/// A version's body and the period it was first recorded with (before any amendment).
public struct ReportedVersion: Sendable {
  /// The version number.
  public var number: Int64
  /// Its text.
  public var body: String
  /// The SHA-256 of its text.
  public var bodySHA256: String
  /// The start of its effective period as first recorded.
  public var recordedFrom: Instant
  /// The end of its effective period as first recorded.
  public var recordedUntil: Instant?
  /// Who recorded it.
  public var by: String
}

/// A notice or correction of the policy's timeline, with what `show` adds.
public struct ReportedEvent: Sendable {
  /// The event as `timeline` lists it.
  public var row: TimelineRow
  /// How many recipients it went to.
  public var recipientCount: Int64
  /// A notice's sender and channel.
  public var sender: String?
  /// How a notice was sent.
  public var channel: String?
  /// A correction's target: the notice id, or the version as KEY@N.
  public var targetNotice: String?
  /// A correction's target version, as `KEY@N`.
  public var targetVersion: String?
  /// For a retraction of a notice: whether it also voids the announced version.
  public var voidVersion: Bool
  /// Why a correction was issued.
  public var reason: String?
  /// The bounds an amendment sets.
  public var effectiveFrom: Instant?
  /// The end bound an amendment sets.
  public var effectiveUntil: Instant?
  /// Its later deliveries known in the report's view (rule 16), in journal order.
  public var resends: [ReportedResend] = []
}

/// A notice or correction delivered again: when, and to how many more people.
public struct ReportedResend: Sendable, Equatable {
  /// When it was sent again.
  public var sentAt: Instant
  /// How many more people it reached.
  public var recipientCount: Int64
}

/// The acknowledgements of one notice in a report: how many of its recipients acknowledged
/// it (as known in the view), and the first of them, in order of acknowledgement.
public struct AcknowledgementGroup: Sendable, Equatable {
  /// The notice's id.
  public var notice: String
  /// How many people it reached.
  public var recipients: Int64
  /// How many of them acknowledged it.
  public var count: Int64
  /// The first acknowledgements, at most the report's limit.
  public var first: [Acknowledgement]

  /// One employee's acknowledgement.
  public struct Acknowledgement: Sendable, Equatable {
    /// The employee id.
    public var employee: String
    /// When they acknowledged.
    public var at: Instant
  }
}

/// The recipients of one notice who did not receive one correction affecting it.
public struct OutstandingGroup: Sendable, Equatable {
  /// The notice.
  public var notice: String
  /// The correction.
  public var correction: String
  /// Retraction or amendment.
  public var correctionKind: CorrectionKind
  /// How many there are in all.
  public var count: Int64
  /// The first of them in employee-id order, at most the report's limit.
  public var employees: [String]

  /// A group of `count` recipients of `notice` who did not receive `correction`; `employees` lists the first of them.
  public init(notice: String, correction: String, correctionKind: CorrectionKind, count: Int64, employees: [String]) {
    self.notice = notice
    self.correction = correction
    self.correctionKind = correctionKind
    self.count = count
    self.employees = employees
  }
}

extension Ledger {
  /// Gathers a report from `history`, `timeline(policy:)`, `knownPeriods`, `outstanding`
  /// and `show`, all in one snapshot of the ledger and one view.
  /// - Throws: "no policy 'KEY'" for a key never recorded; an error when nothing had been
  ///   recorded by the instant asked about, or when the window ends before it starts.
  public func reportData(_ request: ReportRequest) throws -> ReportData {
    if let from = request.from, let to = request.to, to < from {
      throw LedgerError("invalid --to '\(to)': it is before --from '\(from)'")
    }
    return try read {
      guard let pinned = try head(recordedBy: request.recordedAt ?? Instant(microseconds: .max)) else {
        if let r = request.recordedAt, let first = try store.entry(1)?.recordedAt {
          throw LedgerError(
            "invalid --as-recorded-at '\(r)': the ledger had recorded nothing by then; its first entry was recorded at \(first)"
          )
        }
        throw LedgerError("the ledger at \(path) is empty: nothing to report")
      }
      let recordedAt = request.recordedAt ?? pinned.recordedAt
      let view = Bitemporal.View(knownAt: request.knownAt, recordedAt: recordedAt)
      let statusAt = request.statusAt ?? request.knownAt ?? recordedAt
      var keys: [String] = []
      for key in request.policies.isEmpty ? try policyKeys(recordedBy: recordedAt) : request.policies
      where !keys.contains(key) {
        keys.append(key)
      }
      if keys.isEmpty { throw LedgerError("the ledger at \(path) holds no policy: nothing to report") }
      let policies = try keys.map { key in
        try policyReport(key, request: request, view: view, statusAt: statusAt)
      }
      return ReportData(
        head: pinned.head, recordedAt: recordedAt, knownAt: request.knownAt, statusAt: statusAt, from: request.from,
        to: request.to, outstandingLimit: request.outstandingLimit, policies: policies)
    }
  }

  private func policyReport(_ key: String, request: ReportRequest, view: Bitemporal.View, statusAt: Instant) throws
    -> PolicyReport
  {
    let history = try history(key, at: statusAt, view: view)
    // The version as recorded (its bounds before any amendment), read alone: `show`'s
    // amended bounds and status take the policy's whole view again for each version, which
    // made a report of thousands of versions quadratic, and `history` has them already.
    let versions = try history.map { row in
      let ref = VersionRef(policy: key, number: row.version)
      guard let record = try store.shownVersion(ref, timeZone: nil) else { throw try unknownVersion(ref) }
      return ReportedVersion(
        number: row.version, body: record.text("body") ?? "", bodySHA256: record.text("body_sha256") ?? "",
        recordedFrom: record.instant("effective_from") ?? row.effectiveFrom,
        recordedUntil: record.instant("effective_until"), by: record.text("by") ?? "")
    }
    // Versions have their own section of the report; the events are messages.
    let events = try timeline(policy: key, from: request.from, to: request.to, view: view).filter { $0.kind != .version }.map { row in
      let record = try show(row.id)
      return ReportedEvent(
        row: row, recipientCount: record.integer("recipient_count") ?? 0, sender: record.text("sender"),
        channel: record.text("channel"), targetNotice: record.text("notice"), targetVersion: record.text("version"),
        voidVersion: record.flag("void_version"), reason: record.text("reason"),
        effectiveFrom: record.instant("effective_from"), effectiveUntil: record.instant("effective_until"),
        resends: try store.resends(ofMessage: row.seq).filter { view.knows(businessTime: $0.sentAt, recordedAt: $0.recordedAt) }
          .map { ReportedResend(sentAt: $0.sentAt, recipientCount: $0.count) })
    }
    var groups: [OutstandingGroup] = []
    for event in events where event.row.kind == .notice {
      try outstanding(notice: event.row.id, view: view) { row in
        if let last = groups.last, last.notice == row.notice, last.correction == row.correction {
          groups[groups.count - 1].count += 1
          if last.employees.count < request.outstandingLimit { groups[groups.count - 1].employees.append(row.employee) }
        } else {
          groups.append(
            OutstandingGroup(
              notice: row.notice, correction: row.correction, correctionKind: row.correctionKind, count: 1,
              employees: request.outstandingLimit > 0 ? [row.employee] : []))
        }
      }
    }
    var acknowledgements: [AcknowledgementGroup] = []
    for event in events where event.row.kind == .notice {
      // Its recipients as known in the view: the first delivery's and the known resends',
      // as `recipients` lists them in the same view.
      let recipients = event.recipientCount + event.resends.reduce(0) { $0 + $1.recipientCount }
      var group = AcknowledgementGroup(notice: event.row.id, recipients: recipients, count: 0, first: [])
      try store.forEachAcknowledgement(of: event.row.id, knownAt: view.knownAt, recordedAt: view.recordedAt) { employee, at in
        group.count += 1
        if group.first.count < request.outstandingLimit { group.first.append(.init(employee: employee, at: at)) }
      }
      acknowledgements.append(group)
    }
    var report = PolicyReport(
      key: key, history: history, versions: versions, events: events,
      inForcePeriods: try inForcePeriods(key, from: request.from, to: request.to, view: view),
      knownPeriods: try knownPeriods(key, from: request.from, to: request.to, view: view), outstanding: groups,
      coverage: try reportedCoverage(key, at: statusAt, view: view, limit: request.outstandingLimit))
    report.acknowledgements = acknowledgements
    report.rosterKnown = try store.hasRoster(knownAt: view.knownAt, recordedAt: view.recordedAt)
    return report
  }
}

extension EntryRecord {
  /// The value of `column` as text; nil when absent or empty.
  func text(_ column: String) -> String? {
    guard let i = columns.firstIndex(of: column), case .text(let text) = values[i] else { return nil }
    return text
  }

  /// A flag column; false when absent.
  func flag(_ column: String) -> Bool {
    guard let i = columns.firstIndex(of: column), case .boolean(let value) = values[i] else { return false }
    return value
  }

  func integer(_ column: String) -> Int64? {
    guard let i = columns.firstIndex(of: column), case .integer(let value) = values[i] else { return nil }
    return value
  }

  /// A time column, written by `show` in UTC, read back.
  func instant(_ column: String) -> Instant? {
    text(column).flatMap { try? Instant.parse($0) }
  }
}
