import Foundation
import LedgerBenchData
import PolicyLedger
import Testing

/// Random small histories, recorded into a real ledger and replayed into ``ReplayModel``; the
/// library's answers must equal the model's for many (t, k, r, told-to) questions.
///
/// Deterministic: history `i` comes from seed `i`. Environment:
/// - `POLICY_LEDGER_MODEL_HISTORIES=N` runs N histories (default 300) — a longer soak;
/// - `POLICY_LEDGER_MODEL_SEED=S` runs only the history of seed S (to replay a failure).
///
/// On a mismatch the test prints the seed, the question, both answers, and the history shrunk
/// to the fewest steps that still show the mismatch.
@Suite struct BitemporalPropertyTests {
  @Test func libraryAgreesWithTheReplayModel() throws {
    let environment = ProcessInfo.processInfo.environment
    let seeds: [UInt64]
    if let text = environment["POLICY_LEDGER_MODEL_SEED"], let seed = UInt64(text) {
      seeds = [seed]
    } else {
      let count = environment["POLICY_LEDGER_MODEL_HISTORIES"].flatMap(UInt64.init) ?? 300
      seeds = Array(0..<count)
    }
    var stats = Stats()
    var failed = false
    for seed in seeds {
      var generator = HistoryGenerator(seed: seed)
      let steps = generator.steps()
      if let failure = try PropertyRun.firstMismatch(steps: steps, generator: &generator, stats: &stats) {
        let (shrunk, shrunkFailure) = try PropertyRun.shrink(steps: steps, failure: failure)
        Issue.record(
          """
          seed \(seed): the library disagrees with the replay model (replay: POLICY_LEDGER_MODEL_SEED=\(seed))
          history shrunk to \(shrunk.count) of \(steps.count) steps:
          \(try PropertyRun.describe(shrunk))
          \(shrunkFailure.mismatch)
          """)
        failed = true
        break
      }
    }
    if environment["POLICY_LEDGER_MODEL_HISTORIES"] != nil { print("replay model: \(seeds.count) histories, \(stats)") }
    // The generator must reach the cases that matter, or the comparison proves little.
    if seeds.count >= 300 && !failed {
      #expect(stats.refused > 20, "refusals exercised: \(stats.refused)")
      #expect(stats.questions > 10_000, "questions asked: \(stats.questions)")
      #expect(stats.nonEmptyInForce > 2_000, "non-empty in-force answers: \(stats.nonEmptyInForce)")
      #expect(stats.statuses.count == 5, "history statuses reached: \(stats.statuses.sorted())")
      #expect(stats.noticeStatuses.count == 4, "notice statuses reached: \(stats.noticeStatuses.sorted())")
      #expect(stats.nonEmptyOutstanding > 50, "non-empty outstanding answers: \(stats.nonEmptyOutstanding)")
      #expect(stats.resends > 100, "resends recorded: \(stats.resends)")
      #expect(stats.recipientsAcknowledged > 50, "recipients answers with an acknowledgement: \(stats.recipientsAcknowledged)")
      for rule in RuleProbe.rules {
        #expect(stats.ruleProbes[rule, default: 0] > 5, "refused steps that verify's rule step named, for \(rule): \(stats.ruleProbes)")
      }
    }
  }
}

// MARK: - Counting what the run reached

struct Stats {
  var refused = 0
  var questions = 0
  var nonEmptyInForce = 0
  var nonEmptyOutstanding = 0
  var statuses: Set<String> = []
  var noticeStatuses: Set<String> = []
  var resends = 0
  /// `recipients` answers with an acknowledgement in them (a view that counts acks).
  var recipientsAcknowledged = 0
  /// Refused steps written below the recording checks, by the rule they break, that
  /// `verify`'s rule step named (``RuleProbe``).
  var ruleProbes: [String: Int] = [:]
}


/// Times on a coarse grid: whole hours over two days from `Grid.base`, so that ties and exact
/// equalities happen often.
enum Grid {
  static let base = Instant(microseconds: 1_709_251_200 * 1_000_000)  // 2024-03-01T00:00:00Z
  static let hour: Int64 = 3_600_000_000
  static let hours = 48

  static func at(_ hour: Int, plus microseconds: Int64 = 0) -> Instant {
    Instant(microseconds: base.microseconds + Int64(hour) * Grid.hour + microseconds)
  }

