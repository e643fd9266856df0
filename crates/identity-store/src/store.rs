//! Connecting, migrating, and beginning units of work.

use crate::count::StatementCounter;
use crate::error::unavailable;
use crate::repo::SeaUnitOfWork;
use crate::seal::OutboxKey;
use async_trait::async_trait;
use identity_domain::{Access, SessionCheck, Store, StoreError, TokenHash, UnitOfWork};
use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    IsolationLevel, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigrationStatus;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// Connections kept for a SQLite file: several, so that a reader never
/// waits for a writer's connection (WAL lets them run side by side).
const SQLITE_CONNECTIONS: u32 = 8;
/// Connections kept for PostgreSQL.
const POSTGRES_CONNECTIONS: u32 = 16;
/// Rows SQLite's worker thread may hand over before the reader takes them.
const SQLITE_ROW_BUFFER: usize = 1024;
/// The first pause before a PostgreSQL write unit of work that raced
/// another runs again; each further attempt waits up to twice as long, at
/// most [`RETRY_PAUSE_MAX`], a random part of it (full jitter).
const RETRY_PAUSE_FIRST: Duration = Duration::from_millis(4);
/// The longest pause between two attempts of one unit of work.
const RETRY_PAUSE_MAX: Duration = Duration::from_millis(200);
/// The PostgreSQL advisory lock held while a process migrates the database
/// and creates the first practice.
const POSTGRES_START_UP_LOCK: i64 = 0x1D_E4_57_A7;
/// How long a process waits for another one's start-up on SQLite.
const SQLITE_START_UP_WAIT: Duration = Duration::from_secs(120);
/// PostgreSQL's server-side TCP keepalives: probe an idle client after this
/// many seconds, every `INTERVAL` seconds, `COUNT` times.
const POSTGRES_KEEPALIVES: [(&str, &str); 3] =
    [("tcp_keepalives_idle", "30"), ("tcp_keepalives_interval", "10"), ("tcp_keepalives_count", "3")];

/// How long the store waits, at most, for each thing it waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    /// For a pooled connection (also bounds opening one): past it, a unit
    /// of work fails as unavailable.
    pub acquire_timeout: Duration,
    /// PostgreSQL: the longest statement (`statement_timeout`).
    pub statement_timeout: Duration,
    /// PostgreSQL: the longest wait for a row another unit of work is
    /// writing (`lock_timeout`).
    pub lock_timeout: Duration,
    /// PostgreSQL: a session idle inside a transaction this long is ended by
    /// the server (`idle_in_transaction_session_timeout`).
    pub idle_in_transaction_timeout: Duration,
    /// SQLite: the longest wait for the write lock (`busy_timeout`).
    pub busy_timeout: Duration,
    /// SQLite: the most pages the file may hold (`max_page_count`); a
    /// write beyond fails as on a full disk. `None`: no cap.
    pub sqlite_max_pages: Option<u32>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            acquire_timeout: Duration::from_secs(3),
            statement_timeout: Duration::from_secs(10),
            lock_timeout: Duration::from_secs(5),
            idle_in_transaction_timeout: Duration::from_secs(30),
            busy_timeout: Duration::from_secs(5),
            sqlite_max_pages: None,
        }
    }
}

/// What a pool is for: serving, or the one connection of a start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Serve,
    StartUp,
}

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
/// Each unit of work is one transaction. On SQLite a write unit of work
/// takes the file's write lock when it begins (`BEGIN IMMEDIATE`), so what
/// it reads stays true until it commits. On PostgreSQL write units of work
/// run at once, each `SERIALIZABLE`: the database refuses one whose reads
/// another's commit made stale (SQLSTATE 40001) or that deadlocked
/// (40P01), and the store reports it as [`StoreError::Contended`] for the
/// use case to run again. They wait for each other only on the rows both
/// write. Read units of work take no lock.
///
/// A connection is returned to the pool only outside any transaction: one
/// whose commit or rollback failed (a full disk, an I/O error, a dropped
/// network) is closed instead, and the pool opens a fresh one, so a later
/// unit of work never runs nested inside a transaction nobody will commit.
#[derive(Debug, Clone)]
pub struct SeaStore {
    db: DatabaseConnection,
    url: String,
    options: StoreOptions,
    /// Seals the secrets of outbox emails (see [`crate::OutboxKey`]).
    outbox_key: OutboxKey,
    /// Counts statements, when asked to (the bench).
    counter: Option<Arc<StatementCounter>>,
    /// SQLite only: the turn each write transaction of this process takes
    /// before `BEGIN IMMEDIATE` (see [`WriteTurn`]).
    write_gate: Option<Arc<tokio::sync::Mutex<()>>>,
}

