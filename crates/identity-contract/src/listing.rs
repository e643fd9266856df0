//! The users list's rows: what each shows beside the user.

use crate::fixture::{Fixture, PASSWORD};
use chrono::Duration;
use identity_domain::*;
use secrecy::SecretString;
use std::collections::HashMap;
use std::sync::Arc;

/// Every row of the users list carries the user's profiles and sites, last
/// sign-in and latest invitation (sent, expires, accepted or withdrawn),
/// read with the page; the download's reading gives the same rows.
pub async fn users_list_rows_show_sign_in_memberships_and_invitation(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let permissions = PermissionSet::from_iter([Permission::CasesRead]);
    let court = GrantDraft { name: Label::parse("Court").unwrap(), permissions };
    let profile = f.service.create_profile(&f.admin, court).await.unwrap();
    let north = SiteDetails::named(Label::parse("North Campus").unwrap());
    let site = f.service.create_site(&f.admin, north).await.unwrap();
    let paralegal = f.role("Paralegal").await;
    let ttl = Config::default().invitation_ttl;

    // Ana: invited with a profile and a site, has not joined.
    let ana_sent = f.clock.now();
    let mut new = f.new_user("ana@contract.example", "Ana Silva", paralegal, InitialCredential::Invite);
    new.profiles = [profile.id].into();
    new.sites = [site.id].into();
    let ana = f.service.create_user(&f.admin, new).await.unwrap().user;
    // Bo: invited, joined an hour later, signed in an hour after that.
    let bo_sent = f.clock.now();
    let bo = f.invite("bo@contract.example", "Bo Li", "Paralegal").await;
    f.clock.advance(Duration::hours(1));
    let token = f.invitation_token("bo@contract.example").await;
    f.service.accept_invitation(&token, SecretString::from(PASSWORD.to_owned()), None).await.unwrap();
    let bo_joined = f.clock.now();
    f.clock.advance(Duration::hours(1));
    f.sign_in("bo@contract.example", PASSWORD).await.unwrap();
    let bo_signed_in = f.clock.now();
    // Cy: invited twice; the second invitation is the one shown.
    let cy = f.invite("cy@contract.example", "Cy Young", "Paralegal").await;
    f.clock.advance(Duration::minutes(5));
    f.service.resend_invitation(&f.admin, cy.id).await.unwrap();
    let cy_resent = f.clock.now();
    // Dee: given a password, never invited, never signed in.
    let new = f.new_user("dee@contract.example", "Dee Ray", paralegal, InitialCredential::GeneratePassword);
    let dee = f.service.create_user(&f.admin, new).await.unwrap().user;

    let query = UserQuery { limit: 500, ..UserQuery::default() };
    let rows: HashMap<UserId, ListedUser> = f
        .service
        .list_users(&f.admin, &query)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|row| (row.user.id, row))
        .collect();
    let now = f.clock.now();

    let ana_row = &rows[&ana.id];
    assert_eq!(ana_row.user.profiles, [profile.id].into());
    assert_eq!(ana_row.user.sites, [site.id].into());
    assert_eq!(ana_row.last_sign_in_at, None);
    let expected =
        Invitation { sent_at: ana_sent, expires_at: ana_sent + ttl, accepted_at: None, withdrawn_at: None };
    assert_eq!(ana_row.invitation, Some(expected));
    assert_eq!(expected.state(now), InvitationState::Pending);

    let bo_row = &rows[&bo.id];
    assert_eq!(bo_row.last_sign_in_at, Some(bo_signed_in));
    let bo_invitation = bo_row.invitation.unwrap();
    assert_eq!((bo_invitation.sent_at, bo_invitation.accepted_at), (bo_sent, Some(bo_joined)));
    assert_eq!(bo_invitation.state(now), InvitationState::Accepted);

    let cy_invitation = rows[&cy.id].invitation.unwrap();
    assert_eq!(cy_invitation.sent_at, cy_resent, "the latest invitation");
    assert_eq!(cy_invitation.state(now), InvitationState::Pending);
    assert_eq!(cy_invitation.state(cy_resent + ttl), InvitationState::Expired);

    assert_eq!((rows[&dee.id].invitation, rows[&dee.id].last_sign_in_at), (None, None));
    assert!(rows[&f.admin.user()].last_sign_in_at.is_some(), "the admin signed in");

    // Page by page, and as the download reads them, the rows are the same.
    let mut uow = f.faults.begin(Access::Read).await.unwrap();
    let mut query = UserQuery { limit: 2, ..UserQuery::default() };
    let mut walked = 0;
    loop {
        let page = uow.users().list(f.practice.id, &query).await.unwrap();
        let download = uow.users().list_columns(f.practice.id, &query).await.unwrap();
        assert_eq!(download.items, page.items);
        for row in &page.items {
            assert_eq!(row, &rows[&row.user.id]);
        }
        walked += page.items.len();
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    assert_eq!(walked, rows.len());
}

