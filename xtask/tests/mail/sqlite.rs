//! The mail worker on a SQLite file of its own.

mail_suite!(Sqlite);
