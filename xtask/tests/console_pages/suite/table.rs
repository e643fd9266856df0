//! The users table over HTTP: the page size chosen and kept in the
//! address, each filter a chip whose link removes it, and the columns of
//! last sign-in, profiles, sites and invitation. (The owner reads French.)

use super::*;
use identity_domain::*;
use reqwest::StatusCode;

/// `count` invited paralegals, `member00@…` onwards.
async fn invite_members(app: &App, count: usize) {
    let owner = app.admin_caller().await;
    let paralegal = app.role("Paralegal").await;
    for n in 0..count {
        let new = NewUser {
            email: EmailAddress::parse(&format!("member{n:02}@maple.example")).unwrap(),
            name: PersonName::parse(&format!("Member {n:02}")).unwrap(),
            role: paralegal,
            profiles: Default::default(),
            language: Language::english(),
            time_zone: TimeZone::utc(),
            phone: None,
            title: None,
            notes: None,
            sites: Default::default(),
            credential: InitialCredential::Invite,
        };
        app.service.create_user(&owner, new).await.unwrap();
    }
}

/// The text of the element with this id.
fn text_of<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    let start = html.find(&format!("id=\"{id}\""))?;
    let start = start + html[start..].find('>')? + 1;
    Some(&html[start..start + html[start..].find('<')?])
}

/// The href of the link with this id, as a browser follows it.
fn link(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let start = html[..at].rfind("href=\"")? + "href=\"".len();
    let end = start + html[start..].find('"')?;
    Some(unescape(&html[start..end]))
}

fn unescape(text: &str) -> String {
    text.replace("&#38;", "&").replace("&amp;", "&")
}

/// Each chip of the page: its label and its remove link.
fn chips(html: &str) -> Vec<(String, String)> {
    html.split("<li class=\"chip\">")
        .skip(1)
        .map(|chip| {
            let label_at = chip.find("class=\"chip-label\">").unwrap() + "class=\"chip-label\">".len();
            let label = &chip[label_at..label_at + chip[label_at..].find('<').unwrap()];
            let href_at = chip.find("href=\"").unwrap() + "href=\"".len();
            let href = &chip[href_at..href_at + chip[href_at..].find('"').unwrap()];
            (unescape(label), unescape(href))
        })
        .collect()
}

#[tokio::test]
async fn the_page_size_is_chosen_kept_in_the_links_and_refused_when_not_offered() {
    let Some(app) = spawn_app().await else { return };
    invite_members(&app, 60).await;
    let admin = owner_session(&app).await;
    let first = send(get(&app, "/console/users", Some(&admin))).await;
    assert_eq!(text_of(&first.html, "users-range"), Some("1–25 sur 61"));
    assert!(first.html.contains("<option value=\"25\" selected>"), "{}", first.html);

    let fifty = send(get(&app, "/console/users?size=50", Some(&admin))).await;
    assert_eq!(text_of(&fifty.html, "users-range"), Some("1–50 sur 61"));
    assert!(fifty.html.contains("<option value=\"50\" selected>"));
    let next = link(&fifty.html, "next-page").unwrap();
    assert!(next.contains("size=50"), "{next}");
    let second = send(get(&app, &next, Some(&admin))).await;
    assert_eq!(text_of(&second.html, "users-range"), Some("51–61 sur 61"));
    let previous = link(&second.html, "previous-page").unwrap();
    assert!(previous.contains("size=50"), "{previous}");
    assert_eq!(text_of(&send(get(&app, &previous, Some(&admin))).await.html, "users-range"), Some("1–50 sur 61"));
    // Sorting and filtering keep it.
    let heading = &fifty.html[fifty.html.find("data-column=\"email\"").unwrap()..];
    let sort = unescape(heading.split("href=\"").nth(1).unwrap().split('"').next().unwrap());
    assert!(sort.contains("sort=email") && sort.contains("size=50"), "{sort}");
    assert!(fifty.html.contains("<input type=\"hidden\" name=\"size\" value=\"50\">"), "the search and filter forms keep it");

    let hundred = send(get(&app, "/console/users?size=100&sort=email", Some(&admin))).await;
    assert_eq!(text_of(&hundred.html, "users-range"), Some("1–61 sur 61"));
    for bad in ["7", "abc", "0", "1000", "-25"] {
        let page = send(get(&app, &format!("/console/users?size={bad}"), Some(&admin))).await;
        assert_eq!(page.status, StatusCode::OK, "{bad}");
        assert!(page.html.contains("role=\"alert\"") && page.html.contains("25, 50 ou 100"), "{bad}: {}", page.html);
        assert_eq!(text_of(&page.html, "users-range"), Some("1–25 sur 61"), "{bad}");
    }
}

