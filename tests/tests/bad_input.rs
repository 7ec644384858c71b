//! Values that cannot be stored get a typed error naming entity, key and column, and nothing
//! is written or truncated.

use playerbot_db::bots::{AiValue, BotState};
use playerbot_db::{Error, ValueProblem};
use playerbot_db_tests::entities::AllTypes;
use playerbot_db_tests::fixtures::{bot_event, bot_state};
use playerbot_db_tests::TestDb;

fn invalid(err: &Error) -> (&'static str, &str, &str, &ValueProblem) {
    match err {
        Error::InvalidValue {
            entity,
            key,
            column,
            problem,
        } => (entity, key, column, problem),
        other => panic!("expected InvalidValue, got {other:?}"),
    }
}

#[tokio::test]
async fn nan_and_infinite_floats_are_refused() {
    let test = TestDb::new("nan_floats").await;
    let db = test.db().await;
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let err = db
            .save(&BotState {
                x: bad,
                ..bot_state(5)
            })
            .await
            .unwrap_err();
        let (entity, key, column, problem) = invalid(&err);
        assert_eq!((entity, key, column), ("BotState", "5", "x"));
        assert_eq!(problem, &ValueProblem::NotFinite);
        assert!(err.is_invalid_value() && !err.is_retryable());
        assert!(err.to_string().contains("BotState.x"), "{err}");
    }
    let value = AiValue {
        bot_id: 1,
        name: "n".into(),
        text: None,
        int: None,
        float: Some(f64::NAN),
        blob: None,
        updated_at: 0,
        dirty: false,
    };
    let err1 = db.save(&value).await.unwrap_err();
    let (_, _, column, _) = invalid(&err1);
    assert_eq!(column, "value_float");
    assert_eq!(
        db.load::<BotState>(&5).await.unwrap(),
        None,
        "nothing was written"
    );
}

#[tokio::test]
async fn strings_over_max_len_are_refused_not_truncated() {
    let test = TestDb::new("too_long_strings").await;
    let db = test.db().await;
    // 64 characters fit however many bytes they take; 65 do not.
    db.save(&bot_event(1, &"é".repeat(64), 1)).await.unwrap();
    let err = db
        .save(&bot_event(1, &"é".repeat(65), 1))
        .await
        .unwrap_err();
    let (entity, _, column, problem) = invalid(&err);
    assert_eq!((entity, column), ("BotEvent", "event"));
    assert_eq!(
        problem,
        &ValueProblem::TooLong {
            max: 64,
            found: 65,
            unit: "characters"
        }
    );

    let mut row = AllTypes::sample(1);
    row.long_text = "x".repeat(65_536); // TEXT holds 65,535 bytes
    let err2 = db.insert(&row).await.unwrap_err();
    let (_, key, column, _) = invalid(&err2);
    assert_eq!((key, column), ("1", "long_text"));
    let mut row = AllTypes::sample(1);
    row.short_bytes = vec![0; 9];
    let err3 = db.insert(&row).await.unwrap_err();
    let (_, _, column, problem) = invalid(&err3);
    assert_eq!(column, "short_bytes");
    assert_eq!(
        problem,
        &ValueProblem::TooLong {
            max: 8,
            found: 9,
            unit: "bytes"
        }
    );
    assert!(!db.exists::<AllTypes>(&1).await.unwrap());
}

#[tokio::test]
async fn values_the_server_rejects_in_strict_mode_name_the_column() {
    let test = TestDb::new("strict_rejections").await;
    let db = test.db().await;
    // `money` is DECIMAL(12,0): i64::MAX does not fit, and strict mode refuses it.
    let mut row = AllTypes::sample(9);
    row.money = i64::MAX;
    let err = db.save(&row).await.unwrap_err();
    let (entity, key, column, problem) = invalid(&err);
    assert_eq!((entity, key, column), ("AllTypes", "9", "money"));
    assert!(
        matches!(problem, ValueProblem::Rejected { code: 1264, .. }),
        "{problem:?}"
    );
    assert!(
        !db.exists::<AllTypes>(&9).await.unwrap(),
        "no clamped row was stored"
    );

    // In a batch, the bad row rolls back the whole transaction.
    let mut batch = db.batch();
    batch.save(&bot_state(1)).save(&row);
    let err4 = batch.commit().await.unwrap_err();
    let (_, key, column, _) = invalid(&err4);
    assert_eq!((key, column), ("9", "money"));
    assert!(!db.exists::<BotState>(&1).await.unwrap());
}

