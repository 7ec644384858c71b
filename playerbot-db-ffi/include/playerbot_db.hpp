// playerbot_db.hpp: a C++17 header-only wrapper over playerbot_db.h.
//
// - RAII: pbdb::Db owns a handle (closed and freed by its destructor); pbdb::Result and
//   pbdb::Completion own what the library hands out. A Result kept by the caller can be
//   refilled by load after load (load_bot_state(id, result)), allocating nothing.
// - Errors are exceptions (pbdb::Error, with the status and the library's message), except
//   where a failure is an ordinary answer: a load of a missing key is std::nullopt, a
//   submission to a full completion queue returns false.
// - Input is std::string_view (never copied by the wrapper); save_deferred allocates nothing
//   on success (the library copies the row into its queue).
// - Every table has save / save_deferred (taking the C struct, whose strings may view the
//   caller's text: see event_ref, strategy_ref) and a load of one bot's rows; BotState also
//   load by key and by many keys, save_all, delete (now and deferred), and load, save and
//   delete through the completion queue. Anything else is a C function away: db.raw() is
//   the handle.
#ifndef PLAYERBOT_DB_HPP
#define PLAYERBOT_DB_HPP

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "playerbot_db.h"

namespace pbdb {

// A failed call: its status (PBDB_…) and why.
class Error : public std::runtime_error {
 public:
  Error(PbdbStatus status, const char* message)
      : std::runtime_error(std::string(pbdb_status_name(status)) + ": " + message),
        status_(status) {}
  PbdbStatus status() const noexcept { return status_; }

