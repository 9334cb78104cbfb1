/// A line diff: the shortest edit script between two lists (Myers' O(ND) algorithm in
/// linear space), grouped into unified-format hunks.
///
///     let lines = LineDiff.unified(old: "a\nb\n", new: "a\nc\n", oldLabel: "p@1", newLabel: "p@2")
///     // --- p@1 / +++ p@2 / @@ -1,2 +1,2 @@ / " a" / "-b" / "+c"
///
/// Myers, "An O(ND) Difference Algorithm and Its Variations", Algorithmica 1 (1986):
/// the greedy forward and backward searches meet on a "middle snake", which splits the
/// problem in two; each half is solved the same way, so memory stays O(N + M).
public enum LineDiff {
  package enum Operation: Sendable, Equatable {
    case equal, delete, insert
  }

  /// A run of one operation. `old` and `new` are the index ranges it covers; a deletion
  /// has an empty `new` range at the position where it happens, an insertion an empty `old` range.
  package struct Edit: Sendable, Equatable {
    package var operation: Operation
    package var old: Range<Int>
    package var new: Range<Int>
  }

  /// The shortest edit script turning `old` into `new`, as runs in order; within a
  /// changed stretch, deletions come before insertions.
  ///
  /// Time O((N + M) · D) for D edits, memory O(N + M). Lines found on one side only cannot
  /// be matched, so they are set aside before the search (as GNU diff does): a text
  /// rewritten from scratch costs no search at all.
  package static func edits<T: Hashable>(_ old: [T], _ new: [T]) -> [Edit] {
    // Compare small integers instead of the elements (long lines compare once, when hashed).
    var numbers: [T: Int] = [:]
    var a: [Int] = []
    a.reserveCapacity(old.count)
    for line in old {
      if let n = numbers[line] {
        a.append(n)
      } else {
        numbers[line] = numbers.count
        a.append(numbers.count - 1)
      }
    }
    // A line only in `new` gets -1, which matches nothing.
    let b = new.map { numbers[$0] ?? -1 }
    let inNew = Set(b)
    let keptOld = a.indices.filter { inNew.contains(a[$0]) }
    let keptNew = b.indices.filter { b[$0] >= 0 }
    var search = Myers(a: keptOld.map { a[$0] }, b: keptNew.map { b[$0] })
    search.diff(0, keptOld.count, 0, keptNew.count)

    // The matched pairs, in the original positions; everything between two is changed.
    var runs: [(Operation, Int)] = []
    func emit(_ operation: Operation, _ count: Int) {
      guard count > 0 else { return }
      if let last = runs.last, last.0 == operation { runs[runs.count - 1].1 += count } else { runs.append((operation, count)) }
    }
    var i = 0
    var j = 0
    var ri = 0
    var rj = 0
    for (operation, count) in search.runs {
      switch operation {
      case .delete: ri += count
      case .insert: rj += count
      case .equal:
        for _ in 0..<count {
          emit(.delete, keptOld[ri] - i)
          emit(.insert, keptNew[rj] - j)
          emit(.equal, 1)
          i = keptOld[ri] + 1
          j = keptNew[rj] + 1
          ri += 1
          rj += 1
        }
      }
    }
    emit(.delete, old.count - i)
    emit(.insert, new.count - j)

    var edits: [Edit] = []
    i = 0
    j = 0
    for (operation, count) in runs {
      switch operation {
      case .equal:
        edits.append(Edit(operation: .equal, old: i..<i + count, new: j..<j + count))
        i += count
        j += count
      case .delete:
        edits.append(Edit(operation: .delete, old: i..<i + count, new: j..<j))
        i += count
      case .insert:
        edits.append(Edit(operation: .insert, old: i..<i, new: j..<j + count))
        j += count
      }
    }
    return edits
  }

  /// One line of a hunk: an unchanged line (index into both lists), a deleted one (index
  /// into `old`) or an inserted one (index into `new`).
  package struct HunkLine: Sendable, Equatable {
    package var operation: Operation
    package var old: Int?
    package var new: Int?
  }

  /// A unified-diff hunk. Starts are 0-based positions; ``header`` prints them as `diff -u` does.
  package struct Hunk: Sendable, Equatable {
    package var oldStart: Int
    package var oldCount: Int
    package var newStart: Int
    package var newCount: Int
    package var lines: [HunkLine]

    /// `@@ -l,s +l,s @@`: a count of 1 is left out; an empty range names the line before it.
    package var header: String {
      func range(_ start: Int, _ count: Int) -> String {
        switch count {
        case 0: "\(start),0"
        case 1: "\(start + 1)"
        default: "\(start + 1),\(count)"
        }
      }
      return "@@ -\(range(oldStart, oldCount)) +\(range(newStart, newCount)) @@"
    }
  }

