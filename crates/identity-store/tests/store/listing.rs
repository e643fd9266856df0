//! The users list pages exactly as the domain's in-memory semantics say
//! (`UserFilter::matches`, `SortValue::of`): every match once, in order,
//! ties broken by id, for every column and direction.

use crate::backend_tests;
use crate::support::{Ctx, add_user, id, label, now, profile, role, seed, site, user};
use chrono::Duration;
use identity_domain::*;
use identity_store::SeaStore;
use std::collections::BTreeMap;

backend_tests!(
    every_sort_and_filter_pages_through_every_match_once_in_order,
    an_update_writes_back_only_what_changed,
);

/// Issue 17: a change that leaves the name, email, profiles and sites as
/// they were writes the user's row alone (its search grams and memberships
/// were deleted and written again on every update: 4 more writes).
async fn an_update_writes_back_only_what_changed(mut ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let p = seed.practice.id;
    let mut u = user(p, seed.role.id, "ana@example.com", "Ana Silva");
    u.profiles.insert(seed.profile.id);
    u.sites.insert(seed.site.id);
    add_user(&ctx.store, &u).await;
    let counter = ctx.store.count_statements();
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    let mut read = uow.users().get(p, u.id).await.unwrap().unwrap();
    counter.take();
    read.phone = Some(Phone::parse("+1 514 555 0100").unwrap());
    read.version += 1;
    uow.users().update(&read).await.unwrap();
    assert_eq!(counter.take().writes, 1, "the user's row alone");
    read.name = PersonName::parse("Ana Lima").unwrap();
    read.version += 1;
    uow.users().update(&read).await.unwrap();
    assert_eq!(counter.take().writes, 3, "the row, then the grams deleted and written");
    uow.commit().await.unwrap();
    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    let stored = uow.users().get(p, u.id).await.unwrap().unwrap();
    assert_eq!((stored.profiles, stored.sites), (read.profiles, read.sites));
    let searched = UserQuery {
        filter: UserFilter { search: Some("li".to_owned()), ..UserFilter::default() },
        ..UserQuery::default()
    };
    assert_eq!(uow.users().list(p, &searched).await.unwrap().items.len(), 1, "found by its new name");
}

