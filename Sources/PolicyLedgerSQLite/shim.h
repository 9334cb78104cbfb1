#include <sqlite3.h>

// sqlite3_config() is variadic, which Swift cannot call: one wrapper per option used.

/// Turns off SQLite's memory statistics, which take a global mutex on every allocation.
/// Must run before SQLite initializes; afterwards it returns SQLITE_MISUSE and changes nothing.
/// https://www.sqlite.org/c3ref/c_config_covering_index_scan.html#sqliteconfigmemstatus
static inline int policy_ledger_sqlite3_disable_memstatus(void) {
  return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
