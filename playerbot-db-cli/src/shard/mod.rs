//! `playerbot-db shard`: the shard map every process of a cluster follows — show it, move a
//! bot-id range to another shard while the game runs, or roll back a stopped move.

mod args;

use std::io::Write;
use std::ops::Range;
use std::sync::Arc;

use playerbot_db::cluster::{ClusterPolicy, MoveState, MoveStep, OpenMove, SharedMap};
use playerbot_db::Db;

use crate::error::Error;

pub(crate) use args::Args;
use args::{Action, MoveArgs};

pub(crate) async fn run(args: Args) -> Result<(), Error> {
    let topology = args.action.map().topology()?;
    if topology.shards().len() < 2 {
        return Err(Error::Usage(
            "the shard map has one shard: there is nowhere to move ids to".into(),
        ));
    }
    // The built-in bot entities: their partitioned tables are the ones a move copies.
    let cluster = Db::cluster(topology)
        .policy(ClusterPolicy::default())
        .register_bot_schema()
        .max_connections(4)
        .build()
        .await?;
    let result = act(&cluster, args.action).await;
    cluster.close().await;
    result
}

async fn act(cluster: &Db, action: Action) -> Result<(), Error> {
    match action {
        Action::Show(_) => {}
        Action::Move(MoveArgs { range, to, .. }) => {
            eprintln!(
                "moving bot ids {}..{} to shard {to}",
                range.start, range.end
            );
            // Each step as it happens, so an operator (or a test) sees how far it got.
            let progress = Arc::new(move |step: MoveStep| {
                println!("{}", step_line(&step, to));
                let _ = std::io::stdout().flush();
            });
            let report = cluster.move_range_with(range, to, progress).await?;
            if report.resumed {
                println!("finished a move an earlier run had switched");
            }
            println!("writes to the range were held {:?}", report.held);
        }
        Action::Rollback(MoveArgs { range, to, .. }) => {
            cluster.rollback_move(range.clone(), to).await?;
            println!(
                "rolled back the move of bot ids {}..{} to shard {to}",
                range.start, range.end
            );
        }
    }
    if let Some(map) = cluster.shared_map().await? {
        print!("{}", render(&map));
    }
    print!("{}", render_open(&cluster.open_moves().await?));
    Ok(())
}

/// One line per step of a move.
fn step_line(step: &MoveStep, to: usize) -> String {
    match step {
        MoveStep::FinishedEarlier(open) => format!(
            "finished an earlier move of bot ids {} to shard {}: deleted the rows left on shard {}",
            ids_text(&open.ids),
            open.to,
            open.from
        ),
        MoveStep::UndidEarlier(open) => format!(
            "undid an earlier move of bot ids {} to shard {} stopped before its switch: deleted its copy",
            ids_text(&open.ids),
            open.to
        ),
        MoveStep::Held => "held writes to the range in every process".to_owned(),
        MoveStep::Copied { table, rows } => format!("copied {rows} rows of {table}"),
        MoveStep::Switched => format!("switched the routes to shard {to}"),
        MoveStep::RoutesTakenIn => format!("every process routes to shard {to}"),
        MoveStep::Deleted => "deleted the range from its old shard: done".to_owned(),
        _ => format!("{step:?}"),
    }
}

/// Moves the journal holds as not finished, with the command that settles each.
fn render_open(moves: &[OpenMove]) -> String {
    let mut out = String::new();
    for open in moves {
        let (state, left) = match open.state {
            MoveState::Switched => (
                "switched",
                format!("the rows left on shard {} are to be deleted", open.from),
            ),
            MoveState::Copying => ("copying", "its copy is to be deleted".to_owned()),
            MoveState::Abandoned => (
                "abandoned by its mover",
                "its copy is to be deleted".to_owned(),
            ),
            _ => ("open", String::new()),
        };
        out += &format!(
            "unfinished move of bot ids {} from shard {} to shard {} ({state}, by {}): {left}; \
             finish it with `playerbot-db shard move --range {} --to {}`\n",
            ids_text(&open.ids),
            open.from,
            open.to,
            open.mover,
            ids_text(&open.ids),
            open.to
        );
    }
    out
}

fn render(map: &SharedMap) -> String {
    let mut out = format!("routes (version {}):\n", map.version);
    for (range, shard) in &map.routes {
        out += &format!("  {} -> shard {shard}\n", ids_text(range));
    }
    match &map.held {
        Some((range, epoch)) => {
            out += &format!(
                "held: bot ids {}..{} (hold {epoch}): writes to them wait\n",
                range.start, range.end
            );
        }
        None => out += "held: nothing\n",
    }
    out += &format!("processes following the map: {}\n", map.followers.len());
    for follower in &map.followers {
        out += &format!(
            "  {}: heard from {:.1} s ago, routes version {}, answered hold {}\n",
            follower.name,
            follower.silent_for.as_secs_f64(),
            follower.routes_version,
            follower.held_epoch
        );
    }
    out
}

/// `START..END`, or `START..` for a range that runs to the last id.
pub(crate) fn ids_text(range: &Range<u64>) -> String {
    if range.end == u64::MAX {
        format!("{}..", range.start)
    } else {
        format!("{}..{}", range.start, range.end)
    }
}
