//! Connecting, migrating, and beginning units of work.

use crate::error::unavailable;
use crate::repo::SeaUnitOfWork;
use crate::seal::OutboxKey;
use async_trait::async_trait;
use identity_domain::{Access, Store, StoreError, UnitOfWork};
use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigrationStatus;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Connections kept for a SQLite file: several, so that a reader never
/// waits for a writer's connection (WAL lets them run side by side).
const SQLITE_CONNECTIONS: u32 = 8;
/// Connections kept for PostgreSQL.
const POSTGRES_CONNECTIONS: u32 = 16;
/// How long a SQLite writer waits for the write lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Rows SQLite's worker thread may hand over before the reader takes them.
const SQLITE_ROW_BUFFER: usize = 1024;
/// The PostgreSQL advisory lock every write unit of work takes first (an
/// arbitrary constant: "identity" in hex-speak).
const POSTGRES_WRITE_LOCK: i64 = 0x1D_E4_71_7E;

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The URL names neither SQLite nor PostgreSQL.
    #[error("unsupported database URL: it must start with sqlite: or postgres://")]
    UnsupportedUrl,
    /// The folder of the SQLite file could not be created.
    #[error("cannot create the folder {path} for the SQLite database: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The SQLite file cannot be created or written.
    #[error("cannot write the SQLite database file {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The database refused the connection or its set-up.
    #[error("cannot open the database: {0}")]
    Database(String),
}

/// Whether a migration has been applied, for `migrate status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationState {
    /// The migration's name (its file name).
    pub name: String,
    /// Whether it has been applied.
    pub applied: bool,
}

/// The SeaORM store: a connection pool over SQLite or PostgreSQL.
///
/// Each unit of work is one transaction. Write units of work take the
/// database's write lock when they begin, so what they read stays true
/// until they commit: `BEGIN IMMEDIATE` on SQLite, a transaction-scoped
/// advisory lock on PostgreSQL. Read units of work take no lock.
#[derive(Debug, Clone)]
pub struct SeaStore {
    db: DatabaseConnection,
    /// Seals the secrets of outbox emails (see [`crate::OutboxKey`]).
    outbox_key: OutboxKey,
}

