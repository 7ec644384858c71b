//! Every statement runs in a `tracing` span whose fields follow OpenTelemetry's database
//! conventions, so a `tracing-opentelemetry` pipeline sees them without mapping: captured
//! here with a subscriber of the test's own for a save, a bulk save and a failed call.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use playerbot_db::bots::BotState;
use playerbot_db::BotEntity;
use playerbot_db_tests::fixtures::bot_state;
use playerbot_db_tests::TestDb;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// The fields of every span made, by span.
#[derive(Default, Clone)]
struct Spans {
    next: Arc<AtomicU64>,
    fields: Arc<Mutex<HashMap<u64, HashMap<String, String>>>>,
}

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl Subscriber for Spans {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("playerbot_db")
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut fields = HashMap::new();
        fields.insert("span.name".to_owned(), span.metadata().name().to_owned());
        span.record(&mut Fields(&mut fields));
        self.fields.lock().unwrap().insert(id, fields);
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        if let Some(fields) = self.fields.lock().unwrap().get_mut(&span.into_u64()) {
            values.record(&mut Fields(fields));
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

impl Spans {
    /// The statement spans whose fields include every `(name, value)` of `wanted`.
    fn matching(&self, wanted: &[(&str, &str)]) -> Vec<HashMap<String, String>> {
        self.fields
            .lock()
            .unwrap()
            .values()
            .filter(|fields| {
                wanted
                    .iter()
                    .all(|(name, value)| fields.get(*name).map(String::as_str) == Some(*value))
            })
            .cloned()
            .collect()
    }
}

#[tokio::test]
async fn statements_are_spans_with_the_database_conventions_fields() {
    let test = TestDb::new("tracing_spans").await;
    let db = test.db().await;
    let spans = Spans::default();
    let _listening = tracing::subscriber::set_default(spans.clone());

    db.save(&bot_state(7)).await.unwrap();
    let saves = spans.matching(&[
        ("playerbot_db.statement", "upsert"),
        ("playerbot_db.entity", "BotState"),
    ]);
    assert_eq!(saves.len(), 1, "{saves:#?}");
    let save = &saves[0];
    let system = save["db.system.name"].as_str();
    assert!(matches!(system, "mariadb" | "mysql"), "{save:#?}");
    let dialect = if system == "mariadb" {
        playerbot_db::Dialect::MariaDb
    } else {
        playerbot_db::Dialect::MySql
    };
    assert_eq!(
        save["db.query.text"],
        BotState::META.statements(dialect).upsert,
        "the prepared text, never the values"
    );
    assert_eq!(save["db.operation.name"], "INSERT");
    assert_eq!(save["db.collection.name"], "bot_state");
    assert_eq!(save["otel.name"], "INSERT bot_state");
    assert_eq!(save["otel.kind"], "client");
    assert!(!save["server.address"].is_empty(), "{save:#?}");
    assert!(save["server.port"].parse::<u16>().unwrap() > 0, "{save:#?}");
    assert_eq!(save["db.response.affected_rows"], "1");
    assert!(!save.contains_key("error.type"), "{save:#?}");

    let rows: Vec<BotState> = (100..200).map(bot_state).collect();
    db.save_all(&rows).await.unwrap();
    // The transaction's own statements are spans too (`START TRANSACTION`, `COMMIT`).
    let bulk = spans.matching(&[
        ("playerbot_db.statement", "bulk save"),
        ("db.operation.name", "INSERT"),
    ]);
    assert!(!bulk.is_empty(), "no bulk save span");
    assert!(
        bulk.iter()
            .all(|span| span["db.collection.name"] == "bot_state"
                && span["db.query.text"].starts_with("INSERT INTO `bot_state`")),
        "{bulk:#?}"
    );
    let began = spans.matching(&[
        ("playerbot_db.statement", "bulk save"),
        ("db.query.text", "START TRANSACTION"),
    ]);
    assert_eq!(began.len(), 1, "{began:#?}");

    // A failed call: a plain insert of a key that exists.
    let err = db.insert(&bot_state(7)).await.unwrap_err();
    assert!(err.is_duplicate_key(), "{err:?}");
    let failed = spans.matching(&[
        ("playerbot_db.statement", "insert"),
        ("error.type", "DuplicateKey"),
    ]);
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0]["db.response.status_code"], "1062");
    assert_eq!(failed[0]["otel.status_code"], "ERROR");
    assert_eq!(failed[0]["playerbot_db.entity"], "BotState");
}
