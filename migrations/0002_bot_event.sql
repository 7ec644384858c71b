-- Per-bot named event values with an expiry time, keyed by (bot_id, event), replacing
-- delete-then-insert of event rows. Matches playerbot_db::bots::BotEvent.
CREATE TABLE IF NOT EXISTS `bot_event` (
  `bot_id` INT UNSIGNED NOT NULL,
  `event` VARCHAR(64) NOT NULL,
  `value` BIGINT NOT NULL,
  `expires_at` BIGINT NOT NULL,
  PRIMARY KEY (`bot_id`, `event`),
  KEY `expires_at` (`expires_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
PARTITION BY RANGE (`bot_id`) (
  PARTITION `p0` VALUES LESS THAN (10000),
  PARTITION `p1` VALUES LESS THAN (20000),
  PARTITION `p2` VALUES LESS THAN (30000),
  PARTITION `p3` VALUES LESS THAN (40000),
  PARTITION `p4` VALUES LESS THAN (50000),
  PARTITION `p5` VALUES LESS THAN (60000),
  PARTITION `p6` VALUES LESS THAN (70000),
  PARTITION `p7` VALUES LESS THAN (80000),
  PARTITION `pmax` VALUES LESS THAN MAXVALUE
);
