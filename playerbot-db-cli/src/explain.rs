//! `playerbot-db explain`: the server's plan for every generated statement of every built-in
//! entity; exits non-zero when one is not a key or index lookup.

use crate::error::Error;
use crate::target::command_db;

pub(crate) async fn run(url: Option<String>, verbose: bool) -> Result<(), Error> {
    let (_target, db) = command_db(url, true).await?;
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
        if verbose || !plan.flags.is_empty() {
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
