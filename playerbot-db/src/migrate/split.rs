//! Splitting a migration file into statements: a small lexer that knows quotes, comments
//! and line ends, so a `;` inside a string or a comment never ends a statement.

/// Where the lexer is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lexing {
    Code,
    /// Inside a string or quoted identifier opened by this character.
    Quoted(char),
    LineComment,
    BlockComment,
}

/// The statements of `sql`, each trimmed, in order. A `;` outside quotes and comments ends
/// a statement; pieces that hold only comments and blanks are dropped. CRLF and LF line ends
/// are both fine. (Procedure bodies with `;` inside, which need a client's `DELIMITER`, are
/// not supported.)
pub(super) fn split_statements(sql: &str) -> Vec<&str> {
    let mut statements = Vec::new();
    let mut state = Lexing::Code;
    let mut start = 0;
    let mut has_code = false;
    let mut chars = sql.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        match state {
            Lexing::Code => match c {
                '\'' | '"' | '`' => {
                    state = Lexing::Quoted(c);
                    has_code = true;
                }
                '#' => state = Lexing::LineComment,
                '-' if next == Some('-') => {
                    chars.next();
                    state = Lexing::LineComment;
                }
                '/' if next == Some('*') => {
                    chars.next();
                    state = Lexing::BlockComment;
                }
                ';' => {
                    if has_code {
                        statements.push(sql[start..at].trim());
                    }
                    start = at + 1;
                    has_code = false;
                }
                c if !c.is_whitespace() => has_code = true,
                _ => {}
            },
            Lexing::Quoted(quote) => {
                if c == '\\' && quote != '`' {
                    chars.next(); // an escaped character, whatever it is
                } else if c == quote {
                    if next == Some(quote) {
                        chars.next(); // a doubled quote stands for itself
                    } else {
                        state = Lexing::Code;
                    }
                }
            }
            Lexing::LineComment => {
                if c == '\n' {
                    state = Lexing::Code;
                }
            }
            Lexing::BlockComment => {
                if c == '*' && next == Some('/') {
                    chars.next();
                    state = Lexing::Code;
                }
            }
        }
    }
    if has_code {
        statements.push(sql[start..].trim());
    }
    statements
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_semicolons_outside_quotes_and_comments() {
        let sql = "-- header; not a statement\r\nCREATE TABLE a (x INT);\r\n\
                   INSERT INTO a VALUES ('one;\ntwo'), (\"it''s;\"), ('it\\'s;');\r\n\
                   /* a; block */ INSERT INTO `we;ird` VALUES (1); # trailing; comment\n\
                   -- only a comment;\n";
        assert_eq!(
            split_statements(sql),
            vec![
                "-- header; not a statement\r\nCREATE TABLE a (x INT)",
                "INSERT INTO a VALUES ('one;\ntwo'), (\"it''s;\"), ('it\\'s;')",
                "/* a; block */ INSERT INTO `we;ird` VALUES (1)",
            ]
        );
    }

    #[test]
    fn a_last_statement_needs_no_semicolon() {
        assert_eq!(
            split_statements("SELECT 1;\nSELECT 2"),
            vec!["SELECT 1", "SELECT 2"]
        );
        assert!(split_statements("-- nothing\n\n").is_empty());
    }
}
