import Foundation
import PolicyLedger
import Testing

/// The report's coverage section (spec rule 21): counts per group as a bar chart, and the
/// employees not told or believing another version, capped with a count of the rest.
struct ReportCoverageTests {
  typealias W = WorkedExample

  @Test(.enabled(if: HTMLCheck.available, "python3 is needed to parse the HTML"))
  func theWorkedExampleAtNoonShowsWhoWasNotTold() throws {
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    try W.recordRoster(into: ledger)
    let data = try ledger.reportData(ReportRequest(knownAt: W.july10(12), outstandingLimit: 2))
    let coverage = try #require(data.policies[0].coverage)
    #expect(coverage.version == 2)
    #expect(coverage.groups.map { "\($0.group) \($0.acknowledged) \($0.told) \($0.notTold)" } == ["all 1 3 3", "contractors 0 0 2", "staff 1 3 1"])
    #expect(coverage.attention.map(\.employee) == ["C3001", "C3002"])
    #expect(coverage.attentionCount == 3)
    let html = HTMLReport(data: data, timeZone: nil, command: [], ledgerArguments: ["--db", "x.db"]).render()
    let check = try #require(try HTMLCheck.parse(html))
    #expect(check.errors == [])
    let section = check.section("coverage-section")
    #expect(section.contains("Not told, or believing another version: 3"))
    #expect(section.contains("C3002 (not told, believes v1)") && !section.contains("E2001"))
    #expect(section.contains("The first 2 of 3, in employee-id order. All of them: policy-ledger coverage mobile-devices --db x.db"))
    #expect(section.contains("contractors: 2 not told") && section.contains("staff: 3 told"))
  }

  /// `--outstanding-limit 0` lists nobody but still counts, and never says everyone was told.
  @Test func aLimitOfZeroCountsThoseNotToldAndListsNone() throws {
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    try W.recordRoster(into: ledger)
    let data = try ledger.reportData(ReportRequest(knownAt: W.july10(12), outstandingLimit: 0))
    let coverage = try #require(data.policies[0].coverage)
    #expect(coverage.attention.isEmpty && coverage.attentionCount == 3)
    let html = HTMLReport(data: data, timeZone: nil, command: [], ledgerArguments: ["--db", "x.db"]).render()
    #expect(!html.contains("Everyone it applies to was told"))
    #expect(html.contains("Not told, or believing another version: 3"))
    #expect(html.contains("The first 0 of 3, in employee-id order. All of them: "))
  }

  @Test func withoutARosterTheSectionSaysSo() throws {
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    let data = try ledger.reportData(ReportRequest())
    #expect(data.policies[0].coverage == nil)
    let html = HTMLReport(data: data, timeZone: nil, command: [], ledgerArguments: []).render()
    #expect(html.contains("No roster is recorded in this view: no coverage to show."))
  }

  /// With a roster but nothing in force at the status instant, the section says that,
  /// and where the people still holding a withdrawn version are.
  @Test func withNothingInForceTheSectionSaysSo() throws {
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    try W.recordRoster(into: ledger)
    // 2019-12-01: the roster's staff had joined; version 1 starts on 2020-01-01.
    let at = try Instant.parse("2019-12-01T00:00:00Z")
    let data = try ledger.reportData(ReportRequest(statusAt: at))
    #expect(data.policies[0].coverage == nil && data.policies[0].rosterKnown)
    let html = HTMLReport(data: data, timeZone: nil, command: [], ledgerArguments: []).render()
    #expect(html.contains("Nothing is in force at 2019-12-01 00:00:00Z in this view: coverage counts whom a version in force was meant for"))
    #expect(!html.contains("No roster is recorded"))
  }
}
