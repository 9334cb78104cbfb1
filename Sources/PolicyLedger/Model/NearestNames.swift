/// "Did you mean …": the known names nearest to a misspelt one (rule 15, contract
/// section 5), by edit distance with transpositions (`histroy` is one edit from
/// `history`), only when close: none for names of up to three characters (`N9` is not
/// a misspelling of `N1`), at most one edit up to five characters, two up to eleven,
/// three beyond; a name that differs only in case (`n1` for `N1`) is nearest of all. When
/// nothing is that close, names that begin with a name of four characters or more are
/// suggested instead (`mobile` for `mobile-devices`).
public enum NearestNames {
  /// Up to three of `candidates` at the smallest distance from `name` within the
  /// threshold, in the order given; none when nothing is that close.
  public static func suggestions(for name: String, among candidates: some Sequence<String>) -> [String] {
    var collector = Collector(name)
    for candidate in candidates { collector.consider(candidate) }
    return collector.suggestions
  }

  /// `(did you mean 'a' or 'b'?)`-style text: `'a'`, `'a' or 'b'`, `'a', 'b' or 'c'`.
  /// A name holding a combining mark is followed by the marks' code points, since it may
  /// look the same as the name asked for while being spelt otherwise (`'José' (with
  /// U+0301)`).
  public static func phrase(_ names: [String]) -> String {
    let quoted = names.map { name in
      let marks = name.unicodeScalars.filter {
        [.nonspacingMark, .spacingMark, .enclosingMark].contains($0.properties.generalCategory)
      }
      let codes = marks.map { mark in
        let hex = String(mark.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
      }
      return "'\(Identifier.printable(name))'" + (marks.isEmpty ? "" : " (with \(codes.joined(separator: " ")))")
    }
    guard let last = quoted.last else { return "" }
    return quoted.count == 1 ? last : quoted.dropLast().joined(separator: ", ") + " or " + last
  }

  static func threshold(_ length: Int) -> Int { length <= 3 ? 0 : length <= 5 ? 1 : length <= 11 ? 2 : 3 }

  /// The optimal string alignment distance, or `bound` when it is `bound` or more (the
  /// rows stop once every path has reached it).
  static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], bound: Int) -> Int {
    if a.isEmpty || b.isEmpty { return min(bound, max(a.count, b.count)) }
    var before = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      var rowMinimum = i
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { value = min(value, before[j - 2] + 1) }
        current[j] = value
        rowMinimum = min(rowMinimum, value)
      }
      if rowMinimum >= bound { return bound }
      (before, previous, current) = (previous, current, before)
    }
    return min(previous[b.count], bound)
  }
}

extension NearestNames {
  /// The nearest of the names `forEach` gives, read as they stream (a directory of a
  /// million employees is never held in memory).
  static func suggestions(for name: String, _ forEach: ((String) throws -> Void) throws -> Void) rethrows -> [String] {
    var collector = Collector(name)
    try forEach { collector.consider($0) }
    return collector.suggestions
  }

  /// ``suggestions(for:among:limit:)`` one candidate at a time.
  struct Collector {
    let target: [Unicode.Scalar]
    let name: String
    var best: Int
    var found: [String] = []
    /// Up to three names that begin with the name, for when none is near.
    var extending: [String] = []
    /// The names found, else those that begin with the name.
    var suggestions: [String] { found.isEmpty ? extending : found }

    let lowercasedName: String

    init(_ name: String) {
      self.name = name
      lowercasedName = name.lowercased()
      target = Array(name.unicodeScalars)
      best = NearestNames.threshold(target.count)
    }

    /// Keeps `candidate` when it is within `best` edits: alone when nearer than those
    /// found so far, beside them (up to three) when as near.
    mutating func consider(_ candidate: String) {
      // Ids are matched as bytes: a name Swift calls equal (`é` and `e` with a combining
      // accent are canonically equivalent) but spelt with other code points is a candidate,
      // and the nearest of all.
      if candidate.utf8.elementsEqual(name.utf8) { return }
      let other = Array(candidate.unicodeScalars)
      if found.isEmpty, extending.count < 3, target.count >= 4, other.count > target.count, other.starts(with: target) {
        extending.append(candidate)
      }
      let sameText = candidate == name
      guard sameText || abs(other.count - target.count) <= best else { return }
      // A name that differs only in case (`n1` for `N1`) is the nearest of all, however
      // short: ids are matched exactly, so it is the likeliest slip.
      let d =
        sameText || (other.count == target.count && candidate.lowercased() == lowercasedName)
        ? 0
        // `distance` stops at best + 1: anything further is as good as infinitely far.
        : NearestNames.distance(target, other, bound: best + 1)
      guard d <= best else { return }
      if found.isEmpty || d < best {
        best = d
        found = [candidate]
      } else if found.count < 3 {
        found.append(candidate)
      }
    }
  }
}

extension LedgerError {
  /// This error with "did you mean …?" added when `suggestions` holds any.
  func suggesting(_ suggestions: [String]) -> LedgerError {
    guard !suggestions.isEmpty else { return self }
    return LedgerError(code, description + "; did you mean \(NearestNames.phrase(suggestions))?")
  }
}
