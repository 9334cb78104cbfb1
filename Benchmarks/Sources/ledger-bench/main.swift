import Foundation
import PolicyLedger

// ledger-bench: the benchmarks of spec section 6, side by side with the sqlite3 shell.
//
//     swift build -c release --static-swift-stdlib --package-path Benchmarks
//     Benchmarks/.build/release/ledger-bench [--quick] [--case NAME]...
//
// See docs/performance.md.

let usage = """
  usage: ledger-bench [--quick] [--case NAME]... [--data DIR] [--cli PATH] [--regenerate] [--strict]
                      [--in-force-policies N,N] [--runs N] [--cli-runs N]

    --quick              small sizes that run in seconds (CI); targets are judged at full size
    --case NAME          run only this case (repeatable): \(Bench.caseNames.joined(separator: ", "))
    --data DIR           where generated data is cached (default: Benchmarks/.data)
    --cli PATH           the policy-ledger binary to run (default: the README's install build,
                         .build/release/policy-ledger beside this package, else the one next
                         to this program)
    --regenerate         build the data again even when cached
    --strict             exit 1 when a target is missed (default: only on errors)
    --in-force-policies  the in-force ledger sizes, smallest first (default 100000,1000000)
    --runs N             alternating pairs for the cases that take seconds (default 3)
    --cli-runs N         alternating pairs for the one-query CLI case (default 21, at least 15)
  """

extension Bench {
  static let caseNames = [
    "notice", "resend", "in-force", "in-force-told", "in-force-cli", "timeline", "export", "verify", "storage", "coverage",
    "import-employees",
  ]

  mutating func run(_ name: String) throws -> [Outcome] {
    switch name {
    case "notice": try notice()
    case "resend": try resend()
    case "in-force": try inForce()
    case "in-force-told": try inForceToldTo()
    case "in-force-cli": try inForceCLI()
    case "timeline": try timeline()
    case "export": try export()
    case "verify": try verify()
    case "storage": try storage()
    case "coverage": try coverage()
    case "import-employees": try importEmployees()
    default: throw BenchError("unknown case '\(name)'")
    }
  }
}

/// The directory of this package, from this file's path at build time.
let packageDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent().path

/// The CLI binary measured by default: the one the README's install step builds
/// (`swift build -c release --static-swift-stdlib -Xswiftc -static-executable …` in the
/// package's directory: `.build/release/policy-ledger`) when it is there, else the one
/// built next to this program. The in-force-cli case reports which, and how it is linked.
func defaultCLI() -> String {
  let installed = URL(fileURLWithPath: packageDirectory + "/../.build/release/policy-ledger").standardized.path
  if FileManager.default.isExecutableFile(atPath: installed) { return installed }
  let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
  return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("policy-ledger").path
}

func sqliteVersion() -> String {
  let out = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-bench-sqlite-version").path
  defer { unlink(out) }
  guard (try? runChild(["sqlite3", "--version"], stdout: out))?.status == 0,
    let text = try? String(contentsOfFile: out, encoding: .utf8)
  else { return "sqlite3 not found" }
  return String(text.split(separator: " ").first ?? "")
}

func machine() -> String {
  let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
    .first { $0.hasPrefix("model name") }.map { String($0.split(separator: ":").last ?? "").trimmingCharacters(in: .whitespaces) } ?? "?"
  let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
  return "\(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpu)), load average \(load)"
}