#[tokio::test]
async fn a_bad_row_in_a_batch_is_found_before_anything_is_sent() {
    let test = TestDb::new("batch_validation").await;
    let db = test.db().await;
    let mut batch = db.batch();
    batch.save(&bot_state(1)).save(&BotState {
        z: f32::NAN,
        ..bot_state(2)
    });
    let err5 = batch.commit().await.unwrap_err();
    let (entity, key, column, _) = invalid(&err5);
    assert_eq!((entity, key, column), ("BotState", "2", "z"));
    assert!(!db.exists::<BotState>(&1).await.unwrap());
}

#[tokio::test]
async fn passwords_stay_out_of_debug_display_and_errors() {
    let test = TestDb::new("password_redaction").await;
    let server_url = test.url();
    let (scheme, rest) = server_url.split_once("://").unwrap();
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let url = format!("{scheme}://root:hunter2secret@{host}");
    let err = playerbot_db::Db::builder(&url).build().await.unwrap_err();
    for printed in [err.to_string(), format!("{err:?}")] {
        assert!(!printed.contains("hunter2secret"), "{printed}");
    }
    let config = playerbot_db::DbConfig::new(url);
    assert!(!format!("{config:?}").contains("hunter2secret"));
    assert!(!config.url.to_string().contains("hunter2secret"));
}

/// A table of the older kind: a cp1251 column, which cannot hold an emoji (a character set
/// whose repertoire the library leaves to the server to check).
#[derive(Debug, Clone, PartialEq, playerbot_db::BotEntity)]
#[bot(table = "legacy_note")]
struct LegacyNote {
    #[bot(key)]
    id: u32,
    #[bot(sql_type = "VARCHAR(32)", charset = "cp1251")]
    text: String,
}

/// MariaDB quotes the column with backticks in this refusal (1366); the error still names it.
#[tokio::test]
async fn a_character_the_column_cannot_hold_names_the_column() {
    let test = TestDb::new("utf8mb3_refusal").await;
    let db = test.bare_db(|b| b.register::<LegacyNote>()).await;
    db.create_tables().await.unwrap();
    let err = db
        .save(&LegacyNote {
            id: 1,
            text: "smile \u{1F600}".into(),
        })
        .await
        .unwrap_err();
    let (entity, key, column, problem) = invalid(&err);
    assert_eq!((entity, key, column), ("LegacyNote", "1", "text"), "{err}");
    assert!(
        matches!(problem, ValueProblem::Rejected { code: 1366, .. }),
        "{problem:?}"
    );
    assert_eq!(db.load::<LegacyNote>(&1).await.unwrap(), None);
}

/// A `bool` on a TINYINT that another program wrote a 2 into is refused on load, naming the
/// column, instead of being read as `true`.
#[tokio::test]
async fn a_bool_column_holding_another_number_is_refused_on_load() {
    let test = TestDb::new("bool_not_0_or_1").await;
    let db = test.db().await;
    db.save(&AllTypes::sample(1)).await.unwrap();
    use playerbot_db::mysql_async::prelude::Queryable;
    let mut conn = test.conn().await;
    conn.query_drop("UPDATE all_types SET a_bool = 2, maybe_bool = 3 WHERE id = 1")
        .await
        .unwrap();
    let err = db.load::<AllTypes>(&1).await.unwrap_err();
    match &err {
        Error::Decode(row) => {
            assert_eq!(row.column, Some("a_bool"), "{err}");
            assert!(row.detail.contains("2 is not a bool"), "{err}");
        }
        other => panic!("expected a decode error: {other:?}"),
    }
    conn.query_drop("UPDATE all_types SET a_bool = 1, maybe_bool = NULL WHERE id = 1")
        .await
        .unwrap();
    assert!(db.load::<AllTypes>(&1).await.unwrap().unwrap().a_bool);
}
