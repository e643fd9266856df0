//! The API suite on a SQLite file of its own, the server built by
//! `xtask::serve::build_at`.

api_suite!(Sqlite);
