// An example bot module in the shape of an AzerothCore module: a WorldScript-like class
// whose OnUpdate(diff) runs on the world thread and never waits on the database.
//
// - Startup (blocking calls are fine there): migrate, and seed the bots' rows once.
// - Login: every bot is loaded through the completion queue; the results are handled on the
//   next tick (as TrinityCore handles QueryCallback results in World::Update).
// - Each tick: every logged-in bot moves and is saved with save_deferred (no allocation, no
//   wait); a bot's login writes an event, its strategies and its weapon.
// - Shutdown: events read back, then a close that drains the write-behind queue.
//
// Usage: bot_module mysql://user:password@host:port/database
// It prints the world time of its last tick; every bot's row then has updated_at equal to
// it and flags with bit 1 set; bot_event, bot_strategy and bot_equipment hold one row per
// bot.
#include <chrono>
#include <cstdio>
#include <thread>
#include <unordered_map>
#include <vector>

#include "playerbot_db.hpp"

namespace {

constexpr uint32_t kBots = 100;
constexpr uint32_t kTicksAfterLogin = 10;
constexpr uint32_t kOnline = 1;

class BotWorldScript {
 public:
  explicit BotWorldScript(pbdb::Db& db) : db_(db) {}

  // Startup: schema and first rows (blocking calls, before the world runs).
  void OnStartup() {
    std::printf("migrations applied: %u\n", db_.migrate());
    db_.check_schema();
    std::vector<pbdb::BotState> seed;
    for (uint32_t id = 1; id <= kBots; id++) {
      pbdb::BotState s{};
      s.bot_id = id;
      s.map_id = 0;
      s.zone_id = 12;
      s.health = 1000;
      s.mana = 500;
      s.level = 80;
      seed.push_back(s);
    }
    db_.save_all(seed);
  }

  // Login: submit every bot's load; nothing is waited for.
  void LoginAll() {
    for (uint32_t id = 1; id <= kBots; id++) {
      while (!db_.load_bot_state_async(id, id)) {
        HandleCompletions();  // the queue is full: take what is done first
      }
    }
  }

  // The world thread's tick.
  void OnUpdate(uint32_t diff) {
    world_time_ms_ += diff;
    HandleCompletions();
    for (auto& [id, bot] : online_) {
      bot.x += 1.0f;
      bot.updated_at = static_cast<int64_t>(world_time_ms_);
      db_.save_deferred(bot);
    }
    if (online_.size() == kBots) ticks_after_login_++;
  }

  bool Done() const { return ticks_after_login_ >= kTicksAfterLogin; }
  uint64_t WorldTime() const { return world_time_ms_; }

  void OnShutdown() {
    auto events = db_.load_bot_events(1);
    std::printf("bot 1 has %zu event(s), first: %s\n", events.size(),
                events.empty() ? "-" : events[0].event.c_str());
    auto strategies = db_.load_bot_strategies(1);
    auto equipment = db_.load_equipment(1);
    std::printf("bot 1 has %zu strategy list(s) and %zu item(s)\n", strategies.size(),
                equipment.size());
    PbdbStats stats = db_.stats();
    std::printf("rows written by the write-behind queue: %llu, coalesced: %llu\n",
                static_cast<unsigned long long>(stats.write_behind_rows_written),
                static_cast<unsigned long long>(stats.write_behind_rows_coalesced));
    db_.close(30000);
  }

 private:
  void HandleCompletions() {
    completions_.clear();
    db_.poll(completions_);
    for (auto& done : completions_) {
      if (done.status != PBDB_OK) throw pbdb::Error(done.status, done.message.c_str());
      auto bot = done.result.bot_state(0);
      if (!bot) continue;
      bot->flags |= kOnline;
      online_[bot->bot_id] = *bot;
      db_.save_deferred(pbdb::event_ref(bot->bot_id, "login", 1, 0));
      db_.save_deferred(pbdb::strategy_ref(bot->bot_id, PBDB_ENGINE_NON_COMBAT, "follow,loot"));
      pbdb::Equipment weapon{};
      weapon.bot_id = bot->bot_id;
      weapon.slot = 15;  // main hand
      weapon.item_entry = 19019;
      weapon.has_quality = 1;
      weapon.quality = 5;
      weapon.durability = 120;
      weapon.guid = 1000000 + bot->bot_id;
      db_.save_deferred(weapon);
    }
  }

  pbdb::Db& db_;
  std::unordered_map<uint32_t, pbdb::BotState> online_;
  std::vector<pbdb::Completion> completions_;
  uint64_t world_time_ms_ = 0;
  uint32_t ticks_after_login_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s mysql://user:password@host:port/database\n", argv[0]);
    return 2;
  }
  try {
    PbdbOptions options = pbdb::default_options();
    options.write_behind_interval_ms = 100;
    pbdb::Db db = pbdb::Db::open(argv[1], options);
    BotWorldScript script(db);
    script.OnStartup();
    script.LoginAll();
    constexpr uint32_t kDiff = 50;
    for (int tick = 0; tick < 100000 && !script.Done(); tick++) {
      script.OnUpdate(kDiff);
      std::this_thread::sleep_for(std::chrono::milliseconds(kDiff));
    }
    if (!script.Done()) {
      std::fprintf(stderr, "the bots never all logged in\n");
      return 1;
    }
    std::printf("last world time: %llu\n", static_cast<unsigned long long>(script.WorldTime()));
    script.OnShutdown();
  } catch (const pbdb::Error& err) {
    std::fprintf(stderr, "playerbot-db: %s\n", err.what());
    return 1;
  }
  return 0;
}
