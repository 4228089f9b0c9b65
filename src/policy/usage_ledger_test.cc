#include "policy/usage_ledger.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace sluice::policy {
namespace {

namespace fs = std::filesystem;
using GroupBy = LedgerQuery::GroupBy;

constexpr int64_t kDay1 = 1'735'689'600'000;  // 2025-01-01T00:00:00Z
constexpr int64_t kDayMs = 86'400'000;

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "sluice-ledger-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (dir_ / "usage.db").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::unique_ptr<UsageLedger> OpenLedger(size_t max_queue = UsageLedger::kDefaultMaxQueue) {
    std::string error;
    auto ledger = UsageLedger::Open(path_, error, max_queue);
    EXPECT_TRUE(ledger) << error;
    EXPECT_EQ(error, "");
    return ledger;
  }

  static std::vector<LedgerRow> Run(UsageLedger& ledger, LedgerQuery q) {
    std::string error;
    auto rows = ledger.Query(q, error);
    EXPECT_EQ(error, "");
    return rows;
  }

  fs::path dir_;
  std::string path_;
};

LedgerQuery Q(GroupBy group_by, std::string consumer = "", std::string model = "",
              std::string from_day = "", std::string to_day = "") {
  LedgerQuery q;
  q.consumer = std::move(consumer);
  q.model = std::move(model);
  q.from_day = std::move(from_day);
  q.to_day = std::move(to_day);
  q.group_by = group_by;
  return q;
}

LedgerEntry Entry(int64_t ts_ms, std::string consumer, std::string model, uint64_t input,
                  uint64_t output, double cost = 0) {
  LedgerEntry e;
  e.ts_ms = ts_ms;
  e.request_id = "req";
  e.consumer = std::move(consumer);
  e.team = "team";
  e.model = std::move(model);
  e.route = "route";
  e.provider = "openai";
  e.usage.input = input;
  e.usage.output = output;
  e.cost_usd = cost;
  e.status = 200;
  return e;
}

// alice: gpt on day 1 and 2, claude on day 2; bob: gpt on day 1.
void AppendFixture(UsageLedger& ledger) {
  ledger.Append(Entry(kDay1 + 1000, "alice", "gpt", 100, 10));
  ledger.Append(Entry(kDay1 + kDayMs - 1, "alice", "gpt", 200, 20));  // last ms of day 1
  ledger.Append(Entry(kDay1 + kDayMs, "alice", "gpt", 300, 30));      // first ms of day 2
  ledger.Append(Entry(kDay1 + kDayMs + 5, "alice", "claude", 400, 40));
  ledger.Append(Entry(kDay1 + 7, "bob", "gpt", 1000, 100));
}

TEST(LedgerDay, UtcDayOfTimestamp) {
  EXPECT_EQ(UtcDay(0), "1970-01-01");
  EXPECT_EQ(UtcDay(kDay1), "2025-01-01");
  EXPECT_EQ(UtcDay(kDay1 - 1), "2024-12-31");
  EXPECT_EQ(UtcDay(kDay1 + 59 * kDayMs), "2025-03-01");  // 2025 is not a leap year
}

TEST(LedgerGroupBy, Parse) {
  EXPECT_EQ(ParseGroupBy("consumer"), GroupBy::kConsumer);
  EXPECT_EQ(ParseGroupBy("model"), GroupBy::kModel);
  EXPECT_EQ(ParseGroupBy("day"), GroupBy::kDay);
  EXPECT_EQ(ParseGroupBy("consumer,model,day"), GroupBy::kConsumerModelDay);
  EXPECT_EQ(ParseGroupBy("team"), std::nullopt);
}

TEST_F(LedgerTest, GroupByConsumer) {
  auto ledger = OpenLedger();
  AppendFixture(*ledger);
  ledger->Flush();
  auto rows = Run(*ledger, Q(GroupBy::kConsumer));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].consumer, "alice");
  EXPECT_EQ(rows[0].model, "");
  EXPECT_EQ(rows[0].day, "");
  EXPECT_EQ(rows[0].requests, 4u);
  EXPECT_EQ(rows[0].input_tokens, 1000u);
  EXPECT_EQ(rows[0].output_tokens, 100u);
  EXPECT_EQ(rows[1].consumer, "bob");
  EXPECT_EQ(rows[1].requests, 1u);
  EXPECT_EQ(rows[1].input_tokens, 1000u);
}