impl SeaStore {
    /// Opens a store.
    ///
    /// `url` is `sqlite://path/to/file.db` (relative), `sqlite:///abs/file.db`,
    /// `sqlite::memory:`, or `postgres://user@host:port/database`. For a
    /// SQLite file the folder and file are created when missing, and the
    /// connections use WAL, a busy timeout, `synchronous = NORMAL` and
    /// enforced foreign keys. Migrations are not applied: see
    /// [`SeaStore::migrate`].
    ///
    /// # Errors
    /// [`ConnectError`] says which step failed, naming the path for SQLite.
    pub async fn connect(url: &str) -> Result<Self, ConnectError> {
        let mut options = ConnectOptions::new(url.to_owned());
        // Statements are never logged: their values hold hashes of secrets.
        options.sqlx_logging(false);
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
            let path = path.strip_prefix("//").unwrap_or(path);
            let in_memory = path.is_empty() || path == ":memory:" || query.contains("mode=memory");
            if in_memory {
                // Every connection to `:memory:` is its own database: keep one.
                options.max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None);
            } else {
                prepare_sqlite_file(Path::new(path))?;
                options.max_connections(SQLITE_CONNECTIONS);
            }
            options.map_sqlx_sqlite_opts(|o| {
                o.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .foreign_keys(true)
                    // A REPLACE's delete fires the audit log's DELETE trigger.
                    .pragma("recursive_triggers", "ON")
                    // Rows cross from SQLite's thread in batches this large
                    // rather than 50 at a time: a CSV download of 100,000
                    // users spent most of its time switching threads.
                    .row_buffer_size(SQLITE_ROW_BUFFER)
            });
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            options.max_connections(POSTGRES_CONNECTIONS);
            // Plan every statement for its own values: a cached generic plan
            // of the users list cannot know that one search matches five
            // users and another every user, and walked 100,000 rows for the
            // first (60-110 ms instead of under 10).
            options.map_sqlx_postgres_opts(|o| o.options([("plan_cache_mode", "force_custom_plan")]));
        } else {
            return Err(ConnectError::UnsupportedUrl);
        }
        let db = Database::connect(options).await.map_err(|e| ConnectError::Database(e.to_string()))?;
        Ok(Self { db, outbox_key: OutboxKey::generate() })
    }

    /// The store sealing the outbox's secrets with `key`. Without it, a
    /// store seals them with a key made for this value and its clones only:
    /// emails queued before a restart could then not be sent. A server
    /// always sets its key (from configuration or its key file).
    #[must_use]
    pub fn with_outbox_key(mut self, key: OutboxKey) -> Self {
        self.outbox_key = key;
        self
    }

    /// The key sealing the outbox's secrets.
    pub(crate) fn outbox_key(&self) -> &OutboxKey {
        &self.outbox_key
    }

    /// Applies every pending migration. Applying again changes nothing.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when a migration fails; it is rolled back.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        // Nothing pending: touch nothing, so that a role that may not
        // create tables (the server's own on PostgreSQL) passes.
        if Migrator::get_pending_migrations_read_only(&self.db).await.map_err(unavailable)?.is_empty() {
            return Ok(());
        }
        Migrator::up(&self.db, None).await.map_err(unavailable)
    }

    /// Rolls back the last `steps` applied migrations (all of them with
    /// `None`). Rolling back the first migration drops every table.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when a rollback fails.
    pub async fn rollback(&self, steps: Option<u32>) -> Result<(), StoreError> {
        Migrator::down(&self.db, steps).await.map_err(unavailable)
    }

    /// Every migration, in order, and whether it is applied.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the database cannot be read.
    pub async fn migration_status(&self) -> Result<Vec<MigrationState>, StoreError> {
        let migrations =
            Migrator::get_migration_with_status_read_only(&self.db).await.map_err(unavailable)?;
        Ok(migrations
            .iter()
            .map(|m| MigrationState {
                name: m.name().to_owned(),
                applied: matches!(m.status(), MigrationStatus::Applied),
            })
            .collect())
    }

    /// The connection pool, for operations tooling (and tests) that need
    /// SQL the ports do not offer.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Closes every connection.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when closing fails.
    pub async fn close(self) -> Result<(), StoreError> {
        self.db.close().await.map_err(unavailable)
    }
}

/// Creates the folder and the file of a SQLite database when missing, so
/// that an unwritable place fails here with its path rather than later
/// with "unable to open database file".
fn prepare_sqlite_file(path: &Path) -> Result<(), ConnectError> {
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .map_err(|source| ConnectError::Folder { path: folder.to_owned(), source })?;
    }
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|source| ConnectError::File { path: path.to_owned(), source })?;
    Ok(())
}

impl SeaStore {
    /// Begins a transaction; a write one takes the database's write lock
    /// first (see [`SeaStore`]).
    pub(crate) async fn transaction(&self, access: Access) -> Result<DatabaseTransaction, StoreError> {
        let backend = self.db.get_database_backend();
        let write = access == Access::Write;
        let options = TransactionOptions {
            sqlite_transaction_mode: (backend == DbBackend::Sqlite && write)
                .then_some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        let txn = self.db.begin_with_options(options).await.map_err(unavailable)?;
        if backend == DbBackend::Postgres && write {
            txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({POSTGRES_WRITE_LOCK})"))
                .await
                .map_err(unavailable)?;
        }
        Ok(txn)
    }
}

#[async_trait]
impl Store for SeaStore {
    async fn begin(&self, access: Access) -> Result<Box<dyn UnitOfWork>, StoreError> {
        Ok(Box::new(SeaUnitOfWork::new(self.transaction(access).await?, self.outbox_key.clone())))
    }
}
