/// One value as SQLite stores it: its five storage classes.
/// See https://www.sqlite.org/datatype3.html
public enum SQLiteValue: Equatable, Hashable, Sendable {
  case null
  case integer(Int64)
  case real(Double)
  case text(String)
  case blob([UInt8])
}

/// A type that can be bound to a statement parameter.
public protocol SQLiteBindable {
  var sqliteValue: SQLiteValue { get }
}

extension SQLiteValue: SQLiteBindable {
  public var sqliteValue: SQLiteValue { self }
}

extension Int64: SQLiteBindable {
  public var sqliteValue: SQLiteValue { .integer(self) }
}

extension Int: SQLiteBindable {
  public var sqliteValue: SQLiteValue { .integer(Int64(self)) }
}

extension Bool: SQLiteBindable {
  public var sqliteValue: SQLiteValue { .integer(self ? 1 : 0) }
}

extension String: SQLiteBindable {
  public var sqliteValue: SQLiteValue { .text(self) }
}

extension Array: SQLiteBindable where Element == UInt8 {
  public var sqliteValue: SQLiteValue { .blob(self) }
}

extension Optional: SQLiteBindable where Wrapped: SQLiteBindable {
  public var sqliteValue: SQLiteValue {
    switch self {
    case .none: .null
    case .some(let value): value.sqliteValue
    }
  }
}
