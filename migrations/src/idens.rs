//! Table and column names, shared by the migrations.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
pub enum Practices {
    Table,
    Id,
    Slug,
    Name,
    SuperAdminCap,
    PasswordMinLength,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum Roles {
    Table,
    Id,
    PracticeId,
    Name,
    Permissions,
    Bypass,
    Builtin,
}

#[derive(DeriveIden)]
pub enum Profiles {
    Table,
    Id,
    PracticeId,
    Name,
    Permissions,
    Builtin,
}

#[derive(DeriveIden)]
pub enum Sites {
    Table,
    Id,
    PracticeId,
    Name,
    Address,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    PracticeId,
    Email,
    EmailNormalized,
    Name,
    NameKey,
    RoleId,
    RoleKey,
    Language,
    TimeZone,
    Phone,
    Title,
    Notes,
    Status,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum UserProfiles {
    Table,
    UserId,
    ProfileId,
}

#[derive(DeriveIden)]
pub enum UserSites {
    Table,
    UserId,
    SiteId,
}

#[derive(DeriveIden)]
pub enum EmailHistory {
    Table,
    Id,
    PracticeId,
    UserId,
    Email,
    NormalizedEmail,
    HeldFrom,
}

#[derive(DeriveIden)]
pub enum Parties {
    Table,
    Id,
    PracticeId,
    SiteId,
    Kind,
    Name,
    NameKey,
    Email,
    Phone,
    Address,
    DateOfBirth,
    Gender,
    GradeOrPosition,
    Language,
    Portal,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum Cases {
    Table,
    Id,
    PracticeId,
    Title,
    Status,
    OwnerId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum Credentials {
    Table,
    UserId,
    PracticeId,
    PasswordHash,
    OneTimeExpiresAt,
    FailedAttempts,
    LastFailureAt,
    Locked,
    ChangedAt,
    LastSignInAt,
}

#[derive(DeriveIden)]
pub enum Links {
    Table,
    Id,
    PracticeId,
    Purpose,
    UserId,
    PartyId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    VoidedAt,
}

#[derive(DeriveIden)]
pub enum Sessions {
    Table,
    Id,
    PracticeId,
    UserId,
    TokenHash,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    PasswordChangeOnly,
    EndedAt,
}

#[derive(DeriveIden)]
pub enum AuditLog {
    Table,
    Id,
    PracticeId,
    At,
    ActorKind,
    ActorUserId,
    Action,
    TargetKind,
    TargetId,
    RequestId,
    Before,
    After,
}

#[derive(DeriveIden)]
pub enum Outbox {
    Table,
    Id,
    PracticeId,
    PracticeName,
    ToEmail,
    RecipientName,
    Language,
    TimeZone,
    Kind,
    Message,
    CreatedAt,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    SentAt,
    LeaseUntil,
}
