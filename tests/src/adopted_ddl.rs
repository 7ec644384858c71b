//! Ten tables in the style bot modules and the game's own databases ship — MyISAM, MEMORY and
//! InnoDB; utf8mb3, latin1 and utf8mb4 with `_general_ci`/`_unicode_ci` collations;
//! AUTO_INCREMENT ids; ENUM with a default; TIMESTAMP DEFAULT CURRENT_TIMESTAMP; keys over
//! several columns in another order than the columns; a table with no primary key; columns
//! named `key`, `type` and `rank` — written for these tests, each with a statement that fills
//! it with a few thousand rows. `adopted.rs` is what `playerbot-db entity` prints for them.

/// `(table, CREATE TABLE, seed INSERT)`. Seeds draw from `DIGITS`, 0..=9999.
pub const ADOPTED_TABLES: [(&str, &str, &str); 10] = [
    (
        "updates",
        "CREATE TABLE `updates` (
  `name` varchar(200) NOT NULL COMMENT 'filename with extension of the update.',
  `hash` char(40) DEFAULT '' COMMENT 'sha1 hash of the sql file.',
  `state` enum('RELEASED','CUSTOM','MODULE','ARCHIVED','PENDING') NOT NULL DEFAULT 'RELEASED',
  `timestamp` timestamp NOT NULL DEFAULT current_timestamp(),
  `speed` int(10) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_general_ci",
        "INSERT INTO `updates` (`name`, `hash`, `state`, `timestamp`, `speed`)
SELECT CONCAT('2026_', LPAD(n, 4, '0'), '_world.sql'), SHA1(n), ELT(1 + n % 5, 'RELEASED','CUSTOM','MODULE','ARCHIVED','PENDING'),
       FROM_UNIXTIME(1700000000 + n * 61), n % 977
FROM digits WHERE n < 3000",
    ),
    (
        "playerbots_random_bots",
        "CREATE TABLE `playerbots_random_bots` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `owner` int(11) NOT NULL,
  `bot` int(11) NOT NULL,
  `time` int(11) NOT NULL,
  `validIn` int(11) DEFAULT NULL,
  `event` varchar(45) DEFAULT NULL,
  `value` bigint(20) DEFAULT NULL,
  `data` varchar(255) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `owner` (`owner`),
  KEY `bot` (`bot`),
  KEY `event` (`event`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_general_ci",
        "INSERT INTO `playerbots_random_bots` (`owner`, `bot`, `time`, `validIn`, `event`, `value`, `data`)
SELECT 0, 1000 + n, 1700000000 + n, IF(n % 3 = 0, NULL, n * 7), ELT(1 + n % 4, 'add', 'logout', 'teleport', 'change_strategy'),
       IF(n % 5 = 0, NULL, n * 100000007), IF(n % 2 = 0, NULL, CONCAT('état ', n))
FROM digits WHERE n < 4000",
    ),
    (
        "character_aura",
        "CREATE TABLE `character_aura` (
  `guid` int(10) unsigned NOT NULL DEFAULT 0 COMMENT 'Global Unique Identifier',
  `casterGuid` bigint(20) unsigned NOT NULL DEFAULT 0,
  `itemGuid` bigint(20) unsigned NOT NULL DEFAULT 0,
  `spell` mediumint(8) unsigned NOT NULL DEFAULT 0,
  `effectMask` tinyint(3) unsigned NOT NULL DEFAULT 0,
  `recalculateMask` tinyint(3) unsigned NOT NULL DEFAULT 0,
  `stackCount` tinyint(3) unsigned NOT NULL DEFAULT 1,
  `amount0` int(11) NOT NULL DEFAULT 0,
  `maxDuration` int(11) NOT NULL DEFAULT 0,
  `remainTime` int(11) NOT NULL DEFAULT 0,
  `remainCharges` tinyint(3) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY (`guid`,`casterGuid`,`itemGuid`,`spell`,`effectMask`)
) ENGINE=MyISAM DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci COMMENT='Player System'",
        "INSERT INTO `character_aura` (`guid`, `casterGuid`, `itemGuid`, `spell`, `effectMask`, `stackCount`, `amount0`, `maxDuration`, `remainTime`, `remainCharges`)
SELECT n % 500, 18446744073709551000 + n % 7, 0, 10000 + n, n % 8, 1 + n % 3, n - 1500, 60000, n * 3, n % 4
FROM digits WHERE n < 3000",
    ),
    (
        "account",
        "CREATE TABLE `account` (
  `id` int(10) unsigned NOT NULL AUTO_INCREMENT COMMENT 'Identifier',
  `username` varchar(32) NOT NULL DEFAULT '',
  `salt` binary(32) NOT NULL,
  `verifier` binary(32) NOT NULL,
  `email` varchar(255) NOT NULL DEFAULT '',
  `joindate` timestamp NOT NULL DEFAULT current_timestamp(),
  `last_ip` varchar(15) NOT NULL DEFAULT '127.0.0.1',
  `failed_logins` int(10) unsigned NOT NULL DEFAULT 0,
  `locked` tinyint(3) unsigned NOT NULL DEFAULT 0,
  `expansion` tinyint(3) unsigned NOT NULL DEFAULT 2,
  `locale` tinyint(3) unsigned NOT NULL DEFAULT 0,
  `os` varchar(3) NOT NULL DEFAULT '',
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_username` (`username`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci COMMENT='Account System'",
        "INSERT INTO `account` (`username`, `salt`, `verifier`, `email`, `joindate`, `last_ip`, `locked`, `os`)
SELECT CONCAT('RNDBOT', n), UNHEX(SHA2(n, 256)), UNHEX(SHA2(n + 1, 256)), CONCAT('bot', n, '@example.org'),
       FROM_UNIXTIME(1600000000 + n * 3600), CONCAT('10.0.', n DIV 250, '.', n % 250), n % 2, 'Win'
FROM digits WHERE n < 3000",
    ),
    (
        "playerbots_guild_tasks",
        "CREATE TABLE `playerbots_guild_tasks` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `owner` int(11) NOT NULL,
  `guildid` int(11) NOT NULL,
  `time` int(11) NOT NULL,
  `validIn` int(11) DEFAULT NULL,
  `type` varchar(45) DEFAULT NULL,
  `value` int(11) DEFAULT NULL,
  `data` varchar(255) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `owner` (`owner`),
  KEY `guildid` (`guildid`),
  KEY `type` (`type`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_general_ci",
        "INSERT INTO `playerbots_guild_tasks` (`owner`, `guildid`, `time`, `validIn`, `type`, `value`, `data`)
SELECT n % 40, n % 12, 1700000000 + n, NULL, ELT(1 + n % 2, 'killtask', 'itemtask'), n, NULL
FROM digits WHERE n < 2500",
    ),
    (
        "playerbots_db_store",
        "CREATE TABLE `playerbots_db_store` (
  `guid` bigint(20) NOT NULL,
  `key` varchar(32) NOT NULL,
  `value` varchar(255) DEFAULT NULL,
  KEY `guid` (`guid`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_general_ci",
        "INSERT INTO `playerbots_db_store` (`guid`, `key`, `value`)
SELECT n % 300, ELT(1 + n % 3, 'co', 'nc', 'dead'), CONCAT('+grind,+loot,-pvp ', n)
FROM digits WHERE n < 3000",
    ),
    (
        "character_inventory",
        "CREATE TABLE `character_inventory` (
  `guid` int(10) unsigned NOT NULL DEFAULT 0 COMMENT 'Global Unique Identifier',
  `bag` int(10) unsigned NOT NULL DEFAULT 0,
  `slot` tinyint(3) unsigned NOT NULL DEFAULT 0,
  `item` int(10) unsigned NOT NULL DEFAULT 0 COMMENT 'Item Global Unique Identifier',
  PRIMARY KEY (`item`),
  UNIQUE KEY `guid` (`guid`,`bag`,`slot`),
  KEY `idx_guid` (`guid`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Player System'",
        "INSERT INTO `character_inventory` (`guid`, `bag`, `slot`, `item`)
SELECT n DIV 20, 0, n % 20, 50000 + n
FROM digits WHERE n < 4000",
    ),
    (
        "playerbots_equip_cache",
        "CREATE TABLE `playerbots_equip_cache` (
  `guid` int(10) unsigned NOT NULL,
  `enabled` tinyint(1) NOT NULL DEFAULT 1,
  `score` float NOT NULL DEFAULT 0,
  `ratio` double DEFAULT NULL,
  `gold` decimal(20,0) NOT NULL DEFAULT 0,
  `price` decimal(10,2) NOT NULL DEFAULT 0.00,
  `spec` smallint(6) NOT NULL DEFAULT -1,
  PRIMARY KEY (`guid`)
) ENGINE=MEMORY DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci",
        "INSERT INTO `playerbots_equip_cache` (`guid`, `enabled`, `score`, `ratio`, `gold`, `price`, `spec`)
SELECT n, n % 2, n / 4, IF(n % 7 = 0, NULL, n / 3), n * 1000003, n / 100, n % 3 - 1
FROM digits WHERE n < 3000",
    ),
    (
        "guild_member",
        "CREATE TABLE `guild_member` (
  `guildid` int(10) unsigned NOT NULL COMMENT 'Guild Identificator',
  `guid` int(10) unsigned NOT NULL,
  `rank` tinyint(3) unsigned NOT NULL,
  `pnote` varchar(31) NOT NULL DEFAULT '',
  `offnote` varchar(31) NOT NULL DEFAULT '',
  PRIMARY KEY (`guid`,`guildid`),
  KEY `guildid_rank_key` (`guildid`,`rank`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci COMMENT='Guild System'",
        "INSERT INTO `guild_member` (`guildid`, `guid`, `rank`, `pnote`, `offnote`)
SELECT n % 30, n, n % 5, IF(n % 4 = 0, '', CONCAT('Ñote ', n)), ''
FROM digits WHERE n < 3000",
    ),
    (
        "playerbots_preferred_mounts",
        "CREATE TABLE `playerbots_preferred_mounts` (
  `guid` int(10) unsigned NOT NULL,
  `type` tinyint(3) unsigned NOT NULL COMMENT '0 = Ground, 1 = Flying',
  `spellid` int(10) unsigned NOT NULL,
  `added` datetime DEFAULT NULL,
  `since` date NOT NULL DEFAULT '2020-01-01',
  PRIMARY KEY (`guid`,`type`,`spellid`)
) ENGINE=MyISAM DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_general_ci",
        "INSERT INTO `playerbots_preferred_mounts` (`guid`, `type`, `spellid`, `added`, `since`)
SELECT n DIV 4, n % 2, 30000 + n, IF(n % 3 = 0, NULL, FROM_UNIXTIME(1650000000 + n * 86400)), DATE(FROM_UNIXTIME(1500000000 + n * 86400))
FROM digits WHERE n < 3000",
    ),
];

/// A helper view of 0..=9999 the seeds draw from (a view, so no server extension is needed).
pub const DIGITS: &str = "CREATE VIEW digits AS
SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d AS n
FROM (SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
      UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) a
CROSS JOIN (SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
      UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) b
CROSS JOIN (SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
      UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) c
CROSS JOIN (SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
      UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) e";
