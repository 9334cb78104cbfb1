import Foundation
@testable import PolicyLedger
import Testing

/// The report's time axis: linear, with marked cuts in gaps more than twice as long as all the rest.
struct TimeScaleTests {
  static let t0 = Instant(microseconds: 1_594_339_200_000_000)  // 2020-07-10T00:00:00Z
  static func hours(_ n: Double) -> Instant { Instant(microseconds: t0.microseconds + Int64(n * 3_600_000_000)) }

  @Test func timeIsDrawnToScale() {
    let scale = TimeScale(instants: [Self.t0, Self.hours(1), Self.hours(3)], from: nil, to: nil, left: 0, right: 300)
    #expect(scale.xs == [0, 100, 300])
    #expect(scale.cuts.isEmpty)
    #expect(scale.x(Self.hours(2)) == 200)
  }

  @Test func aGapLongerThanAllTheRestIsCutAndMarked() {
    // Eighteen months, then ten days of events a day apart.
    let instants = [Self.t0] + (0...10).map { Self.hours(24 * (540 + Double($0))) }
    let scale = TimeScale(instants: instants, from: nil, to: nil, left: 0, right: 1000)
    #expect(scale.cuts.count == 1)
    let cut = scale.cuts[0]
    #expect(cut.from == 0 && cut.to == scale.xs[1])
    // The ten days take most of the width, a day apart each, to scale.
    let days = zip(scale.xs.dropFirst(), scale.xs.dropFirst(2)).map { $1 - $0 }
    #expect(days.allSatisfy { abs($0 - days[0]) < 1e-9 })
    #expect(cut.to - cut.from < days.reduce(0, +) / 2)
    #expect(scale.xs.last == 1000)
  }

  @Test func gapsOfLikeLengthAreNotCutNorAreShortOnes() {
    let even = TimeScale(instants: [Self.t0, Self.hours(24 * 30), Self.hours(24 * 50)], from: nil, to: nil, left: 0, right: 500)
    #expect(even.cuts.isEmpty)
    // A gap far longer than the rest but under a day stays to scale.
    let short = TimeScale(instants: [Self.t0, Self.hours(20), Self.hours(21)], from: nil, to: nil, left: 0, right: 210)
    #expect(short.cuts.isEmpty && short.xs == [0, 200, 210])
  }
}

struct LogTimeScaleTests {
  @Test func theLogAxisDrawsEachGapByItsLogarithmAndCutsNothing() {
    let t0 = TimeScaleTests.t0
    let instants = [t0] + (0...10).map { TimeScaleTests.hours(24 * (540 + Double($0))) }
    let scale = TimeScale(instants: instants, from: nil, to: nil, left: 0, right: 1000, axis: .log)
    #expect(scale.cuts.isEmpty)
    let widths = zip(scale.xs, scale.xs.dropFirst()).map { $1 - $0 }
    // 540 days against one day: about 1 + ln(12961) ≈ 10.5 against 1 + ln(25) ≈ 4.2.
    #expect(widths[0] / widths[1] > 2 && widths[0] / widths[1] < 3)
    #expect(abs(scale.xs.last! - 1000) < 1e-9)
  }
}