var arguments = Array(CommandLine.arguments.dropFirst())
var sizes = Sizes.full
var cases: [String] = []
var dataDirectory = packageDirectory + "/.data"
var cli: String? = nil
var regenerate = false
var strict = false
var inForcePolicies: [Int]? = nil
var runs: Int? = nil
var cliRuns: Int? = nil
@MainActor func value(_ option: String) -> String {
  guard !arguments.isEmpty else {
    log("ledger-bench: \(option) needs a value\n\(usage)")
    exit(64)
  }
  return arguments.removeFirst()
}
while !arguments.isEmpty {
  let option = arguments.removeFirst()
  switch option {
  case "--quick": sizes = .quick
  case "--case": cases.append(value(option))
  case "--data": dataDirectory = value(option)
  case "--cli": cli = value(option)
  case "--regenerate": regenerate = true
  case "--strict": strict = true
  case "--in-force-policies": inForcePolicies = value(option).split(separator: ",").compactMap { Int($0) }
  case "--runs": runs = Int(value(option))
  case "--cli-runs":
    guard let n = Int(value(option)), n >= 15 else {
      log("ledger-bench: --cli-runs needs a number of pairs, at least 15")
      exit(64)
    }
    cliRuns = n
  case "-h", "--help":
    print(usage)
    exit(0)
  default:
    log("ledger-bench: unknown option '\(option)'\n\(usage)")
    exit(64)
  }
}
if let inForcePolicies, !inForcePolicies.isEmpty { sizes.inForcePolicies = inForcePolicies }
if let runs, runs > 0 { sizes.heavyRuns = runs }
if let cliRuns { sizes.cliRuns = cliRuns }
for name in cases where !Bench.caseNames.contains(name) {
  log("ledger-bench: unknown case '\(name)'; cases: \(Bench.caseNames.joined(separator: ", "))")
  exit(64)
}
if cases.isEmpty { cases = Bench.caseNames }

do {
  let cliPath = cli ?? defaultCLI()
  guard FileManager.default.isExecutableFile(atPath: cliPath) else {
    throw BenchError("no policy-ledger binary at \(cliPath); build it as the README's install step does, or pass --cli")
  }
  let scratch = dataDirectory + "/scratch"
  try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
  var bench = Bench(
    sizes: sizes, data: try Datasets(root: dataDirectory, regenerate: regenerate), cli: cliPath, scratch: scratch)
  let started = Date()
  var outcomes: [Outcome] = []
  for name in cases {
    log("case \(name) …")
    let results = try bench.run(name)
    for r in results { log("  \(r.name) [\(r.data)]: ours \(r.ours), sqlite3 \(r.sqlite), \(r.ratio)") }
    outcomes += results
  }
  print("policy-ledger benchmarks (\(sizes.name) sizes), \(ISO8601DateFormatter().string(from: started))")
  print("machine: \(machine()); SQLite \(sqliteVersion()) (library and shell)")
  let built = (try? FileManager.default.attributesOfItem(atPath: cliPath)[.modificationDate] as? Date)
    .map { ISO8601DateFormatter().string(from: $0) } ?? "?"
  print("CLI: \(cliPath) (\(linkage(of: cliPath).description); built \(built): rebuild it after a change)")
  print("")
  print("| case | data | ours (median) | sqlite3 (median) | ratio | CPU ratio (ours / sqlite3) | target | result | peak RSS ours / sqlite3 |")
  print("|---|---|---|---|---|---|---|---|---|")
  for o in outcomes {
    let result = o.pass.map { $0 ? "pass" : "FAIL" } ?? "—"
    print("| \(o.name) | \(o.data) | \(o.ours) | \(o.sqlite) | \(o.ratio) | \(o.cpu) | \(o.target) | \(result) | \(o.memory) |")
  }
  if !bench.data.generated.isEmpty {
    print("")
    print("data: " + bench.data.generated.map { g in
      "\(g.name) (\(g.detail)): " + (g.seconds.map { String(format: "generated in %.1f s", $0) } ?? "?")
    }.joined(separator: "; "))
  }
  if sizes.name == "quick" { print("\nquick sizes: the targets are judged at full size; these numbers only show the program works.") }
  let failed = outcomes.filter { $0.pass == false }.count
  print("\ntargets: \(outcomes.filter { $0.pass == true }.count) met, \(failed) missed")
  if strict && failed > 0 { exit(1) }
} catch {
  log("ledger-bench: error: \(error)")
  exit(1)
}
