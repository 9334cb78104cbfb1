import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Seconds on the monotonic clock.
func monotonicSeconds() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Runs `body` and returns its wall time in seconds.
func timed(_ body: () throws -> Void) rethrows -> Double {
  let start = monotonicSeconds()
  try body()
  return monotonicSeconds() - start
}

/// CPU time of the calling thread, in seconds.
func threadCPUSeconds() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Runs `body` and returns its wall time and this thread's CPU time, in seconds.
func timedWithCPU(_ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
  let cpu = threadCPUSeconds()
  let start = monotonicSeconds()
  try body()
  return (monotonicSeconds() - start, threadCPUSeconds() - cpu)
}

func median(_ values: [Double]) -> Double {
  precondition(!values.isEmpty)
  let sorted = values.sorted()
  let mid = sorted.count / 2
  return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

func percentile(_ values: [Double], _ p: Double) -> Double {
  let sorted = values.sorted()
  let index = min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)
  return sorted[max(0, index)]
}

/// Peak resident memory of this process, in KiB, since the last ``resetPeakRSS()``.
///
/// Linux keeps the peak in `VmHWM`; writing 5 to `/proc/self/clear_refs` resets it
/// (https://www.kernel.org/doc/html/latest/filesystems/proc.html), so each in-process case
/// reports its own peak rather than the largest so far.
func peakRSSKiB() -> Int {
  guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
  for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
    return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
  }
  return 0
}

func resetPeakRSS() {
  let fd = open("/proc/self/clear_refs", O_WRONLY)
  if fd >= 0 {
    _ = write(fd, "5", 1)
    close(fd)
  }
}

/// What a child process did: exit status, wall time and peak resident memory.
struct ChildRun {
  var status: Int32
  var seconds: Double
  /// User + system CPU time: steadier than wall time on a shared machine.
  var cpuSeconds: Double
  /// Not the child's own peak: Linux carries the parent's peak over into a child that
  /// posix_spawn (vfork) starts, so a large benchmark process inflates it. See ``peakRSSOfChildren``.
  var maxRSSKiB: Int
}