TEST_F(LedgerTest, GroupByModel) {
  auto ledger = OpenLedger();
  AppendFixture(*ledger);
  ledger->Flush();
  auto rows = Run(*ledger, Q(GroupBy::kModel));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].model, "claude");
  EXPECT_EQ(rows[0].consumer, "");
  EXPECT_EQ(rows[0].requests, 1u);
  EXPECT_EQ(rows[0].input_tokens, 400u);
  EXPECT_EQ(rows[1].model, "gpt");
  EXPECT_EQ(rows[1].requests, 4u);
  EXPECT_EQ(rows[1].input_tokens, 1600u);
}

TEST_F(LedgerTest, GroupByDayUsesUtcDays) {
  auto ledger = OpenLedger();
  AppendFixture(*ledger);
  ledger->Flush();
  auto rows = Run(*ledger, Q(GroupBy::kDay));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].day, "2025-01-01");
  EXPECT_EQ(rows[0].requests, 3u);
  EXPECT_EQ(rows[0].input_tokens, 1300u);
  EXPECT_EQ(rows[1].day, "2025-01-02");
  EXPECT_EQ(rows[1].requests, 2u);
  EXPECT_EQ(rows[1].input_tokens, 700u);
}

TEST_F(LedgerTest, GroupByConsumerModelDay) {
  auto ledger = OpenLedger();
  AppendFixture(*ledger);
  ledger->Flush();
  auto rows = Run(*ledger, Q(GroupBy::kConsumerModelDay));
  ASSERT_EQ(rows.size(), 4u);  // ordered by day, consumer, model
  auto key = [](const LedgerRow& r) { return r.day + "|" + r.consumer + "|" + r.model; };
  EXPECT_EQ(key(rows[0]), "2025-01-01|alice|gpt");
  EXPECT_EQ(rows[0].requests, 2u);
  EXPECT_EQ(rows[0].input_tokens, 300u);
  EXPECT_EQ(key(rows[1]), "2025-01-01|bob|gpt");
  EXPECT_EQ(key(rows[2]), "2025-01-02|alice|claude");
  EXPECT_EQ(key(rows[3]), "2025-01-02|alice|gpt");
  EXPECT_EQ(rows[3].input_tokens, 300u);
}

TEST_F(LedgerTest, Filters) {
  auto ledger = OpenLedger();
  AppendFixture(*ledger);
  ledger->Flush();
  auto rows = Run(*ledger, Q(GroupBy::kModel, "alice"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].model, "gpt");
  EXPECT_EQ(rows[1].requests, 3u);  // bob's gpt request is filtered out

  rows = Run(*ledger, Q(GroupBy::kConsumer, "", "gpt"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].requests, 3u);

  // Inclusive bounds.
  rows = Run(*ledger, Q(GroupBy::kConsumer, "", "", "2025-01-02"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].requests, 2u);
  rows = Run(*ledger, Q(GroupBy::kConsumer, "", "", "", "2025-01-01"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].requests, 2u);
  rows = Run(*ledger, Q(GroupBy::kDay, "", "", "2025-01-01", "2025-01-01"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].requests, 3u);

  // All at once.
  rows = Run(*ledger, Q(GroupBy::kConsumerModelDay, "alice", "gpt", "2025-01-02", "2025-01-02"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].input_tokens, 300u);

  EXPECT_TRUE(Run(*ledger, Q(GroupBy::kConsumer, "carol")).empty());
  EXPECT_TRUE(Run(*ledger, Q(GroupBy::kConsumer, "", "", "2025-02-01")).empty());
}

TEST_F(LedgerTest, FilterValuesAreBoundNotSpliced) {
  auto ledger = OpenLedger();
  ledger->Append(Entry(kDay1, "o'brien\" OR 1=1 --", "gpt", 1, 1));
  ledger->Append(Entry(kDay1, "bob", "gpt", 1, 1));
  ledger->Flush();
  auto rows = Run(*ledger, Q(GroupBy::kConsumer, "o'brien\" OR 1=1 --"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].consumer, "o'brien\" OR 1=1 --");
  EXPECT_TRUE(Run(*ledger, Q(GroupBy::kConsumer, "x' OR '1'='1")).empty());
}

