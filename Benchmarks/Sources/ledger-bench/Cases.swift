import Foundation
@_spi(Benchmarks) import PolicyLedger

/// How much data and how many repetitions.
struct Sizes {
  var name: String
  var noticeRecipients: Int
  /// The in-force ledger sizes, in policies, smallest first (the scale step is the last two).
  var inForcePolicies: [Int]
  /// The in-force ledger the CLI case queries (the contract's: 1,000,000 versions).
  var cliPolicies: Int
  var workforceRecipients: Int
  /// The policies of the as-told-to ledger (10 versions each, notices and resends).
  var toldPolicies: Int
  var workforceNotices: Int
  /// The coverage case: employees on the roster, notices (each to a tenth of them), acks.
  var coverageEmployees: Int
  var coverageNotices: Int
  var coverageAcks: Int
  var verifyRecipients: Int
  var verifyEntries: Int
  /// In-process queries timed per case.
  var queries: Int
  /// Alternating pairs for the cases that take seconds (notice, export, verify).
  var heavyRuns: Int
  /// Alternating pairs for one CLI query.
  var cliRuns: Int

  static let full = Sizes(
    name: "full", noticeRecipients: 1_000_000, inForcePolicies: [100_000, 1_000_000], cliPolicies: 100_000,
    workforceRecipients: 1_000_000, toldPolicies: 5_000,
    workforceNotices: 10, coverageEmployees: 1_000_000, coverageNotices: 20, coverageAcks: 300_000,
    verifyRecipients: 1_000_000, verifyEntries: 100_000, queries: 2_000, heavyRuns: 3, cliRuns: 21)

  static let quick = Sizes(
    name: "quick", noticeRecipients: 20_000, inForcePolicies: [500, 5_000], cliPolicies: 5_000, workforceRecipients: 20_000,
    toldPolicies: 200, workforceNotices: 10, coverageEmployees: 20_000, coverageNotices: 20, coverageAcks: 6_000,
    verifyRecipients: 20_000, verifyEntries: 2_000, queries: 300, heavyRuns: 3, cliRuns: 15)
}

/// One line of the report.
struct Outcome {
  var name: String
  var data: String
  var ours: String
  var sqlite: String
  var ratio: String
  /// The same ratio in CPU time (user + system), or the in-process CPU median.
  var cpu: String = "—"
  var target: String
  /// nil: informational, no target.
  var pass: Bool?
  var memory: String
}

func formatSeconds(_ s: Double) -> String {
  if s < 0.001 { return String(format: "%.0f µs", s * 1e6) }
  if s < 1 { return String(format: "%.2f ms", s * 1e3) }
  return String(format: "%.2f s", s)
}

func formatKiB(_ k: Int) -> String {
  k >= 10 * 1024 ? "\(k / 1024) MiB" : "\(k) KiB"
}

func count(_ n: Int) -> String {
  switch n {
  case 1_000_000...: n % 1_000_000 == 0 ? "\(n / 1_000_000)M" : String(format: "%.1fM", Double(n) / 1e6)
  case 1_000...: n % 1_000 == 0 ? "\(n / 1_000)k" : String(format: "%.1fk", Double(n) / 1e3)
  default: "\(n)"
  }
}

/// Runs the cases.
struct Bench {
  var sizes: Sizes
  /// The peak RSS (KiB) of ours and of sqlite3's side in the last ``alternate(_:before:after:ours:theirs:)``.
  final class Peak {
    var ours: Int?
    var theirs: Int?
  }
  let peak = Peak()
  var data: Datasets
  /// The release `policy-ledger` binary.
  let cli: String
  /// Per-run files, deleted and rewritten as cases go.
  let scratch: String

  /// `ours` and `theirs` `runs` times each, alternating which goes first.
  func alternate(
    _ runs: Int, before: () throws -> Void = {}, after: () throws -> Void = {}, ours: () throws -> ChildRun,
    theirs: () throws -> ChildRun
  ) rethrows -> (ours: [ChildRun], theirs: [ChildRun]) {
    var a: [ChildRun] = []
    var b: [ChildRun] = []
    for run in 0..<runs {
      try before()
      if run % 2 == 0 {
        a.append(try ours())
        b.append(try theirs())
      } else {
        b.append(try theirs())
        a.append(try ours())
      }
      try after()
    }
    try before()
    peak.ours = peakRSSOfChildren(ours)
    peak.theirs = peakRSSOfChildren(theirs)
    return (a, b)
  }

  /// The peak resident memory of one more run of `run`, in KiB, untimed: through GNU
  /// time, whose own child starts from a small process, because `wait4` here would
  /// report this (large) benchmark process's peak for any child it spawned. nil when
  /// /usr/bin/time is not installed.
  func peakRSSOfChildren(_ run: () throws -> ChildRun) -> Int? {
    let time = "/usr/bin/time"
    guard FileManager.default.isExecutableFile(atPath: time) else { return nil }
    let out = scratch + "/peak-rss.txt"
    childPrefix = [time, "-f", "%M", "-o", out]
    defer { childPrefix = [] }
    guard (try? run()) != nil, let text = try? String(contentsOfFile: out, encoding: .utf8) else { return nil }
    return Int(text.split(separator: "\n").last.map(String.init) ?? "")
  }

