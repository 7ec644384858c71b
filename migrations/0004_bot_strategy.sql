-- Each bot's active strategies per AI engine. Matches playerbot_db::bots::BotStrategy.
CREATE TABLE IF NOT EXISTS `bot_strategy` (
  `bot_id` INT UNSIGNED NOT NULL,
  `engine` TINYINT UNSIGNED NOT NULL,
  `strategies` VARCHAR(1024) NOT NULL,
  PRIMARY KEY (`bot_id`, `engine`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
