import Foundation
import Testing

@testable import policy_ledger

/// An option given twice: a list option adds to its list; any other option with two
/// different values is a usage error, never one value dropped without a word.
@Suite struct RepeatedOptionsCLITests {
  /// One option of one command, as the binary declares it (`--experimental-dump-help`).
  struct Declared: CustomStringConvertible {
    var command: [String]
    var name: String
    var kind: String
    var isRepeating: Bool
    var description: String { (command + ["--" + name]).joined(separator: " ") }
  }

  static func declared() throws -> [Declared] {
    let dump = try CLI.run(["--experimental-dump-help"])
    try #require(dump.status == 0, "\(dump.stderr)")
    let root = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
    var found: [Declared] = []
    func walk(_ command: [String: Any], _ path: [String]) {
      for argument in command["arguments"] as? [[String: Any]] ?? [] {
        let kind = argument["kind"] as? String ?? ""
        guard kind != "positional" else { continue }
        for name in argument["names"] as? [[String: Any]] ?? [] where name["kind"] as? String == "long" {
          found.append(
            Declared(command: path, name: name["name"] as? String ?? "", kind: kind, isRepeating: argument["isRepeating"] as? Bool ?? false))
        }
      }
      for sub in command["subcommands"] as? [[String: Any]] ?? [] {
        walk(sub, path + [sub["commandName"] as? String ?? ""])
      }
    }
    walk(try #require(root["command"] as? [String: Any]), [])
    return found
  }

  /// Every option of every command, given twice with two values: refused naming both
  /// unless the option is a list; a flag given twice is no error of this kind.
  @Test func everyOptionGivenTwiceIsAddedToOrRefused() throws {
    let options = try Self.declared()
    #expect(options.count > 100, "the dump lists the commands' options")
    // No name is a flag in one command and takes a value in another.
    for option in options where option.kind == "flag" {
      #expect(!options.contains { $0.name == option.name && $0.kind == "option" }, "\(option)")
    }
    var refused = 0
    for option in options where option.name != "db" && option.name != "tz" && option.name != "help" {
      let flag = "--" + option.name
      let twice = option.kind == "flag" ? [flag, flag] : [flag, "a", flag, "b"]
      let result = try CLI.run(option.command + twice)
      if option.kind == "option" && !option.isRepeating {
        #expect(result.status == 64, "\(option): \(result.stderr)")
        #expect(result.stderr == "policy-ledger: error: \(flag) is given twice with different values: 'a' and 'b'\n", "\(option)")
        #expect(result.stdout.isEmpty, "\(option)")
        refused += 1
      } else {
        #expect(!result.stderr.contains("given twice"), "\(option): \(result.stderr)")
      }
    }
    #expect(refused > 100)
    // The lists that add up.
    let lists = options.filter(\.isRepeating).map(\.description).sorted()
    #expect(
      lists == [
        "correct amend --to", "correct resend --to", "correct retract --to", "employee join --groups", "notice resend --to",
        "notice send --announces", "notice send --to", "policy add --applies-to",
      ])
  }

  /// The lists the check reads (which options add up, which take no value) are what the
  /// commands declare.
  @Test func theChecksListsAreWhatTheCommandsDeclare() throws {
    let options = try Self.declared()
    let repeating = options.filter(\.isRepeating).map(\.description)
    #expect(Set(repeating) == Set(LeadingArguments.repeatable))
    let flags = Set(options.filter { $0.kind == "flag" }.map { "--" + $0.name })
    #expect(flags.subtracting(LeadingArguments.flags).isEmpty, "flags the check would read as taking a value: \(flags.subtracting(LeadingArguments.flags))")
    #expect(Set(LeadingArguments.flags).subtracting(flags) == ["--experimental-dump-help"])
  }

  @Test func theSameValueTwiceAndTheEqualsFormAreJudgedAlike() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("l.db")
    let add = ["policy", "add", "p", "--body", "B", "--effective-from", "2020-01-01", "--db", db]
    let same = try CLI.run(add + ["--title", "T", "--title=T"])
    #expect(same.status == 0, "\(same.stderr)")
    let before = LedgerFiles.sha256(db)
    let different = try CLI.run(add + ["--title=T", "--title", "U"])
    #expect(different.status == 64)
    #expect(different.stderr == "policy-ledger: error: --title is given twice with different values: 'T' and 'U'\n")
    // Two spellings of é are two values, as two ids spelt so are two ids.
    let accents = try CLI.run(add + ["--title", "Jos\u{E9}", "--title", "Jose\u{301}"])
    #expect(accents.status == 64)
    #expect(LedgerFiles.sha256(db) == before, "nothing written")
    // After `--`, nothing is an option, and nothing is judged a repeat of one.
    let ended = try CLI.run(["show", "--db", db, "--format", "csv", "--", "--format=json"])
    #expect(!ended.stderr.contains("given twice"), "\(ended.stderr)")
    #expect(ended.stderr == "policy-ledger: error: no notice, correction or version '--format=json' in this ledger (name a version as KEY@N)\n")
  }

  @Test func aRepeatedListOptionAddsToTheEntry() throws {
    let dir = try TemporaryDirectory()
    let db = dir.file("l.db")
    @discardableResult func run(_ arguments: [String]) throws -> CLIResult {
      let result = try CLI.run(arguments + ["--db", db])
      #expect(result.status == 0, "\(arguments): \(result.stderr)")
      return result
    }
    func column(_ arguments: [String], _ index: Int) throws -> [String] {
      try run(arguments + ["--format", "csv"]).lines.dropFirst().map { String($0.split(separator: ",", omittingEmptySubsequences: false)[index]) }
    }
    try run(["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "2020-01-01", "--applies-to", "staff", "--applies-to", "ops"])
    #expect(try column(["history", "p"], 8) == ["staff;ops"])
    try run(["employee", "join", "E1", "--at", "2020-01-01", "--groups", "staff", "--groups", "ops,eng"])
    #expect(try column(["employees", "--at", "2020-06-01"], 1) == ["staff;ops;eng"])
    try run([
      "notice", "send", "--id", "N1", "--subject", "S", "--body", "B", "--sent-at", "2020-02-01", "--sender", "hr", "--announces", "p@1",
      "--to", "E1", "--to", "E2,E3",
    ])
    #expect(try column(["recipients", "N1"], 1) == ["E1", "E2", "E3"])
    try run(["notice", "resend", "N1", "--sent-at", "2020-02-02", "--to", "E7", "--to", "E8"])
    #expect(try column(["recipients", "N1"], 1) == ["E1", "E2", "E3", "E7", "E8"])
    try run([
      "correct", "retract", "--notice", "N1", "--id", "R1", "--issued-at", "2020-03-01", "--statement", "S", "--reason", "r",
      "--to", "E1", "--to", "E2",
    ])
    #expect(try column(["recipients", "R1"], 1) == ["E1", "E2"])
    try run(["correct", "resend", "R1", "--sent-at", "2020-03-02", "--to", "E3", "--to", "E7"])
    #expect(try column(["recipients", "R1"], 1) == ["E1", "E2", "E3", "E7"])
    #expect(try column(["outstanding", "--notice", "N1"], 1) == ["E8"])
    // A name in two of the repeats is named twice, as within one.
    let before = LedgerFiles.sha256(db)
    let twice = try CLI.run(["employee", "join", "E2", "--at", "2020-01-01", "--groups", "staff", "--groups", "staff", "--db", db])
    #expect(twice.status == 2)
    #expect(twice.stderr == "policy-ledger: error: invalid --groups 'staff,staff': group 'staff' is named twice\n")
    #expect(LedgerFiles.sha256(db) == before)
  }
}
