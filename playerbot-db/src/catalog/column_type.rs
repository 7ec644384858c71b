//! What a column's type and default, as information_schema reports them, tell the code that
//! reads live tables (the live-table facts, the schema check, the entity generator): one
//! reading for all three.

/// The type's name from `DATA_TYPE` or `COLUMN_TYPE`, lower case: `int(10) unsigned` → `int`.
pub(crate) fn type_name(column_type: &str) -> String {
    column_type
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// An integer type (AUTO_INCREMENT's kind).
pub(crate) fn is_integer(column_type: &str) -> bool {
    matches!(
        type_name(column_type).as_str(),
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint"
    )
}

/// A number type, whose defaults are written bare.
pub(crate) fn is_numeric(column_type: &str) -> bool {
    is_integer(column_type)
        || matches!(
            type_name(column_type).as_str(),
            "float" | "double" | "decimal" | "numeric" | "year" | "bit"
        )
}

/// A default the server computes (`current_timestamp()`, or an expression in parentheses),
/// not a literal a program would write itself. `extra` is the column's `EXTRA`.
pub(crate) fn is_expression_default(default: &str, extra: &str) -> bool {
    let lower = default.trim().to_ascii_lowercase();
    lower.starts_with("current_timestamp")
        || lower.starts_with("now(")
        || lower.starts_with('(')
        || extra.to_ascii_lowercase().contains("default_generated")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_servers_type_names() {
        assert_eq!(type_name("int(10) unsigned"), "int");
        assert!(is_integer("BIGINT(20)") && is_integer("tinyint"));
        assert!(!is_integer("decimal(20,0)") && is_numeric("decimal(20,0)"));
        assert!(!is_numeric("varchar(24)") && !is_numeric("enum('a')"));
        assert!(is_expression_default("current_timestamp()", ""));
        assert!(is_expression_default("(rand())", ""));
        assert!(is_expression_default(
            "CURRENT_TIMESTAMP",
            "DEFAULT_GENERATED"
        ));
        assert!(!is_expression_default("'RELEASED'", ""));
    }
}