  func pairOutcome(
    _ name: String, data: String, _ pair: (ours: [ChildRun], theirs: [ChildRun]), limit: Double, throughput: Bool = false
  ) -> Outcome {
    let ours = median(pair.ours.map(\.seconds))
    let theirs = median(pair.theirs.map(\.seconds))
    let oursCPU = median(pair.ours.map(\.cpuSeconds))
    let theirsCPU = median(pair.theirs.map(\.cpuSeconds))
    let memory = "\(peak.ours.map(formatKiB) ?? "?") / \(peak.theirs.map(formatKiB) ?? "?")"
    if throughput {
      let ratio = theirs / ours
      return Outcome(
        name: name, data: data, ours: formatSeconds(ours), sqlite: formatSeconds(theirs),
        ratio: String(format: "%.2f× throughput", ratio),
        cpu: String(format: "%.2f×", theirsCPU / oursCPU) + " (\(formatSeconds(oursCPU)) / \(formatSeconds(theirsCPU)))",
        target: String(format: "≥ %.1f× throughput", limit),
        pass: ratio >= limit, memory: memory)
    }
    let ratio = ours / theirs
    return Outcome(
      name: name, data: data, ours: formatSeconds(ours), sqlite: formatSeconds(theirs), ratio: String(format: "%.2f×", ratio),
      cpu: String(format: "%.2f×", oursCPU / theirsCPU) + " (\(formatSeconds(oursCPU)) / \(formatSeconds(theirsCPU)))",
      target: String(format: "≤ %.1f×", limit), pass: ratio <= limit, memory: memory)
  }

  // MARK: - notice send vs .import

  mutating func notice() throws -> [Outcome] {
    let n = sizes.noticeRecipients
    let ids = try data.recipients(n)
    let ours = scratch + "/notice.db"
    let theirs = scratch + "/import.db"
    let script = scratch + "/import.sql"
    try """
      CREATE TABLE recipients (notice INTEGER NOT NULL, employee TEXT NOT NULL);
      CREATE INDEX recipients_by_employee ON recipients (employee);
      .import --csv \(ids.csv) recipients

      """.write(toFile: script, atomically: true, encoding: .utf8)
    warm(ids.txt)
    warm(ids.csv)
    let pair = try alternate(
      sizes.heavyRuns,
      ours: {
        removeLedger(ours)
        return try runChecked(
          [
            cli, "notice", "send", "--db", ours, "--id", "N-all", "--subject", "To everyone", "--body", "Read the handbook.",
            "--sent-at", "2024-01-02T09:00:00Z", "--sender", "hr", "--by", "bench", "--recipients-file", ids.txt,
          ], scratch: scratch)
      },
      theirs: {
        removeLedger(theirs)
        return try runChecked(["sqlite3", theirs], stdin: script, scratch: scratch)
      })
    try expectCount(ours, "SELECT count(*) FROM deliveries", n)
    try expectCount(theirs, "SELECT count(*) FROM recipients", n)
    defer {
      removeLedger(ours)
      removeLedger(theirs)
    }
    return [
      pairOutcome(
        "notice send --recipients-file vs sqlite3 .import", data: "\(count(n)) recipients", pair, limit: 1.0)
    ]
  }

  // MARK: - correct resend --outstanding vs .import

