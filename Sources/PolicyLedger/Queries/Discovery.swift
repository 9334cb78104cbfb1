import Foundation

/// One row of `policies`: a policy key, its latest known version, the version in force at
/// the instant asked about (none: null), and the title of that version, else of the latest.
public struct PolicyListRow: TabularRow, Equatable, Sendable {
  /// The policy's key.
  public var policy: String
  /// The greatest version number known.
  public var latestVersion: Int64
  /// The version in force at the instant asked about; nil when none.
  public var inForceVersion: Int64?
  /// The title of the version in force, else of the latest.
  public var title: String

  /// `policy, latest_version, in_force_version, title`.
  public static let columns = ["policy", "latest_version", "in_force_version", "title"]

  /// The row's cells, in ``columns`` order.
  public func cells(timeZone: TimeZone?) -> [Cell] {
    [.text(policy), .integer(latestVersion), .integer(inForceVersion), .text(title)]
  }
}

/// One row of `notices`: a notice, the versions it announces, its recipient count and its
/// status as a policy's timeline shows it (`sent`, `amended`, `retracted`).
public struct NoticeListRow: TabularRow, Equatable, Sendable {
  /// The notice's id.
  public var id: String
  /// When it was sent.
  public var sentAt: Instant
  /// Its subject line.
  public var subject: String
  /// The versions it announces, as `KEY@N`.
  public var announces: [String]
  /// How many recipients it went to.
  public var recipients: Int64
  /// `sent`, `amended` or `retracted`.
  public var status: String

  /// `id, sent_at, subject, announces, recipients, status`.
  public static let columns = ["id", "sent_at", "subject", "announces", "recipients", "status"]

  /// The row's cells, in ``columns`` order.
  public func cells(timeZone: TimeZone?) -> [Cell] {
    [.text(id), .time(sentAt, timeZone), .text(subject), .list(announces), .integer(recipients), .text(status)]
  }
}

extension Ledger {
  /// Every policy with a version known in `view`, in key order: its latest known version,
  /// the version in force at `t` (rule 6) and that version's title, else the latest's.
  public func policies(at t: Instant, view: Bitemporal.View = .init()) throws -> [PolicyListRow] {
    try read {
      try requireViewer(view)
      var rows: [PolicyListRow] = []
      try store.forEachPolicy { id, key in
        let facts = try store.loadFacts(policyID: id, key: key, viewer: view.toldTo)
        let versions = Bitemporal.view(facts, view)
        guard let latest = versions.max(by: { $0.facts.number < $1.facts.number }) else { return }
        let inForce = Bitemporal.inForce(versions, at: t)
        rows.append(
          PolicyListRow(
            policy: key, latestVersion: latest.facts.number, inForceVersion: inForce?.facts.number,
            title: (inForce ?? latest).facts.title))
      }
      return rows
    }
  }

  /// The notices known in `view` (about `policy` when given), sent within `from`…`to`
  /// (both included), in order of `sent_at`, then journal order.
  /// - Throws: "no policy 'KEY'" for a key the ledger never recorded (rule 15).
  public func notices(policy: String? = nil, from: Instant? = nil, to: Instant? = nil, view: Bitemporal.View = .init())
    throws -> [NoticeListRow]
  {
    try read {
      let policyID = try policy.map { try requirePolicy($0) }
      var rows: [NoticeListRow] = []
      try store.forEachNotice(policy: policyID) { event, recipients, announces in
        guard (from.map { event.at >= $0 } ?? true), (to.map { event.at <= $0 } ?? true),
          let row = try noticeRow(event, view: view, acknowledged: { _ in false })
        else { return }
        rows.append(
          NoticeListRow(
            id: row.id, sentAt: row.at, subject: row.subject, announces: announces, recipients: recipients,
            status: row.status))
      }
      return rows
    }
  }
}

/// A kind of name the ledger holds, for shell completion.
public enum LedgerName: Sendable, CaseIterable {
  case policy, version, notice, correction, employee
}

extension Ledger {
  /// Up to `limit` names of each kind in `kinds` that start with `prefix` (versions as
  /// `KEY@N`), each kind in byte order: what a shell offers to complete a key, an entry, a
  /// notice id or an employee.
  public func names(_ kinds: [LedgerName], startingWith prefix: String, limit: Int = 200) throws -> [String] {
    try read { try kinds.flatMap { try store.names($0, startingWith: prefix, limit: limit) } }
  }
}
