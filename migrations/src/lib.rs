//! The database schema, one migration per file. Filled in by the persistence work.