  /// `h05`, `h05+1µs`, `h06-1µs`: short names for the grid and its neighbours.
  static func name(_ t: Instant) -> String {
    let delta = t.microseconds - base.microseconds
    let nearest = (delta + hour / 2).quotientRoundedDown(by: hour)
    let rest = delta - nearest * hour
    let name = nearest < 0 ? "h-\(-nearest)" : String(format: "h%02lld", nearest)
    return rest == 0 ? name : name + (rest > 0 ? "+" : "") + "\(rest)µs"
  }
}

extension Int64 {
  fileprivate func quotientRoundedDown(by divisor: Int64) -> Int64 {
    let q = self / divisor
    return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
  }
}

struct HistoryGenerator {
  var rng: SplitMix64
  static let policies = ["remote-work", "mobile-devices", "expenses"]
  static let employees = ["E1", "E2", "E3", "E4", "E5", "E6"]
  /// Notice and correction ids whose text order is not their journal order.
  static let ids = ["Q7", "B2", "N10", "N9", "A", "Zed", "m1", "C-3", "N1", "k", "X-1", "b", "Y", "N2", "aa"]

  init(seed: UInt64) { rng = SplitMix64(seed: seed) }

  mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
  mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
  mutating func pick<T>(_ items: [T]) -> T { items.randomElement(using: &rng)! }

  mutating func subset(of items: [String], count: ClosedRange<Int>) -> [String] {
    Array(items.shuffled(using: &rng).prefix(int(count)))
  }