/// The emails of the users a filter lists (first page of 100).
async fn listed(f: &Fixture, filter: UserFilter) -> Vec<String> {
    let query = UserQuery { filter, limit: 100, ..UserQuery::default() };
    let page = f.service.list_users(&f.admin, &query).await.unwrap();
    page.items.iter().map(|row| row.user.email.as_str().to_owned()).collect()
}

fn searching(term: &str) -> UserFilter {
    UserFilter { search: Some(term.to_owned()), ..UserFilter::default() }
}

/// An update writes back what changed and leaves the rest as it was: after
/// a rename the search finds the new name (one and two characters
/// included) and not the old; a phone change or a change of sites keeps
/// both the search and the site filter right; so does an update by a unit
/// of work that read the user some other way first.
pub async fn an_update_keeps_search_and_memberships_true_to_what_changed(store: Arc<dyn Store>) {
    let f = Fixture::new(store, "contract").await;
    let site = SiteDetails::named(Label::parse("Harbour").unwrap());
    let site = f.service.create_site(&f.admin, site).await.unwrap();
    let role = f.role("Paralegal").await;
    let new = f.new_user("zoe@contract.example", "Zoë Quill", role, InitialCredential::Invite);
    let zoe = f.service.create_user(&f.admin, new).await.unwrap().user;
    let email = || vec!["zoe@contract.example".to_owned()];
    let in_site = || UserFilter { site: Some(site.id), ..UserFilter::default() };
    assert_eq!(listed(&f, searching("qu")).await, email());

    let edit = UserEdit { name: Some(PersonName::parse("Zoë Brook").unwrap()), ..UserEdit::default() };
    f.service.update_user(&f.admin, zoe.id, edit, None).await.unwrap();
    assert!(listed(&f, searching("qu")).await.is_empty(), "the old name's grams are gone");
    assert!(listed(&f, searching("Quill")).await.is_empty());
    assert_eq!(listed(&f, searching("br")).await, email());
    assert_eq!(listed(&f, searching("b")).await, email());

    let phone = Phone::parse("+33 1 23 45 67 89").unwrap();
    let edit = UserEdit { phone: Some(Some(phone)), ..UserEdit::default() };
    f.service.update_user(&f.admin, zoe.id, edit, None).await.unwrap();
    assert_eq!(listed(&f, searching("br")).await, email(), "a phone change keeps the grams");

    let edit = UserEdit { sites: Some([site.id].into()), ..UserEdit::default() };
    f.service.update_user(&f.admin, zoe.id, edit, None).await.unwrap();
    assert_eq!(listed(&f, in_site()).await, email());
    let edit = UserEdit { phone: Some(None), ..UserEdit::default() };
    f.service.update_user(&f.admin, zoe.id, edit, None).await.unwrap();
    assert_eq!(listed(&f, in_site()).await, email(), "a phone change keeps the sites");
    assert_eq!(f.service.get_user(&f.admin, zoe.id).await.unwrap().sites, [site.id].into());

    // Written by a unit of work that read the user through the list (not
    // one by one): everything is written back.
    let mut uow = f.faults.begin(Access::Write).await.unwrap();
    let query = UserQuery { filter: searching("zoe"), limit: 10, ..UserQuery::default() };
    let page = uow.users().list(f.practice.id, &query).await.unwrap();
    assert_eq!(page.items.len(), 1);
    let mut user = page.items[0].user.clone();
    user.name = PersonName::parse("Zoë Marsh").unwrap();
    user.sites.clear();
    user.version += 1;
    uow.users().update(&user).await.unwrap();
    uow.commit().await.unwrap();
    assert!(listed(&f, searching("br")).await.is_empty());
    assert_eq!(listed(&f, searching("ma")).await, email());
    assert!(listed(&f, in_site()).await.is_empty());
}