async fn every_sort_and_filter_pages_through_every_match_once_in_order(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let p = seed.practice.id;
    let mut roles = [seed.role.clone(), role(p, "administrator"), role(p, "Éditeur")];
    let profiles = [seed.profile.clone(), profile(p, "Audit")];
    let sites = [seed.site.clone(), site(p, "Laval")];
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    uow.roles().insert_role(&roles[1]).await.unwrap();
    uow.roles().insert_role(&roles[2]).await.unwrap();
    uow.roles().insert_profile(&profiles[1]).await.unwrap();
    uow.sites().insert(&sites[1]).await.unwrap();
    uow.commit().await.unwrap();

    let names =
        ["Ana Silva", "ana silva", "ANA SILVA", "Zoë Ó Briain", "Émile Zola", "50%_off \\ Sale", "Bob"];
    let languages = ["en", "fr-CA", "fr"];
    let zones = ["America/Toronto", "UTC", "Europe/Paris"];
    let statuses = [UserStatus::Active, UserStatus::Invited, UserStatus::Inactive];
    let base = now();
    let mut users = Vec::new();
    for i in 0..41usize {
        let address = format!("{}.User{i}@Example.com", ["x", "Ana", "z_", "%"][i % 4]);
        let mut u = user(p, roles[i % 3].id, &address, names[i % names.len()]);
        u.language = Language::parse(languages[i % 3]).unwrap();
        u.time_zone = TimeZone::parse(zones[(i / 2) % 3]).unwrap();
        u.status = statuses[(i / 3) % 3];
        u.created_at = base + Duration::seconds((i % 4) as i64);
        if i % 2 == 0 {
            u.profiles.insert(profiles[i % 4 / 2].id);
        }
        if i % 3 != 0 {
            u.sites.insert(sites[i % 2].id);
        }
        add_user(&ctx.store, &u).await;
        users.push(u);
    }
    // Renaming a role re-sorts its holders.
    roles[0].name = label("Zeta Paralegal");
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    uow.roles().update_role(&roles[0]).await.unwrap();
    uow.commit().await.unwrap();
    let role_names: BTreeMap<RoleId, String> =
        roles.iter().map(|r| (r.id, r.name.as_str().to_owned())).collect();

    let filters = vec![
        UserFilter::default(),
        UserFilter { statuses: vec![UserStatus::Active, UserStatus::Inactive], ..Default::default() },
        UserFilter { role: Some(roles[2].id), ..Default::default() },
        UserFilter { profile: Some(profiles[1].id), ..Default::default() },
        UserFilter { site: Some(sites[0].id), statuses: vec![UserStatus::Invited], ..Default::default() },
        UserFilter { language: Some(Language::parse("fr-CA").unwrap()), ..Default::default() },
        UserFilter::default().with_search("ANA"),
        UserFilter::default().with_search("%"),
        UserFilter::default().with_search("_"),
        UserFilter::default().with_search("\\"),
        UserFilter::default().with_search("émile"),
        UserFilter::default().with_search("user1"),
        UserFilter::default().with_search("nobody"),
        UserFilter { search: Some("ANA".into()), ..Default::default() },
    ];
    for filter in &filters {
        for &sort in UserColumn::SORTABLE {
            for direction in [Direction::Asc, Direction::Desc] {
                let mut expected: Vec<(SortValue, &User)> = users
                    .iter()
                    .filter(|u| filter.matches(u, false))
                    .map(|u| (SortValue::of(u, sort, &role_names[&u.role]), u))
                    .collect();
                expected.sort_by(|(va, a), (vb, b)| va.cmp(vb).then(a.id.cmp(&b.id)));
                if direction == Direction::Desc {
                    expected.reverse();
                }
                let expected: Vec<UserId> = expected.into_iter().map(|(_, u)| u.id).collect();

                let mut query = UserQuery { filter: filter.clone(), sort, direction, after: None, limit: 4 };
                let mut got = Vec::new();
                let mut uow = ctx.store.begin(Access::Read).await.unwrap();
                for _ in 0..100 {
                    let page = uow.users().list(p, &query).await.unwrap();
                    assert!(page.items.len() <= 4);
                    if let (Some(next), Some(last)) = (&page.next, page.items.last().map(|r| &r.user)) {
                        assert_eq!(next.id, last.id);
                        let mut holder = users.iter().find(|u| u.id == last.id).unwrap().clone();
                        holder.role = last.role;
                        assert_eq!(next.value, SortValue::of(&holder, sort, &role_names[&last.role]));
                    }
                    got.extend(page.items.iter().map(|u| u.user.id));
                    match page.next {
                        // Through its opaque text, as a client would send it back.
                        Some(next) => query.after = Some(UserCursor::decode(&next.encode()).unwrap()),
                        None => break,
                    }
                }
                assert_eq!(got, expected, "filter {filter:?}, sort {sort:?} {direction:?}");
            }
        }
    }

    // Pages hold whole users, profiles and sites included.
    let mut uow = ctx.store.begin(Access::Read).await.unwrap();
    let page = uow.users().list(p, &UserQuery { limit: 500, ..UserQuery::default() }).await.unwrap();
    assert_eq!(page.next, None);
    let mut stored: Vec<User> = page.items.into_iter().map(|r| r.user).collect();
    stored.sort_by_key(|u| u.id);
    let mut originals = users.clone();
    originals.sort_by_key(|u| u.id);
    assert_eq!(stored, originals);
    assert!(
        uow.users()
            .list(crate::support::practice().id, &UserQuery::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

backend_tests!(the_short_grams_migration_fills_the_grams_of_users_stored_before_it);

/// Users stored before `user_grams` existed are found by short searches
/// once the migration has filled it, exactly as users written since; and
/// a user's renaming replaces their grams.
async fn the_short_grams_migration_fills_the_grams_of_users_stored_before_it(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let p = seed.practice.id;
    let names = ["王小明", "Жанна Иванова", "Émile Zola", "김민준", "Ana Silva"];
    let mut users = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let u = user(p, seed.role.id, &format!("person{i}@example.com"), name);
        add_user(&ctx.store, &u).await;
        users.push(u);
    }
    let terms = ["王", "小明", "ж", "ив", "e", "em", "김", "a", "@", "n.", "zz"];
    let found = |store: SeaStore| async move {
        let mut found = Vec::new();
        for term in terms {
            let query = UserQuery {
                filter: UserFilter::default().with_search(term),
                limit: 50,
                ..UserQuery::default()
            };
            let mut uow = store.begin(Access::Read).await.unwrap();
            let page = uow.users().list(p, &query).await.unwrap();
            found.push((term, page.total, page.items.iter().map(|u| u.user.id).collect::<Vec<_>>()));
        }
        found
    };
    let before = found(ctx.store.clone()).await;
    let expected: Vec<_> = terms
        .iter()
        .map(|term| {
            let filter = UserFilter::default().with_search(term);
            let mut ids: Vec<(String, UserId)> = users
                .iter()
                .filter(|u| filter.matches(u, false))
                .map(|u| (u.name.search_key(), u.id))
                .collect();
            ids.sort();
            (*term, Some(ids.len() as u64), ids.into_iter().map(|(_, id)| id).collect::<Vec<_>>())
        })
        .collect();
    assert_eq!(before, expected, "as written");

    ctx.owner.rollback(Some(1)).await.unwrap();
    ctx.owner.migrate().await.unwrap();
    assert_eq!(found(ctx.store.clone()).await, expected, "as filled by the migration");

    let mut renamed = users[0].clone();
    renamed.name = PersonName::parse("Zoë Adams").unwrap();
    renamed.version += 1;
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    uow.users().update(&renamed).await.unwrap();
    uow.commit().await.unwrap();
    let after = found(ctx.store.clone()).await;
    assert_eq!(after[0], ("王", Some(0), vec![]), "the old name's grams are gone");
}

backend_tests!(the_case_title_keys_migration_keys_the_cases_stored_before_it);

/// Cases stored before `cases.title_key` existed are found by a folded
/// part of their title once the migration has filled it, as cases written
/// since are.
async fn the_case_title_keys_migration_keys_the_cases_stored_before_it(ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let p = seed.practice.id;
    let owner = user(p, seed.role.id, "owner@example.com", "Olivia Owner");
    add_user(&ctx.store, &owner).await;
    let titles = ["Bélanger — study permit", "BELANGER appeal", "Chen 陈 visa", "Olsen file"];
    let mut uow = ctx.store.begin(Access::Write).await.unwrap();
    for title in titles {
        let case = Case {
            id: CaseId::from_uuid(uuid::Uuid::now_v7()),
            practice: p,
            title: label(title),
            status: CaseStatus::Open,
            owner: owner.id,
            created_at: now(),
            updated_at: now(),
        };
        uow.cases().insert(&case).await.unwrap();
    }
    uow.commit().await.unwrap();
    let found = |store: SeaStore| async move {
        let mut found = Vec::new();
        for term in ["belanger", "陈", "OLSEN"] {
            let term = SearchTerm::parse(term).unwrap().unwrap();
            let mut uow = store.begin(Access::Read).await.unwrap();
            let cases = uow.cases().find(p, Some(&term), None, 10).await.unwrap();
            found.push(cases.into_iter().map(|c| c.title.as_str().to_owned()).collect::<Vec<_>>());
        }
        found
    };
    let expected = vec![
        vec!["BELANGER appeal".to_owned(), "Bélanger — study permit".to_owned()],
        vec!["Chen 陈 visa".to_owned()],
        vec!["Olsen file".to_owned()],
    ];
    assert_eq!(found(ctx.store.clone()).await, expected, "as written");

    // Down past the title keys (the short grams come after them), up again.
    ctx.owner.rollback(Some(2)).await.unwrap();
    ctx.owner.migrate().await.unwrap();
    assert_eq!(found(ctx.store.clone()).await, expected, "as filled by the migration");
}

backend_tests!(a_page_of_the_list_is_read_in_the_same_statements_however_many_rows_it_holds);

/// Each row's last sign-in and latest invitation come with the page, in
/// its own statement: a page of 25 costs what a page of 2 does (the count
/// and the page).
async fn a_page_of_the_list_is_read_in_the_same_statements_however_many_rows_it_holds(mut ctx: Ctx) {
    let seed = seed(&ctx.store).await;
    let p = seed.practice.id;
    let base = now();
    let mut expected = BTreeMap::new();
    for i in 0..30u8 {
        let u = user(p, seed.role.id, &format!("member{i}@example.com"), &format!("Member {i:02}"));
        add_user(&ctx.store, &u).await;
        let mut uow = ctx.store.begin(Access::Write).await.unwrap();
        let mut credential = Credential::empty(p, u.id);
        credential.last_sign_in_at = Some(base + Duration::minutes(i64::from(i)));
        uow.credentials().save(&credential).await.unwrap();
        // Two invitations each: the later one is the row's.
        let mut latest = None;
        for n in 0..2u8 {
            let sent_at = base + Duration::hours(i64::from(n));
            let link = Link {
                id: id(),
                practice: p,
                purpose: LinkPurpose::Invitation,
                subject: LinkSubject::User(u.id),
                token_hash: TokenHash::from_bytes([i.wrapping_mul(2).wrapping_add(n); 32]),
                created_at: sent_at,
                expires_at: sent_at + Duration::days(7),
                used_at: (n == 1 && i % 2 == 0).then_some(sent_at + Duration::minutes(5)),
                voided_at: (n == 0).then_some(base + Duration::hours(1)),
            };
            uow.links().insert(&link).await.unwrap();
            latest = Some(Invitation {
                sent_at: link.created_at,
                expires_at: link.expires_at,
                accepted_at: link.used_at,
                withdrawn_at: link.voided_at,
            });
        }
        uow.commit().await.unwrap();
        expected.insert(u.id, (credential.last_sign_in_at, latest));
    }
    let counter = ctx.store.count_statements();
    let mut reads = Vec::new();
    for limit in [2, 25] {
        let mut uow = ctx.store.begin(Access::Read).await.unwrap();
        counter.take();
        let page = uow.users().list(p, &UserQuery { limit, ..UserQuery::default() }).await.unwrap();
        reads.push(counter.take().statements());
        drop(uow);
        assert_eq!(page.items.len(), limit as usize);
        for row in &page.items {
            let (last_sign_in_at, invitation) = expected.get(&row.user.id).copied().unwrap_or_default();
            assert_eq!(
                (row.last_sign_in_at, row.invitation),
                (last_sign_in_at, invitation),
                "{}",
                row.user.name
            );
        }
    }
    assert_eq!(reads[0], reads[1], "no statement per row: {reads:?}");
    assert!(reads[1] <= 2, "the count and the page: {reads:?}");
}
