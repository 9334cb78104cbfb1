import Foundation
import LedgerBenchData
import Testing

@testable import PolicyLedger

/// Random histories with a workforce — joins, transfers, leavers, roster entries backfilled
/// (an `at` in the past, recorded later), `import employees` files mixed with single
/// entries (one journal entry each, rows in file order), versions for some groups — recorded into a real
/// ledger and into ``WorkforceModel``; `coverage` and `employees` must give the model's rows
/// for many (t, k, r) questions. Deterministic: history `i` comes from seed `i`
/// (`POLICY_LEDGER_MODEL_SEED=S` runs one).
@Suite struct WorkforcePropertyTests {
  static let employees = ["E1", "E2", "E3", "E4", "c5", "E10"]
  /// Two spellings of one accented name among them (U+00C9, and E with U+0301): two groups,
  /// as the ledger compares names by their bytes.
  static let groups = ["staff", "eng", "contractors", "\u{C9}quipe", "E\u{301}quipe"]

  enum Step {
    case model(ReplayModel.Proposal, audience: [String]?)
    case join(String, Instant, [String])
    case leave(String, Instant)
    /// `import employees` of these rows (employee, at, join?, groups), in file order.
    case importFile([Row])
  }

  struct Row {
    var employee: String
    var at: Instant
    var join: Bool
    var groups: [String]
  }

  struct Stats {
    var questions = 0
    var rows = 0
    var statuses: Set<String> = []
    var believesOther = 0
    var refusedLeaves = 0
    var backfilled = 0
    var resends = 0
    var imports = 0
    var refusedImports = 0
    var tiesInImports = 0
    var unknownGroups = 0
    /// `--summary` answers compared, and those with both spellings of one accented group.
    var summaries = 0
    var summariesWithBothSpellings = 0
    /// Refused leaves (single, or in an import) that verify's rule step named when written
    /// below the checks.
    var leavesNamed = 0
  }

  @Test func coverageAndEmployeesAgreeWithTheModel() throws {
    let environment = ProcessInfo.processInfo.environment
    let seeds: [UInt64] = environment["POLICY_LEDGER_MODEL_SEED"].flatMap(UInt64.init).map { [$0] } ?? Array(0..<100)
    var stats = Stats()
    for seed in seeds {
      if let failure = try Self.run(seed: seed, stats: &stats) {
        Issue.record("seed \(seed) (POLICY_LEDGER_MODEL_SEED=\(seed)): \(failure)")
        return
      }
    }
    if seeds.count >= 100 {
      #expect(stats.questions > 2_000, "questions: \(stats.questions)")
      #expect(stats.rows > 2_000, "coverage rows compared: \(stats.rows)")
      #expect(stats.summaries > 1_000, "summaries compared: \(stats.summaries)")
      #expect(stats.summariesWithBothSpellings > 20, "summaries with both spellings of a group: \(stats.summariesWithBothSpellings)")
      print("workforce model: \(stats.summaries) summaries compared, \(stats.summariesWithBothSpellings) with both spellings of a group")
      #expect(stats.statuses == ["acknowledged", "told", "not_told"], "statuses reached: \(stats.statuses)")
      #expect(stats.believesOther > 50, "rows believing another version than the one in force: \(stats.believesOther)")
      #expect(stats.refusedLeaves > 5, "leaves refused: \(stats.refusedLeaves)")
      #expect(stats.resends > 5, "resends recorded: \(stats.resends)")
      #expect(stats.backfilled > 20, "roster entries backfilled before an earlier one: \(stats.backfilled)")
      #expect(stats.imports > 50, "import employees files recorded: \(stats.imports)")
      #expect(stats.refusedImports > 5, "import employees files refused: \(stats.refusedImports)")
      #expect(stats.unknownGroups > 5, "questions naming a group never recorded: \(stats.unknownGroups)")
      #expect(stats.leavesNamed > 10, "refused leaves that verify's rule step named: \(stats.leavesNamed)")
      #expect(stats.tiesInImports > 20, "rows of an import with the same employee and at as an earlier row: \(stats.tiesInImports)")
    }
  }

  private struct RollBack: Error {}

