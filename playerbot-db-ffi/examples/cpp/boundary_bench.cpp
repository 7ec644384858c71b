// The C++ side of the boundary benchmark: the calls a world thread makes, timed through the
// C++ wrapper from one thread: every save_deferred, then every load, then every load through
// the completion queue ("phased"), or the three for one bot, then the next ("interleaved"). Run by examples/boundary_bench.rs, which
// times the same calls from Rust against the same server and prints both side by side.
//
// Usage: boundary_bench mysql://user:password@host:port/database CALLS BOTS phased|interleaved
// Bots 1..=BOTS must have rows. Prints one line per call:
//   cpp <call> p50 <ns> p99 <ns>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "playerbot_db.hpp"

namespace {

using Clock = std::chrono::steady_clock;

long long Nanos(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

void Report(const char* call, std::vector<long long>& times) {
  std::sort(times.begin(), times.end());
  auto at = [&](double q) { return times[static_cast<size_t>((times.size() - 1) * q)]; };
  std::printf("cpp %s p50 %lld p99 %lld\n", call, at(0.5), at(0.99));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s URL CALLS BOTS phased|interleaved\n", argv[0]);
    return 2;
  }
  bool interleaved = std::string(argv[4]) == "interleaved";
  size_t calls = std::strtoul(argv[2], nullptr, 10);
  uint32_t bots = static_cast<uint32_t>(std::strtoul(argv[3], nullptr, 10));
  if (calls == 0 || bots == 0) {
    std::fprintf(stderr, "CALLS and BOTS must be positive\n");
    return 2;
  }
  try {
    pbdb::Db db = pbdb::Db::open(argv[1]);
    std::vector<long long> save(calls), load(calls), queued(calls);
    auto bot = [bots](size_t i) { return 1 + static_cast<uint32_t>(i % bots); };
    auto save_one = [&](size_t i) {
      pbdb::BotState row{};
      row.bot_id = bot(i);
      row.level = 80;
      row.health = 1000;
      auto started = Clock::now();
      db.save_deferred(row);
      save[i] = Nanos(Clock::now() - started);
    };
    pbdb::Result scratch = pbdb::Result::reusable();
    auto load_one = [&](size_t i) {
      auto started = Clock::now();
      auto loaded = db.load_bot_state(bot(i), scratch);
      load[i] = Nanos(Clock::now() - started);
      if (!loaded) throw pbdb::Error(PBDB_NOT_FOUND, "a seeded bot is missing");
    };
    std::vector<pbdb::Completion> done;
    done.reserve(1);
    auto queued_one = [&](size_t i) {
      auto started = Clock::now();
      if (!db.load_bot_state_async(bot(i), i)) throw pbdb::Error(PBDB_QUEUE_FULL, "full");
      while (db.poll(done, 1) == 0) {
      }
      queued[i] = Nanos(Clock::now() - started);
      if (done[0].status != PBDB_OK) throw pbdb::Error(done[0].status, done[0].message.c_str());
      done.clear();
    };
    if (interleaved) {
      for (size_t i = 0; i < calls; i++) {
        save_one(i);
        load_one(i);
        queued_one(i);
      }
    } else {
      for (size_t i = 0; i < calls; i++) save_one(i);
      for (size_t i = 0; i < calls; i++) load_one(i);
      for (size_t i = 0; i < calls; i++) queued_one(i);
    }
    Report("save_deferred", save);
    Report("load_cached", load);
    Report("load_queued", queued);
    db.close(30000);
  } catch (const pbdb::Error& err) {
    std::fprintf(stderr, "playerbot-db: %s\n", err.what());
    return 1;
  }
  return 0;
}
