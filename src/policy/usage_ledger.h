#pragma once
// Per-request usage ledger in SQLite, for chargeback and spend reports. Workers Append an entry
// under a short lock; one background thread writes the queue out in batches, one transaction
// every kFlushInterval or as soon as kBatchSize entries wait, so a busy gateway pays one fsync-free
// commit (WAL, synchronous=NORMAL) per batch, not one per request. A worker never waits on the
// disk: when the queue is full, entries are dropped and counted. A failing disk costs entries
// (counted, logged once), never the gateway.
//
// Queries aggregate on a second connection (WAL: readers do not block the writer) and see what
// is committed; call Flush() first to include what was appended just before.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/usage.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sluice::policy {

// One finished request.
struct LedgerEntry {
  int64_t ts_ms = 0;  // Unix epoch milliseconds; its UTC day is what queries filter and group by
  std::string request_id, consumer, team, model, route, provider;
  core::TokenUsage usage;
  double cost_usd = 0;
  int status = 0;  // HTTP status returned to the client
};

// Named LedgerQuery / LedgerRow rather than Query / Row: UsageLedger has a member function Query.
struct LedgerQuery {
  // Empty filters match everything. Days are 'YYYY-MM-DD' (UTC), inclusive.
  std::string consumer, model;
  std::string from_day, to_day;
  enum class GroupBy { kConsumer, kModel, kDay, kConsumerModelDay };
  GroupBy group_by = GroupBy::kConsumer;
};

// One aggregate. Keys not grouped by are empty.
struct LedgerRow {
  std::string consumer, model, day;
  uint64_t requests = 0;
  uint64_t input_tokens = 0, output_tokens = 0, cached_input_tokens = 0,
           cache_creation_input_tokens = 0, reasoning_tokens = 0;
  uint64_t estimated_requests = 0;  // requests whose usage was estimated locally
  double cost_usd = 0;
};

class UsageLedger {
 public:
  static constexpr size_t kDefaultMaxQueue = 100000;

  // Opens (creating if missing) the database at `path`. Null with `error` set when the file cannot
  // be opened or created, is not a database, or has a newer schema.
  static std::unique_ptr<UsageLedger> Open(const std::string& path, std::string& error,
                                           size_t max_queue = kDefaultMaxQueue);
  ~UsageLedger();  // writes what is queued, then closes
  UsageLedger(const UsageLedger&) = delete;
  UsageLedger& operator=(const UsageLedger&) = delete;

  // Thread-safe; never waits on I/O.
  void Append(LedgerEntry entry);
  // Thread-safe: returns once every entry appended before the call is written (or lost to a write
  // error, see failed()).
  void Flush();
  // Entries dropped because the queue was full.
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  // Entries lost because their batch could not be written.
  uint64_t failed() const { return failed_.load(std::memory_order_relaxed); }

  // Thread-safe; blocking (reads the database). Rows ordered by their keys. Empty with `error` set
  // on a malformed day or a database error.
  std::vector<LedgerRow> Query(const LedgerQuery& query, std::string& error);

 private:
  struct DbCloser {
    void operator()(sqlite3* db) const;
  };
  struct StmtFinalizer {
    void operator()(sqlite3_stmt* stmt) const;
  };
  using Db = std::unique_ptr<sqlite3, DbCloser>;
  using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

  UsageLedger(std::string path, Db writer, Db reader, Stmt insert, size_t max_queue);
  void Run();
  void WriteBatch(const std::vector<LedgerEntry>& batch);

  static constexpr size_t kBatchSize = 1000;
  static constexpr std::chrono::milliseconds kFlushInterval{50};

  std::string path_;
  Db writer_;                    // the writer thread's only
  Db reader_;                    // guarded by reader_mu_
  Stmt insert_;                  // on writer_
  bool failure_logged_ = false;  // writer thread only
  std::mutex reader_mu_;

  size_t max_queue_;
  std::mutex mu_;
  std::condition_variable cv_;       // wakes the writer
  std::condition_variable done_cv_;  // wakes Flush callers
  std::vector<LedgerEntry> queue_;   // guarded by mu_
  uint64_t accepted_ = 0;            // guarded by mu_: entries ever queued
  uint64_t written_ = 0;             // guarded by mu_: of those, how many the writer finished
  bool flush_requested_ = false;     // guarded by mu_
  bool stop_ = false;                // guarded by mu_
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> failed_{0};
  std::thread thread_;
};

// 'YYYY-MM-DD' of a Unix epoch millisecond timestamp, in UTC.
std::string UtcDay(int64_t ts_ms);

// "consumer", "model", "day", "consumer,model,day" (for an admin endpoint's query string).
std::optional<LedgerQuery::GroupBy> ParseGroupBy(std::string_view name);

// {"rows":[{"consumer":..,"model":..,"day":..,"requests":..,...,"cost_usd":..},...]}
std::string RowsToJson(const std::vector<LedgerRow>& rows);

}  // namespace sluice::policy
