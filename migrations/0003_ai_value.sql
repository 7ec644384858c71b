-- Values the bot AI remembers between sessions. Matches playerbot_db::bots::AiValue.
CREATE TABLE IF NOT EXISTS `ai_value` (
  `bot_id` INT UNSIGNED NOT NULL,
  `name` VARCHAR(64) NOT NULL,
  `value_text` TEXT NULL,
  `value_int` BIGINT NULL,
  `value_float` DOUBLE NULL,
  `value_blob` VARBINARY(4096) NULL,
  `updated_at` BIGINT NOT NULL,
  PRIMARY KEY (`bot_id`, `name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
