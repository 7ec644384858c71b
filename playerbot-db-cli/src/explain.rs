//! `playerbot-db explain`: the server's plan for every generated statement of every built-in
//! entity; exits non-zero when one is not a key or index lookup.

use crate::error::Error;
use crate::target::command_db;

/// Run EXPLAIN for every generated statement of the built-in entities and flag any that is
/// not a key or index lookup (full scans, filesort, temporary tables); exits 1 when one is.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  playerbot-db explain --url mysql://bots:secret@127.0.0.1:3306/characters
  playerbot-db explain --verbose                     also print every statement's text")]
pub(crate) struct Args {
    /// Database URL (mysql://user:pass@host:port/database); default: a private embedded
    /// server with the built-in bot schema.
    #[arg(long, env = "PLAYERBOT_DB_URL")]
    url: Option<String>,
    /// Print every statement's text, not only the flagged ones.
    #[arg(long)]
    verbose: bool,
}

pub(crate) async fn run(args: Args) -> Result<(), Error> {
    let (_target, db) = command_db(args.url, true).await?;
    let plans = db.explain_statements().await?;
    db.close().await;
    let mut flagged = 0;
    for plan in &plans {
        let access: Vec<String> = plan
            .steps
            .iter()
            .map(|step| match &step.key {
                Some(key) => format!("{} via {key}", step.access),
                None => step.access.clone(),
            })
            .collect();
        let verdict = if plan.flags.is_empty() {
            "ok".to_owned()
        } else {
            flagged += 1;
            let flags: Vec<String> = plan.flags.iter().map(ToString::to_string).collect();
            format!("FLAGGED: {}", flags.join(", "))
        };
        println!(
            "{:<12} {:<34} {:<28} {verdict}",
            plan.entity,
            plan.statement,
            access.join(" + ")
        );
        if args.verbose || !plan.flags.is_empty() {
            println!("             {}", plan.sql);
            for step in plan.steps.iter().filter(|s| !s.extra.is_empty()) {
                println!("             {}: {}", step.table, step.extra);
            }
        }
    }
    println!("{} statements explained, {flagged} flagged", plans.len());
    if flagged > 0 {
        return Err(Error::Failed(format!(
            "{flagged} statements are not key or index lookups (see above)"
        )));
    }
    Ok(())
}