#[tokio::test]
async fn each_filter_is_a_chip_whose_link_removes_it_alone() {
    let Some(app) = spawn_app().await else { return };
    invite_members(&app, 3).await;
    let admin = owner_session(&app).await;
    let paralegal = app.role("Paralegal").await;
    let none = send(get(&app, "/console/users", Some(&admin))).await;
    assert!(!none.html.contains("id=\"filter-chips\""), "no chips without filters");

    let path = format!("/console/users?status=active,invited&role={paralegal}&search=member&size=50&sort=email");
    let page = send(get(&app, &path, Some(&admin))).await;
    let found = chips(&page.html);
    let labels: Vec<&str> = found.iter().map(|(label, _)| label.as_str()).collect();
    assert_eq!(labels.len(), 4, "{labels:?}");
    assert_eq!(&labels[..2], ["Statut : Actif", "Statut : Invité"]);
    assert!(labels[2].starts_with("Rôle : ") && labels[3] == "Rechercher : “member”", "{labels:?}");
    assert!(page.html.contains("aria-label=\"Filtres appliqués\""));
    assert!(page.html.contains("aria-label=\"Retirer le filtre Statut : Actif\""), "{}", page.html);

    let (_, without_active) = &found[0];
    assert!(without_active.contains("status=invited&") && without_active.contains(&format!("role={paralegal}")));
    let (_, without_role) = &found[2];
    assert!(!without_role.contains("role="), "{without_role}");
    for kept in ["status=active%2Cinvited", "search=member", "sort=email", "size=50"] {
        assert!(without_role.contains(kept), "{without_role} keeps {kept}");
    }
    let after = send(get(&app, without_role, Some(&admin))).await;
    assert_eq!(chips(&after.html).len(), 3);
    let clear = link(&after.html, "clear-chips").unwrap();
    assert_eq!(clear, "/console/users?sort=email&direction=asc&size=50");
    let cleared = send(get(&app, &clear, Some(&admin))).await;
    assert!(!cleared.html.contains("id=\"filter-chips\""));
    assert_eq!(text_of(&cleared.html, "users-range"), Some("1–4 sur 4"));

    // A value that is not valid gets its chip too, to remove it as easily.
    let bad = send(get(&app, "/console/users?status=bogus&search=member", Some(&admin))).await;
    let found = chips(&bad.html);
    assert_eq!(found[0].0, "Statut : bogus");
    let fixed = send(get(&app, &found[0].1, Some(&admin))).await;
    assert!(!fixed.html.contains("role=\"alert\""), "{}", fixed.html);
    assert_eq!(text_of(&fixed.html, "users-range"), Some("1–3 sur 3"));
}

#[tokio::test]
async fn the_columns_show_last_sign_in_profiles_sites_and_invitation() {
    let Some(app) = spawn_app().await else { return };
    invite_members(&app, 1).await;
    let admin = owner_session(&app).await;
    let page = send(get(&app, "/console/users", Some(&admin))).await;
    for column in ["last_sign_in_at", "profiles", "sites", "invitation"] {
        assert!(page.html.contains(&format!("id=\"col-{column}\"")), "the chooser offers {column}");
    }
    let body = format!(
        "csrf={}&columns=email&columns=last_sign_in_at&columns=profiles&columns=sites&columns=invitation&back=",
        form_token(&page.html)
    );
    let saved = send(post(&app, "/console/users/columns", &admin, "same-origin", &body)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let cookie = format!("{admin}; {}", first_cookie(&saved.headers));
    let page = send(get(&app, "/console/users", Some(&cookie))).await;
    for heading in ["Dernière connexion", "Profils", "Sites", "Invitation"] {
        assert!(page.html.contains(heading), "{heading}: {}", page.html);
    }
    assert!(!page.html.contains("data-column=\"invitation\"><a"), "the new columns do not sort");
    let member = page.html.find("member00@maple.example").unwrap();
    let row = &page.html[member..member + page.html[member..].find("</tr>").unwrap()];
    assert!(row.contains("<td>Jamais</td>"), "never signed in: {row}");
    assert!(row.contains("<td>Envoyée le ") && row.contains(" ; expire le "), "{row}");
    let owner = page.html.find("owner@maple.example").unwrap();
    let row = &page.html[owner..owner + page.html[owner..].find("</tr>").unwrap()];
    assert!(row.contains("<td>Non invité</td>") && !row.contains("Jamais"), "signed in, not invited: {row}");
    // A column that does not sort is not taken as a sort.
    let page = send(get(&app, "/console/users?sort=invitation", Some(&cookie))).await;
    assert_eq!(page.status, StatusCode::OK);
}
