//! The console's pages on a SQLite file of their own, the server built by
//! `xtask::serve::build_at`.

console_suite!(Sqlite);