TEST_F(LedgerTest, MalformedDayIsAnError) {
  auto ledger = OpenLedger();
  std::string error;
  EXPECT_TRUE(ledger->Query(Q(GroupBy::kConsumer, "", "", "2025-1-1"), error).empty());
  EXPECT_NE(error.find("from_day"), std::string::npos) << error;
  error.clear();
  EXPECT_TRUE(ledger->Query(Q(GroupBy::kConsumer, "", "", "", "yesterday!"), error).empty());
  EXPECT_NE(error.find("to_day"), std::string::npos) << error;
}

TEST_F(LedgerTest, EstimatedCacheReasoningAndCostAreSummed) {
  auto ledger = OpenLedger();
  LedgerEntry a = Entry(kDay1, "alice", "claude", 1000, 100, 0.25);
  a.usage.cached_input = 600;
  a.usage.cache_creation_input = 100;
  a.usage.reasoning = 30;
  LedgerEntry b = Entry(kDay1, "alice", "claude", 500, 50, 0.125);
  b.usage.estimated = true;
  b.usage.reasoning = 12;
  LedgerEntry c = Entry(kDay1, "alice", "claude", 1, 1, 0.5);
  c.usage.estimated = true;
  ledger->Append(a);
  ledger->Append(b);
  ledger->Append(c);
  ledger->Flush();
  auto rows = Run(*ledger, {});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].requests, 3u);
  EXPECT_EQ(rows[0].estimated_requests, 2u);
  EXPECT_EQ(rows[0].cached_input_tokens, 600u);
  EXPECT_EQ(rows[0].cache_creation_input_tokens, 100u);
  EXPECT_EQ(rows[0].reasoning_tokens, 42u);
  EXPECT_DOUBLE_EQ(rows[0].cost_usd, 0.875);
}

TEST_F(LedgerTest, ReopenedLedgerKeepsEverything) {
  {
    auto ledger = OpenLedger();
    AppendFixture(*ledger);
    // No Flush: closing writes what is queued.
  }
  {
    auto ledger = OpenLedger();
    auto rows = Run(*ledger, Q(GroupBy::kConsumerModelDay));
    EXPECT_EQ(rows.size(), 4u);
    ledger->Append(Entry(kDay1, "bob", "gpt", 5, 5));
  }
  auto ledger = OpenLedger();
  auto rows = Run(*ledger, {});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].requests, 4u);
  EXPECT_EQ(rows[1].requests, 2u);
  EXPECT_EQ(rows[1].input_tokens, 1005u);
}

TEST_F(LedgerTest, ConcurrentAppendsLoseNothing) {
  constexpr int kThreads = 4, kPerThread = 5000;
  auto ledger = OpenLedger();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ledger, t] {
      std::string consumer = "c" + std::to_string(t);
      for (int i = 0; i < kPerThread; ++i)
        ledger->Append(Entry(kDay1 + i, consumer, "gpt", static_cast<uint64_t>(i), 1, 0.001));
    });
  }
  for (auto& t : threads) t.join();
  ledger->Flush();
  EXPECT_EQ(ledger->dropped(), 0u);
  EXPECT_EQ(ledger->failed(), 0u);
  auto rows = Run(*ledger, {});
  ASSERT_EQ(rows.size(), static_cast<size_t>(kThreads));
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(rows[t].consumer, "c" + std::to_string(t));
    EXPECT_EQ(rows[t].requests, static_cast<uint64_t>(kPerThread));
    EXPECT_EQ(rows[t].input_tokens, uint64_t{kPerThread} * (kPerThread - 1) / 2);
    EXPECT_EQ(rows[t].output_tokens, static_cast<uint64_t>(kPerThread));
    EXPECT_NEAR(rows[t].cost_usd, kPerThread * 0.001, 1e-9);
  }
}

TEST_F(LedgerTest, FullQueueDropsAndCounts) {
  constexpr int kAppended = 2000;
  auto ledger = OpenLedger(/*max_queue=*/10);
  // The writer drains every 50 ms; a tight loop outruns it by far and overflows the queue.
  for (int i = 0; i < kAppended; ++i) ledger->Append(Entry(kDay1, "alice", "gpt", 1, 1));
  ledger->Flush();
  auto rows = Run(*ledger, {});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_GT(ledger->dropped(), 0u);
  EXPECT_EQ(rows[0].requests + ledger->dropped(), static_cast<uint64_t>(kAppended));
}

