//! Which names may be used as SQL table and column identifiers.
//!
//! Every statement the project sends quotes identifiers with backticks, so reserved words
//! (`rank`, `group`, `order`, common in game schemas) are fine; names are kept to letters,
//! digits and `_` so that they need no escaping anywhere.

/// The longest identifier both servers accept.
pub(crate) const MAX_IDENT_LEN: usize = 64;

pub(crate) enum IdentProblem {
    Empty,
    TooLong(usize),
    BadChar(char),
    LeadingDigit,
}

/// Checks a table or column name.
pub(crate) fn check_identifier(name: &str) -> Result<(), IdentProblem> {
    if name.is_empty() {
        return Err(IdentProblem::Empty);
    }
    if name.len() > MAX_IDENT_LEN {
        return Err(IdentProblem::TooLong(name.len()));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Err(IdentProblem::BadChar(bad));
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(IdentProblem::LeadingDigit);
    }
    Ok(())
}

impl IdentProblem {
    pub(crate) fn describe(&self, name: &str) -> String {
        match self {
            IdentProblem::Empty => "an SQL identifier cannot be empty".to_owned(),
            IdentProblem::TooLong(len) => {
                format!("`{name}` is {len} characters; SQL identifiers are at most {MAX_IDENT_LEN}")
            }
            IdentProblem::BadChar(c) => {
                format!("`{name}` is not a valid SQL identifier: `{c}` is not allowed")
            }
            IdentProblem::LeadingDigit => {
                format!("`{name}` is not a valid SQL identifier: it starts with a digit")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_names_and_rejects_the_rest() {
        assert!(check_identifier("bot_state").is_ok());
        assert!(check_identifier("Zone_ID2").is_ok());
        // Reserved words are quoted wherever they are used.
        assert!(check_identifier("order").is_ok());
        assert!(check_identifier("Rank").is_ok());
        assert!(matches!(
            check_identifier("bot-state"),
            Err(IdentProblem::BadChar('-'))
        ));
        assert!(matches!(
            check_identifier("1st"),
            Err(IdentProblem::LeadingDigit)
        ));
        assert!(matches!(check_identifier(""), Err(IdentProblem::Empty)));
        assert!(matches!(
            check_identifier(&"a".repeat(65)),
            Err(IdentProblem::TooLong(65))
        ));
    }
}
