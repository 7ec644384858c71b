//! A typed lookup: rows of `E` whose key prefix or indexed column equals given values. The
//! derive generates one `E::by_…` function per lookup (`Talent::by_bot_id(42)`).

use std::fmt;
use std::marker::PhantomData;

use mysql_async::Value;

/// Which of `E`'s lookups, with the values to look for; made by the generated `E::by_…`
/// functions and run with [`Db::load_by`](crate::Db::load_by),
/// [`Db::delete_by`](crate::Db::delete_by) and [`Db::count_by`](crate::Db::count_by).
pub struct Lookup<E> {
    index: usize,
    params: Vec<Value>,
    entity: PhantomData<fn() -> E>,
}

impl<E> Lookup<E> {
    #[doc(hidden)]
    pub fn __new(index: usize, params: Vec<Value>) -> Lookup<E> {
        Lookup {
            index,
            params,
            entity: PhantomData,
        }
    }

    /// The lookup's position in the entity's `Statements::lookups`.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The values looked for, in the order of the lookup's columns.
    pub fn params(&self) -> &[Value] {
        &self.params
    }
}

impl<E> Clone for Lookup<E> {
    fn clone(&self) -> Lookup<E> {
        Lookup::__new(self.index, self.params.clone())
    }
}

impl<E> fmt::Debug for Lookup<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lookup")
            .field("index", &self.index)
            .field("params", &self.params)
            .finish()
    }
}
