//! Every unique index of the schema is in `migrations::UNIQUE_INDEXES`, and
//! each one, broken, becomes the error of what it guards, on both backends.

use crate::backend_tests;
use crate::support::{Backend, Ctx, add_user, email, id, label, now, practice, seed, user};
use chrono::Duration;
use identity_domain::*;
use migrations::{Guards, UNIQUE_INDEXES, UniqueIndex};
use sea_orm::{ConnectionTrait, Statement};
use std::collections::BTreeSet;

backend_tests!(
    the_list_of_unique_indexes_is_the_schemas,
    every_unique_index_broken_becomes_the_error_of_what_it_guards,
    a_taken_email_is_a_conflict_whichever_index_sees_it_first,
);

async fn strings(ctx: &Ctx, sql: &str) -> Vec<Vec<String>> {
    let db = ctx.owner.connection();
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
    rows.iter().map(|r| (0..).map_while(|i| r.try_get_by_index::<String>(i).ok()).collect()).collect()
}

async fn the_list_of_unique_indexes_is_the_schemas(ctx: Ctx) {
    // (name, table, columns) on PostgreSQL; SQLite names primary keys
    // sqlite_autoindex_…, so there (table, columns).
    let sql = match ctx.backend {
        Backend::Postgres => {
            "SELECT i.relname::text, t.relname::text, \
               (SELECT string_agg(a.attname::text, ',' ORDER BY k.n) \
                FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) \
                JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) \
             FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = 'public' AND x.indisunique AND t.relname <> 'seaql_migrations'"
        }
        Backend::Sqlite => {
            "SELECT il.name, m.name, \
               (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno)) \
             FROM sqlite_master m, pragma_index_list(m.name) il \
             WHERE m.type = 'table' AND il.\"unique\" = 1 AND m.name <> 'seaql_migrations'"
        }
    };
    let found: BTreeSet<(String, String, String)> = strings(&ctx, sql)
        .await
        .into_iter()
        .map(|row| {
            let name = if ctx.backend == Backend::Sqlite && row[0].starts_with("sqlite_autoindex_") {
                String::new()
            } else {
                row[0].clone()
            };
            (name, row[1].clone(), row[2].clone())
        })
        .collect();
    let listed: BTreeSet<(String, String, String)> = UNIQUE_INDEXES
        .iter()
        .map(|i| {
            let name = if ctx.backend == Backend::Sqlite && i.name.ends_with("_pkey") { "" } else { i.name };
            (name.to_owned(), i.table.to_owned(), i.columns.join(","))
        })
        .collect();
    assert_eq!(found, listed, "migrations::UNIQUE_INDEXES is every unique index of the schema");
}

