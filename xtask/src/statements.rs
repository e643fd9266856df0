//! `bench --statements`: how many statements, and round trips to the
//! database, the use cases on the hot paths cost — create a user, sign in,
//! check a session, deactivate with reassignment — counted by the store
//! itself ([`identity_store::SeaStore::count_statements`]) around one call
//! of each, in this process, on a fresh database. A count, not a time:
//! it does not depend on the machine.

use identity_domain::system::{Argon2Cost, Argon2idHasher, OsRandom, SystemClock, UuidV7Ids};
use identity_domain::*;
use identity_store::{SeaStore, StatementCount, StatementCounter};
use secrecy::SecretString;
use std::collections::BTreeSet;
use std::sync::Arc;

const PASSWORD: &str = "quiet harbour lantern at dusk";

/// Counts each use case on a fresh database at `database_url` (made and
/// removed by the caller); the rows of the table, in order.
///
/// # Errors
/// A readable message when a step fails.
pub async fn count(database_url: &str) -> Result<Vec<(String, StatementCount)>, String> {
    let mut store = SeaStore::connect(database_url).await.map_err(|e| e.to_string())?;
    store.migrate().await.map_err(|e| e.to_string())?;
    let counter = store.count_statements();
    let random: Arc<dyn SecureRandom> = Arc::new(OsRandom);
    let hasher = Argon2idHasher::new(Argon2Cost::default(), random.clone()).map_err(|e| e.to_string())?;
    let ports = Ports {
        store: Arc::new(store.clone()),
        hasher: Arc::new(hasher),
        clock: Arc::new(SystemClock),
        random,
        ids: Arc::new(UuidV7Ids),
        budgets: Arc::new(store.clone()),
        passkeys: Arc::new(NoPasskeys),
    };
    let service = IdentityService::new(ports, Config::default());
    let outcome = measure(&service, &counter).await;
    store.close().await.ok();
    outcome
}

fn failed(what: &str) -> impl Fn(&dyn std::fmt::Debug) -> String + '_ {
    move |e| format!("{what} failed: {e:?}")
}

