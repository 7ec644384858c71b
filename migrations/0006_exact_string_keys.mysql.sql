-- String keys compare as Rust's `==`: utf8mb4_0900_bin is NO PAD and compares every byte
-- (utf8mb4_bin is PAD SPACE: "a" and "a " would be one key). Tables with string columns only.
-- Matches the derive's CREATE TABLE for MySQL 8.0.19+.
ALTER TABLE `bot_event` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin;
ALTER TABLE `ai_value` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin;
ALTER TABLE `bot_strategy` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin;
ALTER TABLE `bot_state` DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin;
ALTER TABLE `bot_equipment` DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin;
