import Foundation
import PolicyLedger

/// Shows progress on stderr when it is a terminal; says nothing otherwise.
struct Progress {
  let label: String
  let start = Date()
  static let isTerminal = isEscapeTerminal(2)

  /// Once, at the first line drawn: SIGINT and SIGTERM clear it before the process ends
  /// (a recording command's own handlers, installed first, do the same and stay).
  static let clearsOnSignals: Void = TemporaryOutputs.clearLineOnSignals()

  func callAsFunction(_ done: Int64, of total: Int64? = nil) {
    guard Progress.isTerminal else { return }
    Progress.clearsOnSignals
    let elapsed = Date().timeIntervalSince(start)
    let rate = elapsed > 0 ? Double(done) / elapsed : 0
    var line = "\r\(label): \(done) rows, \(Int(rate)) rows/s"
    if let total, rate > 0, total > done { line += ", \(Int(Double(total - done) / rate)) s left" }
    StandardStreams.writeError(line)
  }

  func finish() {
    if Progress.isTerminal { StandardStreams.writeError("\r\u{1B}[K") }
  }
}
