/// A failure the user can act on: its description is the one line the CLI prints.
public struct LedgerError: Error, CustomStringConvertible, Sendable, Equatable {
  public let description: String
  public init(_ description: String) { self.description = description }
}
