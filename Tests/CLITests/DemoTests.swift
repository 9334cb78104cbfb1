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
    let verify = try CLI.run(["verify", "--db", dir.file("demo.db")])
    #expect(verify.status == 0)
    #expect(verify.stdout.hasPrefix("ok: 7 entries verified; head 7:"))
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
