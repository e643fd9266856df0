//! "CSV download of the whole filtered list with the chosen columns,
//! streamed, RFC 4180 quoting, and any cell starting with `=`, `+`, `-`,
//! `@`, tab, carriage return or NUL prefixed with `'`. Exports are audited."

use crate::support::*;
use identity_domain::*;

async fn whole(export: &mut UserExport) -> (Vec<String>, usize) {
    let mut text = Vec::new();
    let mut chunks = 0;
    while let Some(chunk) = export.next_chunk().await.unwrap() {
        text.extend(chunk);
        chunks += 1;
    }
    let lines = String::from_utf8(text).unwrap().split("\r\n").map(str::to_owned).collect();
    (lines, chunks)
}

#[test]
fn cells_a_spreadsheet_would_run_as_formulas_start_with_a_quote() {
    for cell in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\0x"] {
        assert_eq!(neutralise_formula(cell), format!("'{cell}"), "{cell:?}");
    }
    for cell in ["Ana-Maria", "", "1+1", "'quoted", " =1", "x@example.com"] {
        assert_eq!(neutralise_formula(cell), cell, "{cell:?}");
    }
}

#[tokio::test]
async fn the_download_needs_users_export_and_is_audited_before_any_row_is_read() {
    let world = World::new().await;
    let (_, paralegal) = world.add_signed_in("para@maple.example", "Paralegal").await;
    let refused = world.service.export_users(&paralegal, &UserQuery::default(), ColumnChoice::all()).await;
    assert!(matches!(
        refused,
        Err(ExportUsersError::Access(AccessError::Forbidden(Permission::UsersExport)))
    ));

    let audited = world.audit().await.len();
    world.service.export_users(&world.admin, &UserQuery::default(), ColumnChoice::all()).await.unwrap();
    let entries = world.audit().await;
    assert_eq!(entries.len(), audited + 1);
    let entry = entries.last().unwrap();
    assert_eq!(entry.action, AuditAction::UsersExported);
    assert_eq!(entry.actor, Actor::User(world.owner.id));
}

#[tokio::test]
async fn a_large_download_comes_in_batches_with_every_matching_user_once_in_order() {
    let world = World::new().await;
    let role = world.role("Paralegal").await;
    let total = EXPORT_BATCH as usize * 2 + 7;
    for i in 0..total {
        let new =
            world.new_user(&format!("u{i:05}@maple.example"), "Same Name", role, InitialCredential::Invite);
        world.service.create_user(&world.admin, new).await.unwrap();
    }
    let query = UserQuery {
        filter: UserFilter { statuses: vec![UserStatus::Invited], ..UserFilter::default() },
        sort: UserColumn::Name,
        direction: Direction::Desc,
        ..UserQuery::default()
    };
    let columns = ColumnChoice::parse("email,status").unwrap();
    let mut export = world.service.export_users(&world.admin, &query, columns).await.unwrap();
    let (lines, chunks) = whole(&mut export).await;
    assert_eq!(chunks, 1 + 3, "a header, then three batches");
    assert_eq!(export.rows(), total as u64);
    assert_eq!(lines[0], "\u{feff}email,status");
    // Equal names fall back to the id, in the same direction: newest first.
    let expected: Vec<String> = (0..total).rev().map(|i| format!("u{i:05}@maple.example,invited")).collect();
    assert_eq!(&lines[1..=total], expected.as_slice());
    assert_eq!(lines[total + 1], "", "the file ends with a line break");
}

#[tokio::test]
async fn users_added_during_a_download_appear_at_most_once() {
    let world = World::new().await;
    let role = world.role("Paralegal").await;
    for i in 0..EXPORT_BATCH + 10 {
        let new =
            world.new_user(&format!("m{i:05}@maple.example"), "Middle", role, InitialCredential::Invite);
        world.service.create_user(&world.admin, new).await.unwrap();
    }
    let query = UserQuery { sort: UserColumn::Email, ..UserQuery::default() };
    let columns = ColumnChoice::parse("email").unwrap();
    let mut export = world.service.export_users(&world.admin, &query, columns).await.unwrap();
    let mut text = export.next_chunk().await.unwrap().unwrap();
    text.extend(export.next_chunk().await.unwrap().unwrap());
    // One sorts before the rows already sent, one after.
    for email in ["a-early@maple.example", "z-late@maple.example"] {
        let new = world.new_user(email, "Added Later", role, InitialCredential::Invite);
        world.service.create_user(&world.admin, new).await.unwrap();
    }
    while let Some(chunk) = export.next_chunk().await.unwrap() {
        text.extend(chunk);
    }
    let text = String::from_utf8(text).unwrap();
    let emails: Vec<&str> = text.trim_start_matches('\u{feff}').lines().skip(1).collect();
    let mut unique = emails.clone();
    unique.dedup();
    assert_eq!(unique, emails, "no row twice");
    assert!(!emails.contains(&"a-early@maple.example"));
    assert_eq!(emails.last(), Some(&"z-late@maple.example"));
    assert_eq!(emails.len(), EXPORT_BATCH as usize + 10 + 1 + 1, "every user, the owner and the late one");
}

#[tokio::test]
async fn a_batch_that_cannot_be_read_ends_the_download_with_an_error_not_a_short_file() {
    let world = World::new().await;
    let mut export =
        world.service.export_users(&world.admin, &UserQuery::default(), ColumnChoice::all()).await.unwrap();
    assert!(export.next_chunk().await.unwrap().is_some(), "the header");
    world.adapters.store.fail_next_commits(1);
    assert!(matches!(export.next_chunk().await, Err(StoreError::Unavailable(_))));
    assert_eq!(export.rows(), 0);
}

#[tokio::test]
async fn a_download_holds_only_the_callers_practice() {
    let maple = World::new().await;
    let oak =
        World::on(maple.adapters.clone(), maple.service.clone(), "oak-law", PracticeSettings::default())
            .await;
    oak.add_user("someone@oak-law.example", "Paralegal").await;
    let mut export =
        maple.service.export_users(&maple.admin, &UserQuery::default(), ColumnChoice::all()).await.unwrap();
    let (lines, _) = whole(&mut export).await;
    assert_eq!(export.rows(), 1, "{lines:?}");
    assert!(lines.iter().all(|l| !l.contains("oak-law")), "{lines:?}");
}
