/// One value in an output row. Times arrive already formatted, as `.text`.
public enum Cell: Sendable, Equatable {
  case null
  case text(String)
  case integer(Int64)
}
