//! Identifier quoting. Names were validated by `check`, so quoting never needs escaping.

pub(super) fn ident(name: &str) -> String {
    format!("`{name}`")
}

/// `` `a`, `b`, `c` `` for a list of names.
pub(super) fn ident_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.map(ident).collect::<Vec<_>>().join(", ")
}