  /// One random but valid-order history, with some steps the ledger must refuse.
  mutating func steps() -> [ReplayModel.Proposal] {
    let policies = Array(Self.policies.prefix(int(1...3)))
    var bag: [Character] = []
    bag += Array(repeating: "v", count: int(1...6))
    bag += Array(repeating: "n", count: int(0...5))
    bag += Array(repeating: "c", count: int(0...5))
    bag += Array(repeating: "a", count: int(0...4))
    bag += Array(repeating: "r", count: int(0...4))
    bag.shuffle(using: &rng)
    var ids = Self.ids.shuffled(using: &rng)
    var times: [Instant] = []
    var steps: [ReplayModel.Proposal] = []
    // What the generator believes exists (the ledger may refuse some of it: that is tested too).
    var versions: [(ref: VersionRef, announcedAt: Instant)] = []
    var notices: [(id: String, sentAt: Instant, recipients: [String])] = []
    // Notices and corrections, with the people the generator believes they reached.
    var messages: [(id: String, at: Instant, isCorrection: Bool, reached: Set<String>)] = []
    var titleCount = 0

    func time(_ g: inout HistoryGenerator) -> Instant {
      if !times.isEmpty && g.chance(0.35) { return g.pick(times) }
      let t = Grid.at(g.int(0...(Grid.hours - 1)))
      times.append(t)
      return t
    }
    func time(after floor: Instant, _ g: inout HistoryGenerator) -> Instant {
      if g.chance(0.3) { return floor }
      for _ in 0..<8 {
        let t = time(&g)
        if t >= floor { return t }
      }
      return floor
    }
    func newID(_ g: inout HistoryGenerator) -> String {
      if g.chance(0.04), let used = notices.first?.id { return used }  // a repeated id: refused
      return ids.popLast() ?? "id\(g.int(100...999))"
    }

    if bag.first != "v", let i = bag.firstIndex(of: "v") { bag.swapAt(0, i) }
    for kind in bag {
      switch kind {
      case "v":
        let policy = pick(policies)
        let from = time(&self)
        var until: Instant? = nil
        if chance(0.45) {
          until = chance(0.85) ? time(after: Instant(microseconds: from.microseconds + Grid.hour), &self) : time(&self)
        }
        let announcedAt: Instant? = chance(0.5) ? time(&self) : nil
        titleCount += 1
        let title = "\(policy) text \(titleCount)"
        steps.append(
          .version(
            policy: policy, title: title, bodySHA256: SHA256Hasher.hex(PropertyRun.body(title)), from: from,
            until: until, announcedAt: announcedAt))
        if until.map({ $0 > from }) ?? true {
          let number = Int64(versions.filter { $0.ref.policy == policy }.count + 1)
          versions.append((VersionRef(policy: policy, number: number), announcedAt ?? from))
        }
      case "n":
        var announces: [VersionRef] = []
        if !versions.isEmpty && chance(0.85) {
          announces = [pick(versions).ref]
          // Rule 17: often several versions, usually of distinct policies; sometimes two of
          // one policy, which is refused.
          if chance(0.35) {
            for _ in 0..<(chance(0.5) ? 1 : 2) {
              let more = pick(versions).ref
              if chance(0.85), announces.contains(where: { $0.policy == more.policy }) { continue }
              if !announces.contains(more) { announces.append(more) }
            }
          }
        } else if chance(0.3) {
          announces = [VersionRef(policy: pick(policies), number: 9)]  // no such version: refused
        }
        let recipients = subset(of: Self.employees, count: chance(0.05) ? 0...0 : 1...4)
        let id = newID(&self)
        let sentAt = time(&self)
        steps.append(.notice(id: id, subject: "subject of \(id)", sentAt: sentAt, announces: announces, recipients: recipients))
        if !recipients.isEmpty {
          notices.append((id, sentAt, recipients))
          messages.append((id, sentAt, false, Set(recipients)))
          // Rules 17 and 18: sometimes one of its versions (the last by key, not the one
          // `notices.announces` keeps) is retracted, then the notice with void_version —
          // refused, as one of the versions it would void already is; as often, only the
          // notice with void_version, which voids each of its versions.
          if announces.count > 1, chance(0.5),
            let last = announces.max(by: { $0.policy.utf8.lexicographicallyPrecedes($1.policy.utf8) }),
            let announced = versions.first(where: { $0.ref == last })?.announcedAt
          {
            var retractions = [(CorrectionTarget.version(last), announced, false), (.notice(id), sentAt, true)]
            if chance(0.5) { retractions.removeFirst() }
            for (target, floor, void) in retractions {
              let correction = newID(&self)
              let issuedAt = time(after: floor, &self)
              steps.append(
                .correction(
                  id: correction, kind: .retraction, target: target, voidVersion: void, issuedAt: issuedAt,
                  statement: "statement of \(correction)", reason: "reason of \(correction)", from: nil, until: nil,
                  recipients: .defaults))
              messages.append((correction, issuedAt, true, []))
            }
          }
        }
      case "c":
        let retraction = chance(0.5)
        let target: CorrectionTarget
        let targetTime: Instant
        if !notices.isEmpty && (versions.isEmpty || chance(0.6)) {
          let n = pick(notices)
          target = .notice(n.id)
          targetTime = n.sentAt
        } else if !versions.isEmpty {
          let v = pick(versions)
          target = .version(v.ref)
          targetTime = v.announcedAt
        } else {
          continue
        }
        let issuedAt = chance(0.88) ? time(after: targetTime, &self) : time(&self)
        var from: Instant? = nil
        var until: Instant? = nil
        if !retraction && chance(0.8) {
          if chance(0.6) { from = time(&self) }
          if from == nil || chance(0.5) { until = time(&self) }
        }
        let voidVersion: Bool
        if case .notice = target { voidVersion = retraction && chance(0.5) } else { voidVersion = false }
        let recipients: ReplayModel.Recipients
        switch int(0...19) {
        case 0...9: recipients = .defaults
        case 10...12: recipients = .none
        default: recipients = .named(subset(of: Self.employees, count: 0...4))
        }
        let id = newID(&self)
        steps.append(
          .correction(
            id: id, kind: retraction ? .retraction : .amendment, target: target, voidVersion: voidVersion,
            issuedAt: issuedAt, statement: "statement of \(id)", reason: "reason of \(id)", from: from, until: until,
            recipients: recipients))
        if case .named(let ids) = recipients {
          messages.append((id, issuedAt, true, Set(ids)))
        } else {
          messages.append((id, issuedAt, true, []))
        }
      case "a":
        guard let n = notices.isEmpty ? nil : pick(notices) else { continue }
        let employee = chance(0.9) ? pick(n.recipients) : pick(Self.employees)
        steps.append(.ack(notice: n.id, employee: employee, at: chance(0.9) ? time(after: n.sentAt, &self) : time(&self)))
        if chance(0.1) { steps.append(.ack(notice: n.id, employee: employee, at: time(&self))) }  // repeated
      case "r":
        // Rule 16: a resend, mostly valid: later than the first delivery, to people it missed.
        guard !messages.isEmpty else { continue }
        let i = int(0...(messages.count - 1))
        let m = messages[i]
        let sentAt = chance(0.9) ? time(after: m.at, &self) : time(&self)
        if m.isCorrection && chance(0.5) {
          steps.append(.resend(message: m.id, sentAt: sentAt, recipients: .outstanding))
        } else {
          let missed = Self.employees.filter { !m.reached.contains($0) }
          let ids = chance(0.85) && !missed.isEmpty ? subset(of: missed, count: 1...3) : subset(of: Self.employees, count: 0...2)
          steps.append(.resend(message: m.id, sentAt: sentAt, recipients: .named(ids)))
          messages[i].reached.formUnion(ids)
        }
      default:
        continue
      }
    }
    return steps
  }
}

