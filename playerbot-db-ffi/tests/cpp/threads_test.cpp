// Many C++ threads on one handle through the C++ wrapper, against the server whose database
// URL is argv[1]. Built and run (also under ASan/UBSan) by tests/cpp_threads.rs, which then
// checks the rows left in the server.
//
// Each of kThreads threads, for kRounds rounds:
// - writes each of its own bots (disjoint keys) by save, save_deferred or save_async, every
//   fifth round after deleting it (delete, delete_deferred or delete_async), and reads it
//   back by load, load_many or load_async: it must see its own last write;
// - writes a "round" event for each of its own bots (text viewed from a std::string);
// - writes every shared bot (overlapping keys: all threads write them) by save or
//   save_deferred, and reads them all with load_many.
// Completions are polled by whichever thread is waiting for one, so threads poll at once
// and take each other's completions; a shared mailbox hands each to its submitter.
//
// Left in the server: own bot i of thread t has health Health(t, kRounds), but those with
// i % 4 == 3, deleted after the last round; each own bot has its event with value kRounds;
// each shared bot has health Health(u, kRounds) for some thread u (the last write of any
// thread is its last round's).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "playerbot_db.hpp"

namespace {

constexpr uint32_t kThreads = 16;
constexpr uint32_t kOwnBots = 8;
constexpr uint32_t kSharedBots = 8;
constexpr uint32_t kRounds = 30;

std::atomic<unsigned> checks{0};

#define CHECK(cond)                                                                        \
  do {                                                                                     \
    checks++;                                                                              \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);        \
      std::exit(1);                                                                        \
    }                                                                                      \
  } while (0)

uint32_t OwnBot(uint32_t thread, uint32_t index) { return 10000 * (thread + 1) + index + 1; }
uint32_t Health(uint32_t thread, uint32_t round) { return 1000000 + thread * 1000 + round; }
bool EndsDeleted(uint32_t index) { return index % 4 == 3; }

pbdb::BotState State(uint32_t bot_id, uint32_t health) {
  pbdb::BotState s{};
  s.bot_id = bot_id;
  s.map_id = 571;
  s.zone_id = 4395;
  s.health = health;
  s.level = 80;
  return s;
}

// Finished asynchronous calls by token, until their submitter takes them.
class Mailbox {
 public:
  explicit Mailbox(pbdb::Db& db) : db_(db) {}

  // The completion of `token`, polling (outside the lock, so threads poll at once) until it
  // came back; at most about 60 s of empty polls.
  pbdb::Completion Wait(uint64_t token) {
    std::vector<pbdb::Completion> batch;
    for (int empty = 0; empty < 60000;) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        auto found = done_.find(token);
        if (found != done_.end()) {
          pbdb::Completion done = std::move(found->second);
          done_.erase(found);
          return done;
        }
      }
      batch.clear();
      if (db_.poll(batch, 8) == 0) {
        empty++;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto& done : batch) done_.emplace(done.token, std::move(done));
    }
    std::fprintf(stderr, "token %llu never came back\n", static_cast<unsigned long long>(token));
    std::exit(1);
  }

 private:
  pbdb::Db& db_;
  std::mutex mutex_;
  std::unordered_map<uint64_t, pbdb::Completion> done_;
};

class Worker {
 public:
  Worker(pbdb::Db& db, Mailbox& mailbox, uint32_t thread)
      : db_(db), mailbox_(mailbox), thread_(thread) {}

  void Run() {
    for (uint32_t round = 1; round <= kRounds; round++) {
      for (uint32_t index = 0; index < kOwnBots; index++) OwnRound(round, index);
      SharedRound(round);
    }
    // The last round's deletes, one blocking and one deferred.
    for (uint32_t index = 0; index < kOwnBots; index++) {
      if (!EndsDeleted(index)) continue;
      uint32_t id = OwnBot(thread_, index);
      if (index == 3) {
        db_.remove_bot_state(id);
      } else {
        db_.remove_bot_state_deferred(id);
      }
      CHECK(!db_.load_bot_state(id));
    }
  }

 private:
  uint64_t NextToken() { return (uint64_t{thread_} << 32) | ++submitted_; }

