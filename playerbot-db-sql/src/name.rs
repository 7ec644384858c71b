//! Runtime values that become SQL text, validated once on the way in.

use std::fmt;

/// Why a runtime value was refused as SQL text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// A database, table or partition name the server could not hold.
    #[error("{what} name {name:?} is not usable: it must be 1 to 64 characters without NUL")]
    BadName {
        /// What the name was for: "database", "partition", …
        what: &'static str,
        /// The refused name.
        name: String,
    },
    /// A secret for a throwaway server with characters outside `[A-Za-z0-9]`.
    #[error("a generated password must be 16 to 64 ASCII letters and digits")]
    BadSecret,
}

/// A database, table or partition name from configuration or from the server, checked
/// against what MariaDB and MySQL accept: 1–64 characters, no NUL. Quoting then makes any
/// such name safe ([`crate::quote::ident`] doubles backticks).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Name(String);

impl Name {
    /// Checks `name`; `what` says what it names, for the error.
    pub fn new(what: &'static str, name: impl Into<String>) -> Result<Name, NameError> {
        let name = name.into();
        if name.is_empty() || name.chars().count() > 64 || name.contains('\0') {
            return Err(NameError::BadName { what, name });
        }
        Ok(Name(name))
    }

    /// The name as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The quoted identifier.
    pub fn quoted(&self) -> String {
        crate::quote::ident(&self.0)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password that must appear in a statement (an embedded server's accounts): letters and
/// digits only, so it can sit in a string literal without escaping. Its `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Checks `secret`: 16–64 ASCII letters and digits.
    pub fn new(secret: impl Into<String>) -> Result<Secret, NameError> {
        let secret = secret.into();
        let fits =
            (16..=64).contains(&secret.len()) && secret.bytes().all(|b| b.is_ascii_alphanumeric());
        if fits {
            Ok(Secret(secret))
        } else {
            Err(NameError::BadSecret)
        }
    }

    /// The secret itself, for the one place that must hand it on (a URL, a statement).
    pub fn expose(&self) -> &str {
        &self.0
    }

    fn literal(&self) -> String {
        format!("'{}'", self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

pub(crate) fn secret_literal(secret: &Secret) -> String {
    secret.literal()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_quoted() {
        assert_eq!(
            Name::new("database", "we`ird").unwrap().quoted(),
            "`we``ird`"
        );
        assert!(Name::new("database", "").is_err());
        assert!(Name::new("database", "a\0b").is_err());
        assert!(Name::new("partition", "x".repeat(65)).is_err());
        assert!(Name::new("partition", "é".repeat(64)).is_ok());
    }

    #[test]
    fn secrets_are_plain_and_hidden() {
        assert!(Secret::new("abc").is_err());
        assert!(Secret::new("a'b0123456789abcdef").is_err());
        let secret = Secret::new("0123456789abcdefXYZ").unwrap();
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert_eq!(secret_literal(&secret), "'0123456789abcdefXYZ'");
    }
}
