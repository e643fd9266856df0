//! The mail worker on a PostgreSQL database of its own, connected as the
//! least-privileged role; skipped, and recorded, without
//! `IDENTITY_TEST_POSTGRES_URL`.

mail_suite!(Postgres);
