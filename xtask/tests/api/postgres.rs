//! The API suite on a PostgreSQL database of its own, the server built by
//! `xtask::serve::build_at` and connected as the least-privileged role;
//! skipped, and recorded, without `IDENTITY_TEST_POSTGRES_URL`.

api_suite!(Postgres);
