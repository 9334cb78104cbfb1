#include <sqlite3.h>

// sqlite3_config() is variadic, which Swift cannot call: one wrapper per option used.

/// Turns off SQLite's memory statistics, which take a global mutex on every allocation.
/// Must run before SQLite initializes; afterwards it returns SQLITE_MISUSE and changes nothing.
/// https://www.sqlite.org/c3ref/c_config_covering_index_scan.html#sqliteconfigmemstatus
static inline int policy_ledger_sqlite3_disable_memstatus(void) {
  return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/// Turns off the page cache's bulk allocation: without it, each connection's first page-cache
/// use allocates room for 20 pages (about 88 KB) at once and writes a header into every slot,
/// about 20 page faults, which a read-only query served through the memory map does not use
/// (docs/performance.md, "Start-up: one CLI query"). Pages are then allocated as needed.
/// Must run before SQLite initializes.
/// https://www.sqlite.org/c3ref/c_config_covering_index_scan.html#sqliteconfigpagecache
static inline int policy_ledger_sqlite3_no_page_cache_bulk_allocation(void) {
  return sqlite3_config(SQLITE_CONFIG_PAGECACHE, (void *)0, 0, 0);
}
