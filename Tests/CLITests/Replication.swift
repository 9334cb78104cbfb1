import Foundation
import Testing

/// The programs the replication tests run, found through an environment variable that
/// `.ci/run` exports, the virtual environment it creates (`.build-venv/`), or `PATH`.
enum ReplicationTools {
  static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  static func find(_ name: String, variable: String) -> String? {
    let environment = ProcessInfo.processInfo.environment
    if let path = environment[variable], !path.isEmpty {
      return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }
    let folders = [packageRoot.appendingPathComponent(".build-venv/bin").path]
      + (environment["PATH"] ?? "").split(separator: ":").map(String.init)
    return folders.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  static let litestream = find("litestream", variable: "POLICY_LEDGER_LITESTREAM")
  static let motoServer = find("moto_server", variable: "POLICY_LEDGER_MOTO_SERVER")
  static let python = find("python3", variable: "POLICY_LEDGER_PYTHON")

  /// The environment the tools run with: no CA bundle (Litestream refuses a custom
  /// endpoint while AWS_CA_BUNDLE is set: "unable to add custom RootCAs"), dummy
  /// credentials, and no profile or proxy that could send a request off this machine.
  static var environment: [String: String] {
    var env = ProcessInfo.processInfo.environment
    for key in env.keys where key.hasPrefix("AWS_") || key.lowercased().hasSuffix("_proxy") { env[key] = nil }
    env["AWS_ACCESS_KEY_ID"] = "test"
    env["AWS_SECRET_ACCESS_KEY"] = "test"
    env["AWS_REGION"] = "us-east-1"
    env["NO_PROXY"] = "127.0.0.1"
    return env
  }

  /// How many random-kill rounds to run: `POLICY_LEDGER_KILL_RUNS` (`.ci/run` sets 20), else 4.
  static var killRuns: Int { Int(ProcessInfo.processInfo.environment["POLICY_LEDGER_KILL_RUNS"] ?? "") ?? 4 }
}

/// A program started by a test and stopped by it: output to a log file, killed on release.
final class Child: @unchecked Sendable {
  let process = Process()
  let log: String

  init(_ executable: String, _ arguments: [String], log: String, environment: [String: String] = ReplicationTools.environment) throws {
    self.log = log
    try #require(FileManager.default.createFile(atPath: log, contents: nil), "cannot create \(log)")
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = environment
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    try process.run()
  }

  var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

  /// Sends `signal` and waits for the program to end: at most 10 s, then SIGKILL.
  func stop(_ signal: Int32 = SIGTERM) {
    if process.isRunning { kill(process.processIdentifier, signal) }
    let deadline = Date().addingTimeInterval(10)
    while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
  }

  deinit { stop(SIGKILL) }
}

/// Appends policy versions to a ledger, one `policy-ledger policy add` process after
/// another, until killed: `kill()` SIGKILLs the process that is appending at that moment.
final class Appender: @unchecked Sendable {
  private let lock = NSLock()
  private var current: Process?
  private var stopped = false
  private let done = DispatchSemaphore(value: 0)

  init(db: String, prefix: String) {
    Thread.detachNewThread { [self] in
      var i = 0
      while true {
        i += 1
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["policy", "add", "\(prefix)\(i)", "--title", "t", "--body", "body \(i)", "--effective-from", "2021-01-01", "--db", db]
        process.environment = ReplicationTools.environment.merging(["POLICY_LEDGER_ACTOR": "writer"]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        lock.lock()
        if stopped || (try? process.run()) == nil {
          lock.unlock()
          done.signal()
          return
        }
        current = process
        lock.unlock()
        process.waitUntilExit()
      }
    }
  }

  /// Kills the append in progress, if any, and stops appending.
  func kill() {
    lock.lock()
    stopped = true
    if let current, current.isRunning { Foundation.kill(current.processIdentifier, SIGKILL) }
    lock.unlock()
    done.wait()
  }
}

/// A ledger being replicated by `litestream replicate`, with its config file.
final class ReplicatedLedger {
  let dir: TemporaryDirectory
  let config: String
  var replicator: Child?
  var db: String { dir.file("ledger.db") }

