//! The server's own PostgreSQL role: granting it its rights (run by the
//! database's owner, after the migrations).

use crate::store::SeaStore;
use migrations::InvalidRoleName;
use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait};

/// Why the rights could not be granted.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    /// SQLite has no roles: whoever can open the file can do anything.
    #[error("the database is SQLite, which has no roles to grant rights to")]
    NotPostgres,
    /// The role's name is not a plain lower-case identifier.
    #[error(transparent)]
    RoleName(#[from] InvalidRoleName),
    /// The database refused (the role does not exist, the tables are not
    /// migrated yet, the connection is not the owner's…); nothing was
    /// granted.
    #[error("the database refused the grant: {0}")]
    Database(String),
}

impl SeaStore {
    /// Gives `role` exactly the rights of [`migrations::TABLE_RIGHTS`] on
    /// every table, and default rights on tables this connection's role
    /// creates later, in one transaction. Connect as the owner that runs
    /// the migrations; running it again changes nothing.
    ///
    /// # Errors
    /// [`GrantError`]: not PostgreSQL, a bad role name, or the database's
    /// refusal (then nothing is granted).
    pub async fn grant_app_role(&self, role: &str) -> Result<(), GrantError> {
        let db = self.connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Err(GrantError::NotPostgres);
        }
        let statements = migrations::grant_statements(role)?;
        let refused = |e: sea_orm::DbErr| GrantError::Database(e.to_string());
        let txn = db.begin().await.map_err(refused)?;
        for statement in &statements {
            txn.execute_unprepared(statement).await.map_err(refused)?;
        }
        txn.commit().await.map_err(refused)
    }
}