/// A write transaction's turn at a SQLite file, held until the
/// transaction ends. SQLite lets one writer in at a time and makes the
/// others wait in its busy handler, which sleeps in growing steps (a
/// writer that arrives just after another begins may sleep 50 ms or more
/// for a transaction of 1 ms). The writers of one process queue here
/// instead, in order, and begin as soon as the one before them ends; the
/// busy handler is left to arbitrate between processes.
pub(crate) struct WriteTurn {
    _held: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl SeaStore {
    /// Opens a store with the default [`StoreOptions`].
    ///
    /// `url` is `sqlite://path/to/file.db` (relative), `sqlite:///abs/file.db`,
    /// `sqlite::memory:`, or `postgres://user@host:port/database`. For a
    /// SQLite file the folder and file are created when missing, and the
    /// connections use WAL, a busy timeout, `synchronous = FULL` and
    /// enforced foreign keys. Migrations are not applied: see
    /// [`SeaStore::migrate`].
    ///
    /// # Errors
    /// [`ConnectError`] says which step failed, naming the path for SQLite.
    pub async fn connect(url: &str) -> Result<Self, ConnectError> {
        Self::connect_with(url, StoreOptions::default()).await
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

    /// Counts every statement this store's units of work send from now on,
    /// and the transaction control around them (for the bench: statements
    /// and round trips per use case). Clones made afterwards count into the
    /// same counter.
    pub fn count_statements(&mut self) -> Arc<StatementCounter> {
        let counter = Arc::new(StatementCounter::default());
        let counting = counter.clone();
        self.db.set_metric_callback(move |info| counting.statement(&info.statement.sql));
        self.counter = Some(counter.clone());
        counter
    }

    /// The key sealing the outbox's secrets.
    pub(crate) fn outbox_key(&self) -> &OutboxKey {
        &self.outbox_key
    }

    /// Opens a store with these time limits (see [`SeaStore::connect`]).
    ///
    /// # Errors
    /// [`ConnectError`] says which step failed, naming the path for SQLite.
    pub async fn connect_with(url: &str, options: StoreOptions) -> Result<Self, ConnectError> {
        let db = open(url, &options, Purpose::Serve).await?;
        let write_gate =
            (db.get_database_backend() == DbBackend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(())));
        Ok(Self {
            db,
            url: url.to_owned(),
            options,
            outbox_key: OutboxKey::generate(),
            counter: None,
            write_gate,
        })
    }

    /// Applies every pending migration, under the start-up lock (see
    /// [`SeaStore::lock_start_up`]). Applying again changes nothing.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when a migration fails; it is rolled back.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        // Nothing pending: touch nothing, so that a role that may not
        // create tables (the server's own on PostgreSQL) passes.
        if Migrator::get_pending_migrations_read_only(&self.db).await.map_err(unavailable)?.is_empty() {
            return Ok(());
        }
        let lock = self.lock_start_up().await?;
        let migrated = lock.migrate().await;
        let released = lock.release().await;
        migrated.and(released)
    }