/// One record in every table, written through the repositories.
async fn fill_every_table(ctx: &Ctx) {
    let seed = seed(&ctx.store).await;
    let p = seed.practice.id;
    let mut u = user(p, seed.role.id, "every@example.com", "Every Table");
    u.profiles.insert(seed.profile.id);
    u.sites.insert(seed.site.id);
    add_user(&ctx.store, &u).await;
    let at = now();
    let party = Party {
        id: id(),
        practice: p,
        site: seed.site.id,
        details: PartyDetails {
            kind: PartyKind::Student,
            name: PersonName::parse("Zoë Ó Briain").unwrap(),
            email: None,
            phone: None,
            address: None,
            date_of_birth: None,
            gender: None,
            grade_or_position: None,
            language: None,
        },
        portal: PortalStatus::NotInvited,
        created_at: at,
        updated_at: at,
    };
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    uow.credentials().save(&Credential::empty(p, u.id)).await.unwrap();
    uow.parties().insert(&party).await.unwrap();
    let case = id();
    uow.cases()
        .insert(&Case {
            id: case,
            practice: p,
            title: label("Study permit"),
            status: CaseStatus::Open,
            owner: u.id,
            created_at: at,
            updated_at: at,
        })
        .await
        .unwrap();
    uow.links()
        .insert(&Link {
            id: id(),
            practice: p,
            purpose: LinkPurpose::Invitation,
            subject: LinkSubject::User(u.id),
            token_hash: Token::presented("link").hash(),
            created_at: at,
            expires_at: at + Duration::days(7),
            used_at: None,
            voided_at: None,
        })
        .await
        .unwrap();
    let session = id();
    uow.sessions()
        .insert(&Session {
            id: session,
            practice: p,
            user: u.id,
            token_hash: Token::presented("session").hash(),
            created_at: at,
            last_seen_at: at,
            expires_at: at + Duration::hours(12),
            scope: identity_domain::SessionScope::Full,
            password_at: at,
            ended_at: None,
        })
        .await
        .unwrap();
    uow.factors()
        .insert(&identity_domain::Factor {
            id: id(),
            practice: p,
            holder: u.id.into(),
            // A passkey: its credential id is the table's other unique
            // index, and a TOTP row would hold none to break it with.
            name: identity_domain::FactorName::parse("Key").unwrap(),
            kind: identity_domain::FactorKind::Passkey(identity_domain::PasskeyFactor {
                credential_id: identity_domain::CredentialId::new(vec![9; 32]).unwrap(),
                credential: identity_domain::StoredPasskey::new("{}".to_owned()),
            }),
            confirmed: true,
            created_at: at,
            last_used_at: None,
        })
        .await
        .unwrap();
    let ceremony = identity_domain::Ceremony {
        purpose: identity_domain::CeremonyPurpose::SignIn,
        state: identity_domain::CeremonyState::new("{}".to_owned()),
        expires_at: at,
    };
    uow.sessions().set_ceremony(p, session, &ceremony).await.unwrap();
    let code = identity_domain::RecoveryCodeHash::of(u.id, "aaaaa-bbbbb");
    uow.factors().replace_recovery_codes(p, u.id.into(), &[code], at).await.unwrap();
    let portal_email = email("party@example.com");
    uow.portal().reserve_email(p, &portal_email, party.id, at).await.unwrap();
    uow.portal().insert_account(&PortalAccount::invited(p, party.id, portal_email, at)).await.unwrap();
    uow.portal()
        .insert_session(&PortalSession {
            id: id(),
            practice: p,
            party: party.id,
            token_hash: Token::presented("portal session").hash(),
            created_at: at,
            last_seen_at: at,
            expires_at: at + Duration::hours(12),
            scope: identity_domain::SessionScope::Full,
            password_at: at,
            ended_at: None,
        })
        .await
        .unwrap();
    uow.factors()
        .insert(&identity_domain::Factor {
            id: id(),
            practice: p,
            holder: party.id.into(),
            name: identity_domain::FactorName::parse("Key").unwrap(),
            kind: identity_domain::FactorKind::Passkey(identity_domain::PasskeyFactor {
                credential_id: identity_domain::CredentialId::new(vec![8; 32]).unwrap(),
                credential: identity_domain::StoredPasskey::new("{}".to_owned()),
            }),
            confirmed: true,
            created_at: at,
            last_used_at: None,
        })
        .await
        .unwrap();
    let code = identity_domain::RecoveryCodeHash::of(party.id, "aaaaa-bbbbb");
    uow.factors().replace_recovery_codes(p, party.id.into(), &[code], at).await.unwrap();
    uow.case_parties()
        .add(&CaseParty { practice: p, case, party: party.id, part: CasePart::Student, added_at: at })
        .await
        .unwrap();
    uow.audit()
        .append(&AuditEntry {
            id: id(),
            practice: p,
            at,
            actor: Actor::System,
            action: AuditAction::UserCreated,
            target: Some(Target::User(u.id)),
            request_id: None,
            before: None,
            after: None,
        })
        .await
        .unwrap();
    uow.outbox()
        .enqueue(&OutboxEmail {
            id: id(),
            practice: p,
            practice_name: "Maple".into(),
            to: email("every@example.com"),
            recipient_name: "Every Table".into(),
            language: Language::parse("en").unwrap(),
            time_zone: TimeZone::parse("UTC").unwrap(),
            message: Message::Invitation {
                practice_slug: "maple-law".into(),
                inviter_name: "Ada".into(),
                token: MailSecret::new("t"),
                expires_at: at,
            },
            created_at: at,
            status: DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: at,
            last_error: None,
            sent_at: None,
        })
        .await
        .unwrap();
    uow.commit().await.unwrap();
    let client = AddressKey::of(std::net::IpAddr::from([203, 0, 113, 9]));
    ctx.store.hit(&client, identity_domain::budget::window_start(at)).await.unwrap();
}

/// A fresh value for `column`, in SQL.
fn fresh(backend: Backend, column: &str) -> &'static str {
    let binary = column == "token_hash" || column == "credential_id";
    let uuid = !binary && (column == "id" || column.ends_with("_id"));
    match (backend, uuid, binary) {
        (Backend::Postgres, true, _) => "gen_random_uuid()",
        (Backend::Postgres, false, true) => "decode(md5(random()::text), 'hex')",
        (Backend::Postgres, false, false) => "md5(random()::text)",
        (Backend::Sqlite, true, _) => "randomblob(16)",
        (Backend::Sqlite, false, true) => "randomblob(32)",
        (Backend::Sqlite, false, false) => "hex(randomblob(8))",
    }
}