  /// A retraction missed by a tenth of a notice's recipients, delivered again to exactly
  /// them (rule 16), against `sqlite3 .import` of as many rows into an indexed table. The
  /// ledger is built once, untimed, and copied afresh before each timed run, the copy
  /// written to the disk first (``settle(_:)``).
  mutating func resend() throws -> [Outcome] {
    let n = sizes.noticeRecipients
    let missed = n / 10
    let ids = try data.recipients(n)
    let template = scratch + "/resend-template.db"
    let ours = scratch + "/resend.db"
    let theirs = scratch + "/resend-import.db"
    let reached = scratch + "/reached.txt"
    let missedCSV = scratch + "/missed.csv"
    let script = scratch + "/resend-import.sql"
    let lines = try String(contentsOfFile: ids.txt, encoding: .utf8).split(separator: "\n")
    try (lines.prefix(n - missed).joined(separator: "\n") + "\n").write(toFile: reached, atomically: true, encoding: .utf8)
    try (lines.suffix(missed).map { "1,\($0)" }.joined(separator: "\n") + "\n").write(
      toFile: missedCSV, atomically: true, encoding: .utf8)
    removeLedger(template)
    _ = try runChecked(
      [
        cli, "notice", "send", "--db", template, "--id", "N-all", "--subject", "To everyone", "--body", "Delete the app.",
        "--sent-at", "2024-01-02T09:00:00Z", "--sender", "hr", "--by", "bench", "--recipients-file", ids.txt,
      ], scratch: scratch)
    _ = try runChecked(
      [
        cli, "correct", "retract", "--db", template, "--notice", "N-all", "--id", "R-all", "--issued-at", "2024-01-02T14:00:00Z",
        "--statement", "Sent in error.", "--reason", "sent in error", "--by", "bench", "--recipients-file", reached,
      ], scratch: scratch)
    try """
      CREATE TABLE recipients (notice INTEGER NOT NULL, employee TEXT NOT NULL);
      CREATE INDEX recipients_by_employee ON recipients (employee);
      .import --csv \(missedCSV) recipients

      """.write(toFile: script, atomically: true, encoding: .utf8)
    // The same import into a file with the ledger's own journal settings (write-ahead log,
    // every commit synced), reported beside the target: it shows how much of the gap is
    // the log's second write and sync rather than the ledger's work.
    let walScript = scratch + "/resend-import-wal.sql"
    try ("PRAGMA journal_mode = WAL;\nPRAGMA synchronous = FULL;\n" + String(contentsOfFile: script, encoding: .utf8))
      .write(toFile: walScript, atomically: true, encoding: .utf8)
    warm(missedCSV)
    func pairs(_ script: String) throws -> (ours: [ChildRun], theirs: [ChildRun]) {
      let pair = try alternate(
        sizes.heavyRuns,
        before: {
          removeLedger(ours)
          removeLedger(theirs)
          try FileManager.default.copyItem(atPath: template, toPath: ours)
          try settle(ours)
          warm(ours)
        },
        ours: {
          try runChecked(
            [cli, "correct", "resend", "R-all", "--db", ours, "--sent-at", "2024-01-02T16:00:00Z", "--by", "bench", "--outstanding"],
            scratch: scratch)
        },
        theirs: {
          removeLedger(theirs)
          return try runChecked(["sqlite3", theirs], stdin: script, scratch: scratch)
        })
      try expectCount(ours, "SELECT count(*) FROM resent_deliveries", missed)
      try expectCount(theirs, "SELECT count(*) FROM recipients", missed)
      return pair
    }
    defer {
      for path in [template, ours, theirs] { removeLedger(path) }
      for path in [reached, missedCSV, walScript] { unlink(path) }
    }
    let data = "\(count(missed)) of \(count(n)) recipients missed"
    var sameJournal = pairOutcome(
      "correct resend --outstanding vs sqlite3 .import into a WAL file, synchronous FULL", data: data, try pairs(walScript), limit: 1.0)
    sameJournal.target = "— (the ledger's journal settings; informational)"
    sameJournal.pass = nil
    return [pairOutcome("correct resend --outstanding vs sqlite3 .import", data: data, try pairs(script), limit: 1.0), sameJournal]
  }

  func expectCount(_ path: String, _ sql: String, _ expected: Int) throws {
    let db = try Connection(path: path, mode: .readOnly)
    let found = try db.prepare(sql).first { $0.int(0) } ?? -1
    guard found == expected else { throw BenchError("\(path): \(sql) gave \(found), expected \(expected)") }
  }

  // MARK: - coverage vs a join in sqlite3

  /// `coverage --format csv` of every employee, against `sqlite3 -csv` of a join that
  /// lists each employee's first delivery and first acknowledgement of the same notices
  /// (those announcing the version in force) from the same file.
  mutating func coverage() throws -> [Outcome] {
    let n = sizes.coverageEmployees
    let path = try data.coverage(employees: n, notices: sizes.coverageNotices, acks: sizes.coverageAcks)
    let t = "2020-06-01T00:00:00Z"
    let sql = """
      SELECT e.name AS employee, min(n.sent_at) AS told_at, min(a.at) AS acknowledged_at
      FROM employees e
      LEFT JOIN deliveries d ON d.employee = e.id AND d.message IN (SELECT seq FROM notices WHERE announces = (SELECT seq FROM versions WHERE version = 2))
      LEFT JOIN notices n ON n.seq = d.message
      LEFT JOIN acks a ON a.notice = d.message AND a.employee = e.id
      GROUP BY e.name ORDER BY e.name;
      """
    warm(path)
    let oursOut = scratch + "/coverage.csv", theirsOut = scratch + "/coverage-sqlite.csv"
    let pair = try alternate(
      sizes.heavyRuns,
      ours: { try runChecked([cli, "coverage", "conduct", "--at", t, "--format", "csv", "--db", path], stdout: oursOut, scratch: scratch) },
      theirs: { try runChecked(["sqlite3", "-csv", "-header", "-readonly", path, sql], stdout: theirsOut, scratch: scratch) })
    // Every employee in version 2's audience (staff and contractors: all of them) has a row.
    let rows = try String(contentsOfFile: oursOut, encoding: .utf8).split(separator: "\n").count - 1
    guard rows == n else { throw BenchError("coverage wrote \(rows) rows, expected \(n)") }
    defer {
      unlink(oursOut)
      unlink(theirsOut)
    }
    return [
      pairOutcome(
        "coverage --format csv vs sqlite3 -csv join", data: "\(count(n)) employees, \(sizes.coverageNotices) notices, \(count(sizes.coverageNotices * n / 10)) deliveries, \(count(sizes.coverageAcks)) acks",
        pair, limit: 2.0)
    ]
  }

