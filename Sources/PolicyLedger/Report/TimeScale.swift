import Foundation

/// A piecewise-linear time axis with a break at every instant that matters.
struct TimeScale {
  let breaks: [Instant]
  let xs: [Double]
  /// The window: the first and last break.
  var start: Instant { breaks[0] }
  var end: Instant { breaks[breaks.count - 1] }
  let tailEnd: Double

  /// - Parameters: `left`/`right` bound the breaks; open periods run on into the tail after `right`.
  init(instants: [Instant], from: Instant?, to: Instant?, left: Double, right: Double) {
    var lo = from ?? instants.min() ?? Instant(microseconds: 0)
    var hi = to ?? instants.max() ?? lo
    if hi < lo { swap(&lo, &hi) }
    if hi == lo { hi = Instant(microseconds: lo.microseconds + 86_400_000_000) }
    let inside = Set(instants.filter { $0 > lo && $0 < hi } + [lo, hi]).sorted()
    breaks = inside
    // Each gap gets 1 + ln(1 + hours): a minute ≈ 1, six hours ≈ 3, a year ≈ 10.
    let weights = zip(inside, inside.dropFirst()).map { a, b in
      1 + TimeScale.log(1 + Double(b.microseconds - a.microseconds) / 3_600_000_000)
    }
    let total = weights.reduce(0, +)
    var x = left
    var xs = [left]
    for w in weights {
      x += (right - left) * w / total
      xs.append(x)
    }
    self.xs = xs
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
