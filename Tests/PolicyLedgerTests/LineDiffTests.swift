import LedgerBenchData
import PolicyLedger
import Testing

struct LineDiffTests {
  @Test func equalTextsHaveNoHunks() {
    #expect(LineDiff.unified(old: "a\nb\n", new: "a\nb\n", oldLabel: "x", newLabel: "y").isEmpty)
    #expect(LineDiff.hunks(["a", "b"], ["a", "b"]).isEmpty)
  }

  @Test func aChangedLineIsShownWithThreeLinesOfContext() {
    let old = (1...10).map { "line \($0)\n" }.joined()
    let new = old.replacingOccurrences(of: "line 5\n", with: "line five\n")
    let text = LineDiff.unified(old: old, new: new, oldLabel: "p@1", newLabel: "p@2").map(\.text)
    #expect(text == [
      "--- p@1", "+++ p@2", "@@ -2,7 +2,7 @@", " line 2", " line 3", " line 4", "-line 5", "+line five", " line 6",
      " line 7", " line 8",
    ])
  }

  @Test func changesCloserThanTwiceTheContextShareAHunk() {
    let old = (1...20).map(String.init)
    var new = old
    new[4] = "x"  // line 5
    new[10] = "y"  // line 11: 5 unchanged lines between, less than 2 × 3
    new[19] = "z"  // line 20: 8 unchanged lines after line 11, a hunk of its own
    let hunks = LineDiff.hunks(old, new)
    #expect(hunks.map(\.header) == ["@@ -2,13 +2,13 @@", "@@ -17,4 +17,4 @@"])
  }

  @Test func insertingIntoAnEmptyTextNamesLineZero() {
    let text = LineDiff.unified(old: "", new: "a\nb\n", oldLabel: "o", newLabel: "n").map(\.text)
    #expect(text == ["--- o", "+++ n", "@@ -0,0 +1,2 @@", "+a", "+b"])
    let removed = LineDiff.unified(old: "a\n", new: "", oldLabel: "o", newLabel: "n").map(\.text)
    #expect(removed == ["--- o", "+++ n", "@@ -1 +0,0 @@", "-a"])
  }

  @Test func aMissingFinalLineBreakIsMarkedAsDiffDoes() {
    let text = LineDiff.unified(old: "a\nb", new: "a\nb\n", oldLabel: "o", newLabel: "n").map(\.text)
    #expect(text == ["--- o", "+++ n", "@@ -1,2 +1,2 @@", " a", "-b", "\\ No newline at end of file", "+b"])
    let kinds = LineDiff.unified(old: "a\nb", new: "a\nb\n", oldLabel: "o", newLabel: "n").map(\.kind)
    #expect(kinds == [.oldFile, .newFile, .hunk, .context, .deletion, .noNewline, .insertion])
  }

  /// Lines end at LF bytes, as `diff` reads them: a CR LF text is not one line (a CR LF is
  /// one Swift `Character`, which splitting at "\n" never matched), and each CR stays in
  /// its line.
  @Test func crlfTextIsSplitAtEachLF() {
    let text = LineDiff.unified(old: "x\r\ny\r\nw\r\n", new: "x\r\nz\r\nw\r\n", oldLabel: "o", newLabel: "n").map(\.text)
    #expect(text == ["--- o", "+++ n", "@@ -1,3 +1,3 @@", " x\r", "-y\r", "+z\r", " w\r"])
    #expect(LineDiff.lines("a\r\nb").map(\.text) == ["a\r", "b"])
  }

  @Test func editsCoverBothListsInOrder() {
    let edits = LineDiff.edits(Array("abcabba"), Array("cbabac"))
    var i = 0
    var j = 0
    for edit in edits {
      #expect(edit.old.lowerBound == i && edit.new.lowerBound == j)
      i = edit.old.upperBound
      j = edit.new.upperBound
    }
    #expect(i == 7 && j == 6)
    // Myers' paper's example: the shortest script has 5 edits (LCS of length 4).
    #expect(edits.filter { $0.operation != .equal }.reduce(0) { $0 + $1.old.count + $1.new.count } == 5)
  }

  /// Property: for random line lists, applying the printed hunks to the old text gives the
  /// new text, and the edit script is as short as the longest common subsequence allows.
  @Test func applyingTheHunksToTheOldTextGivesTheNewText() throws {
    var random = SplitMix64(seed: 0x5eed_d1ff)
    for round in 0..<600 {
      let old = randomText(&random)
      let new = Bool.random(using: &random) ? mutate(old, &random) : randomText(&random)
      let context = Int.random(in: 0...4, using: &random)
      let diff = LineDiff.unified(old: old, new: new, oldLabel: "old", newLabel: "new", context: context).map(\.text)
      let patched = try apply(diff, to: old)
      #expect(patched == new, "round \(round): \(old.debugDescription) -> \(new.debugDescription)\n\(diff.joined(separator: "\n"))")

      let a = LineDiff.lines(old)
      let b = LineDiff.lines(new)
      let edited = LineDiff.edits(a, b).filter { $0.operation != .equal }.reduce(0) { $0 + $1.old.count + $1.new.count }
      #expect(edited == a.count + b.count - 2 * lcsLength(a, b), "round \(round): not a shortest edit script")
    }
  }

  @Test func largeTextsWithNothingInCommonAreDiffedInLinearSpace() {
    // 20,000 lines against 20,000 others: D = 40,000, which a quadratic trace could not hold.
    let old = (0..<20_000).map { "old \($0)" }
    let new = (0..<20_000).map { "new \($0)" }
    let edits = LineDiff.edits(old, new)
    #expect(edits.map(\.operation) == [.delete, .insert])
    var long = (0..<50_000).map { "line \($0)" }
    let original = long
    for k in stride(from: 7, to: 50_000, by: 997) { long[k] = "changed \(k)" }
    #expect(LineDiff.hunks(original, long, context: 0).count == 51)
  }

  // MARK: A small, obviously-correct model

  /// Applies unified-diff lines to `old`, checking each context and deleted line and each
  /// hunk's counts; a tiny `patch`.
  func apply(_ diff: [String], to old: String) throws -> String {
    let source = LineDiff.lines(old).map { (String($0.text), $0.terminated) }
    var out: [(String, Bool)] = []
    var next = 0  // the next old line to copy
    var i = 0
    while i < diff.count {
      let line = diff[i]
      if line.hasPrefix("--- ") || line.hasPrefix("+++ ") {
        i += 1
        continue
      }
      let header = try #require(line.wholeMatch(of: /@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/))
      let oldCount = header.2.map { Int($0)! } ?? 1
      let newCount = header.4.map { Int($0)! } ?? 1
      let oldStart = Int(header.1)! - (oldCount == 0 ? 0 : 1)
      #expect(oldStart >= next)
      while next < oldStart {
        out.append(source[next])
        next += 1
      }
      #expect(out.count == Int(header.3)! - (newCount == 0 ? 0 : 1), "the new start matches")
      var seenOld = 0
      var seenNew = 0
      i += 1
      while i < diff.count && !diff[i].hasPrefix("@@") {
        let body = String(diff[i].dropFirst())
        let terminated = !(i + 1 < diff.count && diff[i + 1] == "\\ No newline at end of file")
        switch diff[i].first {
        case " ":
          #expect(source[next] == (body, terminated))
          out.append(source[next])
          next += 1
          seenOld += 1
          seenNew += 1
        case "-":
          #expect(source[next] == (body, terminated))
          next += 1
          seenOld += 1
        case "+":
          out.append((body, terminated))
          seenNew += 1
        default:
          Issue.record("unexpected line \(diff[i].debugDescription)")
        }
        i += terminated ? 1 : 2
      }
      #expect(seenOld == oldCount && seenNew == newCount, "\(line) counts")
    }
    out += source[next...]
    return out.map { $0.0 + ($0.1 ? "\n" : "") }.joined()
  }

  func lcsLength(_ a: [LineDiff.TextLine], _ b: [LineDiff.TextLine]) -> Int {
    var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in stride(from: a.count - 1, through: 0, by: -1) {
      for j in stride(from: b.count - 1, through: 0, by: -1) {
        table[i][j] = a[i] == b[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
      }
    }
    return table[0][0]
  }

  /// Lines from a small alphabet (so that lists share many lines), sometimes without a final line break.
  func randomText(_ random: inout SplitMix64) -> String {
    let count = Int.random(in: 0...30, using: &random)
    let lines = (0..<count).map { _ in ["a", "b", "c", "d", "", "e f"].randomElement(using: &random)! }
    let text = lines.map { $0 + "\n" }.joined()
    return Bool.random(using: &random) && !text.isEmpty ? String(text.dropLast()) : text
  }

  /// `text` with a few lines inserted, deleted or changed.
  func mutate(_ text: String, _ random: inout SplitMix64) -> String {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    for _ in 0..<Int.random(in: 1...4, using: &random) {
      let at = Int.random(in: 0...lines.count, using: &random)
      switch Int.random(in: 0..<3, using: &random) {
      case 0: lines.insert("new", at: at)
      case 1: if at < lines.count { lines.remove(at: at) }
      default: if at < lines.count { lines[at] += " changed" }
      }
    }
    return lines.joined(separator: "\n")
  }
}


