import Foundation

/// One row of `outstanding`: a recipient of a notice who did not receive a correction of it.
public struct OutstandingRow: TabularRow, Equatable, Sendable {
  /// The notice the employee received.
  public var notice: String
  /// The employee.
  public var employee: String
  /// The correction that affects the notice and that the employee did not receive.
  public var correction: String
  /// Retraction or amendment.
  public var correctionKind: CorrectionKind

  /// `notice, employee, correction, correction_kind`.
  public static let columns = ["notice", "employee", "correction", "correction_kind"]

  /// The row's cells, in ``columns`` order.
  public func cells(timeZone: TimeZone?) -> [Cell] {
    [.text(notice), .text(employee), .text(correction), .text(correctionKind.rawValue)]
  }
}

/// One row of `recipients`.
public struct RecipientRow: TabularRow, Equatable, Sendable {
  /// The notice or correction.
  public var notice: String
  /// A recipient.
  public var employee: String
  /// When they acknowledged it; nil when they did not.
  public var acknowledgedAt: Instant?
  /// When the delivery that reached the employee was sent: the message's own time, or a
  /// resend's (rule 16).
  public var sentAt: Instant
  /// Whether the message is a correction, which is never acknowledged (rule 14).
  public var isCorrection = false

  /// `notice, employee, status, acknowledged_at, sent_at`; `status` is `acknowledged` or
  /// `unacknowledged` for a notice, `received` for a correction (only notices are
  /// acknowledged, so "unacknowledged" would read as someone still to chase); `sent_at`
  /// when the delivery that reached the employee was sent.
  public static let columns = ["notice", "employee", "status", "acknowledged_at", "sent_at"]

  /// The row's `status`.
  public var status: String { isCorrection ? "received" : acknowledgedAt == nil ? "unacknowledged" : "acknowledged" }

  /// The row's cells, in ``columns`` order.
  public func cells(timeZone: TimeZone?) -> [Cell] {
    [.text(notice), .text(employee), .text(status), .time(acknowledgedAt, timeZone), .time(sentAt, timeZone)]
  }
}

extension Ledger {
  /// Rule 9: one row for each correction known in `view`, each notice it affects (known
  /// too) and each recipient of that notice who did not receive the correction; ordered
  /// by notice id, correction id, employee id. Rows stream to `body`. Rules 1 and 2 are
  /// restated in SQL here (`LedgerStore.forEachOutstanding(notice:knownAt:recordedAt:_:)`);
  /// OutstandingTests compares it with `Bitemporal`'s functions on random histories.
  public func outstanding(notice: String? = nil, view: Bitemporal.View = .init(), _ body: (OutstandingRow) throws -> Void) throws {
    try read {
      if let notice {
        guard try store.noticeRow(notice) != nil else {
          // Recorded, as a correction: not "no notice" (rule 15), but what to give instead.
          if try store.correctionSeq(notice) != nil {
            throw LedgerError(
              .invalidInput,
              "'\(Identifier.printable(notice))' is a correction, not a notice; give a notice's id (what it corrects: 'policy-ledger show \(Identifier.printable(notice))')")
          }
          throw try unknownNotice(notice)
        }
      }
      try store.forEachOutstanding(notice: notice, knownAt: view.knownAt, recordedAt: view.recordedAt, body)
    }
  }

  /// ``recipients(of:view:_:)`` collected.
  public func recipientRows(of id: String, view: Bitemporal.View = .init()) throws -> [RecipientRow] {
    var rows: [RecipientRow] = []
    try recipients(of: id, view: view) { rows.append($0) }
    return rows
  }

  /// The recipients of a notice (or correction) with their acknowledgement, by employee id.
  ///
  /// In a `view` (its `knownAt` k and `recordedAt` r; "as told to" does not apply), only the
  /// deliveries sent by k and recorded by r, and only the acknowledgements at or before k
  /// recorded by r: who had been sent it, and who had acknowledged it, as known then. A
  /// message not yet sent or recorded in the view has no rows.
  public func recipients(of id: String, view: Bitemporal.View = .init(), _ body: (RecipientRow) throws -> Void) throws {
    try read {
      guard let seq = try store.messageSeq(id) else {
        throw LedgerError(
          .notFound, "no notice or correction '\(id)' in this ledger (list notices with 'policy-ledger notices')"
        ).suggesting(try NearestNames.suggestions(for: id) { try store.forEachMessageID(corrections: true, $0) })
      }
      let isCorrection = try store.correctionSeq(id) != nil
      try store.forEachRecipient(ofMessage: seq, knownAt: view.knownAt, recordedAt: view.recordedAt) { employee, acknowledgedAt, sentAt in
        try body(RecipientRow(notice: id, employee: employee, acknowledgedAt: acknowledgedAt, sentAt: sentAt, isCorrection: isCorrection))
      }
    }
  }
}