  // MARK: - import employees vs .import

  /// `import employees` of the roster into a new ledger — one `employee.import` journal entry
  /// covering every row by count and digest, the rows into `roster_rows` and the employee
  /// directory — against `sqlite3 .import` of the same rows into a table with an index.

  mutating func importEmployees() throws -> [Outcome] {
    let n = sizes.coverageEmployees
    let roster = try data.roster(n)
    let ours = scratch + "/employees.db"
    let theirs = scratch + "/employees-import.db"
    let script = scratch + "/employees-import.sql"
    try """
      CREATE TABLE roster (employee TEXT NOT NULL, at TEXT NOT NULL, event TEXT NOT NULL, groups TEXT NOT NULL);
      CREATE INDEX roster_by_employee ON roster (employee, at);
      .import --csv \(roster.plain) roster

      """.write(toFile: script, atomically: true, encoding: .utf8)
    warm(roster.csv)
    warm(roster.plain)
    let pair = try alternate(
      sizes.heavyRuns,
      ours: {
        removeLedger(ours)
        return try runChecked([cli, "import", "employees", roster.csv, "--db", ours, "--by", "bench"], scratch: scratch)
      },
      theirs: {
        removeLedger(theirs)
        return try runChecked(["sqlite3", theirs], stdin: script, scratch: scratch)
      })
    // One `employee.import` entry covering every row, the rows in roster_rows (ordinals 1…n).
    try expectCount(ours, "SELECT count(*) FROM roster_rows WHERE seq = 1 AND ordinal BETWEEN 1 AND \(n)", n)
    try expectCount(ours, "SELECT count(*) FROM journal WHERE kind = 'employee.import'", 1)
    try expectCount(theirs, "SELECT count(*) FROM roster", n)
    defer {
      removeLedger(ours)
      removeLedger(theirs)
    }
    return [pairOutcome("import employees vs sqlite3 .import", data: "\(count(n)) roster rows", pair, limit: 1.0)]
  }

  // MARK: - in force, in-process

  mutating func inForce() throws -> [Outcome] {
    var outcomes: [Outcome] = []
    var medians: [(Int, Double)] = []
    for policies in sizes.inForcePolicies {
      let (path, froms) = try data.inForce(policies: policies)
      warm(path)
      let ledger = try Ledger(path: path, access: .readOnly)
      var rng = SplitMix64(seed: 0x51 &+ UInt64(policies))
      func query() throws -> (wall: Double, cpu: Double) {
        let q = Int(rng.next() % UInt64(policies))
        let t = froms[q * 10] + Int64(rng.next() % UInt64(froms[q * 10 + 9] - froms[q * 10] + 60 * Datasets.day))
        let key = Datasets.policyKey(q)
        var rows: [InForceRow] = []
        let s = try timedWithCPU { rows = try ledger.inForce(key, at: Instant(microseconds: t)) }
        if let row = rows.first, row.policy != key { throw BenchError("in-force \(key) answered \(row.policy)") }
        return s
      }
      for _ in 0..<min(200, sizes.queries) { _ = try query() }
      resetPeakRSS()
      var samples: [(wall: Double, cpu: Double)] = []
      for _ in 0..<sizes.queries { samples.append(try query()) }
      let times = samples.map(\.wall)
      let m = median(times)
      medians.append((policies, m))
      outcomes.append(
        Outcome(
          name: "in-force KEY --at T, in-process", data: "\(count(policies)) policies × 10 versions, \(count(policies / 10)) corrections",
          ours: formatSeconds(m) + " (p99 " + formatSeconds(percentile(times, 0.99)) + ")", sqlite: "—", ratio: "—",
          cpu: "CPU " + formatSeconds(median(samples.map(\.cpu))), target: "≤ 1 ms", pass: m <= 0.001, memory: formatKiB(peakRSSKiB())))
    }
    if medians.count >= 2 {
      let (small, a) = medians[medians.count - 2]
      let (large, b) = medians[medians.count - 1]
      let ratio = b / a
      outcomes.append(
        Outcome(
          name: "in-force: \(large / small)× the data", data: "\(count(small)) → \(count(large)) policies",
          ours: "\(formatSeconds(a)) → \(formatSeconds(b))", sqlite: "—", ratio: String(format: "%.2f×", ratio),
          target: "< 2.0×", pass: ratio < 2.0, memory: "—"))
    }
    return outcomes
  }

  // MARK: - in force as told to an employee, with resends, in-process