// MARK: - Questions

/// `r` is named by the step whose recorded_at it is near, so that a question survives a re-run.
struct SymbolicView: CustomStringConvertible {
  var knownAt: Instant?
  var recordedNear: (step: Int, offset: Int64)?
  var toldTo: String?

  var description: String {
    let r = recordedNear.map { "recorded_at(#\($0.step))\($0.offset == 0 ? "" : $0.offset > 0 ? "+1µs" : "-1µs")" } ?? "∞"
    return "k=\(knownAt.map(Grid.name) ?? "∞") r=\(r) toldTo=\(toldTo ?? "-")"
  }
}

enum Question: CustomStringConvertible {
  case inForce(policy: String?, at: Instant, view: SymbolicView)
  case history(policy: String, at: Instant, view: SymbolicView)
  case employeeTimeline(employee: String, from: Instant?, to: Instant?, view: SymbolicView)
  case policyTimeline(policy: String, from: Instant?, to: Instant?, view: SymbolicView)
  case outstanding(notice: String?, view: SymbolicView)
  case recipients(message: String, view: SymbolicView)

  var view: SymbolicView {
    switch self {
    case .inForce(_, _, let v), .history(_, _, let v), .employeeTimeline(_, _, _, let v), .policyTimeline(_, _, _, let v),
      .outstanding(_, let v), .recipients(_, let v):
      v
    }
  }

  var description: String {
    func range(_ from: Instant?, _ to: Instant?) -> String { "from=\(from.map(Grid.name) ?? "-") to=\(to.map(Grid.name) ?? "-")" }
    return switch self {
    case .inForce(let p, let t, let v): "in-force \(p ?? "(all)") at=\(Grid.name(t)) \(v)"
    case .history(let p, let t, let v): "history \(p) at=\(Grid.name(t)) \(v)"
    case .employeeTimeline(let e, let f, let t, let v): "timeline --employee \(e) \(range(f, t)) \(v)"
    case .policyTimeline(let p, let f, let t, let v): "timeline --policy \(p) \(range(f, t)) \(v)"
    case .outstanding(let n, let v): "outstanding notice=\(n ?? "-") \(v)"
    case .recipients(let m, let v): "recipients \(m) \(v)"
    }
  }

  /// The same question with step `removed` gone from the history (nil if it named that step).
  func without(step removed: Int) -> Question? {
    var v = view
    if let near = v.recordedNear {
      if near.step == removed { return nil }
      if near.step > removed { v.recordedNear = (near.step - 1, near.offset) }
    }
    return switch self {
    case .inForce(let p, let t, _): .inForce(policy: p, at: t, view: v)
    case .history(let p, let t, _): .history(policy: p, at: t, view: v)
    case .employeeTimeline(let e, let f, let t, _): .employeeTimeline(employee: e, from: f, to: t, view: v)
    case .policyTimeline(let p, let f, let t, _): .policyTimeline(policy: p, from: f, to: t, view: v)
    case .outstanding(let n, _): .outstanding(notice: n, view: v)
    case .recipients(let m, _): .recipients(message: m, view: v)
    }
  }
}

// MARK: - Recording, asking, comparing

struct Failure {
  var mismatch: String
  var question: Question?
  /// The step the ledger and the model disagreed about, for a recording failure.
  var step: Int? = nil
}

/// A history recorded into a temporary ledger and into the model.
final class RecordedHistory {
  private let scratch: ScratchLedger
  var ledger: Ledger { scratch.ledger }
  var model = ReplayModel()
  /// Step index → journal seq, for the steps both accepted.
  var seqOfStep: [Int: Int] = [:]
  var refused = 0
  var resends = 0
  var ruleProbes: [String: Int] = [:]

  init() throws { scratch = try ScratchLedger() }
}

enum PropertyRun {
  static func body(_ title: String) -> [UInt8] { Array("Body of \(title).\n".utf8) }

