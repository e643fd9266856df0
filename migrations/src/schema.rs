//! Column and constraint helpers shared by the migrations.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// A required UUID column.
pub fn uuid<C: IntoIden>(name: C) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().take()
}

/// A UUID primary key.
pub fn uuid_pk<C: IntoIden>(name: C) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().primary_key().take()
}

/// A required text column.
pub fn text<C: IntoIden>(name: C) -> ColumnDef {
    ColumnDef::new(name).text().not_null().take()
}

/// An optional text column.
pub fn text_null<C: IntoIden>(name: C) -> ColumnDef {
    ColumnDef::new(name).text().null().take()
}

/// A required text column that rows are sorted or paged by: byte-wise
/// collation on PostgreSQL, like SQLite's default, like Rust's `str` order.
pub fn sorted_text<C: IntoIden>(backend: DbBackend, name: C) -> ColumnDef {
    let mut column = ColumnDef::new(name).text().not_null().take();
    if backend == DbBackend::Postgres {
        column.extra("COLLATE \"C\"");
    }
    column
}

/// A required point in time (UTC).
pub fn time<C: IntoIden>(name: C) -> ColumnDef {
    ColumnDef::new(name).timestamp_with_time_zone().not_null().take()
}

/// An optional point in time (UTC).
pub fn time_null<C: IntoIden>(name: C) -> ColumnDef {
    ColumnDef::new(name).timestamp_with_time_zone().null().take()
}

/// A required 64-bit integer.
pub fn int<C: IntoIden>(name: C) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().take()
}

/// A required boolean.
pub fn flag<C: IntoIden>(name: C) -> ColumnDef {
    ColumnDef::new(name).boolean().not_null().take()
}

/// A required JSON document.
pub fn json<C: IntoIden>(name: C) -> ColumnDef {
    ColumnDef::new(name).json_binary().not_null().take()
}

/// An optional JSON document.
pub fn json_null<C: IntoIden>(name: C) -> ColumnDef {
    ColumnDef::new(name).json_binary().null().take()
}

/// A foreign key (no cascade: referenced rows are never deleted).
pub fn fk<T1, C1, T2, C2>(name: &str, from: T1, from_col: C1, to: T2, to_col: C2) -> ForeignKeyCreateStatement
where
    T1: IntoIden,
    C1: IntoIden,
    T2: IntoIden,
    C2: IntoIden,
{
    ForeignKey::create()
        .name(name)
        .from(from, from_col)
        .to(to, to_col)
        .on_delete(ForeignKeyAction::Restrict)
        .on_update(ForeignKeyAction::Restrict)
        .take()
}

/// An index over `columns` of `table`.
pub fn index<T, C, I>(name: &str, table: T, columns: I) -> IndexCreateStatement
where
    T: IntoIden,
    C: IntoIndexColumn,
    I: IntoIterator<Item = C>,
{
    let mut index = Index::create().if_not_exists().name(name).table(table).take();
    for column in columns {
        index.col(column);
    }
    index
}

/// A unique index over `columns` of `table`.
pub fn unique<T, C, I>(name: &str, table: T, columns: I) -> IndexCreateStatement
where
    T: IntoIden,
    C: IntoIndexColumn,
    I: IntoIterator<Item = C>,
{
    index(name, table, columns).unique().take()
}

/// Drops a table if it exists.
pub fn drop<T: IntoIden + 'static>(table: T) -> TableDropStatement {
    Table::drop().table(table).if_exists().take()
}

/// Runs raw statements in order (triggers, extensions, index kinds sea-query
/// does not describe).
pub async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    for statement in statements {
        manager.get_connection().execute_unprepared(statement).await?;
    }
    Ok(())
}