async fn measure(
    service: &IdentityService,
    counter: &StatementCounter,
) -> Result<Vec<(String, StatementCount)>, String> {
    let parse = |s: &str| EmailAddress::parse(s).map_err(|e| e.to_string());
    let created = service
        .create_practice(NewPractice {
            slug: PracticeSlug::parse("counted").map_err(|e| e.to_string())?,
            name: Label::parse("Counted Practice").map_err(|e| e.to_string())?,
            settings: PracticeSettings::default(),
            admin_email: parse("admin@counted.example")?,
            admin_name: PersonName::parse("Ada Admin").map_err(|e| e.to_string())?,
            admin_language: Language::english(),
            admin_time_zone: TimeZone::utc(),
            second_factor_for_admins: false,
        })
        .await
        .map_err(|e| failed("creating the practice")(&e))?;
    let admin = first_sign_in(service, "admin@counted.example", created.admin_password.expose()).await?;
    let roles = service.list_roles(&admin).await.map_err(|e| failed("listing roles")(&e))?;
    let consultant = roles
        .iter()
        .find(|r| r.name.as_str() == "RCIC Consultant")
        .map(|r| r.id)
        .ok_or("no RCIC Consultant role")?;
    let new_user = |email: &str, credential| -> Result<NewUser, String> {
        Ok(NewUser {
            email: parse(email)?,
            name: PersonName::parse("Counted Person").map_err(|e| e.to_string())?,
            role: consultant,
            profiles: BTreeSet::new(),
            language: Language::english(),
            time_zone: TimeZone::utc(),
            phone: None,
            title: None,
            notes: None,
            sites: BTreeSet::new(),
            credential,
        })
    };
    let mut rows = Vec::new();

    counter.take();
    let invite = new_user("invited@counted.example", InitialCredential::Invite)?;
    service.create_user(&admin, invite).await.map_err(|e| failed("create user")(&e))?;
    rows.push(("create user (invitation)".to_owned(), counter.take()));

    let generated = new_user("leaver@counted.example", InitialCredential::GeneratePassword)?;
    let leaver = service.create_user(&admin, generated).await.map_err(|e| failed("create user")(&e))?;
    rows.push(("create user (generated password)".to_owned(), counter.take()));

    let one_time = leaver.generated_password.ok_or("no generated password")?;
    let leaver_caller = first_sign_in(service, "leaver@counted.example", one_time.expose()).await?;
    counter.take();
    let signed =
        sign_in(service, "leaver@counted.example", PASSWORD).await.map_err(|e| failed("sign-in")(&e))?;
    rows.push(("sign in (right password; no unit of work while hashing)".to_owned(), counter.take()));
    let refused = sign_in(service, "leaver@counted.example", "not the password at all").await;
    if !matches!(refused, Err(SignInError::Failed)) {
        return Err(format!("a wrong password was not refused: {refused:?}"));
    }
    rows.push(("sign in (wrong password)".to_owned(), counter.take()));
    service.authenticate(&signed.token).await.map_err(|e| failed("authenticate")(&e))?;
    rows.push(("check a session (every request)".to_owned(), counter.take()));
    let me = service.authenticate(&signed.token).await.map_err(|e| failed("authenticate")(&e))?;
    service.get_user(&me, me.user()).await.map_err(|e| failed("GET /me")(&e))?;
    rows.push(("GET /me (session check + own record)".to_owned(), counter.take()));

    let heir_new = new_user("heir@counted.example", InitialCredential::GeneratePassword)?;
    let heir = service.create_user(&admin, heir_new).await.map_err(|e| failed("create user")(&e))?;
    for title in ["Study permit", "Work permit"] {
        let title = Label::parse(title).map_err(|e| e.to_string())?;
        service.create_case(&admin, title, leaver_caller.user()).await.map_err(|e| failed("case")(&e))?;
    }
    counter.take();
    let phone = Phone::parse("+1 514 555 0199").map_err(|e| e.to_string())?;
    let edit = UserEdit { phone: Some(Some(phone)), ..UserEdit::default() };
    service.update_user(&admin, heir.user.id, edit, None).await.map_err(|e| failed("edit")(&e))?;
    rows.push(("edit a user's phone".to_owned(), counter.take()));
    let name = PersonName::parse("Heir Renamed").map_err(|e| e.to_string())?;
    let edit = UserEdit { name: Some(name), ..UserEdit::default() };
    service.update_user(&admin, heir.user.id, edit, None).await.map_err(|e| failed("edit")(&e))?;
    rows.push(("rename a user".to_owned(), counter.take()));
    service
        .deactivate_user(&admin, leaver_caller.user(), Some(heir.user.id))
        .await
        .map_err(|e| failed("deactivate")(&e))?;
    rows.push(("deactivate, reassigning 2 open cases".to_owned(), counter.take()));

    for n in 0..60 {
        let invite = new_user(&format!("member{n:02}@counted.example"), InitialCredential::Invite)?;
        service.create_user(&admin, invite).await.map_err(|e| failed("create user")(&e))?;
    }
    counter.take();
    let first = UserQuery { limit: 50, ..UserQuery::default() };
    let page = service.list_users(&admin, &first).await.map_err(|e| failed("users page")(&e))?;
    rows.push(("users page of 50 (list only)".to_owned(), counter.take()));
    let second = UserQuery { after: page.next, ..first.clone() };
    service.list_users(&admin, &second).await.map_err(|e| failed("users page")(&e))?;
    rows.push(("users page 2 (list only)".to_owned(), counter.take()));
    for term in ["e", "co", "member"] {
        let filter = UserFilter { search: Some(term.to_owned()), ..UserFilter::default() };
        let searched = UserQuery { filter, ..first.clone() };
        service.list_users(&admin, &searched).await.map_err(|e| failed("users search")(&e))?;
        rows.push((format!("users page of 50, search \"{term}\" (list only)"), counter.take()));
    }
    let again =
        sign_in(service, "admin@counted.example", PASSWORD).await.map_err(|e| failed("sign-in")(&e))?;
    counter.take();
    let caller = service.authenticate(&again.token).await.map_err(|e| failed("authenticate")(&e))?;
    service.list_users(&caller, &first).await.map_err(|e| failed("users page")(&e))?;
    rows.push(("GET /users (session check + page of 50)".to_owned(), counter.take()));
    Ok(rows)
}

async fn sign_in(service: &IdentityService, email: &str, password: &str) -> Result<SignedIn, SignInError> {
    service
        .sign_in(SignIn {
            practice: "counted".to_owned(),
            email: email.to_owned(),
            password: SecretString::from(password.to_owned()),
            request_id: None,
        })
        .await
}

async fn first_sign_in(service: &IdentityService, email: &str, one_time: &str) -> Result<Caller, String> {
    let signed = sign_in(service, email, one_time).await.map_err(|e| failed("first sign-in")(&e))?;
    let restricted = service.authenticate(&signed.token).await.map_err(|e| failed("authenticate")(&e))?;
    service
        .change_own_password(
            &restricted,
            SecretString::from(one_time.to_owned()),
            SecretString::from(PASSWORD.to_owned()),
        )
        .await
        .map_err(|e| failed("changing the first password")(&e))?;
    service.authenticate(&signed.token).await.map_err(|e| failed("authenticate")(&e))
}

/// Prints the counts as a table.
pub fn print(database: &str, rows: &[(String, StatementCount)]) {
    println!();
    println!("Statements per use case — {database} (one call each, counted by the store)");
    let width = rows.iter().map(|(name, _)| name.chars().count()).max().unwrap_or(8).max(8);
    println!(
        "| {:<width$} | statements (read/write/other) | round trips (with BEGIN, COMMIT, savepoints) |",
        "use case"
    );
    println!(
        "|{}|-------------------------------|-----------------------------------------------|",
        "-".repeat(width + 2)
    );
    for (name, c) in rows {
        let statements = format!("{} ({}/{}/{})", c.statements(), c.reads, c.writes, c.other);
        println!("| {name:<width$} | {statements:>29} | {:>45} |", c.round_trips());
    }
}