  pbdb::Completion Await(uint64_t token) {
    pbdb::Completion done = mailbox_.Wait(token);
    CHECK(done.token == token);
    return done;
  }

  void OwnRound(uint32_t round, uint32_t index) {
    uint32_t id = OwnBot(thread_, index);
    uint32_t health = Health(thread_, round);
    uint32_t way = (round + index) % 3;
    if (round % 5 == 0) {
      // A delete right after a deferred save may find no row in the server (the save was
      // dropped, not flushed), so its answer is not checked; the row must be gone.
      if (way == 0) {
        db_.remove_bot_state(id);
      } else if (way == 1) {
        db_.remove_bot_state_deferred(id);
      } else {
        uint64_t token = NextToken();
        CHECK(db_.remove_bot_state_async(id, token));
        pbdb::Completion done = Await(token);
        CHECK(done.status == PBDB_OK || done.status == PBDB_NOT_FOUND);
      }
      CHECK(!db_.load_bot_state(id));
    }
    pbdb::BotState row = State(id, health);
    if (way == 0) {
      db_.save(row);
    } else if (way == 1) {
      db_.save_deferred(row);
    } else {
      uint64_t token = NextToken();
      CHECK(db_.save_async(row, token));
      CHECK(Await(token).status == PBDB_OK);
    }
    uint32_t read = (round + index + 1) % 3;
    if (read == 0) {
      auto loaded = db_.load_bot_state(id);
      CHECK(loaded && loaded->health == health);
    } else if (read == 1) {
      auto loaded = db_.load_bot_states({id, OwnBot(thread_, (index + 1) % kOwnBots)});
      CHECK(loaded.size() == 2 && loaded[0] && loaded[0]->health == health);
    } else {
      uint64_t token = NextToken();
      CHECK(db_.load_bot_state_async(id, token));
      pbdb::Completion done = Await(token);
      CHECK(done.status == PBDB_OK);
      auto loaded = done.result.bot_state(0);
      CHECK(loaded && loaded->health == health);
    }
    // The event's text is the caller's: the library copies it before save_deferred returns.
    std::string event = "round";
    db_.save_deferred(pbdb::event_ref(id, event, round, 0));
  }

  void SharedRound(uint32_t round) {
    std::vector<uint32_t> ids;
    for (uint32_t id = 1; id <= kSharedBots; id++) {
      pbdb::BotState row = State(id, Health(thread_, round));
      if ((round + thread_ + id) % 2 == 0) {
        db_.save(row);
      } else {
        db_.save_deferred(row);
      }
      ids.push_back(id);
    }
    auto loaded = db_.load_bot_states(ids);
    CHECK(loaded.size() == kSharedBots);
    for (auto& row : loaded) {
      CHECK(row.has_value());
      uint32_t writer = (row->health - 1000000) / 1000;
      uint32_t written_round = (row->health - 1000000) % 1000;
      CHECK(writer < kThreads && written_round >= 1 && written_round <= kRounds);
    }
  }

  pbdb::Db& db_;
  Mailbox& mailbox_;
  uint32_t thread_;
  uint32_t submitted_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s mysql://user:password@host:port/database\n", argv[0]);
    return 2;
  }
  try {
    PbdbOptions options = pbdb::default_options();
    options.write_behind_interval_ms = 20;  // flushes race the threads' own writes
    pbdb::Db db = pbdb::Db::open(argv[1], options);
    db.migrate();
    Mailbox mailbox(db);
    std::vector<std::thread> threads;
    for (uint32_t t = 0; t < kThreads; t++) {
      threads.emplace_back([&db, &mailbox, t] {
        try {
          Worker(db, mailbox, t).Run();
        } catch (const pbdb::Error& err) {
          std::fprintf(stderr, "thread %u: %s\n", t, err.what());
          std::exit(1);
        }
      });
    }
    for (auto& thread : threads) thread.join();
    db.flush(30000);
    PbdbStats stats = db.stats();
    CHECK(stats.write_behind_depth == 0);
    db.close(30000);
  } catch (const pbdb::Error& err) {
    std::fprintf(stderr, "playerbot-db: %s\n", err.what());
    return 1;
  }
  std::printf("threads test: %u checks passed\n", checks.load());
  return 0;
}