  /// Records `steps` into a fresh ledger and the model; a refusal must be shared by both.
  static func record(_ steps: [ReplayModel.Proposal]) throws -> (RecordedHistory, Failure?) {
    let history = try RecordedHistory()
    let ledger = history.ledger
    for (i, step) in steps.enumerated() {
      let modelRefusal = history.model.refusal(step)
      var libraryRefusal: String? = nil
      do {
        switch step {
        case .version(let policy, let title, _, let from, let until, let announcedAt):
          try ledger.addVersion(
            NewVersion(
              policy: policy, title: title, body: body(title), effectiveFrom: from, effectiveUntil: until,
              announcedAt: announcedAt),
            actor: "model")
        case .notice(let id, let subject, let sentAt, let announces, let recipients):
          try ledger.sendNotice(
            NewNotice(id: id, subject: subject, body: Array("body of \(id)".utf8), sentAt: sentAt, sender: "hr", announces: announces),
            recipients: RecipientList(recipients), actor: "model")
        case .correction(let id, let kind, let target, let voidVersion, let issuedAt, let statement, let reason, let from, let until, let recipients):
          let to: CorrectionRecipients =
            switch recipients {
            case .defaults: .defaults
            case .none: .none
            case .named(let ids): .named(RecipientList(ids))
            }
          try ledger.correct(
            NewCorrection(
              id: id, kind: kind, target: target, voidVersion: voidVersion, issuedAt: issuedAt, statement: statement,
              reason: reason, effectiveFrom: from, effectiveUntil: until),
            recipients: to, actor: "model")
        case .ack(let notice, let employee, let at):
          try ledger.acknowledge(notice: notice, employee: employee, at: at, actor: "model")
        case .resend(let id, let sentAt, let recipients):
          let kind: MessageKind = history.model.correction(id) != nil ? .correction : .notice
          let to: ResendRecipients =
            switch recipients {
            case .named(let ids): .named(RecipientList(ids))
            case .outstanding: .outstanding
            }
          try ledger.resend(id, kind: kind, sentAt: sentAt, recipients: to, actor: "model")
        }
      } catch let error as LedgerError {
        libraryRefusal = error.description
      }
      switch (modelRefusal, libraryRefusal) {
      case (nil, nil):
        if case .resend = step { history.resends += 1 }
        history.model.record(step, recordedAt: Instant(microseconds: 0))
        history.seqOfStep[i] = history.model.entries.count
        // After every kind of entry: the people each correction is still outstanding for, as
        // the ledger keeps them for `correct resend --outstanding`, are the model's.
        if let mismatch = try OutstandingPeopleTests.mismatch(ledger, history.model) {
          return (history, Failure(mismatch: "after step #\(i): \(mismatch)", question: nil, step: i))
        }
      case (.some(let reason), .some):
        history.refused += 1
        // The rules `verify` checks again (its step 8): the same step written without the
        // recording checks must be the entry it names.
        if let rule = RuleProbe.rule(of: reason) {
          switch try RuleProbe.probe(ledger, step, model: history.model) {
          case .named: history.ruleProbes[rule, default: 0] += 1
          case .notWritable: break
          case .missed(let what): return (history, Failure(mismatch: "step #\(i), refused (\(reason)): \(what)", question: nil, step: i))
          }
        }
      case (nil, .some(let message)):
        return (history, Failure(mismatch: "step #\(i): the library refused it (\(message)); the model accepts it", question: nil, step: i))
      case (.some(let reason), nil):
        return (history, Failure(mismatch: "step #\(i): the library accepted it; the model refuses it (\(reason))", question: nil, step: i))
      }
    }
    let times = try recordedTimes(ledger)
    guard times.count == history.model.entries.count else {
      return (history, Failure(mismatch: "the journal holds \(times.count) entries; the model \(history.model.entries.count)", question: nil))
    }
    history.model.setRecordedTimes(times)
    return (history, nil)
  }

  /// Every entry's recorded_at, read back from `export journal`.
  static func recordedTimes(_ ledger: Ledger) throws -> [Instant] {
    let collector = CollectingWriter()
    try ledger.export(.journal, to: collector)
    let column = ExportKind.journal.columns.firstIndex(of: "recorded_at")!
    return try collector.rows.map { row in
      guard case .text(let text) = row[column] else { throw LedgerError("recorded_at is not text: \(row[column])") }
      return try Instant.parse(text)
    }
  }

