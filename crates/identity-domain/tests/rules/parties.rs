//! PRODUCT.md "Parties": recorded per site; "Save" sends nothing, "Send
//! invite" queues a portal invitation.

use crate::support::*;
use identity_domain::*;

fn student(email: Option<&str>) -> PartyDetails {
    PartyDetails {
        kind: PartyKind::Student,
        name: PersonName::parse("Jordan Lee").unwrap(),
        email: email.map(|e| EmailAddress::parse(e).unwrap()),
        phone: Some(Phone::parse("+1 555 010 2000").unwrap()),
        address: None,
        date_of_birth: chrono::NaiveDate::from_ymd_opt(2011, 3, 14),
        gender: Some(Label::parse("non-binary").unwrap()),
        grade_or_position: Some(Label::parse("Grade 9").unwrap()),
        language: Some(Language::parse("fr").unwrap()),
    }
}

#[tokio::test]
async fn saving_a_party_sends_nothing_and_sending_an_invite_queues_a_portal_invitation() {
    let w = World::new().await;
    let site = w
        .service
        .create_site(&w.admin, SiteDetails::named(Label::parse("North Campus").unwrap()))
        .await
        .unwrap();
    let before = w.outbox().await.len();
    let saved = w.service.save_party(&w.admin, site.id, student(None), false).await.unwrap();
    assert_eq!(saved.portal, PortalStatus::NotInvited);
    assert_eq!(w.outbox().await.len(), before);

    let invited =
        w.service.save_party(&w.admin, site.id, student(Some("jordan@student.example")), true).await.unwrap();
    assert_eq!(invited.portal, PortalStatus::Invited);
    let email = w.outbox().await.pop().unwrap();
    assert_eq!(email.to.as_str(), "jordan@student.example");
    assert_eq!(email.language.as_str(), "fr", "in the party's language");
    assert!(
        matches!(&email.message, Message::PartyInvitation { site_name, .. } if site_name == "North Campus")
    );
    let parties = w.service.list_parties(&w.admin, site.id).await.unwrap();
    assert_eq!(parties.len(), 2);
}

#[tokio::test]
async fn an_invitation_needs_an_email_and_the_invite_permission() {
    let w = World::new().await;
    let site = w
        .service
        .create_site(&w.admin, SiteDetails::named(Label::parse("North Campus").unwrap()))
        .await
        .unwrap();
    assert_eq!(
        w.service.save_party(&w.admin, site.id, student(None), true).await.unwrap_err(),
        SavePartyError::NoEmail
    );
    let (_, paralegal) = w.add_signed_in("pat@maple.example", "Paralegal").await;
    assert!(paralegal.may(Permission::PartiesManage));
    let saved =
        w.service.save_party(&paralegal, site.id, student(Some("j@student.example")), false).await.unwrap();
    assert_eq!(
        w.service.invite_party(&paralegal, saved.id).await.unwrap_err(),
        InvitePartyError::Access(AccessError::Forbidden(Permission::PartiesInvite))
    );
    w.service.invite_party(&w.admin, saved.id).await.unwrap();
}

#[tokio::test]
async fn a_new_party_invitation_voids_the_previous_link() {
    let w = World::new().await;
    let site = w
        .service
        .create_site(&w.admin, SiteDetails::named(Label::parse("North Campus").unwrap()))
        .await
        .unwrap();
    let party =
        w.service.save_party(&w.admin, site.id, student(Some("j@student.example")), true).await.unwrap();
    let first = Token::presented(&w.last_secret("j@student.example", "party_invitation").await);
    w.service.invite_party(&w.admin, party.id).await.unwrap();
    let second = Token::presented(&w.last_secret("j@student.example", "party_invitation").await);
    assert_ne!(first.expose(), second.expose());
    assert!(w.service.inspect_link(&first).await.unwrap().is_none());
}

#[tokio::test]
async fn parties_are_recorded_at_a_site_of_the_practice() {
    let w = World::new().await;
    let nowhere = SiteId::from_uuid(uuid_of(7));
    assert_eq!(
        w.service.save_party(&w.admin, nowhere, student(None), false).await.unwrap_err(),
        SavePartyError::SiteNotFound
    );
}

#[tokio::test]
async fn site_names_are_unique_in_a_practice() {
    let w = World::new().await;
    let name = || Label::parse("North Campus").unwrap();
    w.service.create_site(&w.admin, SiteDetails::named(name())).await.unwrap();
    assert_eq!(
        w.service.create_site(&w.admin, SiteDetails::named(name())).await.unwrap_err(),
        CreateSiteError::NameTaken
    );
}

fn uuid_of(n: u128) -> uuid::Uuid {
    uuid::Uuid::from_u128(n)
}
