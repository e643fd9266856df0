//! The console's pages on a PostgreSQL database of their own, the server
//! built by `xtask::serve::build_at` and connected as the least-privileged
//! role; skipped, and recorded, without `IDENTITY_TEST_POSTGRES_URL`.

console_suite!(Postgres);
