/* A server killed mid-run, seen from C: deferred saves go on being accepted while it is
 * away, blocking calls fail with a status (never a crash), and after its restart every
 * deferred save lands. Run by tests/c_server_killed.rs (also under ASan/UBSan), which kills
 * and restarts the server at this program's cues:
 *
 *   program prints "ready"    -> test kills the server, writes "killed"
 *   program prints "waiting"  -> test restarts the server, writes "restarted"
 *   program prints "checks passed" and exits 0
 *
 * Left in the server: bots 1..=110 with health 1 (1..=50 saved before the kill, all of
 * 1..=100 saved again while the server was away, 101..=110 after its restart); no bot 500
 * (its blocking save failed). */
/* nanosleep is POSIX, not C11. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "playerbot_db.h"

static int checks = 0;

#define CHECK(cond)                                                                    \
  do {                                                                                 \
    checks++;                                                                          \
    if (!(cond)) {                                                                     \
      fprintf(stderr, "%s:%d: CHECK(%s) failed; last error: %s\n", __FILE__, __LINE__, \
              #cond, pbdb_last_error());                                               \
      exit(1);                                                                         \
    }                                                                                  \
  } while (0)

#define CHECK_STATUS(call, expected)                                                    \
  do {                                                                                  \
    PbdbStatus got_ = (call);                                                           \
    checks++;                                                                           \
    if (got_ != (expected)) {                                                           \
      fprintf(stderr, "%s:%d: %s returned %s, expected %s; last error: %s\n", __FILE__, \
              __LINE__, #call, pbdb_status_name(got_), pbdb_status_name(expected),      \
              pbdb_last_error());                                                       \
      exit(1);                                                                          \
    }                                                                                   \
  } while (0)

/* What a call needing the server may answer while it is away. */
static int server_away(PbdbStatus status) {
  return status == PBDB_UNAVAILABLE || status == PBDB_TIMEOUT;
}

static PbdbBotState state(uint32_t bot_id, uint32_t health) {
  PbdbBotState s;
  memset(&s, 0, sizeof s);
  s.bot_id = bot_id;
  s.map_id = 571;
  s.health = health;
  s.level = 80;
  return s;
}

static void sleep_ms(long ms) {
  struct timespec pause = {0, ms * 1000000L};
  nanosleep(&pause, NULL);
}

/* Tells the test `cue`, then waits for its `answer` line on stdin. */
static void handshake(const char *cue, const char *answer) {
  printf("%s\n", cue);
  fflush(stdout);
  char line[64];
  CHECK(fgets(line, sizeof line, stdin) != NULL);
  line[strcspn(line, "\n")] = '\0';
  CHECK(strcmp(line, answer) == 0);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s mysql://user:password@host:port/database\n", argv[0]);
    return 2;
  }
  const char *url = argv[1];
  PbdbOptions options;
  CHECK_STATUS(pbdb_options_init(&options), PBDB_OK);
  options.write_behind_interval_ms = 50;
  /* Blocking calls while the server is away fail within a few seconds. */
  options.connect_timeout_ms = 500;
  options.checkout_timeout_ms = 1000;
  options.statement_timeout_ms = 2000;
  options.max_retries = 1;
  PbdbDb *db = NULL;
  CHECK_STATUS(pbdb_open(url, strlen(url), &options, &db), PBDB_OK);
  CHECK_STATUS(pbdb_migrate(db, NULL), PBDB_OK);
  for (uint32_t id = 1; id <= 50; id++) {
    PbdbBotState s = state(id, 1000 + id);
    CHECK_STATUS(pbdb_bot_state_save_deferred(db, &s), PBDB_OK);
  }
  CHECK_STATUS(pbdb_flush(db, 30000), PBDB_OK);

  handshake("ready", "killed");
  /* Accepted while the server is away: a newer state of bots 1..=50, and 50 new ones. */
  for (uint32_t id = 1; id <= 100; id++) {
    PbdbBotState s = state(id, 1);
    CHECK_STATUS(pbdb_bot_state_save_deferred(db, &s), PBDB_OK);
  }
  /* A load of a queued row is answered from the queue, without the server. */
  PbdbBotStateKey queued = {7};
  PbdbResult *result = NULL;
  CHECK_STATUS(pbdb_bot_state_load(db, &queued, &result), PBDB_OK);
  PbdbBotState loaded;
  CHECK_STATUS(pbdb_bot_state_get(result, 0, &loaded), PBDB_OK);
  CHECK(loaded.health == 1);
  pbdb_result_free(result);
  /* Calls that need the server fail with a status. */
  PbdbBotState lost = state(500, 1);
  PbdbStatus status = pbdb_bot_state_save(db, &lost);
  printf("save while away: %s (%s)\n", pbdb_status_name(status), pbdb_last_error());
  CHECK(server_away(status));
  PbdbBotStateKey never_saved = {600};
  result = (PbdbResult *)&options; /* must be overwritten with NULL */
  status = pbdb_bot_state_load(db, &never_saved, &result);
  printf("load while away: %s\n", pbdb_status_name(status));
  CHECK(server_away(status) && result == NULL);
  CHECK_STATUS(pbdb_bot_state_load_async(db, &never_saved, 42), PBDB_OK);
  PbdbCompletion done;
  size_t got = 0;
  /* The completion comes back once the call failed: at most 30,000 polls, 2 ms apart. */
  for (int polls = 0; got == 0 && polls < 30000; polls++) {
    CHECK_STATUS(pbdb_poll(db, &done, 1, &got), PBDB_OK);
    if (got == 0) sleep_ms(2);
  }
  CHECK(got == 1 && done.token == 42 && server_away(done.status) && done.result == NULL);
  CHECK(done.message[0] != '\0');
  /* Nothing can land meanwhile: a flush runs out of time and the rows stay queued. */
  CHECK_STATUS(pbdb_flush(db, 300), PBDB_TIMEOUT);
  PbdbStats stats;
  CHECK_STATUS(pbdb_stats(db, &stats), PBDB_OK);
  CHECK(stats.write_behind_depth > 0);

  handshake("waiting", "restarted");
  for (uint32_t id = 101; id <= 110; id++) {
    PbdbBotState s = state(id, 1);
    CHECK_STATUS(pbdb_bot_state_save_deferred(db, &s), PBDB_OK);
  }
  CHECK_STATUS(pbdb_flush(db, 60000), PBDB_OK);
  CHECK_STATUS(pbdb_stats(db, &stats), PBDB_OK);
  CHECK(stats.write_behind_depth == 0);
  CHECK_STATUS(pbdb_close(db, 30000), PBDB_OK);
  CHECK_STATUS(pbdb_free(db), PBDB_OK);
  printf("server killed test: %d checks passed\n", checks);
  return 0;
}