  static func resolve(_ view: SymbolicView, in history: RecordedHistory) -> ReplayModel.View? {
    var r: Instant? = nil
    if let near = view.recordedNear {
      guard let seq = history.seqOfStep[near.step] else { return nil }
      let recorded: Instant =
        switch history.model.entries[seq - 1] {
        case .version(let v): v.recordedAt
        case .notice(let n): n.recordedAt
        case .correction(let c): c.recordedAt
        case .ack(let a): a.recordedAt
        case .resend(let x): x.recordedAt
        }
      r = Instant(microseconds: recorded.microseconds + near.offset)
    }
    return ReplayModel.View(knownAt: view.knownAt, recordedAt: r, toldTo: view.toldTo)
  }

  /// Asks the library and the model; returns a description of any difference. Nil also when the
  /// question cannot be asked of this history (it names a step that was refused).
  static func check(_ question: Question, _ history: RecordedHistory, stats: inout Stats) -> String? {
    guard let view = resolve(question.view, in: history) else { return nil }
    let model = history.model
    let libraryView = Bitemporal.View(knownAt: view.knownAt, recordedAt: view.recordedAt, toldTo: view.toldTo)
    let ledger = history.ledger
    stats.questions += 1
    typealias Expected<A> = Result<[A], ReplayModel.ModelError>
    func compare<A: Equatable & CustomStringConvertible>(_ expected: Expected<A>, _ actual: () throws -> [A]) -> String? {
      switch (expected, Result { try actual() }) {
      case (.success(let e), .success(let a)):
        if e == a { return nil }
        return "model:\n    \(e.map(\.description).joined(separator: "\n    "))\nlibrary:\n    \(a.map(\.description).joined(separator: "\n    "))"
      case (.failure(let e), .failure(let a)):
        if "\(a)".contains(e.description) { return nil }
        return "model error: \(e); library error: \(a)"
      case (.failure(let e), .success(let a)):
        return "model error: \(e); library answered \(a)"
      case (.success(let e), .failure(let a)):
        return "model answered \(e); library error: \(a)"
      }
    }
    switch question {
    case .inForce(let policy, let t, _):
      let expected = Expected { () throws(ReplayModel.ModelError) in try model.inForce(policy, at: t, view) }
      if case .success(let rows) = expected, !rows.isEmpty { stats.nonEmptyInForce += 1 }
      return compare(expected) {
        try ledger.inForce(policy, at: t, view: libraryView).map {
          ReplayModel.InForceAnswer(
            policy: $0.policy, version: $0.version, title: $0.title, effectiveFrom: $0.effectiveFrom,
            effectiveUntil: $0.effectiveUntil, announcedAt: $0.announcedAt, bodySHA256: $0.bodySHA256)
        }
      }
    case .history(let policy, let t, _):
      let expected = Expected { () throws(ReplayModel.ModelError) in try model.history(policy, at: t, view) }
      if case .success(let rows) = expected { stats.statuses.formUnion(rows.map(\.status)) }
      return compare(expected) {
        try ledger.history(policy, at: t, view: libraryView).map {
          ReplayModel.HistoryAnswer(
            policy: $0.policy, version: $0.version, title: $0.title, effectiveFrom: $0.effectiveFrom,
            effectiveUntil: $0.effectiveUntil, announcedAt: $0.announcedAt, status: $0.status.rawValue,
            correctedBy: $0.correctedBy)
        }
      }
    case .employeeTimeline(let employee, let from, let to, _):
      let expected = Expected { () throws(ReplayModel.ModelError) in
        try model.timeline(employee: employee, from: from, to: to, view)
      }
      if case .success(let rows) = expected {
        stats.noticeStatuses.formUnion(rows.filter { $0.kind == "notice" }.map(\.status))
      }
      return compare(expected) {
        try ledger.timeline(employee: employee, from: from, to: to, view: libraryView).map(timelineAnswer)
      }
    case .policyTimeline(let policy, let from, let to, _):
      let expected = Expected { () throws(ReplayModel.ModelError) in
        try model.timeline(policy: policy, from: from, to: to, view)
      }
      return compare(expected) {
        try ledger.timeline(policy: policy, from: from, to: to, view: libraryView).map(timelineAnswer)
      }
    case .outstanding(let notice, _):
      let expected = Expected { () throws(ReplayModel.ModelError) in try model.outstanding(notice: notice, view) }
      if case .success(let rows) = expected, !rows.isEmpty { stats.nonEmptyOutstanding += 1 }
      return compare(expected) {
        var rows: [ReplayModel.OutstandingAnswer] = []
        try ledger.outstanding(notice: notice, view: libraryView) {
          rows.append(
            ReplayModel.OutstandingAnswer(
              notice: $0.notice, employee: $0.employee, correction: $0.correction, correctionKind: $0.correctionKind))
        }
        return rows
      }
    case .recipients(let message, _):
      let expected = Expected { () throws(ReplayModel.ModelError) in try model.recipients(of: message, view) }
      if case .success(let rows) = expected, rows.contains(where: { $0.acknowledgedAt != nil }) { stats.recipientsAcknowledged += 1 }
      return compare(expected) {
        try ledger.recipientRows(of: message, view: libraryView).map {
          ReplayModel.RecipientAnswer(employee: $0.employee, status: $0.status, acknowledgedAt: $0.acknowledgedAt, sentAt: $0.sentAt)
        }
      }
    }
  }

