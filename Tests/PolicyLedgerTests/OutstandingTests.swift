import Foundation
import Testing

@_spi(Benchmarks) @testable import PolicyLedger

/// `outstanding` restates rules 1, 2 and 16 in SQL (``LedgerStore/forEachOutstanding``), and
/// recording computes a correction's affected version once, at write time (``Projector``).
/// Both are checked here against ``Bitemporal``'s pure functions on random histories.
@Suite struct OutstandingTests {
  /// A notice or correction as its tables hold it, read without the store.
  struct Message {
    var seq: Int64
    var id: String
    var at: Instant
    var recordedAt: Instant
  }

  @Test func theSQLPathAgreesWithBitemporalsRulesOnRandomHistories() throws {
    var nonEmpty = 0
    var checked = 0
    for seed in UInt64(0)..<100 {
      var generator = HistoryGenerator(seed: seed)
      let (history, failure) = try PropertyRun.record(generator.steps())
      #expect(failure == nil, "seed \(seed): \(failure?.mismatch ?? "")")
      let ledger = history.ledger
      let db = ledger.db
      // Every version each notice announces (rule 17), in policy key order.
      var announced: [Int64: [Int64]] = [:]
      try db.prepare(
        "SELECT nv.notice, nv.version FROM notice_versions nv JOIN policies p ON p.id = nv.policy ORDER BY nv.notice, p.key"
      ).forEach { announced[$0.int64(0), default: []].append($0.int64(1)) }
      let notices = try db.prepare(
        "SELECT n.seq, n.id, n.sent_at, j.recorded_at, n.announces FROM notices n JOIN journal j ON j.seq = n.seq"
      ).map { row in
        let versions = announced[row.int64(0)] ?? []
        // `notices.announces` keeps the first version in key order.
        #expect(row.optionalInt64(4) == versions.first, "seed \(seed): notice \(row.string(1))")
        return NoticeFacts(
          seq: row.int64(0), id: row.string(1), sentAt: Instant(microseconds: row.int64(2)),
          recordedAt: Instant(microseconds: row.int64(3)), announces: versions.first, viewerDelivery: nil,
          alsoAnnounces: Array(versions.dropFirst()))
      }
      let corrections = try db.prepare(
        """
        SELECT c.seq, c.id, c.kind, c.notice, c.version, c.affected_version, c.issued_at, j.recorded_at
        FROM corrections c JOIN journal j ON j.seq = c.seq
        """
      ).map { row in
        CorrectionFacts(
          seq: row.int64(0), id: row.string(1), kind: try #require(CorrectionKind(rawValue: row.string(2))),
          targetNotice: row.optionalInt64(3), targetVersion: row.optionalInt64(4), affectedVersion: row.optionalInt64(5),
          voidVersion: false, issuedAt: Instant(microseconds: row.int64(6)), recordedAt: Instant(microseconds: row.int64(7)),
          effectiveFrom: nil, effectiveUntil: nil, viewerDelivery: nil)
      }
      // Each message's deliveries, by employee: the first (its own entry) or a resend's.
      var recipients: [Int64: [String: Delivery]] = [:]
      try db.prepare(
        """
        SELECT d.message, e.name, coalesce(r.sent_at, n.sent_at, c.issued_at), j.recorded_at
        FROM all_deliveries d JOIN employees e ON e.id = d.employee LEFT JOIN resends r ON r.seq = d.via
        LEFT JOIN notices n ON n.seq = d.message LEFT JOIN corrections c ON c.seq = d.message
        JOIN journal j ON j.seq = coalesce(d.via, d.message)
        """
      ).forEach {
        recipients[$0.int64(0), default: [:]][$0.string(1)] = Delivery(
          sentAt: Instant(microseconds: $0.int64(2)), recordedAt: Instant(microseconds: $0.int64(3)))
      }

      // The affected version stored at write time is rule 2's: the target version, or the
      // version the target notice announces (the first in key order: rule 17's others are
      // read through notice_versions).
      for c in corrections {
        let expected = c.targetVersion ?? notices.first { $0.seq == c.targetNotice }?.announces
        #expect(c.affectedVersion == expected, "seed \(seed): correction \(c.id)")
      }

      // Views at every entry's business and recorded times, and unlimited.
      let times = Set((notices.map(\.sentAt) + corrections.map(\.issuedAt)).map(\.microseconds)).sorted()
      let recorded = try PropertyRun.recordedTimes(ledger).map(\.microseconds)
      var views = [Bitemporal.View()]
      for k in times { views.append(Bitemporal.View(knownAt: Instant(microseconds: k))) }
      for r in recorded { views.append(Bitemporal.View(recordedAt: Instant(microseconds: r))) }
      for (k, r) in zip(times.reversed(), recorded) {
        views.append(Bitemporal.View(knownAt: Instant(microseconds: k), recordedAt: Instant(microseconds: r)))
      }

      for view in views {
        // Rule 9 from the pure functions: each known correction, each known notice it
        // affects, each recipient of the notice who did not receive the correction.
        var expected: [OutstandingRow] = []
        for c in corrections where view.knows(businessTime: c.issuedAt, recordedAt: c.recordedAt) {
          for n in notices where view.knows(businessTime: n.sentAt, recordedAt: n.recordedAt) && Bitemporal.affects(c, notice: n) {
            let got = recipients[c.seq] ?? [:]
            for (employee, delivery) in recipients[n.seq] ?? [:]
            where Bitemporal.knows(delivery, in: view) && !Bitemporal.knows(got[employee], in: view) {
              expected.append(OutstandingRow(notice: n.id, employee: employee, correction: c.id, correctionKind: c.kind))
            }
          }
        }
        // SQLite orders text by its UTF-8 bytes.
        expected.sort { a, b in
          [a.notice, a.correction, a.employee].lexicographicallyPrecedes([b.notice, b.correction, b.employee]) {
            Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8))
          }
        }
        var actual: [OutstandingRow] = []
        try ledger.outstanding(view: view) { actual.append($0) }
        #expect(actual == expected, "seed \(seed), view \(view)")
        if actual != expected { return }
        checked += 1
        if !expected.isEmpty { nonEmpty += 1 }
      }
    }
    // The histories must reach outstanding rows, or the comparison proves little.
    #expect(checked > 1_000, "views compared: \(checked)")
    #expect(nonEmpty > 100, "views with outstanding rows: \(nonEmpty)")
  }
}