    /// Takes the start-up lock, so that processes starting together on one
    /// database migrate it and create its first practice one at a time.
    /// On PostgreSQL it is a session-level advisory lock on a connection of
    /// its own, waited for without a time limit and released by
    /// [`StartUpLock::release`] or when the process dies. On SQLite the
    /// migrations run in one `BEGIN IMMEDIATE` transaction (the file's
    /// write lock), waited for up to two minutes.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the database cannot be reached.
    pub async fn lock_start_up(&self) -> Result<StartUpLock, StoreError> {
        if sqlite_in_memory(&self.url) {
            // Its one connection is the whole database: no other process
            // can share it, and another connection would be another one.
            return Ok(StartUpLock { db: self.db.clone(), own: false });
        }
        let db = open(&self.url, &self.options, Purpose::StartUp)
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(&format!("SELECT pg_advisory_lock({POSTGRES_START_UP_LOCK})"))
                .await
                .map_err(unavailable)?;
        }
        Ok(StartUpLock { db, own: true })
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

/// The start-up lock (see [`SeaStore::lock_start_up`]): one connection of
/// its own.
#[derive(Debug)]
pub struct StartUpLock {
    db: DatabaseConnection,
    /// Whether the connection is the lock's own (closed on release).
    own: bool,
}

impl StartUpLock {
    /// Applies every pending migration. On SQLite they run in one
    /// transaction holding the file's write lock, so a second process waits
    /// and then finds nothing to do.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when a migration fails; it is rolled back.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        // Nothing pending: touch nothing, so that a role that may not
        // create tables (the server's own on PostgreSQL) passes.
        if Migrator::get_pending_migrations_read_only(&self.db).await.map_err(unavailable)?.is_empty() {
            return Ok(());
        }
        if self.db.get_database_backend() == DbBackend::Sqlite {
            let options = TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            };
            let txn = self.db.begin_with_options(options).await.map_err(unavailable)?;
            Migrator::up(&txn, None).await.map_err(unavailable)?;
            txn.commit().await.map_err(unavailable)
        } else {
            Migrator::up(&self.db, None).await.map_err(unavailable)
        }
    }

    /// Releases the lock and closes its connection.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the database does not answer; the
    /// lock ends with the connection anyway.
    pub async fn release(self) -> Result<(), StoreError> {
        let unlocked = if self.db.get_database_backend() == DbBackend::Postgres {
            self.db
                .execute_unprepared(&format!("SELECT pg_advisory_unlock({POSTGRES_START_UP_LOCK})"))
                .await
                .map(|_| ())
                .map_err(unavailable)
        } else {
            Ok(())
        };
        let closed = if self.own { self.db.close().await.map_err(unavailable) } else { Ok(()) };
        unlocked.and(closed)
    }
}

/// Opens a pool for `purpose`.
async fn open(
    url: &str,
    limits: &StoreOptions,
    purpose: Purpose,
) -> Result<DatabaseConnection, ConnectError> {
    let mut options = ConnectOptions::new(url.to_owned());
    // Statements are never logged: their values hold hashes of secrets.
    options.sqlx_logging(false);
    options.acquire_timeout(limits.acquire_timeout);
    if purpose == Purpose::StartUp {
        options.max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None);
    }
    if let Some(path) = sqlite_path(url) {
        if sqlite_in_memory(url) {
            // Every connection to `:memory:` is its own database: keep one.
            options.max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None);
        } else {
            prepare_sqlite_file(Path::new(path))?;
            if purpose == Purpose::Serve {
                options.max_connections(SQLITE_CONNECTIONS);
            }
        }
        let busy = if purpose == Purpose::StartUp { SQLITE_START_UP_WAIT } else { limits.busy_timeout };
        let max_pages = limits.sqlite_max_pages;
        options.map_sqlx_sqlite_opts(move |o| {
            let o = o
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // An answered write is on disk: FULL syncs the WAL at every
                // commit (NORMAL may lose the last commits on power loss).
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(busy)
                .foreign_keys(true)
                // A REPLACE's delete fires the audit log's DELETE trigger.
                .pragma("recursive_triggers", "ON")
                // Rows cross from SQLite's thread in batches this large
                // rather than 50 at a time: a CSV download of 100,000
                // users spent most of its time switching threads.
                .row_buffer_size(SQLITE_ROW_BUFFER);
            match max_pages {
                Some(pages) => o.pragma("max_page_count", pages.to_string()),
                None => o,
            }
        });
        let file = (!sqlite_in_memory(url)).then(|| PathBuf::from(path));
        options.map_sqlx_sqlite_pool_opts(move |o| {
            let file = file.clone();
            o.after_release(|conn, _| Box::pin(release_clean(conn))).after_connect(move |_, _| {
                let file = file.clone();
                Box::pin(async move { file.as_deref().map_or(Ok(()), sqlite_file_writable) })
            })
        });
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        if purpose == Purpose::Serve {
            options.max_connections(POSTGRES_CONNECTIONS);
        }
        let millis = |d: Duration| d.as_millis().to_string();
        // The start-up connection migrates (an index on a large table may
        // take long) and waits for other processes' start-up: no limits.
        let (statement, lock) = match purpose {
            Purpose::Serve => (millis(limits.statement_timeout), millis(limits.lock_timeout)),
            Purpose::StartUp => ("0".to_owned(), "0".to_owned()),
        };
        let idle = millis(limits.idle_in_transaction_timeout);
        options.map_sqlx_postgres_opts(move |o| {
            // Plan every statement for its own values: a cached generic plan
            // of the users list cannot know that one search matches five
            // users and another every user, and walked 100,000 rows for the
            // first (60-110 ms instead of under 10).
            let mut settings = vec![
                ("plan_cache_mode", "force_custom_plan".to_owned()),
                ("statement_timeout", statement.clone()),
                ("lock_timeout", lock.clone()),
                ("idle_in_transaction_session_timeout", idle.clone()),
            ];
            settings.extend(POSTGRES_KEEPALIVES.iter().map(|(k, v)| (*k, (*v).to_owned())));
            o.options(settings)
        });
        options.map_sqlx_postgres_pool_opts(|o| o.after_release(|conn, _| Box::pin(release_clean(conn))));
    } else {
        return Err(ConnectError::UnsupportedUrl);
    }
    Database::connect(options).await.map_err(|e| ConnectError::Database(e.to_string()))
}

