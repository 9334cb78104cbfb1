import Foundation

/// How a report's picture draws time.
public enum TimeAxis: String, Sendable, CaseIterable {
  /// To scale, with long gaps cut short and marked (`TimeScale`).
  case linear
  /// Each gap between two instants by the logarithm of its length: a minute ≈ 1, six
  /// hours ≈ 3, a year ≈ 10; nothing is cut, nothing is to scale.
  case log
}

/// A linear time axis with a break at every instant that matters, and cuts in long gaps.
///
/// Time is drawn to scale, except that a gap more than twice as long as all the rest of the
/// window together (up to three of them, longest first, each at least a day) is cut short to a fixed share of
/// the width and marked on the axis (``cuts``): eighteen months between two versions do not
/// squeeze ten busy days into a sliver, and the cut says that distance is not to scale there.
struct TimeScale {
  let breaks: [Instant]
  let xs: [Double]
  /// The x ranges of the gaps drawn shorter than their length.
  let cuts: [(from: Double, to: Double)]
  /// The window: the first and last break.
  var start: Instant { breaks[0] }
  var end: Instant { breaks[breaks.count - 1] }
  let tailEnd: Double

  /// The share of the width a cut gap gets, relative to the time drawn to scale.
  static let cutShare = 0.12
  static let maximumCuts = 3
  static let shortestCut: Int64 = 86_400_000_000

  /// - Parameters: `left`/`right` bound the breaks; open periods run on into the tail after `right`.
  init(instants: [Instant], from: Instant?, to: Instant?, left: Double, right: Double, axis: TimeAxis = .linear) {
    var lo = from ?? instants.min() ?? Instant(microseconds: 0)
    var hi = to ?? instants.max() ?? lo
    if hi < lo { swap(&lo, &hi) }
    if hi == lo { hi = Instant(microseconds: lo.microseconds + 86_400_000_000) }
    let inside = Set(instants.filter { $0 > lo && $0 < hi } + [lo, hi]).sorted()
    breaks = inside
    let gaps = zip(inside, inside.dropFirst()).map { a, b in Double(b.microseconds - a.microseconds) }
    var cut = Set<Int>()
    while axis == .linear, cut.count < TimeScale.maximumCuts {
      let open = gaps.indices.filter { !cut.contains($0) }
      guard open.count > 1, let longest = open.max(by: { gaps[$0] < gaps[$1] }) else { break }
      let rest = open.reduce(0) { $0 + gaps[$1] } - gaps[longest]
      guard gaps[longest] > 2 * rest, gaps[longest] >= Double(TimeScale.shortestCut) else { break }
      cut.insert(longest)
    }
    let scaled = gaps.indices.filter { !cut.contains($0) }.reduce(0) { $0 + gaps[$1] }
    // A cut gap's width: a share of the time drawn to scale (of the window when all is cut).
    let cutWeight = scaled > 0 ? scaled * TimeScale.cutShare : 1
    let weights = gaps.indices.map { index -> Double in
      switch axis {
      case .linear: cut.contains(index) ? cutWeight : gaps[index]
      case .log: 1 + TimeScale.log(1 + gaps[index] / 3_600_000_000)
      }
    }
    let total = weights.reduce(0, +)
    var x = left
    var xs = [left]
    var cuts: [(from: Double, to: Double)] = []
    for (index, w) in weights.enumerated() {
      let next = total > 0 ? x + (right - left) * w / total : x
      if cut.contains(index) { cuts.append((x, next)) }
      x = next
      xs.append(x)
    }
    // The last break exactly at `right`, whatever the rounding on the way.
    if xs.count > 1 {
      xs[xs.count - 1] = right
      if let last = cuts.last, last.to > right { cuts[cuts.count - 1].to = right }
    }
    self.xs = xs
    self.cuts = cuts
    tailEnd = right + SVGTimeline.tail - 8
  }

  func contains(_ t: Instant) -> Bool { t >= start && t <= end }

  /// The natural logarithm of `n` ≥ 1 to within 0.06, from its binary exponent and a straight
  /// line through each octave: only exactly rounded operations, so that every platform
  /// draws the same picture to the last digit (libm's `log` may differ in its last bit).
  static func log(_ n: Double) -> Double {
    (Double(n.exponent) + (n.significand - 1)) * 0.6931471805599453
  }

  /// The x of `t`, clamped to the window.
  func x(_ t: Instant) -> Double {
    if t <= start { return xs[0] }
    if t >= end { return xs[xs.count - 1] }
    // The last break not after t.
    var lo = 0
    var hi = breaks.count - 1
    while hi - lo > 1 {
      let mid = (lo + hi) / 2
      if breaks[mid] <= t { lo = mid } else { hi = mid }
    }
    let span = Double(breaks[hi].microseconds - breaks[lo].microseconds)
    return xs[lo] + (xs[hi] - xs[lo]) * Double(t.microseconds - breaks[lo].microseconds) / span
  }

  /// The x of a period's end: open or past the window runs into the tail.
  func x(until: Instant?) -> Double {
    guard let until, until <= end else { return tailEnd }
    return x(until)
  }

  func runsOnRight(_ until: Instant?) -> Bool { until.map { $0 > end } ?? true }

  /// The drawn extent of `[from, until)`, nil when it lies outside the window.
  func span(from: Instant, until: Instant?) -> (Double, Double)? {
    if from > end { return nil }
    if let until, until <= start { return nil }
    return (x(from), x(until: until))
  }
}
