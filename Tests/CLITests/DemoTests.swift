import Foundation
import Testing

struct DemoTests {
  @Test func demoPrintsEveryAnswerOfTheWorkedExample() throws {
    let dir = try TemporaryDirectory()
    let result = try CLI.run(["demo", "--db", dir.file("demo.db")])
    #expect(result.status == 0, "stderr: \(result.stderr)")
    #expect(result.stderr.isEmpty)
    let answers = result.lines.filter { $0.contains("->") }.map { $0.components(separatedBy: "->")[1] }
    #expect(answers.map { $0.split(separator: ":")[0].trimmingCharacters(in: .whitespaces) } == [
      "version 1", "version 2", "version 1", "version 1", "version 2", "version 1", "version 1",
    ])
    #expect(result.stdout.contains("N-2020-07-10-0800  E1004     R-2020-07-10-1400  retraction"))
    #expect(result.stdout.contains("Verify: ok"))
    // It ends with the resend to the one person the retraction missed, an empty
    // `outstanding`, and verify.
    let ending = Array(result.lines.suffix(14))
    #expect(ending.first?.hasPrefix("16:00  the retraction is sent again to those it missed: policy-ledger --db ") == true, "\(ending)")
    #expect(ending.contains { $0.hasPrefix("R-2020-07-10-1400  E1004     received                   2020-07-10T16:00:00-07:00") }, "\(ending)")
    #expect(ending.suffix(5).dropLast() == [
      "Outstanding after the resend: none, every recipient of the notice has now received the retraction (policy-ledger --db \(dir.file("demo.db")) outstanding --tz America/Los_Angeles)",
      "notice  employee  correction  correction_kind",
      "------  --------  ----------  ---------------",
      "",
    ])
    // The head the top line gave was before the resend; the last line gives it after.
    let head = try CLI.run(["head", "--db", dir.file("demo.db")]).stdout.trimmingCharacters(in: .newlines)
    #expect(ending.last == "Verify: ok, the hash chain and every table match the journal; head now \(head)")
    // The resend's command as printed is the one to type; run again, nothing is left to reach.
    let printed = try #require(ending.first?.components(separatedBy: "missed: policy-ledger ").last)
    let again = try CLI.run(printed.split(separator: " ").map(String.init))
    #expect(again.status != 0)
    #expect(again.stderr == "policy-ledger: error: nothing is outstanding for 'R-2020-07-10-1400': every recipient of what it corrects has received it\n")
    let verify = try CLI.run(["verify", "--db", dir.file("demo.db")])
    #expect(verify.status == 0)
    #expect(verify.stdout.hasPrefix("ok: 14 entries verified; head 14:"))
  }

  @Test func demoRefusesToWriteIntoAnExistingFile() throws {
    let dir = try TemporaryDirectory()
    let existing = try dir.write("taken.db", "not mine")
    let result = try CLI.run(["demo", "--db", existing])
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr == "policy-ledger: error: '\(existing)' exists; the demo needs a new file\n")
    #expect(try String(contentsOfFile: existing, encoding: .utf8) == "not mine")
  }
}

/// The queries the demo prints beside its tables print the same tables again.
struct DemoQueriesTests {
  @Test func eachPrintedQueryPrintsItsTableAgain() throws {
    let dir = try TemporaryDirectory()
    let demo = try CLI.run(["demo", "--db", dir.file("kept.db")])
    try #require(demo.status == 0)
    #expect(!demo.stdout.contains("spec"))
    let lines = demo.lines
    var checked = 0
    for (index, line) in lines.enumerated() where line.hasSuffix(")") && line.contains("(policy-ledger ") {
      let command = line[line.range(of: "(policy-ledger ")!.upperBound...].dropLast()
      let arguments = command.split(separator: " ").map(String.init)
      #expect(arguments.starts(with: ["--db", dir.file("kept.db")]), "\(line)")
      let again = try CLI.run(arguments)
      #expect(again.status == 0, "\(again.stderr)")
      // The table printed after the label, up to the blank line.
      let table = lines[(index + 1)...].prefix { !$0.isEmpty }
      #expect(again.lines == Array(table), "\(line)")
      checked += 1
    }
    #expect(checked == 7)
  }
}