/// The pause before attempt `attempt + 1` of a unit of work: a part of
/// the attempt's ceiling picked by `random`.
fn retry_pause(attempt: u32, random: u128) -> Duration {
    let doubled = RETRY_PAUSE_FIRST.saturating_mul(1_u32 << attempt.saturating_sub(1).min(16));
    let ceiling = doubled.min(RETRY_PAUSE_MAX).as_micros().max(1);
    Duration::from_micros(u64::try_from(random % ceiling).unwrap_or(0))
}

/// The path of a SQLite URL (`None` for another database).
fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite:")?;
    let path = rest.split_once('?').map_or(rest, |(path, _)| path);
    Some(path.strip_prefix("//").unwrap_or(path))
}

/// Whether `url` names an in-memory SQLite database.
fn sqlite_in_memory(url: &str) -> bool {
    let query = url.split_once('?').map_or("", |(_, query)| query);
    sqlite_path(url)
        .is_some_and(|path| path.is_empty() || path == ":memory:" || query.contains("mode=memory"))
}

/// Whether a connection handed back to the pool may serve again: only when
/// it is outside any transaction. The ping first runs whatever rollback a
/// dropped transaction queued; a connection still inside a transaction
/// after it (its commit or rollback failed) is closed, never reused.
async fn release_clean<C: sea_orm::sqlx::Connection>(conn: &mut C) -> Result<bool, sea_orm::sqlx::Error> {
    conn.ping().await?;
    if conn.is_in_transaction() {
        tracing::warn!("a database connection was left inside a transaction: it is closed, not reused");
        return Ok(false);
    }
    Ok(true)
}

