//! Quoting: the one function that turns a name into SQL identifier text.

/// `name` as a backtick-quoted identifier, any backtick in it doubled: safe for any name the
/// server can hold (a partition called ``we`ird``, say).
pub fn ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// `` `a`, `b`, `c` `` for a list of names.
pub fn ident_list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names.into_iter().map(ident).collect::<Vec<_>>().join(", ")
}

/// `` `t`.`c` ``: a column of a table.
pub fn qualified(table: &str, column: &str) -> String {
    format!("{}.{}", ident(table), ident(column))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_backticks() {
        assert_eq!(ident("p0"), "`p0`");
        assert_eq!(ident("we`ird"), "`we``ird`");
        assert_eq!(ident_list(["a", "b`"]), "`a`, `b```");
        assert_eq!(qualified("t", "c"), "`t`.`c`");
    }
}