  static func timelineAnswer(_ row: TimelineRow) -> ReplayModel.TimelineAnswer {
    ReplayModel.TimelineAnswer(
      at: row.at, kind: row.kind.rawValue, id: row.id, policy: row.policy, version: row.version, subject: row.subject,
      status: row.status, target: row.target)
  }

  /// The questions asked of one history: t, k and r on the grid (and its neighbours, ±1 µs),
  /// near the history's own times, and every employee's point of view.
  static func questions(
    for steps: [ReplayModel.Proposal], accepted: [Int], generator g: inout HistoryGenerator
  ) -> [Question] {
    var grid: [Instant] = []
    var policies: [String] = []
    var notices: [String] = []
    var messages: [String] = []
    for step in steps {
      switch step {
      case .version(let p, _, _, let from, let until, let announcedAt):
        grid += [from] + [until, announcedAt].compactMap { $0 }
        policies.append(p)
      case .notice(let id, _, let sentAt, _, _):
        grid.append(sentAt)
        notices.append(id)
        messages.append(id)
      case .correction(let id, _, _, _, let issuedAt, _, _, let from, let until, _):
        grid += [issuedAt] + [from, until].compactMap { $0 }
        messages.append(id)
      case .ack(_, _, let at):
        grid.append(at)
      case .resend(_, let sentAt, _):
        grid.append(sentAt)
      }
    }
    grid += (0..<4).map { _ in Grid.at(g.int(0...(Grid.hours - 1))) }
    policies = Array(Set(policies)).sorted() + ["no-such-policy"]
    func instant(_ g: inout HistoryGenerator) -> Instant {
      let t = g.pick(grid)
      return Instant(microseconds: t.microseconds + Int64(g.int(-1...1)) * (g.chance(0.5) ? 1 : 0))
    }
    func view(_ g: inout HistoryGenerator, toldTo: Bool) -> SymbolicView {
      SymbolicView(
        knownAt: g.chance(0.25) ? nil : instant(&g),
        recordedNear: accepted.isEmpty || g.chance(0.4) ? nil : (g.pick(accepted), Int64(g.int(-1...1))),
        toldTo: toldTo && g.chance(0.6) ? g.pick(HistoryGenerator.employees + ["E9"]) : nil)
    }
    var questions: [Question] = []
    for _ in 0..<120 {
      questions.append(.inForce(policy: g.chance(0.2) ? nil : g.pick(policies), at: instant(&g), view: view(&g, toldTo: true)))
    }
    for _ in 0..<30 {
      questions.append(.history(policy: g.pick(policies), at: instant(&g), view: view(&g, toldTo: g.chance(0.3))))
    }
    for _ in 0..<12 {
      let from = g.chance(0.5) ? nil : instant(&g)
      let to = g.chance(0.5) ? nil : instant(&g)
      questions.append(
        .employeeTimeline(
          employee: g.pick(HistoryGenerator.employees + ["E9"]), from: from, to: to, view: view(&g, toldTo: false)))
    }
    for _ in 0..<6 {
      let from = g.chance(0.5) ? nil : instant(&g)
      let to = g.chance(0.5) ? nil : instant(&g)
      questions.append(.policyTimeline(policy: g.pick(policies), from: from, to: to, view: view(&g, toldTo: false)))
    }
    for _ in 0..<8 {
      let notice: String? = notices.isEmpty || g.chance(0.6) ? nil : g.pick(notices)
      questions.append(.outstanding(notice: notice, view: view(&g, toldTo: false)))
    }
    // Asked last, so that the questions above stay those each seed gave before.
    for _ in 0..<8 {
      let message = messages.isEmpty || g.chance(0.1) ? "NOPE" : g.pick(messages)
      questions.append(.recipients(message: message, view: view(&g, toldTo: false)))
    }
    return questions
  }

