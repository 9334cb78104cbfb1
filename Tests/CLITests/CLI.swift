import Foundation
import Testing

/// Runs the built `policy-ledger` binary as a user would, capturing stdout, stderr and
/// the exit status separately.
struct CLIResult {
  var stdout: String
  var stderr: String
  var status: Int32

  /// stdout's lines, without the final empty one.
  var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
}

enum CLI {
  /// The `policy-ledger` binary beside the test bundle (`.build/<triple>/debug/`), or the
  /// one `POLICY_LEDGER_TEST_BINARY` names: how the CLI tests check the installed build
  /// (README, "Set up"; docs/performance.md, "Start-up").
  static let binary: URL = {
    if let path = ProcessInfo.processInfo.environment["POLICY_LEDGER_TEST_BINARY"], !path.isEmpty {
      return URL(fileURLWithPath: path)
    }
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    return exe.deletingLastPathComponent().appendingPathComponent("policy-ledger")
  }()

  /// SIGPIPE ignored, once for the whole test process: a child that exits without reading
  /// its standard input (a usage error) makes the write of that input fail with EPIPE,
  /// which must be an error to ignore, not a signal that ends every test at once.
  static let brokenPipesAreErrors: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

  /// Runs `policy-ledger args…` and waits for it. With a `launcher` (such as
  /// `["/usr/bin/setpriv", "--reuid=65534", …]`), runs `launcher… policy-ledger args…`.
  @discardableResult
  static func run(
    _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
    currentDirectory: String? = nil, launcher: [String] = []
  ) throws -> CLIResult {
    CLI.brokenPipesAreErrors
    let process = Process()
    if let program = launcher.first {
      process.executableURL = URL(fileURLWithPath: program)
      process.arguments = launcher.dropFirst() + [binary.path] + arguments
    } else {
      process.executableURL = binary
      process.arguments = arguments
    }
    var env = ProcessInfo.processInfo.environment
    env["POLICY_LEDGER_DB"] = nil
    env["POLICY_LEDGER_ARGUMENT_PARSER"] = nil
    env["POLICY_LEDGER_TZ"] = nil
    env["POLICY_LEDGER_ACTOR"] = "cli-test"
    for (key, value) in environment { env[key] = value }
    process.environment = env
    if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    // Drain both pipes concurrently so a large output never blocks the child.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errData = readToEnd(err.fileHandleForReading)
      group.leave()
    }
    if let stdin { writeAll(Data(stdin.utf8), to: input.fileHandleForWriting) }
    try input.fileHandleForWriting.close()
    let outData = readToEnd(out.fileHandleForReading)
    group.wait()
    process.waitUntilExit()
    return CLIResult(
      stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self),
      status: process.terminationStatus)
  }
}

/// A program that outlives the moment it starts and is not started by Foundation's `Process`
/// (the tmux server, through popen(3)) is started through bash with every descriptor but
/// 0-2 closed first: a child inherits each descriptor of this process not marked
/// close-on-exec, such as the write end of a pipe another test's thread has just made for
/// its own child, and would keep it for its whole life; that test's reader would never see
/// its end.
///
/// Not for a `Process`: Foundation learns that its child ended when a socket the child
/// inherits closes, so a child that closes it at once is taken for ended, and the wait
/// for it blocks the queue that reaps every other child of the test process.
enum InheritedDescriptors {
  static let closingPrologue =
    #"for f in /proc/$$/fd/*; do n=${f##*/}; if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi; done; exec "$@""#

  /// The command line that runs `program arguments…` with only 0-2 inherited.
  static func closed(_ program: String, _ arguments: [String]) -> [String] {
    ["/bin/bash", "-c", closingPrologue, program, program] + arguments
  }
}

/// Reads a pipe to its end, retrying reads that a signal interrupted: Foundation's
/// `readDataToEndOfFile` traps on `EINTR`, which the SIGCHLD of the many processes that
/// parallel tests start can cause.
func readToEnd(_ handle: FileHandle) -> Data {
  var data = Data()
  var buffer = [UInt8](repeating: 0, count: 65_536)
  while true {
    let n = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
    if n > 0 {
      data.append(contentsOf: buffer[0..<n])
    } else if n == 0 || errno != EINTR {
      return data
    }
  }
}

/// Writes all of `data` to a pipe, retrying writes that a signal interrupted.
func writeAll(_ data: Data, to handle: FileHandle) {
  data.withUnsafeBytes { bytes in
    var offset = 0
    while offset < bytes.count {
      let n = write(handle.fileDescriptor, bytes.baseAddress! + offset, bytes.count - offset)
      if n > 0 {
        offset += n
      } else if errno != EINTR {
        return
      }
    }
  }
}

/// A temporary folder, removed when released.
final class TemporaryDirectory {
  let path: String

  init() throws {
    path = FileManager.default.temporaryDirectory.appendingPathComponent("policy-ledger-test-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  func file(_ name: String) -> String { path + "/" + name }

  func write(_ name: String, _ text: String) throws -> String {
    let file = file(name)
    try Data(text.utf8).write(to: URL(fileURLWithPath: file))
    return file
  }

  deinit {
    try? FileManager.default.removeItem(atPath: path)
  }
}

/// A folder holding the demo's ledger (the worked example), for suites that query it.
struct DemoLedger {
  let dir: TemporaryDirectory
  let db: String

  init() throws {
    dir = try TemporaryDirectory()
    db = dir.file("demo.db")
    let demo = try CLI.run(["demo", "--db", db])
    precondition(demo.status == 0, demo.stderr)
  }
}

/// A suite that runs its commands against a ``DemoLedger``.
protocol OnDemoLedger {
  var demo: DemoLedger { get }
}

extension OnDemoLedger {
  var dir: TemporaryDirectory { demo.dir }
  var db: String { demo.db }

  /// Runs `policy-ledger arguments… --db DEMO`.
  func run(_ arguments: [String]) throws -> CLIResult { try CLI.run(arguments + ["--db", db]) }
}
