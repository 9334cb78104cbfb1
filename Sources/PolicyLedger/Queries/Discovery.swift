import Foundation

/// One row of `policies`: a policy key, its latest known version, the version in force at
/// the instant asked about (none: null), and the title of that version, else of the latest.
public struct PolicyListRow: TabularRow, Equatable, Sendable {
  public var policy: String
  public var latestVersion: Int64
  public var inForceVersion: Int64?
  public var title: String

  public static let columns = ["policy", "latest_version", "in_force_version", "title"]

  public func cells(timeZone: TimeZone?) -> [Cell] {
    [.text(policy), .integer(latestVersion), .integer(inForceVersion), .text(title)]
  }
}

/// One row of `notices`: a notice, the versions it announces, its recipient count and its
/// status as a policy's timeline shows it (`sent`, `amended`, `retracted`).
public struct NoticeListRow: TabularRow, Equatable, Sendable {
  public var id: String
  public var sentAt: Instant
  public var subject: String
  public var announces: [String]
  public var recipients: Int64
  public var status: String

  public static let columns = ["id", "sent_at", "subject", "announces", "recipients", "status"]

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
