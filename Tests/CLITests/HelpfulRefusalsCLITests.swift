import Foundation
import Testing

/// Refusals that say what to do next, found by trying the documentation as a new user would.
@Suite struct HelpfulRefusalsCLITests: OnDemoLedger {
  let demo: DemoLedger
  init() throws { demo = try DemoLedger() }

  @Test func aVersionPastTheLastNamesTheLatest() throws {
    let show = try run(["show", "mobile-devices@9"])
    #expect(show.status == 2)
    #expect(show.stderr == "policy-ledger: error: policy 'mobile-devices' has no version 9 (its latest is 2)\n")
    let amend = try run([
      "correct", "amend", "--version", "mobile-devices@9", "--issued-at", "2020-08-01", "--statement", "S", "--reason", "r",
    ])
    #expect(
      amend.stderr == "policy-ledger: error: invalid --version 'mobile-devices@9': policy 'mobile-devices' has no version 9 (its latest is 2)\n")
  }

  @Test func aKeyThatBeginsAKnownKeySuggestsIt() throws {
    let result = try run(["history", "mobile"])
    #expect(result.status == 2)
    #expect(result.stderr == "policy-ledger: error: no policy 'mobile'; did you mean 'mobile-devices'?\n")
    // Three characters or fewer are too short to be the start of anything in particular.
    #expect(try run(["history", "mob"]).stderr == "policy-ledger: error: no policy 'mob'\n")
  }

  @Test func voidVersionWithAVersionIsAUsageError() throws {
    let before = LedgerFiles.sha256(db)
    let result = try run([
      "correct", "retract", "--version", "mobile-devices@1", "--void-version", "--issued-at", "2020-08-01", "--statement", "S",
      "--reason", "r",
    ])
    #expect(result.status == 64)
    #expect(result.stderr.hasPrefix("Error: --void-version goes with --notice: a retraction of a version voids it already.\n"))
    #expect(LedgerFiles.sha256(db) == before)
  }

  @Test func aLedgerInAMissingFolderSaysTheFolderIsMissing() throws {
    let path = dir.file("nodir/x.db")
    let result = try CLI.run(["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "2020-01-01", "--db", path])
    #expect(result.status == 2)
    #expect(result.stderr == "policy-ledger: error: cannot create a ledger at \(path): there is no folder '\(dir.file("nodir"))'\n")
  }
}