  /// `in-force KEY --as-told-to E` (rule 12) on a ledger where every announced version
  /// reached its employees through a notice and a resend of it, and every tenth notice was
  /// retracted and the retraction resent: the in-force target of spec section 6 (≤ 1 ms a
  /// query) with several deliveries per notice. The ledger is built in the run (untimed).
  mutating func inForceToldTo() throws -> [Outcome] {
    let policies = sizes.toldPolicies
    let employees = 2_000
    let path = scratch + "/told.db"
    removeLedger(path)
    defer { removeLedger(path) }
    let writer = try Ledger(path: path, access: .readWrite)
    var rng = SplitMix64(seed: 0x7E11)
    let start = Instant(microseconds: 1_704_067_200_000_000)  // 2024-01-01
    let day = Datasets.day
    func at(_ days: Int64) -> Instant { Instant(microseconds: start.microseconds + days * day) }
    func people(_ n: Int, from offset: Int) -> [String] {
      (0..<n).map { Datasets.employee((offset + $0 * 97) % employees) }
    }
    var chunk = 0
    while chunk < policies {
      try writer.batch {
        for p in chunk..<min(policies, chunk + 500) {
          let key = Datasets.policyKey(p)
          for v in 1...10 {
            try writer.addVersion(
              NewVersion(policy: key, title: "\(key) v\(v)", body: Array("text \(v)\n".utf8), effectiveFrom: at(Int64(v) * 30)),
              actor: "bench")
            guard v > 1 else { continue }
            let first = Int(rng.next() % UInt64(employees))
            let id = "N-\(p)-\(v)"
            try writer.sendNotice(
              NewNotice(
                id: id, subject: "v\(v)", body: [], sentAt: at(Int64(v) * 30 - 5), sender: "hr",
                announces: VersionRef(policy: key, number: Int64(v))),
              recipients: RecipientList(people(20, from: first)), actor: "bench")
            try writer.resend(
              id, kind: .notice, sentAt: at(Int64(v) * 30 + 1), recipients: .named(RecipientList(people(20, from: first + 20 * 97))),
              actor: "bench")
            if v % 10 == 0 {
              try writer.correct(
                NewCorrection(
                  id: "R-\(p)-\(v)", kind: .retraction, target: .notice(id), voidVersion: true, issuedAt: at(Int64(v) * 30 + 2),
                  statement: "Sent in error.", reason: "error"),
                recipients: .named(RecipientList(people(10, from: first))), actor: "bench")
              try writer.resend(
                "R-\(p)-\(v)", kind: .correction, sentAt: at(Int64(v) * 30 + 3), recipients: .outstanding, actor: "bench")
            }
          }
        }
      }
      chunk += 500
    }
    let ledger = try Ledger(path: path, access: .readOnly)
    func query() throws -> (wall: Double, cpu: Double) {
      let key = Datasets.policyKey(Int(rng.next() % UInt64(policies)))
      let employee = Datasets.employee(Int(rng.next() % UInt64(employees)))
      let t = at(Int64(rng.next() % 330))
      let known = rng.next() % 2 == 0 ? nil : at(Int64(rng.next() % 330))
      return try timedWithCPU {
        _ = try ledger.inForce(key, at: t, view: Bitemporal.View(knownAt: known, toldTo: employee))
      }
    }
    for _ in 0..<min(200, sizes.queries) { _ = try query() }
    var samples: [(wall: Double, cpu: Double)] = []
    for _ in 0..<sizes.queries { samples.append(try query()) }
    let times = samples.map(\.wall)
    let m = median(times)
    return [
      Outcome(
        name: "in-force KEY --at T --as-told-to E, in-process",
        data: "\(count(policies)) policies × 10 versions, each announced by a notice and a resend (\(count(employees)) employees)",
        ours: formatSeconds(m) + " (p99 " + formatSeconds(percentile(times, 0.99)) + ")", sqlite: "—", ratio: "—",
        cpu: "CPU " + formatSeconds(median(samples.map(\.cpu))), target: "≤ 1 ms", pass: m <= 0.001, memory: "—")
    ]
  }

  // MARK: - in force through the CLI vs sqlite3

  /// The in-force rules (spec section 3, rules 3–6, as known now: void versions left out,
  /// amended periods applied) over the versions of every policy, in SQL for the sqlite3
  /// shell: one row per version that counts, with its effective period.
  static func effectiveVersionsSQL(prefix: String) -> String {
    let amended = { (column: String) in
      """
      (SELECT c.\(column) FROM \(prefix)corrections c WHERE c.affected_version = v.seq AND c.kind = 'amendment' AND c.\(column) IS NOT NULL ORDER BY c.seq DESC LIMIT 1)
      """
    }
    return """
      SELECT v.seq, v.policy, v.version, v.title, v.announced_at, v.body_sha256,
        coalesce(\(amended("effective_from")), v.effective_from) AS ef,
        CASE WHEN EXISTS (SELECT 1 FROM \(prefix)corrections c WHERE c.affected_version = v.seq AND c.kind = 'amendment' AND c.effective_until IS NOT NULL)
          THEN \(amended("effective_until")) ELSE v.effective_until END AS eu
      FROM \(prefix)versions v
      WHERE NOT EXISTS (SELECT 1 FROM \(prefix)corrections c WHERE c.affected_version = v.seq AND c.kind = 'retraction' AND (c.version = v.seq OR c.void_version = 1))
      """
  }