struct BenchError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// Runs `argv` as a child process (posix_spawn) with stdin and stdout redirected to files
/// (default /dev/null), stderr to `stderrPath` (default inherited), and reports its wall
/// time and peak RSS as `wait4` sees them.
func runChild(_ argv: [String], stdin: String? = nil, stdout: String? = nil, stderr: String? = nil) throws -> ChildRun {
  var actions = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  posix_spawn_file_actions_addopen(&actions, 0, stdin ?? "/dev/null", O_RDONLY, 0)
  posix_spawn_file_actions_addopen(&actions, 1, stdout ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
  if let stderr { posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
  let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
  defer { for p in cArgs { free(p) } }
  var pid: pid_t = 0
  let start = monotonicSeconds()
  let code = posix_spawnp(&pid, argv[0], &actions, nil, cArgs, environ)
  guard code == 0 else { throw BenchError("cannot run \(argv[0]): \(String(cString: strerror(code)))") }
  return try waitForChild(pid, startedAt: start)
}

/// Runs `argv` as a child process (posix_spawn) with its stdout on a pipe that this process
/// reads to the end, as a script calling the command does (`answer=$(policy-ledger …)`),
/// stdin from /dev/null and stderr to `stderr`; the time runs from the spawn to `wait4`,
/// so it covers the process start, the answer and reading it. Returns the run and the
/// bytes the child wrote.
func runChildReading(_ argv: [String], stderr: String) throws -> (run: ChildRun, output: [UInt8]) {
  var fds: [Int32] = [-1, -1]
  guard pipe(&fds) == 0 else { throw BenchError("pipe failed: \(String(cString: strerror(errno)))") }
  let (readEnd, writeEnd) = (fds[0], fds[1])
  var actions = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
  posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
  posix_spawn_file_actions_addclose(&actions, readEnd)
  posix_spawn_file_actions_addclose(&actions, writeEnd)
  posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
  let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
  defer { for p in cArgs { free(p) } }
  var pid: pid_t = 0
  var output: [UInt8] = []
  let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
  defer { buffer.deallocate() }
  let start = monotonicSeconds()
  let code = posix_spawnp(&pid, argv[0], &actions, nil, cArgs, environ)
  close(writeEnd)
  guard code == 0 else {
    close(readEnd)
    throw BenchError("cannot run \(argv[0]): \(String(cString: strerror(code)))")
  }
  while true {
    let n = read(readEnd, buffer, 1 << 16)
    if n > 0 {
      output.append(contentsOf: UnsafeBufferPointer(start: buffer, count: n))
    } else if n == 0 || errno != EINTR {
      break
    }
  }
  close(readEnd)
  return (try waitForChild(pid, startedAt: start), output)
}

/// Waits for child `pid` (spawned at `start`, by ``monotonicSeconds()``) and returns its
/// exit status, wall time, CPU time (user + system, from `wait4`) and peak memory.
private func waitForChild(_ pid: pid_t, startedAt start: Double) throws -> ChildRun {
  var status: Int32 = 0
  var usage = rusage()
  while wait4(pid, &status, 0, &usage) < 0 {
    guard errno == EINTR else { throw BenchError("wait4 failed: \(String(cString: strerror(errno)))") }
  }
  let seconds = monotonicSeconds() - start
  // WEXITSTATUS / WIFEXITED by hand: the macros are not imported into Swift.
  let exited = (status & 0x7f) == 0
  let exitStatus = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
  let cpu =
    Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
    + Double(usage.ru_stime.tv_usec) / 1e6
  return ChildRun(status: exitStatus, seconds: seconds, cpuSeconds: cpu, maxRSSKiB: Int(usage.ru_maxrss))
}

/// Prepended to every child's argv by ``runChecked`` while set: the peak-memory runs go
/// through GNU time (see ``Bench/alternate``).
nonisolated(unsafe) var childPrefix: [String] = []

/// Runs a child and throws, with its stderr, when it exits non-zero.
@discardableResult
func runChecked(_ argv: [String], stdin: String? = nil, stdout: String? = nil, scratch: String) throws -> ChildRun {
  let errPath = scratch + "/stderr.txt"
  let run = try runChild(childPrefix + argv, stdin: stdin, stdout: stdout, stderr: errPath)
  if run.status != 0 {
    let message = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    throw BenchError("\(argv.prefix(3).joined(separator: " ")) … exited \(run.status): \(message.prefix(2000))")
  }
  return run
}

/// ``runChildReading(_:stderr:)`` behind ``childPrefix``, throwing with the child's stderr
/// when it exits non-zero.
func runCheckedReading(_ argv: [String], scratch: String) throws -> (run: ChildRun, output: [UInt8]) {
  let errPath = scratch + "/stderr.txt"
  let result = try runChildReading(childPrefix + argv, stderr: errPath)
  if result.run.status != 0 {
    let message = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    throw BenchError("\(argv.prefix(3).joined(separator: " ")) … exited \(result.run.status): \(message.prefix(2000))")
  }
  return result
}

/// How an ELF executable is linked, from `readelf -h -d`: whether it is position-independent
/// (address randomisation of its own code), which shared libraries it names, and so whether
/// the Swift runtime is linked into it.
struct Linkage: CustomStringConvertible {
  var positionIndependent: Bool
  var needed: [String]
  var staticSwift: Bool { !needed.contains { $0.hasPrefix("libswift") || $0.hasPrefix("libFoundation") } }

  var description: String {
    let pie = positionIndependent ? "PIE" : "not PIE"
    if needed.isEmpty { return "static executable, \(pie)" }
    return (staticSwift ? "static Swift runtime" : "Swift runtime linked DYNAMICALLY: not the installed build, not judged")
      + ", \(pie), \(needed.count) shared libraries"
  }
}

func linkage(of path: String) -> Linkage {
  guard let (run, output) = try? runChildReading(["readelf", "-h", "-d", path], stderr: "/dev/null"), run.status == 0 else {
    return Linkage(positionIndependent: false, needed: ["readelf failed"])
  }
  let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
  let needed = lines.compactMap { line -> String? in
    guard line.contains("(NEEDED)"), let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") else {
      return nil
    }
    return String(line[line.index(after: open)..<close])
  }
  // `Type: DYN` is a PIE (or a shared object); `EXEC` has fixed addresses.
  let pie = lines.contains { $0.contains("Type:") && $0.contains("DYN") }
  return Linkage(positionIndependent: pie, needed: needed)
}

func fileSize(_ path: String) -> Int64 {
  var st = stat()
  return stat(path, &st) == 0 ? Int64(st.st_size) : 0
}

func removeLedger(_ path: String) {
  for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
}

/// Writes a file just copied for a timed run to the disk and waits until it is there. A
/// ledger a command finds has long been on the disk; a fresh copy is megabytes of pages
/// the kernel has yet to write, and a sync in the timed command would wait for them too.
func settle(_ path: String) throws {
  let fd = open(path, O_RDONLY)
  guard fd >= 0 else { throw BenchError("cannot open \(path) to sync it: \(String(cString: strerror(errno)))") }
  defer { close(fd) }
  guard fsync(fd) == 0 else { throw BenchError("cannot sync \(path): \(String(cString: strerror(errno)))") }
}

/// Reads a file through the page cache once, so that the first timed run does not pay for the disk.
func warm(_ path: String) {
  let fd = open(path, O_RDONLY)
  guard fd >= 0 else { return }
  defer { close(fd) }
  let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
  defer { buffer.deallocate() }
  while read(fd, buffer, 1 << 20) > 0 {}
}