TEST_F(LedgerTest, FlushWithNothingPendingReturns) {
  auto ledger = OpenLedger();
  ledger->Flush();
  ledger->Flush();
  EXPECT_TRUE(Run(*ledger, {}).empty());
}

TEST_F(LedgerTest, WriteFailureIsCountedAndLoggedOnce) {
  auto ledger = OpenLedger();
  {
    // Breaks every later insert without touching the ledger's connections.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "DROP TABLE usage", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  testing::internal::CaptureStderr();
  ledger->Append(Entry(kDay1, "alice", "gpt", 1, 1));
  ledger->Append(Entry(kDay1, "alice", "gpt", 1, 1));
  ledger->Flush();  // returns although nothing could be written
  ledger->Append(Entry(kDay1, "alice", "gpt", 1, 1));
  ledger->Flush();
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(ledger->failed(), 3u);
  EXPECT_EQ(ledger->dropped(), 0u);
  size_t first = log.find("write failed");
  ASSERT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find("write failed", first + 1), std::string::npos) << log;
  std::string error;
  EXPECT_TRUE(ledger->Query(LedgerQuery{}, error).empty());
  EXPECT_NE(error, "");  // the table is gone: reported, not thrown
}

TEST_F(LedgerTest, PathInMissingDirectoryFailsToOpen) {
  std::string error;
  auto ledger = UsageLedger::Open((dir_ / "no-such-dir" / "usage.db").string(), error);
  EXPECT_FALSE(ledger);
  EXPECT_NE(error.find("no-such-dir"), std::string::npos) << error;
  EXPECT_NE(error.find("unable to open"), std::string::npos) << error;
}

TEST_F(LedgerTest, CorruptFileFailsToOpen) {
  std::ofstream(path_) << std::string(8192, 'x');
  std::string error;
  auto ledger = UsageLedger::Open(path_, error);
  EXPECT_FALSE(ledger);
  EXPECT_NE(error.find("not a database"), std::string::npos) << error;
}

TEST_F(LedgerTest, NewerSchemaIsRefused) {
  OpenLedger().reset();  // creates version 1
  {
    // Pretend a later build migrated the file.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_version SET version = 2", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  std::string error;
  EXPECT_FALSE(UsageLedger::Open(path_, error));
  EXPECT_NE(error.find("schema version 2"), std::string::npos) << error;
}

TEST_F(LedgerTest, SchemaVersionIsRecordedOnce) {
  OpenLedger().reset();
  OpenLedger().reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2(db, "SELECT COUNT(*), MAX(version) FROM schema_version", -1, &st, nullptr),
      SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 1);
  EXPECT_EQ(sqlite3_column_int(st, 1), 1);
  sqlite3_finalize(st);
  // WAL mode persists in the file.
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST(LedgerJson, RowsToJson) {
  LedgerRow r;
  r.consumer = "a\"b";
  r.model = "gpt";
  r.requests = 3;
  r.input_tokens = 10;
  r.output_tokens = 20;
  r.cached_input_tokens = 4;
  r.cache_creation_input_tokens = 2;
  r.reasoning_tokens = 5;
  r.estimated_requests = 1;
  r.cost_usd = 0.125;
  EXPECT_EQ(RowsToJson({}), R"({"rows":[]})");
  EXPECT_EQ(RowsToJson({r, LedgerRow{}}),
            R"({"rows":[{"consumer":"a\"b","model":"gpt","day":"","requests":3,)"
            R"("input_tokens":10,"output_tokens":20,"cached_input_tokens":4,)"
            R"("cache_creation_input_tokens":2,"reasoning_tokens":5,"estimated_requests":1,)"
            R"("cost_usd":0.125},{"consumer":"","model":"","day":"","requests":0,)"
            R"("input_tokens":0,"output_tokens":0,"cached_input_tokens":0,)"
            R"("cache_creation_input_tokens":0,"reasoning_tokens":0,"estimated_requests":0,)"
            R"("cost_usd":0}]})");
}

}  // namespace
}  // namespace sluice::policy
