import Testing

extension Tag {
  /// Tests that start many processes, kill them, or move a lot of data: seconds each. The
  /// fast lane leaves them out (README, "Tests"); CI runs everything.
  @Tag static var slow: Self
}
