//! Token generation. Paths in the output are absolute and go through
//! `::playerbot_db::__private` so user imports can never change what they mean.

pub(crate) mod bot_enum;
pub(crate) mod entity;
mod meta;
mod row;
