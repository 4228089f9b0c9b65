#include "policy/usage_ledger.h"

#include <sqlite3.h>

#include <charconv>
#include <cmath>
#include <cstdio>

#include "telemetry/json_text.h"

namespace sluice::policy {

namespace {

constexpr int kSchemaVersion = 1;

// IF NOT EXISTS throughout: reopening an existing ledger is a no-op.
constexpr const char* kCreateSchema =
    "CREATE TABLE IF NOT EXISTS usage ("
    "  id INTEGER PRIMARY KEY,"
    "  ts_ms INTEGER NOT NULL,"
    "  day TEXT NOT NULL,"
    "  request_id TEXT NOT NULL,"
    "  consumer TEXT NOT NULL,"
    "  team TEXT NOT NULL,"
    "  model TEXT NOT NULL,"
    "  route TEXT NOT NULL,"
    "  provider TEXT NOT NULL,"
    "  status INTEGER NOT NULL,"
    "  input_tokens INTEGER NOT NULL,"
    "  output_tokens INTEGER NOT NULL,"
    "  cached_input_tokens INTEGER NOT NULL,"
    "  cache_creation_input_tokens INTEGER NOT NULL,"
    "  reasoning_tokens INTEGER NOT NULL,"
    "  estimated INTEGER NOT NULL,"
    "  cost_usd REAL NOT NULL);"
    "CREATE INDEX IF NOT EXISTS usage_day_consumer_model ON usage (day, consumer, model);";

constexpr const char* kInsert =
    "INSERT INTO usage (ts_ms, day, request_id, consumer, team, model, route, provider, status,"
    " input_tokens, output_tokens, cached_input_tokens, cache_creation_input_tokens,"
    " reasoning_tokens, estimated, cost_usd)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";

std::string Describe(const std::string& path, sqlite3* db) {
  return "usage ledger " + path + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
}

bool Exec(sqlite3* db, const char* sql) {
  return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

// Null with `error` set on failure. NOMUTEX: each connection is used under one lock or by one
// thread.
sqlite3* OpenConnection(const std::string& path, std::string& error) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    error = Describe(path, db);
    sqlite3_close_v2(db);  // a handle is allocated even on failure
    return nullptr;
  }
  // Another connection may hold the write lock briefly (checkpoint, the other connection here).
  sqlite3_busy_timeout(db, 5000);
  return db;
}

// Creates the schema if missing, refuses a newer one. The first statement that reads the file
// (journal_mode) is also what reports a file that is not a database.
bool InitSchema(sqlite3* db, const std::string& path, std::string& error) {
  if (!Exec(db, "PRAGMA journal_mode=WAL") || !Exec(db, "PRAGMA synchronous=NORMAL") ||
      !Exec(db, "BEGIN IMMEDIATE")) {
    error = Describe(path, db);
    return false;
  }
  int version = 0;
  bool ok = Exec(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  if (ok) {
    sqlite3_stmt* st = nullptr;
    ok = sqlite3_prepare_v2(db, "SELECT MAX(version) FROM schema_version", -1, &st, nullptr) ==
         SQLITE_OK;
    if (ok && sqlite3_step(st) == SQLITE_ROW) version = sqlite3_column_int(st, 0);  // 0 if NULL
    sqlite3_finalize(st);
  }
  if (ok && version > kSchemaVersion) {
    Exec(db, "ROLLBACK");
    error = "usage ledger " + path + ": schema version " + std::to_string(version) +
            " is newer than this build supports (" + std::to_string(kSchemaVersion) + ")";
    return false;
  }
  if (ok) ok = Exec(db, kCreateSchema);
  if (ok && version == 0) ok = Exec(db, "INSERT INTO schema_version (version) VALUES (1)");
  if (ok) ok = Exec(db, "COMMIT");
  if (!ok) {
    error = Describe(path, db);  // before ROLLBACK replaces the message
    Exec(db, "ROLLBACK");
  }
  return ok;
}

bool IsDay(std::string_view s) {
  if (s.size() != 10) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 4 || i == 7;
    if (dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9')) return false;
  }
  return true;
}

void BindText(sqlite3_stmt* st, int index, const std::string& s) {
  // STATIC: the entry outlives the step.
  sqlite3_bind_text(st, index, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
}

void BindUint(sqlite3_stmt* st, int index, uint64_t v) {
  sqlite3_bind_int64(st, index, static_cast<sqlite3_int64>(v));
}

uint64_t ColumnUint(sqlite3_stmt* st, int column) {
  sqlite3_int64 v = sqlite3_column_int64(st, column);
  return v < 0 ? 0 : static_cast<uint64_t>(v);
}

std::string ColumnText(sqlite3_stmt* st, int column) {
  const unsigned char* text = sqlite3_column_text(st, column);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(st, column)));
}

}  // namespace

void UsageLedger::DbCloser::operator()(sqlite3* db) const { sqlite3_close_v2(db); }
void UsageLedger::StmtFinalizer::operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }

