import Foundation
import Testing

/// `Examples/LedgerExample`, a package of its own that depends on this one by path, builds
/// against the library's public API and prints the worked example's answers (README,
/// "Using the library from Swift"). Slow: its first build compiles the library and its
/// dependencies again, in the example's own `.build`.
@Suite(.tags(.slow)) struct ExamplePackageBuild {
  static let package = FastLaneTests.root.appendingPathComponent("Examples/LedgerExample").path

  /// Runs `program arguments…` (found on `PATH`), its output collected in files.
  static func run(_ program: String, _ arguments: [String], in dir: TemporaryDirectory) throws -> CLIResult {
    let out = dir.file("stdout-\(UUID().uuidString)"), err = dir.file("stderr-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    _ = FileManager.default.createFile(atPath: err, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [program] + arguments
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
    try process.run()
    process.waitUntilExit()
    return CLIResult(
      stdout: try String(contentsOfFile: out, encoding: .utf8), stderr: try String(contentsOfFile: err, encoding: .utf8),
      status: process.terminationStatus)
  }

  @Test func theExampleBuildsAndAnswersTheWorkedExample() throws {
    let dir = try TemporaryDirectory()
    let built = try Self.run("swift", ["build", "--package-path", Self.package], in: dir)
    #expect(built.status == 0, "\(built.stdout)\n\(built.stderr)")
    let example = Self.package + "/.build/debug/ledger-example"
    let db = dir.file("example.db")

    let result = try Self.run(example, [db], in: dir)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.isEmpty)
    #expect(result.lines == [
      "in force at 12:00, as known now: v1",
      "in force at 12:00, as known at 12:00: v2",
      "in force at 15:00, as told to E1004: v2",
      "in force at 15:00, as told to E1001: v1",
      "history: v1 in_force",
      "history: v2 void, corrected by R-2020-07-10-1400",
      "outstanding: E1004 (R-2020-07-10-1400)",
      "verify: ok, 5 entries",
    ])

    // The ledger it wrote is an ordinary one: the command line verifies it and agrees.
    let verify = try CLI.run(["verify", "--db", db])
    #expect(verify.status == 0 && verify.stdout.hasPrefix("ok: 5 entries verified"), "\(verify.stderr)")
    let inForce = try CLI.run([
      "in-force", "mobile-devices", "--at", "2020-07-10T15:00-07:00", "--as-told-to", "E1004", "--format", "csv",
      "--no-headers", "--db", db,
    ])
    #expect(inForce.status == 0, "\(inForce.stderr)")
    #expect(inForce.stdout.hasPrefix("mobile-devices,2,"))

    // Given a file that exists, it refuses with status 2 and leaves the file as it was.
    let before = try Data(contentsOf: URL(fileURLWithPath: db))
    let again = try Self.run(example, [db], in: dir)
    #expect(again.status == 2)
    #expect(again.stderr == "ledger-example: \(db) exists; give a new file\n")
    #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
  }
}