  /// The changes with `context` unchanged lines around each; changes closer than twice
  /// the context share a hunk. No hunks when the lists are equal.
  package static func hunks<T: Hashable>(_ old: [T], _ new: [T], context: Int = 3) -> [Hunk] {
    // One step per line: what it does and where it stands in each list.
    var steps: [(operation: Operation, old: Int, new: Int)] = []
    for edit in edits(old, new) {
      switch edit.operation {
      case .equal: for k in 0..<edit.old.count { steps.append((.equal, edit.old.lowerBound + k, edit.new.lowerBound + k)) }
      case .delete: for i in edit.old { steps.append((.delete, i, edit.new.lowerBound)) }
      case .insert: for j in edit.new { steps.append((.insert, edit.old.lowerBound, j)) }
      }
    }
    let changes = steps.indices.filter { steps[$0].operation != .equal }
    var hunks: [Hunk] = []
    var g = 0
    while g < changes.count {
      var last = changes[g]
      var h = g + 1
      while h < changes.count && changes[h] - last - 1 <= 2 * context {
        last = changes[h]
        h += 1
      }
      // Every step between two changes is an equal line, so the context is too.
      let start = max(0, changes[g] - context)
      let end = min(steps.count, last + context + 1)
      let span = steps[start..<end]
      hunks.append(
        Hunk(
          oldStart: span.first!.old, oldCount: span.count(where: { $0.operation != .insert }),
          newStart: span.first!.new, newCount: span.count(where: { $0.operation != .delete }),
          lines: span.map { step in
            HunkLine(
              operation: step.operation, old: step.operation == .insert ? nil : step.old,
              new: step.operation == .delete ? nil : step.new)
          }))
      g = h
    }
    return hunks
  }

  /// A line of text and whether a line break ended it (only a text's last line may lack one).
  package struct TextLine: Hashable, Sendable {
    package var text: Substring
    package var terminated: Bool
  }

  /// Splits `text` at each LF byte, as `diff` and `patch` do; the LFs are not part of the
  /// lines, and a CR before one stays in its line. (Split by `Character`, a CR LF is one
  /// character that no `\n` matches: a text with CR LF line ends was one line.)
  package static func lines(_ text: String) -> [TextLine] {
    var parts = text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map { Substring($0) }
    let terminated = parts.last == ""
    if terminated { parts.removeLast() }
    return parts.enumerated().map { index, part in
      TextLine(text: part, terminated: index < parts.count - 1 || terminated)
    }
  }

  /// One printed line of a unified diff, with what it is so that a writer can colour it.
  public struct UnifiedLine: Sendable, Equatable {
    /// What a line is: a file header, a hunk header, or a context, deleted, inserted or "no newline" line.
    public enum Kind: Sendable, Equatable {
      /// `--- old`, `+++ new`, `@@ … @@`, an unchanged line, a `-` line, a `+` line, and
      /// `\ No newline at end of file`.
      case oldFile, newFile, hunk, context, deletion, insertion, noNewline
    }
    /// What the line is.
    public var kind: Kind
    /// The line as printed, with its `-`/`+`/space prefix and without a line break.
    public var text: String
  }

  /// The unified diff (`---`, `+++`, `@@` hunks) of two texts; empty when they are equal.
  /// A last line without a line break is followed by `\ No newline at end of file`, so
  /// `patch` rebuilds the new text exactly.
  public static func unified(old: String, new: String, oldLabel: String, newLabel: String, context: Int = 3) -> [UnifiedLine] {
    let a = lines(old)
    let b = lines(new)
    let hunks = hunks(a, b, context: context)
    guard !hunks.isEmpty else { return [] }
    var out = [UnifiedLine(kind: .oldFile, text: "--- " + oldLabel), UnifiedLine(kind: .newFile, text: "+++ " + newLabel)]
    for hunk in hunks {
      out.append(UnifiedLine(kind: .hunk, text: hunk.header))
      for line in hunk.lines {
        let (kind, prefix, source): (UnifiedLine.Kind, String, TextLine) =
          switch line.operation {
          case .equal: (.context, " ", a[line.old!])
          case .delete: (.deletion, "-", a[line.old!])
          case .insert: (.insertion, "+", b[line.new!])
          }
        out.append(UnifiedLine(kind: kind, text: prefix + source.text))
        if !source.terminated { out.append(UnifiedLine(kind: .noNewline, text: "\\ No newline at end of file")) }
      }
    }
    return out
  }
}