  static func iso(_ column: String) -> String {
    "strftime('%Y-%m-%dT%H:%M:%SZ', \(column) / 1000000, 'unixepoch')"
  }

  /// The CLI case's yardstick: the same versions in a plain indexed table, `(policy, version,
  /// effective_from)` and the end of the period (without it the question has another answer
  /// for a version that has ended), built from the ledger by the in-force rules.
  static func plainVersionsSQL(ledger: String) -> String {
    """
    ATTACH 'file:\(ledger)?mode=ro' AS l;
    CREATE TABLE versions (policy TEXT NOT NULL, version INTEGER NOT NULL, effective_from INTEGER NOT NULL, effective_until INTEGER);
    INSERT INTO versions
      SELECT p.key, vv.version, vv.ef, vv.eu FROM (\(effectiveVersionsSQL(prefix: "l."))) vv JOIN l.policies p ON p.id = vv.policy
      ORDER BY p.key, vv.version;
    CREATE INDEX versions_in_force ON versions (policy, effective_from);
    DETACH l;
    ANALYZE;

    """
  }

  /// The question for the plain table: the version in force for `key` at `t`.
  static func plainInForceSQL(key: String, at t: Int64) -> String {
    """
    SELECT policy, version, \(iso("effective_from")) AS effective_from, \(iso("effective_until")) AS effective_until
    FROM versions WHERE policy = '\(key)' AND effective_from <= \(t) AND (effective_until IS NULL OR \(t) < effective_until)
    ORDER BY effective_from DESC, version DESC LIMIT 1;
    """
  }

  /// One CLI query, end to end, the way a script sees it: a fresh process per question, its
  /// answer read through a pipe, alternating with the sqlite3 shell answering the same
  /// question from a plain indexed table of the same versions; medians of wall and of the
  /// child's CPU (user + system, from `wait4`), both judged against the limit.
  mutating func inForceCLI() throws -> [Outcome] {
    let policies = sizes.cliPolicies
    let (path, froms) = try data.inForce(policies: policies)
    warm(path)
    let plain = scratch + "/inforce-plain.db"
    removeLedger(plain)
    let script = scratch + "/inforce-plain.sql"
    try Bench.plainVersionsSQL(ledger: path).write(toFile: script, atomically: true, encoding: .utf8)
    try runChecked(["sqlite3", plain], stdin: script, scratch: scratch)
    warm(plain)
    var rng = SplitMix64(seed: 0xC11 &+ UInt64(policies))
    var key = ""
    var t: Int64 = 0
    var oursOut: [UInt8] = []
    var theirsOut: [UInt8] = []
    var answered = 0
    let cli = self.cli
    let scratch = self.scratch
    let ours = {
      let (run, output) = try runCheckedReading(
        [cli, "in-force", key, "--at", Instant(microseconds: t).description, "--format", "csv", "--db", path],
        scratch: scratch)
      oursOut = output
      return run
    }
    let theirs = {
      let (run, output) = try runCheckedReading(
        ["sqlite3", "-csv", "-header", "-readonly", plain, Bench.plainInForceSQL(key: key, at: t)], scratch: scratch)
      theirsOut = output
      return run
    }
    let before = {
      // A new question for each pair; both answer the same one.
      let q = Int(rng.next() % UInt64(policies))
      key = Datasets.policyKey(q)
      t = froms[q * 10] + Int64(rng.next() % UInt64(froms[q * 10 + 9] - froms[q * 10] + 60 * Datasets.day))
    }
    let after = {
      // Both answers must agree (policy, version and period), or the comparison means nothing.
      let fields = ["policy", "version", "effective_from", "effective_until"]
      let mine = try csvRecords(oursOut, fields: fields)
      let sqlite = try csvRecords(theirsOut, fields: fields)
      guard mine == sqlite else {
        throw BenchError(
          "in-force \(key) at \(t): policy-ledger printed \(String(decoding: oursOut, as: UTF8.self)), "
            + "sqlite3 printed \(String(decoding: theirsOut, as: UTF8.self))")
      }
      if !mine.isEmpty { answered += 1 }
    }
    // Unmeasured pairs first: the binaries' pages and the files' in the page cache.
    _ = try alternate(3, before: before, after: after, ours: ours, theirs: theirs)
    answered = 0
    let pair = try alternate(sizes.cliRuns, before: before, after: after, ours: ours, theirs: theirs)
    let wall = median(pair.ours.map(\.seconds)) / median(pair.theirs.map(\.seconds))
    let cpu = median(pair.ours.map(\.cpuSeconds)) / median(pair.theirs.map(\.cpuSeconds))
    var outcome = pairOutcome(
      "in-force KEY --at T --format csv (CLI) vs sqlite3 -csv, plain indexed table",
      data: "\(count(policies * 10)) versions (\(answered) of \(sizes.cliRuns) in force); \(binaryNote())",
      pair, limit: Bench.cliLimit)
    outcome.target = String(format: "≤ %.1f× wall and CPU", Bench.cliLimit)
    outcome.pass = wall <= Bench.cliLimit && cpu <= Bench.cliLimit
    if !linkage(of: cli).staticSwift { outcome.pass = nil }
    return [outcome]
  }

