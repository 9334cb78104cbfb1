import Testing

@testable import PolicyLedger

/// The "did you mean" distance: close names only, transpositions as one edit.
struct NearestNamesTests {
  @Test func closeNamesAreSuggestedAndFarOnesAreNot() {
    #expect(NearestNames.suggestions(for: "histroy", among: ["history", "head", "show"]) == ["history"])
    #expect(NearestNames.suggestions(for: "E100", among: ["E1001", "E1002", "E1003", "E1004", "X"]) == ["E1001", "E1002", "E1003"])
    #expect(NearestNames.suggestions(for: "payroll", among: ["mobile-devices"]).isEmpty)
    #expect(NearestNames.suggestions(for: "ab", among: ["xy", "ab"]).isEmpty)
    #expect(NearestNames.suggestions(for: "N9", among: ["N1", "N2"]).isEmpty)
    #expect(NearestNames.suggestions(for: "mobile-devicse", among: ["mobile-devices", "mobile-device"]) == ["mobile-devices", "mobile-device"])
    #expect(NearestNames.suggestions(for: "mobile-devicse", among: ["mobile-devices", "mobile-devs"]) == ["mobile-devices"])
    #expect(NearestNames.phrase(["a", "b", "c"]) == "'a', 'b' or 'c'")
  }
}
