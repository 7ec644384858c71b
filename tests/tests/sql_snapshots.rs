//! The generated SQL is the contract: every statement of every example entity, in both
//! dialects, is a committed snapshot. CI never writes snapshots (INSTA_UPDATE=no).

use playerbot_db::bots::{AiValue, BotEvent, BotState, BotStrategy, Equipment};
use playerbot_db::{BotEntity, Dialect, EntityMeta};
use playerbot_db_tests::adopted;
use playerbot_db_tests::entities::{AllTypes, BotAccount, ItemInstance, KnownSpell};

fn snapshot_all(meta: &EntityMeta) {
    for (dialect, tag) in [(Dialect::MySql, "mysql"), (Dialect::MariaDb, "mariadb")] {
        let sql = meta.statements(dialect);
        let table = meta.table;
        insta::assert_snapshot!(format!("{table}__{tag}__select_by_key"), sql.select_by_key);
        insta::assert_snapshot!(format!("{table}__{tag}__insert"), sql.insert);
        insta::assert_snapshot!(format!("{table}__{tag}__upsert"), sql.upsert);
        insta::assert_snapshot!(format!("{table}__{tag}__delete_by_key"), sql.delete_by_key);
        insta::assert_snapshot!(format!("{table}__{tag}__create_table"), sql.create_table);
        insta::assert_snapshot!(
            format!("{table}__{tag}__row_placeholders"),
            sql.row_placeholders
        );
        insta::assert_snapshot!(
            format!("{table}__{tag}__assignments"),
            sql.assignments.join("\n")
        );
        insta::assert_snapshot!(format!("{table}__{tag}__ignore_tail"), sql.ignore_tail);
        // Lookups by key prefix and indexed column, counts and the keyset scan: one
        // snapshot of all of them, in order.
        let mut reads = vec![format!("count_all: {}", sql.count_all)];
        for lookup in sql.lookups {
            let columns = lookup.columns.join(", ");
            reads.push(format!("by ({columns}) select: {}", lookup.select));
            reads.push(format!("by ({columns}) delete: {}", lookup.delete));
            reads.push(format!("by ({columns}) count: {}", lookup.count));
        }
        reads.push(format!("scan first: {}", sql.scan.first));
        reads.push(format!("scan next: {}", sql.scan.next));
        reads.push(format!("scan first in range: {}", sql.scan.first_in_range));
        reads.push(format!("scan next in range: {}", sql.scan.next_in_range));
        insta::assert_snapshot!(format!("{table}__{tag}__reads"), reads.join("\n"));
        if meta.is_append_only() {
            // No key: a save is an insert, and nothing addresses one row.
            assert_eq!(sql.upsert, sql.insert);
            assert!(sql.select_by_key.is_empty() && sql.delete_by_key.is_empty());
            continue;
        }
        assert_eq!(sql.assignments.len(), meta.columns.len());
        let non_key: Vec<&str> = meta
            .columns
            .iter()
            .zip(sql.assignments)
            .filter(|(c, _)| !c.key)
            .map(|(_, a)| *a)
            .collect();
        if !non_key.is_empty() {
            assert_eq!(
                sql.upsert_tail,
                format!("{}{}", sql.update_prefix, non_key.join(", "))
            );
        }
        // The pieces multi-row statements are built from add up to the single-row statements.
        assert_eq!(
            format!("{}{}", sql.insert_head, sql.row_placeholders),
            sql.insert
        );
        assert_eq!(
            format!(
                "{}{}{}",
                sql.insert_head, sql.row_placeholders, sql.upsert_tail
            ),
            sql.upsert
        );
        assert!(sql.select_by_key.starts_with(sql.select_head));
    }
}

#[test]
fn bot_state_sql() {
    snapshot_all(BotState::META);
}

#[test]
fn bot_event_sql() {
    snapshot_all(BotEvent::META);
}

#[test]
fn ai_value_sql() {
    snapshot_all(AiValue::META);
}

#[test]
fn equipment_sql() {
    snapshot_all(Equipment::META);
}

#[test]
fn strategy_sql() {
    snapshot_all(BotStrategy::META);
}

#[test]
fn all_types_sql() {
    snapshot_all(AllTypes::META);
}

#[test]
fn key_only_sql() {
    snapshot_all(KnownSpell::META);
}

#[test]
fn unique_and_index_sql() {
    snapshot_all(BotAccount::META);
}

/// MySQL 8.0.20+ warns (1287) on every `VALUES(col)`, and MariaDB rejects the row alias.
#[test]
fn each_dialect_uses_only_its_own_upsert_form() {
    for meta in [
        BotState::META,
        BotEvent::META,
        AiValue::META,
        Equipment::META,
        BotStrategy::META,
        AllTypes::META,
    ] {
        let mysql = meta.statements(Dialect::MySql).upsert;
        let mariadb = meta.statements(Dialect::MariaDb).upsert;
        assert!(
            mysql.contains(" AS new ON DUPLICATE KEY UPDATE ") && !mysql.contains("VALUES(`"),
            "{mysql}"
        );
        assert!(
            !mariadb.contains(" AS new ") && mariadb.contains("= VALUES(`"),
            "{mariadb}"
        );
    }
}

#[test]
fn auto_increment_sql() {
    snapshot_all(ItemInstance::META);
}

/// The entities `playerbot-db entity` printed for tables bot modules already have: their own
/// engines, charsets, collations, defaults, ENUMs, reordered and composite keys, and a table
/// without a primary key.
#[test]
fn adopted_tables_sql() {
    for meta in [
        adopted::Account::META,
        adopted::CharacterAura::META,
        adopted::CharacterInventory::META,
        adopted::GuildMember::META,
        adopted::PlayerbotsDbStore::META,
        adopted::PlayerbotsEquipCache::META,
        adopted::PlayerbotsGuildTasks::META,
        adopted::PlayerbotsPreferredMounts::META,
        adopted::PlayerbotsRandomBots::META,
        adopted::Updates::META,
    ] {
        snapshot_all(meta);
    }
}
