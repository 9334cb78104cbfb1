import Foundation
import Testing

/// The migrations travel inside the binary: a copy of it alone in an empty folder, with
/// no resource bundle beside it, creates, migrates and verifies a ledger.
struct StandaloneBinaryTests {
  @Test func aBinaryCopiedAloneIntoAnEmptyFolderWorks() throws {
    let dir = try TemporaryDirectory()
    let copy = dir.file("policy-ledger")
    // Written through a descriptor that closes on exec, so that no child another test
    // starts meanwhile can hold the copy open for writing (copyItem's does not).
    let bytes = try Data(contentsOf: CLI.binary)
    let descriptor = open(copy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
    try #require(descriptor >= 0, "cannot create \(copy): errno \(errno)")
    let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: false)
    writeAll(bytes, to: handle)
    try #require(close(descriptor) == 0)
    try #require(try FileManager.default.attributesOfItem(atPath: copy)[.size] as? Int == bytes.count)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["policy-ledger"])

    func run(_ arguments: [String]) throws -> (status: Int32, stdout: String) {
      let (process, out) = try launch {
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
        return (process, out)
      }
      let data = readToEnd(out.fileHandleForReading)
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

  /// Starts a process that `make` sets up, with a new one each time the kernel says the
  /// copy is busy (`ETXTBSY`): a child that another test's thread forked while the copy
  /// was open for writing holds that descriptor until it executes its own program (its
  /// close-on-exec flag shortens the wait, but the fork may come first). Go's test suites
  /// retry the same way.
  private func launch(_ make: () -> (Process, Pipe)) throws -> (Process, Pipe) {
    for attempt in 1... {
      let (process, out) = make()
      do {
        try process.run()
        return (process, out)
      } catch let error as NSError
        where attempt < 50
        && (error.userInfo[NSUnderlyingErrorKey] as? NSError).map({ $0.domain == NSPOSIXErrorDomain && $0.code == Int(ETXTBSY) }) == true
      {
        Thread.sleep(forTimeInterval: 0.1)
      }
    }
    fatalError("unreachable")
  }
}
