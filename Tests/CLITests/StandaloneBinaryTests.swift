import Foundation
import Testing

/// The migrations travel inside the binary: a copy of it alone in an empty folder, with
/// no resource bundle beside it, creates, migrates and verifies a ledger.
struct StandaloneBinaryTests {
  @Test func aBinaryCopiedAloneIntoAnEmptyFolderWorks() throws {
    let dir = try TemporaryDirectory()
    let copy = dir.file("policy-ledger")
    try FileManager.default.copyItem(atPath: CLI.binary.path, toPath: copy)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["policy-ledger"])

    func run(_ arguments: [String]) throws -> (status: Int32, stdout: String) {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: copy)
      process.arguments = arguments
      process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
      var env = ProcessInfo.processInfo.environment
      env["POLICY_LEDGER_DB"] = nil
      process.environment = env
      let out = Pipe()
      process.standardOutput = out
      process.standardError = FileHandle.nullDevice
      try process.run()
      let data = out.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    let added = try run(["policy", "add", "p", "--title", "T", "--body", "B", "--effective-from", "2020-01-01"])
    #expect(added.status == 0)
    #expect(added.stdout == "p@1\n")
    #expect(FileManager.default.fileExists(atPath: dir.file("policy-ledger.db")))
    #expect(try run(["verify"]).status == 0)
    #expect(try run(["in-force", "p", "--at", "2020-06-01", "--format", "csv"]).stdout.hasPrefix("policy,version"))
  }
}
