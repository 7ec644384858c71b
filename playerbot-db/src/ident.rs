//! Quoting identifiers that come from outside the derive (names the server reports, names
//! from configuration) before they go into SQL text.

/// `name` as a backtick-quoted identifier, any backtick in it doubled: safe for any name the
/// server can hold (a partition called ``we`ird``, say).
pub(crate) fn quoted(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_backticks() {
        assert_eq!(quoted("p0"), "`p0`");
        assert_eq!(quoted("we`ird"), "`we``ird`");
    }
}