/// "\ No newline at end of file" comes once for each side whose last line lacks a line
/// break, right after that side's line, and never twice for one side.
struct NoNewlineMarkerTests {
  static func texts(_ old: String, _ new: String) -> [String] {
    LineDiff.unified(old: old, new: new, oldLabel: "o", newLabel: "n").map(\.text)
  }
  static let marker = "\\ No newline at end of file"

  @Test func bothSidesUnterminatedAndChangedGetOneEach() {
    #expect(Self.texts("a\nb", "a\nc") == ["--- o", "+++ n", "@@ -1,2 +1,2 @@", " a", "-b", Self.marker, "+c", Self.marker])
  }

  @Test func onlyTheSideWithoutALineBreakGetsIt() {
    #expect(Self.texts("a\nb\n", "a\nc") == ["--- o", "+++ n", "@@ -1,2 +1,2 @@", " a", "-b", "+c", Self.marker])
    #expect(Self.texts("a\nb", "a\nc\n") == ["--- o", "+++ n", "@@ -1,2 +1,2 @@", " a", "-b", Self.marker, "+c"])
  }

  @Test func anUnchangedLastLineWithoutALineBreakGetsItOnce() {
    let lines = Self.texts("x\nb", "y\nb")
    #expect(lines == ["--- o", "+++ n", "@@ -1,2 +1,2 @@", "-x", "+y", " b", Self.marker])
    #expect(lines.filter { $0 == Self.marker }.count == 1)
  }
}
