//! [`Context`]: where an error happened (entity, key, statement, chunk), as the errors
//! that concern a statement carry it.

use std::fmt;

/// Where an error happened: which entity, which key, which statement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// The entity's name.
    pub entity: Option<&'static str>,
    /// The key, formatted with `Debug`.
    pub key: Option<String>,
    /// What was being run: `"upsert"`, `"select_by_key"`, `"transaction"`, …
    pub statement: Option<&'static str>,
    /// For bulk saves: the failing chunk (1-based) and how many chunks the call had.
    pub chunk: Option<(usize, usize)>,
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(entity) = self.entity {
            parts.push(format!("entity {entity}"));
        }
        if let Some(key) = &self.key {
            parts.push(format!("key {key}"));
        }
        if let Some(statement) = self.statement {
            parts.push(format!("statement {statement}"));
        }
        if let Some((chunk, chunks)) = self.chunk {
            parts.push(format!("chunk {chunk} of {chunks}"));
        }
        if parts.is_empty() {
            Ok(())
        } else {
            write!(f, " ({})", parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_reads_naturally() {
        let context = Context {
            entity: Some("BotState"),
            key: Some("42".into()),
            statement: Some("upsert"),
            chunk: Some((2, 5)),
        };
        assert_eq!(
            context.to_string(),
            " (entity BotState, key 42, statement upsert, chunk 2 of 5)"
        );
    }
}
