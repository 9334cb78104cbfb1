import Foundation
import Testing

/// Ids are their bytes (docs/reliability.md, "Ids"): `é` and `e` followed by U+0301 are two
/// ids, two groups, two employees, everywhere — in the ledger's SQL, and in the checks and
/// counts made in Swift, whose `String` equality would call them one.
@Suite struct ExactIdsCLITests {
  static let composed = "Jos\u{E9}"
  static let decomposed = "Jose\u{301}"
  static let team = "\u{C9}quipe"
  static let decomposedTeam = "E\u{301}quipe"

  @Test func twoSpellingsOfOneNameAreTwoGroupsAndTwoEmployees() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("l.db")
    func run(_ arguments: [String]) throws -> CLIResult { try CLI.run(arguments + ["--db", db]) }
    try #require(try run(["employee", "join", Self.decomposed, "--at", "2020-01-01", "--groups", Self.decomposedTeam]).status == 0)
    // Both spellings in one list are two groups, as in `--to` they are two recipients.
    let both = try run(["employee", "join", "X", "--at", "2020-01-01", "--groups", "\(Self.team),\(Self.decomposedTeam)"])
    #expect(both.status == 0, "\(both.stderr)")
    try #require(try run(["employee", "join", "Y", "--at", "2020-01-01", "--groups", Self.team]).status == 0)
    try #require(try run(["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "2020-01-01"]).status == 0)
    let summary = try run(["coverage", "p", "--at", "2020-06-01", "--summary", "--format", "csv"])
    #expect(
      summary.lines == [
        "policy,version,group,employed,acknowledged,told,not_told", "p,1,all,3,0,0,3", "p,1,\(Self.decomposedTeam),2,0,0,2",
        "p,1,\(Self.team),2,0,0,2",
      ].map { $0 })
    // `--group` names one spelling: its members alone, in `employees` and `coverage`.
    let members = try run(["employees", "--at", "2020-06-01", "--group", Self.team, "--format", "csv"])
    #expect(members.lines.dropFirst().map { String($0.prefix(1)) } == ["X", "Y"], "\(members.stdout)")
    let covered = try run(["coverage", "p", "--at", "2020-06-01", "--group", Self.decomposedTeam, "--format", "csv"])
    #expect(covered.lines.dropFirst().map { $0.split(separator: ",")[2] } == [Substring(Self.decomposed), "X"], "\(covered.stdout)")
    // The same group twice, byte for byte, is still refused.
    let twice = try run(["employee", "join", "Z", "--at", "2020-01-01", "--groups", "\(Self.team),\(Self.team)"])
    #expect(twice.status == 2)
  }

  /// Asked for the other spelling, the refusal suggests the stored one and shows that it is
  /// spelt with a combining mark, since the two look alike.
  @Test func theOtherSpellingOfANameIsSuggestedAndShownAsSuch() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("l.db")
    try #require(try CLI.run(["employee", "join", Self.decomposed, "--at", "2020-01-01", "--db", db]).status == 0)
    let result = try CLI.run(["timeline", "--employee", Self.composed, "--db", db])
    #expect(result.status == 2)
    #expect(
      result.stderr
        == "policy-ledger: error: no employee '\(Self.composed)' in this ledger: not on the roster, and nothing was sent to them; did you mean '\(Self.decomposed)' (with U+0301)?\n"
    )
  }
}
