-- String keys compare as Rust's `==`: utf8mb4_bin is PAD SPACE on MariaDB ("a" and "a " were
-- one key); utf8mb4_nopad_bin compares every byte. Tables with string columns only.
-- Matches the derive's CREATE TABLE for MariaDB (checked by the schema-check test).
ALTER TABLE `bot_event` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;
ALTER TABLE `ai_value` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;
ALTER TABLE `bot_strategy` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;
ALTER TABLE `bot_state` DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;
ALTER TABLE `bot_equipment` DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;
