//! A table as plain data: what every entity statement is built from. The derive fills it
//! from the struct and its attributes.

/// One entity's table.
#[derive(Debug, Clone)]
pub struct Table {
    /// The table name.
    pub name: String,
    /// The stored columns, in struct order.
    pub columns: Vec<Column>,
    /// Positions in `columns` of the primary key, in key order.
    pub key_order: Vec<usize>,
    /// Keys over several columns (`unique(a, b)`, `index(a, b)` on the struct).
    pub indexes: Vec<Index>,
    /// RANGE partitioning, when the entity is partitioned.
    pub partition: Option<Partition>,
    /// `engine`, `charset` and `collation` on the struct; `None` means the project's default
    /// (InnoDB, utf8mb4 with a binary NO PAD collation).
    pub engine: Option<String>,
    /// The table's default character set.
    pub charset: Option<String>,
    /// The table's default collation.
    pub collation: Option<String>,
}

/// A key over several columns.
#[derive(Debug, Clone)]
pub struct Index {
    /// Positions in `Table::columns`, in index order.
    pub columns: Vec<usize>,
    /// A UNIQUE key rather than a plain index.
    pub unique: bool,
}

/// One stored column.
#[derive(Debug, Clone)]
pub struct Column {
    /// The column name.
    pub name: String,
    /// Its SQL type, as written in CREATE TABLE.
    pub sql_type: String,
    /// NULL allowed.
    pub nullable: bool,
    /// Part of the primary key.
    pub key: bool,
    /// A UNIQUE key of its own.
    pub unique: bool,
    /// An index of its own.
    pub index: bool,
    /// The server numbers new rows (`AUTO_INCREMENT`).
    pub auto_increment: bool,
    /// Column-level `charset`/`collation` (text columns only).
    pub charset: Option<String>,
    /// Column-level collation.
    pub collation: Option<String>,
    /// The `DEFAULT` clause's SQL text.
    pub default: Option<String>,
    /// `server_default`: NOT NULL, and a NULL param means "leave it to the server".
    pub unset_when_null: bool,
    /// A `String` column (charsets and collations apply).
    pub text: bool,
}

/// RANGE partitions `p0..p{count-1}` of `width` ids each, then `pmax` up to MAXVALUE.
#[derive(Debug, Clone)]
pub struct Partition {
    /// The partition key column.
    pub column: String,
    /// Ids per partition.
    pub width: u64,
    /// Partitions before `pmax`.
    pub count: u32,
}

impl Table {
    /// The primary-key columns in key order.
    pub fn keys(&self) -> impl Iterator<Item = &Column> {
        self.key_order.iter().map(|&i| &self.columns[i])
    }

    /// Whether any key, of one column or several, is unique besides the primary key.
    pub fn has_unique(&self) -> bool {
        self.columns.iter().any(|c| c.unique) || self.indexes.iter().any(|i| i.unique)
    }

    /// The lookups the derive generates, as column positions: each proper prefix of a
    /// composite key (shortest first), then each `index` or `unique` column, then each
    /// struct-level `index(…)`/`unique(…)`, leaving out repeats and the primary key itself.
    /// The runtime refers to them by position in this list.
    pub fn lookups(&self) -> Vec<Vec<usize>> {
        let keys = self.key_order.clone();
        let mut lookups: Vec<Vec<usize>> = (1..keys.len()).map(|n| keys[..n].to_vec()).collect();
        for (i, column) in self.columns.iter().enumerate() {
            if (column.index || column.unique) && !lookups.contains(&vec![i]) && keys != [i] {
                lookups.push(vec![i]);
            }
        }
        for index in &self.indexes {
            if !lookups.contains(&index.columns) && keys != index.columns {
                lookups.push(index.columns.clone());
            }
        }
        lookups
    }
}