/// The search itself, over small integers, recording runs of operations in order.
private struct Myers {
  let a: [Int]
  let b: [Int]
  var runs: [(LineDiff.Operation, Int)] = []

  mutating func emit(_ operation: LineDiff.Operation, _ count: Int) {
    guard count > 0 else { return }
    if let last = runs.last, last.0 == operation {
      runs[runs.count - 1].1 += count
    } else {
      runs.append((operation, count))
    }
  }

  /// Diffs `a[aLo..<aHi]` against `b[bLo..<bHi]`.
  mutating func diff(_ aLo: Int, _ aHi: Int, _ bLo: Int, _ bHi: Int) {
    var prefix = 0
    while aLo + prefix < aHi && bLo + prefix < bHi && a[aLo + prefix] == b[bLo + prefix] { prefix += 1 }
    var suffix = 0
    while aHi - suffix > aLo + prefix && bHi - suffix > bLo + prefix && a[aHi - 1 - suffix] == b[bHi - 1 - suffix] {
      suffix += 1
    }
    emit(.equal, prefix)
    let (lo1, hi1, lo2, hi2) = (aLo + prefix, aHi - suffix, bLo + prefix, bHi - suffix)
    if lo1 == hi1 {
      emit(.insert, hi2 - lo2)
    } else if lo2 == hi2 {
      emit(.delete, hi1 - lo1)
    } else {
      bisect(lo1, hi1, lo2, hi2)
    }
    emit(.equal, suffix)
  }

  /// Finds where a shortest path crosses the middle (searching forward from the start and
  /// backward from the end until they overlap) and diffs the two halves around it.
  /// Both ends differ here (the common prefix and suffix were taken off).
  mutating func bisect(_ aLo: Int, _ aHi: Int, _ bLo: Int, _ bHi: Int) {
    let n = aHi - aLo
    let m = bHi - bLo
    let maxD = (n + m + 1) / 2
    let offset = maxD + 1
    // v[offset + k]: the furthest x reached on diagonal k (forward: from the start;
    // backward: counted from the end); -1 where not reached yet.
    var forward = [Int](repeating: -1, count: 2 * offset + 2)
    var backward = forward
    forward[offset + 1] = 0
    backward[offset + 1] = 0
    let delta = n - m
    // With an odd delta the paths can meet after a forward step, with an even one after a backward step.
    let odd = delta % 2 != 0
    // Diagonals that ran off the edge of the grid are skipped from then on.
    var kForwardStart = 0
    var kForwardEnd = 0
    var kBackwardStart = 0
    var kBackwardEnd = 0
    for d in 0..<maxD {
      var k = -d + kForwardStart
      while k <= d - kForwardEnd {
        let i = offset + k
        var x = (k == -d || (k != d && forward[i - 1] < forward[i + 1])) ? forward[i + 1] : forward[i - 1] + 1
        var y = x - k
        while x < n && y < m && a[aLo + x] == b[bLo + y] {
          x += 1
          y += 1
        }
        forward[i] = x
        if x > n {
          kForwardEnd += 2
        } else if y > m {
          kForwardStart += 2
        } else if odd {
          let j = offset + delta - k
          if j >= 0 && j < backward.count && backward[j] != -1 && x >= n - backward[j] {
            split(aLo, aHi, bLo, bHi, x, y)
            return
          }
        }
        k += 2
      }
      k = -d + kBackwardStart
      while k <= d - kBackwardEnd {
        let i = offset + k
        var x = (k == -d || (k != d && backward[i - 1] < backward[i + 1])) ? backward[i + 1] : backward[i - 1] + 1
        var y = x - k
        while x < n && y < m && a[aHi - 1 - x] == b[bHi - 1 - y] {
          x += 1
          y += 1
        }
        backward[i] = x
        if x > n {
          kBackwardEnd += 2
        } else if y > m {
          kBackwardStart += 2
        } else if !odd {
          let j = offset + delta - k
          if j >= 0 && j < forward.count && forward[j] != -1 {
            let x1 = forward[j]
            let y1 = x1 - (j - offset)
            if x1 >= n - x {
              split(aLo, aHi, bLo, bHi, x1, y1)
              return
            }
          }
        }
        k += 2
      }
    }
    // Nothing in common.
    emit(.delete, n)
    emit(.insert, m)
  }

  mutating func split(_ aLo: Int, _ aHi: Int, _ bLo: Int, _ bHi: Int, _ x: Int, _ y: Int) {
    diff(aLo, aLo + x, bLo, bLo + y)
    diff(aLo + x, aHi, bLo + y, bHi)
  }
}