  static func firstMismatch(
    steps: [ReplayModel.Proposal], generator: inout HistoryGenerator, stats: inout Stats
  ) throws -> Failure? {
    let (history, failure) = try record(steps)
    stats.refused += history.refused
    stats.resends += history.resends
    stats.ruleProbes.merge(history.ruleProbes, uniquingKeysWith: +)
    if let failure { return failure }
    let accepted = history.seqOfStep.keys.sorted()
    for question in questions(for: steps, accepted: accepted, generator: &generator) {
      if let difference = check(question, history, stats: &stats) {
        return Failure(mismatch: "\(question)\n\(difference)", question: question)
      }
    }
    return nil
  }

  /// Removes steps, one at a time, while the same kind of failure remains; returns the shrunk
  /// history and its failure.
  static func shrink(steps: [ReplayModel.Proposal], failure: Failure) throws -> ([ReplayModel.Proposal], Failure) {
    var steps = steps
    var question = failure.question
    var failure = failure
    var changed = true
    while changed {
      changed = false
      for i in steps.indices.reversed() {
        var candidate = steps
        candidate.remove(at: i)
        var scratch = Stats()
        let (history, recordingFailure) = try record(candidate)
        if let current = question {
          guard recordingFailure == nil, let moved = current.without(step: i),
            let difference = check(moved, history, stats: &scratch)
          else { continue }
          steps = candidate
          question = moved
          failure = Failure(mismatch: "\(moved)\n\(difference)", question: moved)
        } else {
          guard let recordingFailure else { continue }
          steps = candidate
          failure = recordingFailure
        }
        changed = true
        break
      }
    }
    return (steps, failure)
  }

  static func describe(_ steps: [ReplayModel.Proposal]) throws -> String {
    let (history, failure) = try record(steps)
    func t(_ i: Instant?) -> String { i.map(Grid.name) ?? "open" }
    return steps.enumerated().map { i, step in
      let outcome =
        if let seq = history.seqOfStep[i] { "seq \(seq)" } else if let f = failure?.step, i >= f {
          i == f ? "disputed" : "not recorded"
        } else { "refused by both" }
      let text: String
      switch step {
      case .version(let p, _, _, let from, let until, let announcedAt):
        text = "policy add \(p) [\(t(from)), \(t(until))) announced \(announcedAt.map(Grid.name) ?? "(default)")"
      case .notice(let id, _, let sentAt, let announces, let recipients):
        text = "notice \(id) sent \(t(sentAt)) announces \(announces.isEmpty ? "-" : announces.map(\.description).joined(separator: ";")) to \(recipients.joined(separator: ","))"
      case .correction(let id, let kind, let target, let voidVersion, let issuedAt, _, _, let from, let until, let recipients):
        let targetText =
          switch target {
          case .notice(let n): "--notice \(n)\(voidVersion ? " --void-version" : "")"
          case .version(let ref): "--version \(ref)"
          }
        let to =
          switch recipients {
          case .defaults: "(default recipients)"
          case .none: "--no-recipients"
          case .named(let ids): "--to \(ids.joined(separator: ","))"
          }
        let bounds = [from.map { "--effective-from \(Grid.name($0))" }, until.map { "--effective-until \(Grid.name($0))" }]
          .compactMap { $0 }.joined(separator: " ")
        text = ["correct \(kind == .retraction ? "retract" : "amend") \(id) \(targetText) issued \(t(issuedAt))", bounds, to]
          .filter { !$0.isEmpty }.joined(separator: " ")
      case .ack(let n, let e, let at):
        text = "ack \(n) by \(e) at \(t(at))"
      case .resend(let id, let sentAt, let recipients):
        let to =
          switch recipients {
          case .named(let ids): "--to \(ids.joined(separator: ","))"
          case .outstanding: "--outstanding"
          }
        text = "resend \(id) sent \(t(sentAt)) \(to)"
      }
      return "  #\(i) \(text) → \(outcome)"
    }.joined(separator: "\n")
  }
}

/// Keeps the rows an export writes.
final class CollectingWriter: RowWriter {
  var columns: [String] = []
  var rows: [[Cell]] = []
  func begin(columns: [String]) throws { self.columns = columns }
  func write(_ row: [Cell]) throws { rows.append(row) }
  func finish() throws {}
}