/// An insert that copies a row of `index`'s table, keeping the columns of
/// `index` and giving a fresh value to one column of each other unique
/// index of the table (one that is not a reference, when it can): it
/// breaks `index` and nothing else.
async fn breaking(ctx: &Ctx, index: &UniqueIndex) -> String {
    let sql = match ctx.backend {
        Backend::Postgres => format!(
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = '{}' ORDER BY ordinal_position",
            index.table
        ),
        Backend::Sqlite => format!("SELECT name FROM pragma_table_info('{}') ORDER BY cid", index.table),
    };
    let columns: Vec<String> = strings(ctx, &sql).await.into_iter().map(|row| row[0].clone()).collect();
    let mut renewed = BTreeSet::new();
    for other in UNIQUE_INDEXES.iter().filter(|o| o.table == index.table && o.name != index.name) {
        let free: Vec<&str> = other.columns.iter().copied().filter(|c| !index.columns.contains(c)).collect();
        let pick = free.iter().find(|c| !c.ends_with("_id")).or(free.first()).expect("indexes differ");
        renewed.insert(*pick);
    }
    let values: Vec<String> =
        columns
            .iter()
            .map(|c| {
                if renewed.contains(c.as_str()) {
                    fresh(ctx.backend, c).to_owned()
                } else {
                    format!("\"{c}\"")
                }
            })
            .collect();
    let list = columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
    format!(
        "INSERT INTO \"{}\" ({list}) SELECT {} FROM \"{}\" LIMIT 1",
        index.table,
        values.join(", "),
        index.table
    )
}

async fn every_unique_index_broken_becomes_the_error_of_what_it_guards(ctx: Ctx) {
    fill_every_table(&ctx).await;
    for index in UNIQUE_INDEXES {
        let sql = breaking(&ctx, index).await;
        let err = ctx.store.connection().execute_unprepared(&sql).await.expect_err(&sql);
        let error = identity_store::store_error(err);
        match (index.guards, &error) {
            (Guards::PracticeSlug | Guards::NameInPractice, StoreError::Conflict(Conflict::NameTaken))
            | (Guards::EmailInPractice, StoreError::Conflict(Conflict::EmailTaken))
            | (Guards::OnePerParty, StoreError::Conflict(Conflict::Stale))
            | (Guards::PasskeyCredential, StoreError::Conflict(Conflict::CredentialTaken)) => {}
            // SQLite's trigger refuses a reused audit id before the index sees it.
            (Guards::RecordId, StoreError::Internal(message))
                if index.table == "audit_log" && ctx.backend == Backend::Sqlite =>
            {
                assert!(message.contains("append-only"), "{message}");
            }
            (Guards::TokenHash | Guards::RecordId, StoreError::Internal(message)) => {
                assert!(message.contains(index.name), "{} became {message}", index.name);
            }
            _ => panic!("{} ({:?}) became {error:?}\n{sql}", index.name, index.guards),
        }
    }
}

/// Issue 13: `ux_users_practice_email` names no column in its name; a user
/// written without its reservation still comes back as a taken email.
async fn a_taken_email_is_a_conflict_whichever_index_sees_it_first(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let p = seed.practice.id;
    let first = user(p, seed.role.id, "taken@example.com", "First Holder");
    add_user(&ctx.store, &first).await;

    let second = user(p, seed.role.id, "TAKEN@example.com", "Second Holder");
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    assert_eq!(
        uow.users().insert(&second).await,
        Err(Conflict::EmailTaken.into()),
        "ux_users_practice_email"
    );
    assert_eq!(
        uow.users().reserve_email(p, &second.email, second.id, now()).await,
        Err(Conflict::EmailTaken.into()),
        "ux_email_history_practice_normalized_email"
    );
    drop(uow);

    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    let mut clash = practice();
    clash.slug = seed.practice.slug.clone();
    assert_eq!(uow.practices().insert(&clash).await, Err(Conflict::NameTaken.into()), "ux_practices_slug");
    let mut again = seed.role.clone();
    again.id = id();
    assert_eq!(
        uow.roles().insert_role(&again).await,
        Err(Conflict::NameTaken.into()),
        "ux_roles_practice_name"
    );
    let mut again = seed.profile.clone();
    again.id = id();
    assert_eq!(
        uow.roles().insert_profile(&again).await,
        Err(Conflict::NameTaken.into()),
        "ux_profiles_practice_name"
    );
    let mut again = seed.site.clone();
    again.id = id();
    assert_eq!(uow.sites().insert(&again).await, Err(Conflict::NameTaken.into()), "ux_sites_practice_name");
    // The unit of work is still usable after each refusal.
    assert_eq!(uow.practices().get(seed.practice.id).await.unwrap(), Some(seed.practice.clone()));
}