 private:
  PbdbStatus status_;
};

namespace detail {
inline void check(PbdbStatus status) {
  if (status != PBDB_OK) throw Error(status, pbdb_last_error());
}
// A submission's status: false for a full completion queue, an exception for the rest.
inline bool submitted(PbdbStatus status) {
  if (status == PBDB_QUEUE_FULL) return false;
  check(status);
  return true;
}
inline PbdbStr view(std::string_view text) noexcept {
  // An empty view may have no data(); the library takes (NULL, 0) as empty.
  return PbdbStr{text.data(), text.size()};
}
inline std::string copy(PbdbStr text) {
  return text.ptr ? std::string(text.ptr, text.len) : std::string();
}
}  // namespace detail

using BotState = PbdbBotState;

// A bot event, owned (what loads return).
struct BotEvent {
  uint32_t bot_id = 0;
  std::string event;
  int64_t value = 0;
  int64_t expires_at = 0;
};

// A bot event over the caller's text (what saves take): no copy, no allocation.
inline PbdbBotEvent event_ref(uint32_t bot_id, std::string_view event, int64_t value,
                              int64_t expires_at) noexcept {
  return PbdbBotEvent{bot_id, detail::view(event), value, expires_at};
}

// A bot's strategy list over the caller's text: no copy, no allocation.
inline PbdbBotStrategy strategy_ref(uint32_t bot_id, uint8_t engine,
                                    std::string_view strategies) noexcept {
  return PbdbBotStrategy{bot_id, engine, detail::view(strategies)};
}

// A strategy list, owned (what loads return).
struct BotStrategy {
  uint32_t bot_id = 0;
  uint8_t engine = PBDB_ENGINE_COMBAT;
  std::string strategies;
};

using Equipment = PbdbEquipment;

// The rows of one read; frees them when it goes.
class Result {
 public:
  explicit Result(PbdbResult* result = nullptr) noexcept : result_(result) {}
  Result(Result&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
  Result& operator=(Result&& other) noexcept {
    std::swap(result_, other.result_);
    return *this;
  }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  ~Result() { pbdb_result_free(result_); }

  // A result holding nothing, for the load_into calls to refill.
  static Result reusable() {
    PbdbResult* raw = nullptr;
    detail::check(pbdb_result_new(&raw));
    return Result(raw);
  }

  explicit operator bool() const noexcept { return result_ != nullptr; }
  size_t size() const {
    size_t len = 0;
    if (result_) detail::check(pbdb_result_len(result_, &len));
    return len;
  }
  // Place `index` as a bot state; nullopt for a key load_many did not find.
  std::optional<BotState> bot_state(size_t index) const {
    BotState row{};
    PbdbStatus status = pbdb_bot_state_get(result_, index, &row);
    if (status == PBDB_NOT_FOUND) return std::nullopt;
    detail::check(status);
    return row;
  }
  std::optional<BotEvent> bot_event(size_t index) const {
    PbdbBotEvent row{};
    PbdbStatus status = pbdb_bot_event_get(result_, index, &row);
    if (status == PBDB_NOT_FOUND) return std::nullopt;
    detail::check(status);
    return BotEvent{row.bot_id, detail::copy(row.event), row.value, row.expires_at};
  }
  std::optional<BotStrategy> bot_strategy(size_t index) const {
    PbdbBotStrategy row{};
    PbdbStatus status = pbdb_bot_strategy_get(result_, index, &row);
    if (status == PBDB_NOT_FOUND) return std::nullopt;
    detail::check(status);
    return BotStrategy{row.bot_id, row.engine, detail::copy(row.strategies)};
  }
  std::optional<Equipment> equipment(size_t index) const {
    Equipment row{};
    PbdbStatus status = pbdb_equipment_get(result_, index, &row);
    if (status == PBDB_NOT_FOUND) return std::nullopt;
    detail::check(status);
    return row;
  }
  PbdbResult* get() const noexcept { return result_; }

 private:
  PbdbResult* result_;
};

// One finished asynchronous call.
struct Completion {
  uint64_t token = 0;
  PbdbStatus status = PBDB_OK;
  std::string message;  // empty on success
  Result result;        // a read's rows (empty for writes and failures)
};

// Options for Db::open, starting from the library's defaults.
inline PbdbOptions default_options() {
  PbdbOptions options;
  detail::check(pbdb_options_init(&options));
  return options;
}

// A handle on one server; usable from any number of threads at once.
class Db {
 public:
  static Db open(std::string_view url, const PbdbOptions& options = default_options()) {
    PbdbDb* db = nullptr;
    detail::check(pbdb_open(url.data(), url.size(), &options, &db));
    return Db(db);
  }
  Db(Db&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Db& operator=(Db&& other) noexcept {
    std::swap(db_, other.db_);
    return *this;
  }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  // Closes (as pbdb_free: draining within the close_timeout_ms opened with) and frees.
  ~Db() { pbdb_free(db_); }

  PbdbDb* raw() const noexcept { return db_; }

  uint32_t migrate() {
    uint32_t applied = 0;
    detail::check(pbdb_migrate(db_, &applied));
    return applied;
  }
  void check_schema() { detail::check(pbdb_check_schema(db_)); }
  void flush(uint32_t timeout_ms) { detail::check(pbdb_flush(db_, timeout_ms)); }
  // Drains the write-behind queue (bounded) and releases everything; later calls throw
  // Error with PBDB_CLOSED.
  void close(uint32_t timeout_ms) { detail::check(pbdb_close(db_, timeout_ms)); }
  PbdbStats stats() const {
    PbdbStats stats{};
    detail::check(pbdb_stats(db_, &stats));
    return stats;
  }
  std::string metrics() const {
    PbdbResult* raw = nullptr;
    detail::check(pbdb_metrics(db_, &raw));
    Result result(raw);
    PbdbStr text{};
    detail::check(pbdb_result_text(result.get(), &text));
    return detail::copy(text);
  }

  // Bot state.
  void save(const BotState& row) { detail::check(pbdb_bot_state_save(db_, &row)); }
  void save_deferred(const BotState& row) {
    detail::check(pbdb_bot_state_save_deferred(db_, &row));
  }
  void save_all(const std::vector<BotState>& rows) {
    detail::check(pbdb_bot_state_save_all(db_, rows.data(), rows.size()));
  }
  bool remove_bot_state(uint32_t bot_id) {
    PbdbBotStateKey key{bot_id};
    PbdbStatus status = pbdb_bot_state_delete(db_, &key);
    if (status == PBDB_NOT_FOUND) return false;
    detail::check(status);
    return true;
  }
  void remove_bot_state_deferred(uint32_t bot_id) {
    PbdbBotStateKey key{bot_id};
    detail::check(pbdb_bot_state_delete_deferred(db_, &key));
  }
  std::optional<BotState> load_bot_state(uint32_t bot_id) {
    PbdbBotStateKey key{bot_id};
    PbdbResult* raw = nullptr;
    PbdbStatus status = pbdb_bot_state_load(db_, &key, &raw);
    if (status == PBDB_NOT_FOUND) return std::nullopt;
    detail::check(status);
    return Result(raw).bot_state(0);
  }
  // The same, refilling `into` (made a result first if it is empty): a world thread that
  // keeps one Result allocates nothing for a load the cache answers.
  std::optional<BotState> load_bot_state(uint32_t bot_id, Result& into) {
    if (!into) into = Result::reusable();
    PbdbBotStateKey key{bot_id};
    PbdbStatus status = pbdb_bot_state_load_into(db_, &key, into.get());
    if (status == PBDB_NOT_FOUND) return std::nullopt;
    detail::check(status);
    return into.bot_state(0);
  }
  // One place per id, in order: std::nullopt where no row has it.
  std::vector<std::optional<BotState>> load_bot_states(const std::vector<uint32_t>& ids) {
    std::vector<PbdbBotStateKey> keys(ids.size());
    for (size_t i = 0; i < ids.size(); i++) keys[i].bot_id = ids[i];
    PbdbResult* raw = nullptr;
    detail::check(pbdb_bot_state_load_many(db_, keys.data(), keys.size(), &raw));
    Result result(raw);
    std::vector<std::optional<BotState>> rows;
    rows.reserve(ids.size());
    for (size_t i = 0; i < ids.size(); i++) rows.push_back(result.bot_state(i));
    return rows;
  }
  // The submissions: false when the completion queue is full (poll, then try again).
  bool load_bot_state_async(uint32_t bot_id, uint64_t token) {
    PbdbBotStateKey key{bot_id};
    return detail::submitted(pbdb_bot_state_load_async(db_, &key, token));
  }
  bool save_async(const BotState& row, uint64_t token) {
    return detail::submitted(pbdb_bot_state_save_async(db_, &row, token));
  }
  bool remove_bot_state_async(uint32_t bot_id, uint64_t token) {
    PbdbBotStateKey key{bot_id};
    return detail::submitted(pbdb_bot_state_delete_async(db_, &key, token));
  }

  // Bot events.
  void save(const PbdbBotEvent& row) { detail::check(pbdb_bot_event_save(db_, &row)); }
  void save_deferred(const PbdbBotEvent& row) {
    detail::check(pbdb_bot_event_save_deferred(db_, &row));
  }
  std::vector<BotEvent> load_bot_events(uint32_t bot_id) {
    PbdbResult* raw = nullptr;
    detail::check(pbdb_bot_event_load_by_bot(db_, bot_id, &raw));
    Result result(raw);
    std::vector<BotEvent> events;
    for (size_t i = 0, n = result.size(); i < n; i++) events.push_back(*result.bot_event(i));
    return events;
  }

  // Bot strategies.
  void save(const PbdbBotStrategy& row) { detail::check(pbdb_bot_strategy_save(db_, &row)); }
  void save_deferred(const PbdbBotStrategy& row) {
    detail::check(pbdb_bot_strategy_save_deferred(db_, &row));
  }
  std::vector<BotStrategy> load_bot_strategies(uint32_t bot_id) {
    PbdbResult* raw = nullptr;
    detail::check(pbdb_bot_strategy_load_by_bot(db_, bot_id, &raw));
    Result result(raw);
    std::vector<BotStrategy> rows;
    for (size_t i = 0, n = result.size(); i < n; i++) rows.push_back(*result.bot_strategy(i));
    return rows;
  }

  // Equipment.
  void save(const Equipment& row) { detail::check(pbdb_equipment_save(db_, &row)); }
  void save_deferred(const Equipment& row) {
    detail::check(pbdb_equipment_save_deferred(db_, &row));
  }
  std::vector<Equipment> load_equipment(uint32_t bot_id) {
    PbdbResult* raw = nullptr;
    detail::check(pbdb_equipment_load_by_bot(db_, bot_id, &raw));
    Result result(raw);
    std::vector<Equipment> rows;
    for (size_t i = 0, n = result.size(); i < n; i++) rows.push_back(*result.equipment(i));
    return rows;
  }

  // AI values (the C struct: text and bytes as views, empty slots with NULL / has_ = 0).
  void save(const PbdbAiValue& row) { detail::check(pbdb_ai_value_save(db_, &row)); }
  void save_deferred(const PbdbAiValue& row) {
    detail::check(pbdb_ai_value_save_deferred(db_, &row));
  }

  // Appends up to `max` finished asynchronous calls to `out`; returns how many. Takes them
  // in batches on the stack: a poll that finds little costs no allocation but out's.
  size_t poll(std::vector<Completion>& out, size_t max = 256) {
    constexpr size_t kBatch = 16;
    PbdbCompletion batch[kBatch];
    size_t total = 0;
    while (total < max) {
      size_t want = max - total < kBatch ? max - total : kBatch;
      size_t count = 0;
      detail::check(pbdb_poll(db_, batch, want, &count));
      for (size_t i = 0; i < count; i++) {
        Completion done;
        done.token = batch[i].token;
        done.status = batch[i].status;
        done.message = batch[i].message;
        done.result = Result(batch[i].result);
        out.push_back(std::move(done));
      }
      total += count;
      if (count < want) break;
    }
    return total;
  }

 private:
  explicit Db(PbdbDb* db) noexcept : db_(db) {}
  PbdbDb* db_;
};

}  // namespace pbdb

#endif  // PLAYERBOT_DB_HPP