  /// Writes the next entry with `write`, below the recording checks, and checks that
  /// `verify`'s rule step names it (nil) or says what it gave instead; rolls it back.
  static func ruleStepNames(_ ledger: Ledger, _ write: (NextEntry) throws -> Void) throws -> String? {
    var missed: String? = nil
    do {
      try ledger.write {
        let next = NextEntry(after: try ledger.store.journalHead())
        try write(next)
        let found = try ledger.store.firstRuleViolation()
        if found?.seq != next.seq {
          missed = "verify's rule step gives \(found.map { "entry \($0.seq): \($0.message)" } ?? "nothing"), not entry \(next.seq)"
        }
        throw RollBack()
      }
    } catch is RollBack {}
    return missed
  }

  static func run(seed: UInt64, stats: inout Stats) throws -> String? {
    var rng = SplitMix64(seed: seed)
    func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
    func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    func time() -> Instant { Grid.at(int(0...(Grid.hours - 1))) }
    func groupsPick() -> [String] { Array(groups.shuffled(using: &rng).prefix(int(0...2))) }

    var steps: [Step] = []
    // Imports are drawn from a stream of their own, so that the other steps stay those the
    // seed gave before imports existed: a few rows, some at the time of the row before (a
    // tie decided by file order), leaves among them (judged against the earlier lines).
    var importRNG = SplitMix64(seed: seed &+ 0x1D0C_0006)
    func addImport() {
      guard Double.random(in: 0..<1, using: &importRNG) < 0.12 else { return }
      func pick() -> Bool { Bool.random(using: &importRNG) }
      var rows: [Row] = []
      for _ in 0..<Int.random(in: 2...6, using: &importRNG) {
        let employee = pick() && !rows.isEmpty ? rows.randomElement(using: &importRNG)!.employee : employees.randomElement(using: &importRNG)!
        let at = pick() && !rows.isEmpty ? rows[rows.count - 1].at : Grid.at(Int.random(in: 0...(Grid.hours - 1), using: &importRNG))
        let join = Double.random(in: 0..<1, using: &importRNG) < 0.7
        let rowGroups = join ? Array(groups.shuffled(using: &importRNG).prefix(Int.random(in: 0...2, using: &importRNG))) : []
        rows.append(Row(employee: employee, at: at, join: join, groups: rowGroups))
      }
      steps.append(.importFile(rows))
    }

    // The steps: a few versions first, then everything shuffled.
    var versions: [VersionRef] = []
    var noticeIDs: [String] = []
    var correctionIDs: [String] = []
    var firstSent: [String: Instant] = [:]
    var perPolicy: [String: Int64] = [:]
    let policies = ["p", "q"]
    for _ in 0..<int(8...18) {
      addImport()
      switch int(0...9) {
      case 0...1:
        let policy = policies[int(0...1)]
        let audience: [String]? = chance(0.5) ? Array(groups.shuffled(using: &rng).prefix(int(1...2))) : nil
        let from = time()
        steps.append(.model(.version(policy: policy, title: "t", bodySHA256: "", from: from, until: nil, announcedAt: chance(0.5) ? time() : nil), audience: audience))
        perPolicy[policy, default: 0] += 1
        versions.append(VersionRef(policy: policy, number: perPolicy[policy]!))
      case 2...3:
        guard !versions.isEmpty else { continue }
        let id = "N\(steps.count)"
        noticeIDs.append(id)
        let recipients = Array(employees.shuffled(using: &rng).prefix(int(1...5)))
        let sentAt = time()
        firstSent[id] = sentAt
        steps.append(.model(.notice(id: id, subject: "s", sentAt: sentAt, announces: chance(0.9) ? Array(versions.shuffled(using: &rng).prefix(int(1...2))) : [], recipients: recipients), audience: nil))
      case 4:
        guard let notice = noticeIDs.randomElement(using: &rng) else { continue }
        let recipients: ReplayModel.Recipients = chance(0.5) ? .defaults : .named(Array(employees.shuffled(using: &rng).prefix(int(0...3))))
        correctionIDs.append("C\(steps.count)")
        let issuedAt = time()
        firstSent["C\(steps.count)"] = issuedAt
        steps.append(.model(.correction(id: "C\(steps.count)", kind: .retraction, target: .notice(notice), voidVersion: chance(0.7), issuedAt: issuedAt, statement: "s", reason: "r", from: nil, until: nil, recipients: recipients), audience: nil))
      case 5 where chance(0.6):
        // A resend of a notice or a retraction, to named people or to those it missed.
        guard let message = (noticeIDs + correctionIDs).randomElement(using: &rng) else { continue }
        let recipients: ReplayModel.ResendRecipients =
          correctionIDs.contains(message) && chance(0.5)
          ? .outstanding : .named(Array(employees.shuffled(using: &rng).prefix(int(1...3))))
        // Mostly no earlier than the message's first delivery; sometimes earlier, to be refused.
        let sentAt = chance(0.8) ? max(time(), firstSent[message] ?? Grid.at(0)) : time()
        steps.append(.model(.resend(message: message, sentAt: sentAt, recipients: recipients), audience: nil))
      case 5:
        guard let notice = noticeIDs.randomElement(using: &rng) else { continue }
        steps.append(.model(.ack(notice: notice, employee: employees.randomElement(using: &rng)!, at: time()), audience: nil))
      case 6...8:
        steps.append(.join(employees.randomElement(using: &rng)!, time(), groupsPick()))
      default:
        steps.append(.leave(employees.randomElement(using: &rng)!, time()))
      }
    }
    if chance(0.9) { steps.append(.join(employees[0], time(), groupsPick())) }

    // Record into the ledger and the model; a refusal must be shared.
    let scratch = try ScratchLedger()
    let ledger = scratch.ledger
    var world = WorkforceModel()
    var isRoster: [Bool] = []
    for step in steps {
      switch step {
      case .model(let proposal, let audience):
        let refusal = world.model.refusal(proposal)
        do {
          switch proposal {
          case .version(let policy, let title, _, let from, let until, let announcedAt):
            try ledger.addVersion(
              NewVersion(policy: policy, title: title, body: [0x61], effectiveFrom: from, effectiveUntil: until, announcedAt: announcedAt, appliesTo: audience),
              actor: "model")
          case .notice(let id, let subject, let sentAt, let announces, let recipients):
            try ledger.sendNotice(
              NewNotice(id: id, subject: subject, body: [0x62], sentAt: sentAt, sender: "hr", announces: announces),
              recipients: RecipientList(recipients), actor: "model")
          case .correction(let id, let kind, let target, let voidVersion, let issuedAt, let statement, let reason, _, _, let recipients):
            let to: CorrectionRecipients =
              switch recipients {
              case .defaults: .defaults
              case .none: .none
              case .named(let ids): .named(RecipientList(ids))
              }
            try ledger.correct(
              NewCorrection(id: id, kind: kind, target: target, voidVersion: voidVersion, issuedAt: issuedAt, statement: statement, reason: reason),
              recipients: to, actor: "model")
          case .ack(let notice, let employee, let at):
            try ledger.acknowledge(notice: notice, employee: employee, at: at, actor: "model")
          case .resend(let id, let sentAt, let recipients):
            let to: ResendRecipients =
              switch recipients {
              case .named(let ids): .named(RecipientList(ids))
              case .outstanding: .outstanding
              }
            try ledger.resend(
              id, kind: world.model.correction(id) != nil ? .correction : .notice, sentAt: sentAt, recipients: to, actor: "model")
            stats.resends += 1
          }
          if let refusal { return "the library accepted a step the model refuses (\(refusal))" }
          world.model.record(proposal, recordedAt: Instant(microseconds: 0))
          if case .version(let policy, _, _, _, _, _) = proposal, let audience {
            world.audiences[VersionRef(policy: policy, number: world.model.versions.last { $0.policy == policy }!.number)] = audience
          }
          isRoster.append(false)
        } catch let error as LedgerError {
          if refusal == nil { return "the library refused a step the model accepts: \(error)" }
        }
      case .join(let employee, let at, let groups):
        try ledger.recordRosterEntry(RosterEntry(employee: employee, event: .join, at: at, groups: groups), actor: "model")
        if world.roster.contains(where: { $0.at > at }) { stats.backfilled += 1 }
        world.roster.append(.init(index: isRoster.count, employee: employee, join: true, at: at, groups: groups, recordedAt: Instant(microseconds: 0)))
        isRoster.append(true)
      case .importFile(let rows):
        // The model judges each row in file order against the journal and the earlier rows.
        var added: [WorkforceModel.Roster] = []
        var allowed = true
        for (i, row) in rows.enumerated() {
          if !row.join && !world.employedAtWhole(row.employee, at: row.at, extra: added) { allowed = false }
          added.append(
            .init(index: isRoster.count, line: i + 1, employee: row.employee, join: row.join, at: row.at, groups: row.groups, recordedAt: Instant(microseconds: 0)))
        }
        let csv = "employee,at,event,groups\n" + rows.map {
          "\($0.employee),\($0.at),\($0.join ? "join" : "leave"),\($0.groups.joined(separator: ";"))\n"
        }.joined()
        let entries = try PropertyRun.recordedTimes(ledger).count
        do {
          let summary = try ledger.importEmployees(ImportFile(name: "roster.csv", bytes: Array(csv.utf8)), actor: "model")
          if !allowed { return "the library accepted an import the model refuses:\n\(csv)" }
          if summary.entries != 1 || summary.rows != Int64(rows.count) { return "an import of \(rows.count) rows recorded \(summary)" }
          for (i, row) in rows.enumerated() where rows[..<i].contains(where: { $0.employee == row.employee && $0.at == row.at }) {
            stats.tiesInImports += 1
          }
          world.roster += added
          isRoster.append(true)
          stats.imports += 1
        } catch let error as LedgerError {
          if allowed { return "the library refused an import the model accepts: \(error)\n\(csv)" }
          if try PropertyRun.recordedTimes(ledger).count != entries { return "a refused import changed the journal" }
          stats.refusedImports += 1
          if let missed = try Self.ruleStepNames(ledger, { next in
            let writer = try LedgerStore.RosterRowWriter(ledger.store.db, seq: next.seq)
            var digest = RosterRowsDigest()
            for row in rows {
              let groups = Groups.joined(row.groups)
              try writer.add(employee: nil, name: row.employee, at: row.at, employed: row.join, groups: groups, actor: nil)
              digest.add(employee: row.employee, at: row.at.microseconds, employed: row.join, groups: groups, actor: nil)
            }
            try writer.flush()
            try ledger.append(.rosterImport(RosterImportEntry(rowCount: digest.count, rowsSHA256: digest.finishHex())), actor: "probe", next: next)
          }) {
            return "an import the model refuses, written below the checks: \(missed)\n\(csv)"
          }
          stats.leavesNamed += 1
        }
      case .leave(let employee, let at):
        let allowed = world.employedAtWhole(employee, at: at)
        do {
          try ledger.recordRosterEntry(RosterEntry(employee: employee, event: .leave, at: at), actor: "model")
          if !allowed { return "the library accepted a leave of \(employee) at \(Grid.name(at)), who was not employed" }
          if world.roster.contains(where: { $0.at > at }) { stats.backfilled += 1 }
          world.roster.append(.init(index: isRoster.count, employee: employee, join: false, at: at, groups: [], recordedAt: Instant(microseconds: 0)))
          isRoster.append(true)
        } catch let error as LedgerError {
          if allowed { return "the library refused a leave the model accepts: \(error)" }
          stats.refusedLeaves += 1
          if let missed = try Self.ruleStepNames(ledger, { next in
            try ledger.append(.roster(RosterEntry(employee: employee, event: .leave, at: at)), actor: "probe", next: next)
          }) {
            return "a leave of \(employee) at \(Grid.name(at)), written below the checks: \(missed)"
          }
          stats.leavesNamed += 1
        }
      }
    }

    // Recorded times, from the journal, to each side's entries.
    let times = try PropertyRun.recordedTimes(ledger)
    guard times.count == isRoster.count else { return "the journal holds \(times.count) entries, the model \(isRoster.count)" }
    world.model.setRecordedTimes(zip(times, isRoster).filter { !$0.1 }.map(\.0))
    // Every row of an import is known from its one entry's recorded_at.
    for i in world.roster.indices { world.roster[i].recordedAt = times[world.roster[i].index] }
    #expect(try ledger.verify().failure == nil)

    // Questions.
    for _ in 0..<60 {
      let t = Grid.at(int(0...(Grid.hours - 1)), plus: chance(0.2) ? -1 : 0)
      let k: Instant? = chance(0.5) ? time() : nil
      let r: Instant? = chance(0.3) && !times.isEmpty ? Instant(microseconds: times[int(0...(times.count - 1))].microseconds + Int64(int(-1...0))) : nil
      let view = ReplayModel.View(knownAt: k, recordedAt: r, toldTo: nil)
      let libraryView = Bitemporal.View(knownAt: k, recordedAt: r)
      let policy = policies[int(0...1)]
      let question = "coverage \(policy) --at \(Grid.name(t)) k=\(k.map(Grid.name) ?? "-") r=\(r.map(\.description) ?? "-")"
      stats.questions += 1
      let expected: Result<[CoverageRow], ReplayModel.ModelError>
      do { expected = .success(try world.coverage(policy, at: t, view)) } catch { expected = .failure(error) }
      var actual: [CoverageRow] = []
      var actualError: String? = nil
      do {
        try ledger.coverage(policy, at: t, view: libraryView) { row, _ in actual.append(row) }
      } catch let error as LedgerError {
        actualError = error.description
      }
      switch expected {
      case .success(let rows):
        if let actualError { return "\(question): the library refused (\(actualError)); the model gives \(rows)" }
        if rows != actual { return "\(question):\n  model   \(rows)\n  library \(actual)" }
        let expectedSummary = try world.coverageSummary(policy, at: t, view)
        let actualSummary = try ledger.coverageSummary(policy, at: t, view: libraryView)
        // Compared group name by group name as bytes: String's == would take two spellings for one.
        if expectedSummary != actualSummary || !expectedSummary.map({ Array($0.group.utf8) }).elementsEqual(actualSummary.map { Array($0.group.utf8) }) {
          return "\(question) --summary:\n  model   \(expectedSummary)\n  library \(actualSummary)"
        }
        stats.summaries += 1
        if Set(expectedSummary.map { Array($0.group.utf8) }).isSuperset(of: Self.groups.suffix(2).map { Array($0.utf8) }) {
          stats.summariesWithBothSpellings += 1
        }
        stats.rows += rows.count
        for row in rows {
          stats.statuses.insert(row.status.rawValue)
          if row.believesVersion != row.version { stats.believesOther += 1 }
        }
      case .failure(let error):
        if actualError == nil { return "\(question): the library answered \(actual); the model refuses (\(error))" }
      }
      let group: String? = chance(0.5) ? nil : (groups + ["all"]).randomElement(using: &rng)
      // A group no recorded roster row or version names, over the whole journal, is "no
      // group 'G'" (as an unknown key is), whatever the view.
      let recordedGroups = Set((world.roster.flatMap(\.groups) + world.audiences.values.flatMap { $0 } + [Groups.all]).map { Array($0.utf8) })
      if let group, !recordedGroups.contains(Array(group.utf8)) {
        do {
          try ledger.employees(at: t, group: group, view: libraryView) { _ in }
          return "employees --group \(group): the library answered; no roster row or version names that group"
        } catch let error as LedgerError {
          guard error.code == .notFound, error.description.hasPrefix("no group '\(group)'") else { return "employees --group \(group): \(error)" }
          stats.unknownGroups += 1
        }
        continue
      }
      let expectedEmployees = world.employees(at: t, group: group, view)
      var actualEmployees: [EmployeeRow] = []
      try ledger.employees(at: t, group: group, view: libraryView) { actualEmployees.append($0) }
      if expectedEmployees != actualEmployees {
        return "employees --at \(Grid.name(t)) --group \(group ?? "-"):\n  model   \(expectedEmployees)\n  library \(actualEmployees)"
      }
    }
    return nil
  }
}