  /// `replica` is the YAML of the one replica (indented under `replica:`); `settings` are
  /// top-level settings.
  init(dir: TemporaryDirectory, replica: String, settings: String = "") throws {
    self.dir = dir
    config = try dir.write(
      "litestream.yml",
      settings + """
        dbs:
          - path: \(dir.file("ledger.db"))
            replica:
        \(replica)
        """)
  }

  func startReplicating() throws {
    replicator = try Child(
      try #require(ReplicationTools.litestream), ["replicate", "-config", config], log: dir.file("replicate-\(UUID().uuidString).log"))
  }

  /// `litestream restore` into `path`, with `options` (such as `-timestamp T`), under umask
  /// 077 as docs/replication.md says, so that the copy is private like the ledger.
  func restore(to path: String, _ options: [String] = []) throws -> CLIResult {
    let litestream = try #require(ReplicationTools.litestream)
    let command = (["umask 077; exec \"$0\" restore -config \"$1\" -o \"$2\""] + options.map { "'\($0)'" }).joined(separator: " ") + " \"$3\""
    return try Self.run("/bin/sh", ["-c", command, litestream, config, path, db])
  }

  /// Restores until the copy's head is `head`, for at most `seconds`; returns the copy.
  func restoreCatchingUp(to head: String, within seconds: Double = 30) throws -> String {
    let deadline = Date().addingTimeInterval(seconds)
    var attempt = 0
    while true {
      attempt += 1
      let path = dir.file("caught-up-\(attempt).db")
      let result = try restore(to: path)
      if result.status == 0, try CLI.run(["head", "--db", path]).stdout == head { return path }
      guard Date() < deadline else {
        Issue.record("the replica did not reach \(head) in \(seconds) s: \(result.stderr)\n\(replicator?.output ?? "")")
        return path
      }
      Thread.sleep(forTimeInterval: 0.5)
    }
  }

  /// The bytes of every file under `folder`.
  static func bytes(under folder: String) -> Int {
    let files = FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []
    return files.reduce(0) { total, file in
      total + ((try? FileManager.default.attributesOfItem(atPath: folder + "/" + file)[.size] as? Int) ?? 0)
    }
  }

  /// Runs a program to its end with the tools' environment.
  static func run(_ executable: String, _ arguments: [String]) throws -> CLIResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ReplicationTools.environment
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errData = readToEnd(err.fileHandleForReading)
      group.leave()
    }
    let outData = readToEnd(out.fileHandleForReading)
    group.wait()
    process.waitUntilExit()
    return CLIResult(
      stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self),
      status: process.terminationStatus)
  }
}

/// `moto_server`, a local S3-compatible server, on 127.0.0.1 and a free port, with one bucket.
final class LocalS3 {
  let server: Child
  let port: Int
  let bucket = "ledger-replica"
  var endpoint: String { "http://127.0.0.1:\(port)" }

  init(dir: TemporaryDirectory) throws {
    port = try Self.freePort()
    server = try Child(
      try #require(ReplicationTools.motoServer), ["-H", "127.0.0.1", "-p", String(port)], log: dir.file("moto.log"))
    // Create the bucket once the server answers (moto accepts unsigned requests).
    let python = try #require(ReplicationTools.python)
    let create = "import urllib.request,sys; urllib.request.urlopen(urllib.request.Request(sys.argv[1], method='PUT'), timeout=2)"
    // A cold start of moto's Python imports takes seconds, more on a loaded machine.
    let deadline = Date().addingTimeInterval(60)
    while try ReplicatedLedger.run(python, ["-c", create, "\(endpoint)/\(bucket)"]).status != 0 {
      guard Date() < deadline else { throw CocoaError(.fileReadUnknown, userInfo: ["log": server.output]) }
      Thread.sleep(forTimeInterval: 0.2)
    }
  }

  /// The replica settings of a Litestream config for this server.
  func replica(path: String) -> String {
    """
          type: s3
          bucket: \(bucket)
          path: \(path)
          endpoint: \(endpoint)
          region: us-east-1
          force-path-style: true
          access-key-id: test
          secret-access-key: test
    """
  }

  /// A TCP port nothing listens on now, from the kernel.
  static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
      }
    }
    guard bound else { throw POSIXError(.EADDRNOTAVAIL) }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  deinit { server.stop(SIGKILL) }
}