  /// The records of a CSV answer with a header line, each cut down to `fields` (by the
  /// header's names), quoted fields read as RFC 4180 has them.
  func csvRecords(_ bytes: [UInt8], fields: [String]) throws -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field: [UInt8] = []
    var quoted = false
    var index = 0
    while index < bytes.count {
      let byte = bytes[index]
      index += 1
      if quoted {
        if byte == UInt8(ascii: "\"") {
          if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
            field.append(byte)
            index += 1
          } else {
            quoted = false
          }
        } else {
          field.append(byte)
        }
      } else if byte == UInt8(ascii: "\"") {
        quoted = true
      } else if byte == UInt8(ascii: ",") {
        row.append(String(decoding: field, as: UTF8.self))
        field = []
      } else if byte == UInt8(ascii: "\n") {
        row.append(String(decoding: field, as: UTF8.self))
        rows.append(row)
        row = []
        field = []
      } else if byte != UInt8(ascii: "\r") {
        field.append(byte)
      }
    }
    if !field.isEmpty || !row.isEmpty { rows.append(row + [String(decoding: field, as: UTF8.self)]) }
    guard let header = rows.first else { return [] }
    let columns = try fields.map { name in
      guard let column = header.firstIndex(of: name) else { throw BenchError("no column '\(name)' in CSV header \(header)") }
      return column
    }
    return try rows.dropFirst().map { record in
      guard record.count == header.count else { throw BenchError("CSV record \(record) does not match header \(header)") }
      return columns.map { record[$0] }
    }
  }

  /// The contract's limit for one CLI query, in wall and in CPU time.
  static let cliLimit = 1.5

  /// The binary measured: its size and how it is linked (a build whose Swift runtime is a
  /// shared library is not the installed one: measured, but not judged).
  func binaryNote() -> String {
    let size = String(format: "%.1f MiB", Double(fileSize(cli)) / 1_048_576)
    return "binary \(size), \(linkage(of: cli).description)"
  }

  // MARK: - timeline, in-process

  mutating func timeline() throws -> [Outcome] {
    let n = sizes.workforceRecipients
    let path = try data.workforce(recipients: n, notices: sizes.workforceNotices)
    warm(path)
    let ledger = try Ledger(path: path, access: .readOnly)
    var rng = SplitMix64(seed: 0x7133 &+ UInt64(n))
    func query() throws -> (wall: Double, cpu: Double) {
      let employee = Datasets.employee(Int(rng.next() % UInt64(n)))
      var rows: [TimelineRow] = []
      let s = try timedWithCPU { rows = try ledger.timeline(employee: employee) }
      guard rows.count >= sizes.workforceNotices else {
        throw BenchError("timeline of \(employee) has \(rows.count) rows, expected at least \(sizes.workforceNotices)")
      }
      return s
    }
    for _ in 0..<min(200, sizes.queries) { _ = try query() }
    resetPeakRSS()
    var samples: [(wall: Double, cpu: Double)] = []
    for _ in 0..<sizes.queries { samples.append(try query()) }
    let times = samples.map(\.wall)
    let m = median(times)
    return [
      Outcome(
        name: "timeline --employee E, in-process", data: "\(count(n * sizes.workforceNotices)) recipient rows",
        ours: formatSeconds(m) + " (p99 " + formatSeconds(percentile(times, 0.99)) + ")", sqlite: "—", ratio: "—",
        cpu: "CPU " + formatSeconds(median(samples.map(\.cpu))), target: "≤ 2 ms", pass: m <= 0.002, memory: formatKiB(peakRSSKiB()))
    ]
  }

  // MARK: - export vs sqlite3 -csv

  mutating func export() throws -> [Outcome] {
    let n = sizes.workforceRecipients * sizes.workforceNotices
    let path = try data.workforce(recipients: sizes.workforceRecipients, notices: sizes.workforceNotices)
    warm(path)
    let oursOut = scratch + "/export-ours.csv"
    let theirsOut = scratch + "/export-sqlite.csv"
    defer {
      unlink(oursOut)
      unlink(theirsOut)
    }
    // sent_at: the delivery that reached the employee (the notice's own here; a resend's
    // when there is one), as export writes times (whole seconds in this data: no fraction).
    // This data has no resends, whose rows export writes after the first delivery's,
    // numbered from 1 in `delivery`: every row is its notice's own delivery, 0.
    let sql = """
      SELECT n.id AS notice, e.name AS employee,
        strftime('%Y-%m-%dT%H:%M:%SZ', coalesce(r.sent_at, n.sent_at) / 1000000, 'unixepoch') AS sent_at, 0 AS delivery
      FROM deliveries d JOIN notices n ON n.seq = d.message JOIN employees e ON e.id = d.employee
      LEFT JOIN resends r ON r.seq = d.via ORDER BY d.message, d.employee
      """
    let pair = try alternate(
      sizes.heavyRuns,
      ours: { try runChecked([cli, "export", "recipients", "--db", path, "--output", oursOut], scratch: scratch) },
      theirs: { try runChecked(["sqlite3", "-csv", "-header", path, sql], stdout: theirsOut, scratch: scratch) })
    guard try runChild(["cmp", "-s", oursOut, theirsOut]).status == 0 else {
      throw BenchError("export recipients and sqlite3 -csv wrote different bytes (\(oursOut), \(theirsOut))")
    }
    return [
      pairOutcome(
        "export recipients vs sqlite3 -csv", data: "\(count(n)) rows, \(fileSize(oursOut) >> 20) MiB of CSV", pair, limit: 0.8,
        throughput: true)
    ]
  }

  // MARK: - verify vs sha256sum

  mutating func verify() throws -> [Outcome] {
    var outcomes: [Outcome] = []
    let ledgers = [
      (
        try data.verify(recipients: sizes.verifyRecipients, entries: sizes.verifyEntries),
        "notice to \(count(sizes.verifyRecipients)) + \(count(sizes.verifyEntries)) entries"
      ),
      (
        try data.workforce(recipients: sizes.workforceRecipients, notices: sizes.workforceNotices),
        "\(count(sizes.workforceRecipients * sizes.workforceNotices)) recipient rows"
      ),
    ]
    for (path, label) in ledgers {
      warm(path)
      let pair = try alternate(
        sizes.heavyRuns,
        ours: { try runChecked([cli, "verify", "--db", path], scratch: scratch) },
        // The contract's yardstick: both hashing the file and checking every index against
        // its table, as verify does both.
        theirs: {
          try runChecked(
            ["sh", "-c", "sha256sum \"$1\" >/dev/null && sqlite3 \"$1\" 'PRAGMA integrity_check'", "sh", path], scratch: scratch)
        })
      outcomes.append(
        pairOutcome(
          "verify vs sha256sum + PRAGMA integrity_check", data: "\(label), \(fileSize(path) >> 20) MiB", pair, limit: 1.0))
    }
    return outcomes
  }

  // MARK: - storage

  mutating func storage() throws -> [Outcome] {
    let path = try data.workforce(recipients: sizes.workforceRecipients, notices: sizes.workforceNotices)
    let ledger = try Connection(path: path, mode: .readOnly)
    let rows = try ledger.prepare("SELECT count(*) FROM deliveries").first { $0.int64(0) } ?? 0
    let bytes = { (db: Connection, names: [String]) throws -> Int64 in
      let list = names.map { "'\($0)'" }.joined(separator: ", ")
      return try db.prepare("SELECT sum(pgsize) FROM dbstat WHERE name IN (\(list))").first { $0.int64(0) } ?? 0
    }
    let ours = try bytes(ledger, ["deliveries", "deliveries_by_employee"])
    let directory = try bytes(ledger, ["employees", "sqlite_autoindex_employees_1"])
    var outcomes: [Outcome] = []
    // The minimal table, filled in the order the ledger received the rows (notice by
    // notice, the file's order), with its index kept as rows arrive — as an application
    // recording deliveries would — and then the same rows with the index built at the end.
    for (label, indexFirst) in [("index kept while loading", true), ("index built after loading", false)] {
      let minimal = scratch + "/minimal.db"
      removeLedger(minimal)
      let index = "CREATE INDEX m_by_employee ON m (employee);"
      let script = scratch + "/minimal.sql"
      try """
        ATTACH DATABASE 'file:\(path)?mode=ro' AS ledger;
        CREATE TABLE m (notice INTEGER, employee INTEGER);
        \(indexFirst ? index : "")
        BEGIN;
        INSERT INTO m SELECT message, employee FROM ledger.deliveries ORDER BY message, employee;
        COMMIT;
        \(indexFirst ? "" : index)

        """.write(toFile: script, atomically: true, encoding: .utf8)
      try runChecked(["sqlite3", "-bail", minimal], stdin: script, scratch: scratch)
      let theirs = try bytes(try Connection(path: minimal, mode: .readOnly), ["m", "m_by_employee"])
      removeLedger(minimal)
      let ratio = Double(ours) / Double(theirs)
      outcomes.append(
        Outcome(
          name: "bytes per recipient row vs minimal table (\(label))", data: "\(count(Int(rows))) rows",
          ours: String(format: "%.1f B", Double(ours) / Double(rows)), sqlite: String(format: "%.1f B", Double(theirs) / Double(rows)),
          ratio: String(format: "%.2f×", ratio), target: "≤ 1.3×", pass: ratio <= 1.3,
          memory: String(format: "directory apart: %.1f B/employee", Double(directory) / Double(sizes.workforceRecipients))))
    }
    return outcomes
  }
}
