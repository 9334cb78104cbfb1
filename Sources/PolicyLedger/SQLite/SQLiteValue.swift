/// One value as SQLite stores it: its five storage classes.
/// See https://www.sqlite.org/datatype3.html
package enum SQLiteValue: Equatable, Hashable, Sendable {
  case null
  case integer(Int64)
  case real(Double)
  case text(String)
  case blob([UInt8])
}

/// A type that can be bound to a statement parameter.
package protocol SQLiteBindable {
  var sqliteValue: SQLiteValue { get }
}

extension SQLiteValue: SQLiteBindable {
  package var sqliteValue: SQLiteValue { self }
}

extension Int64: SQLiteBindable {
  package var sqliteValue: SQLiteValue { .integer(self) }
}

extension Int: SQLiteBindable {
  package var sqliteValue: SQLiteValue { .integer(Int64(self)) }
}

extension Bool: SQLiteBindable {
  package var sqliteValue: SQLiteValue { .integer(self ? 1 : 0) }
}

extension String: SQLiteBindable {
  package var sqliteValue: SQLiteValue { .text(self) }
}

extension Array: SQLiteBindable where Element == UInt8 {
  package var sqliteValue: SQLiteValue { .blob(self) }
}

extension Optional: SQLiteBindable where Wrapped: SQLiteBindable {
  package var sqliteValue: SQLiteValue {
    switch self {
    case .none: .null
    case .some(let value): value.sqliteValue
    }
  }
}
