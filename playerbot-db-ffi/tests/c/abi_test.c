/* The C ABI from C: every kind of call and every checked error path, against the server
 * whose database URL is argv[1]. Built and run (also under ASan/UBSan) by
 * tests/c_program.rs, which then checks the rows this program left: bot_state holds bots
 * 1..=THREADS*PER_THREAD plus bot 9001, bot_event holds bot 7's two events. */
/* nanosleep is POSIX, not C11. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "playerbot_db.h"

#define THREADS 4
#define PER_THREAD 50

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

#define CHECK_STATUS(call, expected)                                                      \
  do {                                                                                    \
    PbdbStatus got_ = (call);                                                             \
    checks++;                                                                             \
    if (got_ != (expected)) {                                                             \
      fprintf(stderr, "%s:%d: %s returned %s, expected %s; last error: %s\n", __FILE__,   \
              __LINE__, #call, pbdb_status_name(got_), pbdb_status_name(expected),        \
              pbdb_last_error());                                                         \
      exit(1);                                                                            \
    }                                                                                     \
  } while (0)

static PbdbStr str(const char *text) {
  PbdbStr s = {text, strlen(text)};
  return s;
}

static PbdbBotState state(uint32_t bot_id) {
  PbdbBotState s;
  memset(&s, 0, sizeof s);
  s.bot_id = bot_id;
  s.map_id = 571;
  s.zone_id = 4395;
  s.x = 1.5f;
  s.y = -2.0f;
  s.z = 100.0f;
  s.orientation = 3.0f;
  s.health = 1000 + bot_id;
  s.mana = 500;
  s.level = 80;
  s.flags = 7;
  s.updated_at = 1700000000000LL + bot_id;
  return s;
}

static void sleep_ms(long ms) {
  struct timespec pause = {0, ms * 1000000L};
  nanosleep(&pause, NULL);
}

/* Polls until `want` completions came back (at most 10,000 polls); returns how many. */
static size_t poll_until(PbdbDb *db, PbdbCompletion *out, size_t want) {
  size_t have = 0;
  for (int round = 0; round < 10000 && have < want; round++) {
    size_t got = 0;
    CHECK_STATUS(pbdb_poll(db, out + have, want - have, &got), PBDB_OK);
    have += got;
    if (have < want) sleep_ms(2);
  }
  return have;
}

struct worker {
  PbdbDb *db;
  uint32_t first;
};