/// Refuses a new connection to a SQLite file the process cannot open for
/// writing. SQLite itself would open it read-only, silently, and that
/// connection would fail every write it serves ("attempt to write a
/// readonly database") for as long as the pool keeps it, long after the
/// file became writable again (an `chattr +i`, a permission or a
/// read-only mount that was put right). Refused, the pool opens a fresh
/// connection at the next unit of work instead. The file is checked just
/// after SQLite opened it; a fault that ends within those microseconds
/// can still leave one read-only connection, until the pool retires it.
fn sqlite_file_writable(path: &Path) -> Result<(), sea_orm::sqlx::Error> {
    OpenOptions::new().read(true).write(true).open(path).map(drop).map_err(|e| {
        sea_orm::sqlx::Error::Io(std::io::Error::new(
            e.kind(),
            format!("the database file {} cannot be written: {e}", path.display()),
        ))
    })
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
    /// Begins a transaction: a write one `BEGIN IMMEDIATE` on SQLite (after
    /// its [`WriteTurn`]), `SERIALIZABLE` on PostgreSQL (see [`SeaStore`]).
    /// Keep the turn until the transaction has ended.
    pub(crate) async fn transaction(
        &self,
        access: Access,
    ) -> Result<(DatabaseTransaction, WriteTurn), StoreError> {
        let backend = self.db.get_database_backend();
        let write = access == Access::Write;
        let turn = if write { self.write_turn().await? } else { WriteTurn { _held: None } };
        let options = TransactionOptions {
            sqlite_transaction_mode: (backend == DbBackend::Sqlite && write)
                .then_some(SqliteTransactionMode::Immediate),
            isolation_level: (backend == DbBackend::Postgres && write)
                .then_some(IsolationLevel::Serializable),
            ..TransactionOptions::default()
        };
        if let Some(counter) = &self.counter {
            // BEGIN, then COMMIT or ROLLBACK; SET TRANSACTION when set.
            counter.control(2 + u64::from(options.isolation_level.is_some()));
        }
        let txn = self.db.begin_with_options(options).await.map_err(unavailable)?;
        Ok((txn, turn))
    }

    /// This process's next turn to write (SQLite; at once elsewhere),
    /// waited for as long as SQLite's busy handler would wait.
    pub(crate) async fn write_turn(&self) -> Result<WriteTurn, StoreError> {
        let Some(gate) = &self.write_gate else { return Ok(WriteTurn { _held: None }) };
        match tokio::time::timeout(self.options.busy_timeout, gate.clone().lock_owned()).await {
            Ok(guard) => Ok(WriteTurn { _held: Some(guard) }),
            Err(_) => Err(StoreError::Unavailable(format!(
                "the database is busy: no write could begin within {} ms",
                self.options.busy_timeout.as_millis()
            ))),
        }
    }
}

#[async_trait]
impl Store for SeaStore {
    async fn begin(&self, access: Access) -> Result<Box<dyn UnitOfWork>, StoreError> {
        let (txn, turn) = self.transaction(access).await?;
        Ok(Box::new(SeaUnitOfWork::new(txn, turn, self.outbox_key.clone(), self.counter.clone())))
    }

    /// One statement on the pool, outside any transaction (a single
    /// statement reads one snapshot): checking a session is one round trip.
    async fn check_session(&self, hash: &TokenHash) -> Result<Option<SessionCheck>, StoreError> {
        crate::repo::check_session(&self.db, hash).await
    }

    /// A random pause of up to 4 ms after the first attempt, doubling with
    /// each attempt up to 200 ms ("full jitter"), so that two units of work
    /// that raced each other do not start again together.
    /// Each pause is logged at debug level under the target
    /// `identity_store::contended` (`xtask bench --servers` counts them).
    async fn back_off(&self, attempt: u32) {
        tracing::debug!(
            target: "identity_store::contended",
            attempt,
            "a unit of work raced another; running it again from the start"
        );
        tokio::time::sleep(retry_pause(attempt, Uuid::now_v7().as_u128())).await;
    }

    /// Begins a write unit of work and writes, leaving the data as it was. On
    /// SQLite it creates a table holding 64 KiB, which needs about 17 pages
    /// more than a change of a few rows does, so a full disk or the page
    /// cap fails it before a use case's write can, drops it and commits;
    /// on PostgreSQL it rewrites a practice's row as it is (the server's
    /// own role may, and a read-only database refuses it) and rolls back.
    async fn check_writable(&self) -> Result<(), StoreError> {
        let (txn, _turn) = self.transaction(Access::Write).await?;
        let (probes, commit): (&[&str], bool) = match self.db.get_database_backend() {
            // A table made, filled and dropped, committed: the data stays
            // as it was, but the commit writes and syncs the schema's
            // pages, so an I/O error that fails only commits fails it too.
            DbBackend::Sqlite => (
                &[
                    "CREATE TABLE readiness_probe (b BLOB)",
                    "INSERT INTO readiness_probe VALUES (zeroblob(65536))",
                    "DROP TABLE readiness_probe",
                ],
                true,
            ),
            // A row rewritten as it is: the server's own role may update
            // practices, and a read-only database refuses the statement.
            _ => (
                &[
                    "UPDATE practices SET slug = slug WHERE id = (SELECT id FROM practices ORDER BY id LIMIT 1)",
                ],
                false,
            ),
        };
        for probe in probes {
            // Dropped on error: rolled back, its connection closed.
            txn.execute_unprepared(probe).await.map_err(unavailable)?;
        }
        if commit { txn.commit().await } else { txn.rollback().await }.map_err(unavailable)
    }
}