std::unique_ptr<UsageLedger> UsageLedger::Open(const std::string& path, std::string& error,
                                               size_t max_queue) {
  Db writer(OpenConnection(path, error));
  if (!writer || !InitSchema(writer.get(), path, error)) return nullptr;
  sqlite3_stmt* insert = nullptr;
  if (sqlite3_prepare_v3(writer.get(), kInsert, -1, SQLITE_PREPARE_PERSISTENT, &insert, nullptr) !=
      SQLITE_OK) {
    error = Describe(path, writer.get());
    return nullptr;
  }
  Stmt insert_stmt(insert);
  Db reader(OpenConnection(path, error));
  if (!reader) return nullptr;
  Exec(reader.get(), "PRAGMA query_only=1");  // reports only read
  return std::unique_ptr<UsageLedger>(new UsageLedger(path, std::move(writer), std::move(reader),
                                                      std::move(insert_stmt), max_queue));
}

UsageLedger::UsageLedger(std::string path, Db writer, Db reader, Stmt insert, size_t max_queue)
    : path_(std::move(path)),
      writer_(std::move(writer)),
      reader_(std::move(reader)),
      insert_(std::move(insert)),
      max_queue_(max_queue) {
  thread_ = std::thread([this] { Run(); });
}

UsageLedger::~UsageLedger() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
  // insert_ is declared after writer_, so it is finalized before the connection closes.
}

void UsageLedger::Append(LedgerEntry entry) {
  bool wake;
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= max_queue_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue_.push_back(std::move(entry));
    ++accepted_;
    wake = queue_.size() == kBatchSize;
  }
  if (wake) cv_.notify_one();
}

void UsageLedger::Flush() {
  std::unique_lock lock(mu_);
  uint64_t target = accepted_;
  if (written_ >= target) return;
  flush_requested_ = true;  // write now rather than at the writer's next tick
  cv_.notify_one();
  done_cv_.wait(lock, [&] { return written_ >= target; });
}

void UsageLedger::Run() {
  std::vector<LedgerEntry> batch;
  for (;;) {
    uint64_t taken;
    bool stopping;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, kFlushInterval,
                   [this] { return stop_ || flush_requested_ || queue_.size() >= kBatchSize; });
      batch.swap(queue_);
      taken = accepted_;
      flush_requested_ = false;
      stopping = stop_;
    }
    WriteBatch(batch);
    batch.clear();
    bool done;
    {
      std::lock_guard lock(mu_);
      written_ = taken;
      done = stopping && queue_.empty();
    }
    done_cv_.notify_all();
    if (done) return;
  }
}

void UsageLedger::WriteBatch(const std::vector<LedgerEntry>& batch) {
  if (batch.empty()) return;
  sqlite3* db = writer_.get();
  sqlite3_stmt* st = insert_.get();
  bool ok = Exec(db, "BEGIN");
  for (size_t i = 0; ok && i < batch.size(); ++i) {
    const LedgerEntry& e = batch[i];
    std::string day = UtcDay(e.ts_ms);
    sqlite3_bind_int64(st, 1, e.ts_ms);
    BindText(st, 2, day);
    BindText(st, 3, e.request_id);
    BindText(st, 4, e.consumer);
    BindText(st, 5, e.team);
    BindText(st, 6, e.model);
    BindText(st, 7, e.route);
    BindText(st, 8, e.provider);
    sqlite3_bind_int(st, 9, e.status);
    BindUint(st, 10, e.usage.input);
    BindUint(st, 11, e.usage.output);
    BindUint(st, 12, e.usage.cached_input);
    BindUint(st, 13, e.usage.cache_creation_input);
    BindUint(st, 14, e.usage.reasoning);
    sqlite3_bind_int(st, 15, e.usage.estimated ? 1 : 0);
    sqlite3_bind_double(st, 16, std::isfinite(e.cost_usd) ? e.cost_usd : 0.0);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_reset(st);
  }
  sqlite3_clear_bindings(st);  // no pointer into the batch survives it
  if (ok) ok = Exec(db, "COMMIT");
  if (ok) return;
  std::string why = sqlite3_errmsg(db);  // before ROLLBACK replaces it
  Exec(db, "ROLLBACK");
  failed_.fetch_add(batch.size(), std::memory_order_relaxed);
  // Once: a full or broken disk fails every batch, and the count is what matters.
  if (!failure_logged_) {
    failure_logged_ = true;
    std::fprintf(stderr,
                 "sluice: usage ledger %s: write failed (%s); lost entries are counted, further "
                 "failures are not logged\n",
                 path_.c_str(), why.c_str());
  }
}