/* Each thread saves its bots through the write-behind queue and loads them back. */
static void *work(void *arg) {
  struct worker *w = arg;
  for (uint32_t i = 0; i < PER_THREAD; i++) {
    PbdbBotState s = state(w->first + i);
    CHECK_STATUS(pbdb_bot_state_save_deferred(w->db, &s), PBDB_OK);
    PbdbBotStateKey key = {s.bot_id};
    PbdbResult *result = NULL;
    CHECK_STATUS(pbdb_bot_state_load(w->db, &key, &result), PBDB_OK);
    PbdbBotState loaded;
    CHECK_STATUS(pbdb_bot_state_get(result, 0, &loaded), PBDB_OK);
    CHECK(loaded.health == s.health);
    pbdb_result_free(result);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s mysql://user:password@host:port/database\n", argv[0]);
    return 2;
  }
  const char *url = argv[1];
  PbdbOptions options;
  CHECK_STATUS(pbdb_options_init(&options), PBDB_OK);
  options.worker_threads = 2;
  PbdbDb *db = NULL;
  CHECK_STATUS(pbdb_open(url, strlen(url), &options, &db), PBDB_OK);
  CHECK(db != NULL);
  uint32_t applied = 0;
  CHECK_STATUS(pbdb_migrate(db, &applied), PBDB_OK);
  CHECK(applied > 0);
  CHECK_STATUS(pbdb_check_schema(db), PBDB_OK);

  /* Blocking calls. */
  PbdbBotState s = state(9001);
  CHECK_STATUS(pbdb_bot_state_save(db, &s), PBDB_OK);
  PbdbBotStateKey key = {9001};
  PbdbResult *result = NULL;
  CHECK_STATUS(pbdb_bot_state_load(db, &key, &result), PBDB_OK);
  PbdbBotState loaded;
  CHECK_STATUS(pbdb_bot_state_get(result, 0, &loaded), PBDB_OK);
  CHECK(loaded.bot_id == 9001 && loaded.level == 80 && loaded.x == 1.5f);
  pbdb_result_free(result);
  PbdbBotStateKey missing = {424242};
  result = (PbdbResult *)&options; /* must be overwritten with NULL */
  CHECK_STATUS(pbdb_bot_state_load(db, &missing, &result), PBDB_NOT_FOUND);
  CHECK(result == NULL);

  PbdbBotEvent events[2] = {{7, str("cooldown"), 1, 2000000000}, {7, str("last_seen"), 2, 0}};
  CHECK_STATUS(pbdb_bot_event_save_all(db, events, 2), PBDB_OK);
  CHECK_STATUS(pbdb_bot_event_load_by_bot(db, 7, &result), PBDB_OK);
  size_t len = 0;
  CHECK_STATUS(pbdb_result_len(result, &len), PBDB_OK);
  CHECK(len == 2);
  PbdbBotEvent event;
  CHECK_STATUS(pbdb_bot_event_get(result, 1, &event), PBDB_OK);
  CHECK(event.event.len == 9 && memcmp(event.event.ptr, "last_seen", 9) == 0);
  pbdb_result_free(result);

  /* Checked error paths. */
  CHECK_STATUS(pbdb_bot_state_save(NULL, &s), PBDB_INVALID_ARGUMENT);
  CHECK_STATUS(pbdb_bot_state_save(db, NULL), PBDB_INVALID_ARGUMENT);
  CHECK(strstr(pbdb_last_error(), "row is NULL") != NULL);
  PbdbBotEvent bad = {7, {"\xff\xfe", 2}, 0, 0};
  CHECK_STATUS(pbdb_bot_event_save(db, &bad), PBDB_INVALID_ARGUMENT);
  CHECK(strstr(pbdb_last_error(), "UTF-8") != NULL);
  PbdbBotEvent no_text = {7, {NULL, 4}, 0, 0};
  CHECK_STATUS(pbdb_bot_event_save(db, &no_text), PBDB_INVALID_ARGUMENT);
  CHECK_STATUS(pbdb_bot_state_save_all(db, NULL, 5), PBDB_INVALID_ARGUMENT);
  PbdbOptions wrong = options;
  wrong.size = 3;
  PbdbDb *other = NULL;
  CHECK_STATUS(pbdb_open(url, strlen(url), &wrong, &other), PBDB_INVALID_ARGUMENT);
  CHECK(other == NULL);

  /* The completion queue, and its bound. */
  PbdbBotStateKey keys[3] = {{9001}, {424242}, {9001}};
  CHECK_STATUS(pbdb_bot_state_load_async(db, &keys[0], 1), PBDB_OK);
  CHECK_STATUS(pbdb_bot_state_load_async(db, &keys[1], 2), PBDB_OK);
  CHECK_STATUS(pbdb_bot_state_load_many_async(db, keys, 3, 3), PBDB_OK);
  PbdbCompletion done[3];
  CHECK(poll_until(db, done, 3) == 3);
  for (int i = 0; i < 3; i++) {
    if (done[i].token == 1) {
      CHECK(done[i].status == PBDB_OK && done[i].result != NULL && done[i].message[0] == '\0');
    } else if (done[i].token == 2) {
      CHECK(done[i].status == PBDB_NOT_FOUND && done[i].result == NULL);
      CHECK(strstr(done[i].message, "no BotState row") != NULL);
    } else {
      CHECK(done[i].token == 3 && done[i].status == PBDB_OK);
      CHECK_STATUS(pbdb_result_len(done[i].result, &len), PBDB_OK);
      CHECK(len == 3);
      CHECK_STATUS(pbdb_bot_state_get(done[i].result, 1, &loaded), PBDB_NOT_FOUND);
    }
    pbdb_result_free(done[i].result);
  }
  PbdbOptions tiny = options;
  tiny.completion_capacity = 1;
  PbdbDb *small = NULL;
  CHECK_STATUS(pbdb_open(url, strlen(url), &tiny, &small), PBDB_OK);
  CHECK_STATUS(pbdb_bot_state_load_async(small, &keys[0], 10), PBDB_OK);
  CHECK_STATUS(pbdb_bot_state_load_async(small, &keys[0], 11), PBDB_QUEUE_FULL);
  /* Closed with the call in flight or unpolled: its result is freed with the queue. */
  CHECK_STATUS(pbdb_close(small, 10000), PBDB_OK);
  CHECK_STATUS(pbdb_bot_state_load_async(small, &keys[0], 12), PBDB_CLOSED);
  CHECK_STATUS(pbdb_free(small), PBDB_OK);

  /* Many threads on one handle. */
  pthread_t threads[THREADS];
  struct worker workers[THREADS];
  for (int t = 0; t < THREADS; t++) {
    workers[t].db = db;
    workers[t].first = 1 + (uint32_t)t * PER_THREAD;
    CHECK(pthread_create(&threads[t], NULL, work, &workers[t]) == 0);
  }
  for (int t = 0; t < THREADS; t++) CHECK(pthread_join(threads[t], NULL) == 0);
  CHECK_STATUS(pbdb_flush(db, 30000), PBDB_OK);

  PbdbStats stats;
  CHECK_STATUS(pbdb_stats(db, &stats), PBDB_OK);
  CHECK(stats.write_behind_depth == 0 && stats.write_behind_rows_written >= THREADS * PER_THREAD);
  CHECK_STATUS(pbdb_metrics(db, &result), PBDB_OK);
  PbdbStr text;
  CHECK_STATUS(pbdb_result_text(result, &text), PBDB_OK);
  CHECK(text.len > 0 && memchr(text.ptr, '\n', text.len) != NULL);
  pbdb_result_free(result);

  /* Close, then every call is PBDB_CLOSED until the free. */
  CHECK_STATUS(pbdb_close(db, 30000), PBDB_OK);
  CHECK_STATUS(pbdb_bot_state_save_deferred(db, &s), PBDB_CLOSED);
  CHECK_STATUS(pbdb_bot_state_load(db, &key, &result), PBDB_CLOSED);
  CHECK_STATUS(pbdb_close(db, 10), PBDB_CLOSED);
  CHECK_STATUS(pbdb_free(db), PBDB_OK);
  CHECK_STATUS(pbdb_free(NULL), PBDB_OK);

  printf("c abi test: %d checks passed\n", checks);
  return 0;
}