std::vector<LedgerRow> UsageLedger::Query(const LedgerQuery& query, std::string& error) {
  if (!query.from_day.empty() && !IsDay(query.from_day)) {
    error = "from_day: expected YYYY-MM-DD, got '" + query.from_day + "'";
    return {};
  }
  if (!query.to_day.empty() && !IsDay(query.to_day)) {
    error = "to_day: expected YYYY-MM-DD, got '" + query.to_day + "'";
    return {};
  }
  // The SQL is assembled from constant fragments only; every value is a bound parameter.
  const char* keys = "consumer, '', ''";
  const char* group = "consumer";
  switch (query.group_by) {
    case LedgerQuery::GroupBy::kConsumer:
      break;
    case LedgerQuery::GroupBy::kModel:
      keys = "'', model, ''";
      group = "model";
      break;
    case LedgerQuery::GroupBy::kDay:
      keys = "'', '', day";
      group = "day";
      break;
    case LedgerQuery::GroupBy::kConsumerModelDay:
      keys = "consumer, model, day";
      group = "day, consumer, model";  // the index's order
      break;
  }
  std::string sql = "SELECT ";
  sql += keys;
  sql +=
      ", COUNT(*), SUM(input_tokens), SUM(output_tokens), SUM(cached_input_tokens),"
      " SUM(cache_creation_input_tokens), SUM(reasoning_tokens), SUM(estimated), TOTAL(cost_usd)"
      " FROM usage WHERE 1";
  // A filter's fragment only when it is set, so an unfiltered column does not defeat the index.
  if (!query.from_day.empty()) sql += " AND day >= :from_day";
  if (!query.to_day.empty()) sql += " AND day <= :to_day";
  if (!query.consumer.empty()) sql += " AND consumer = :consumer";
  if (!query.model.empty()) sql += " AND model = :model";
  sql += " GROUP BY ";
  sql += group;
  sql += " ORDER BY ";
  sql += group;

  std::lock_guard lock(reader_mu_);
  sqlite3* db = reader_.get();
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr) !=
      SQLITE_OK) {
    error = Describe(path_, db);
    return {};
  }
  Stmt st(raw);
  auto bind = [&](const char* name, const std::string& value) {
    if (int index = sqlite3_bind_parameter_index(raw, name)) BindText(raw, index, value);
  };
  bind(":from_day", query.from_day);
  bind(":to_day", query.to_day);
  bind(":consumer", query.consumer);
  bind(":model", query.model);

  std::vector<LedgerRow> rows;
  int rc;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    LedgerRow& row = rows.emplace_back();
    row.consumer = ColumnText(raw, 0);
    row.model = ColumnText(raw, 1);
    row.day = ColumnText(raw, 2);
    row.requests = ColumnUint(raw, 3);
    row.input_tokens = ColumnUint(raw, 4);
    row.output_tokens = ColumnUint(raw, 5);
    row.cached_input_tokens = ColumnUint(raw, 6);
    row.cache_creation_input_tokens = ColumnUint(raw, 7);
    row.reasoning_tokens = ColumnUint(raw, 8);
    row.estimated_requests = ColumnUint(raw, 9);
    row.cost_usd = sqlite3_column_double(raw, 10);
  }
  if (rc != SQLITE_DONE) {
    error = Describe(path_, db);
    return {};
  }
  return rows;
}

std::string UtcDay(int64_t ts_ms) {
  using namespace std::chrono;
  year_month_day ymd(floor<days>(sys_time<milliseconds>(milliseconds(ts_ms))));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::optional<LedgerQuery::GroupBy> ParseGroupBy(std::string_view name) {
  if (name == "consumer") return LedgerQuery::GroupBy::kConsumer;
  if (name == "model") return LedgerQuery::GroupBy::kModel;
  if (name == "day") return LedgerQuery::GroupBy::kDay;
  if (name == "consumer,model,day") return LedgerQuery::GroupBy::kConsumerModelDay;
  return std::nullopt;
}

std::string RowsToJson(const std::vector<LedgerRow>& rows) {
  std::string out = "{\"rows\":[";
  auto field = [&out](const char* name, uint64_t v) {
    out += ",\"";
    out += name;
    out += "\":";
    telemetry::AppendJsonUint(out, v);
  };
  for (size_t i = 0; i < rows.size(); ++i) {
    const LedgerRow& r = rows[i];
    if (i) out.push_back(',');
    out += "{\"consumer\":";
    telemetry::AppendJsonString(out, r.consumer);
    out += ",\"model\":";
    telemetry::AppendJsonString(out, r.model);
    out += ",\"day\":";
    telemetry::AppendJsonString(out, r.day);
    field("requests", r.requests);
    field("input_tokens", r.input_tokens);
    field("output_tokens", r.output_tokens);
    field("cached_input_tokens", r.cached_input_tokens);
    field("cache_creation_input_tokens", r.cache_creation_input_tokens);
    field("reasoning_tokens", r.reasoning_tokens);
    field("estimated_requests", r.estimated_requests);
    out += ",\"cost_usd\":";
    // Shortest round-trip form; JSON has no inf/nan.
    char buf[32];
    double cost = std::isfinite(r.cost_usd) ? r.cost_usd : 0.0;
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, cost);
    out.append(buf, end);
    out.push_back('}');
  }
  out += "]}";
  return out;
}

}  // namespace sluice::policy
