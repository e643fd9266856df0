//! Sites (offices, campuses) and the parties recorded at them: students,
//! witnesses, faculty, staff, clients. "Save" records a party; "Send invite"
//! also emails an invitation to the limited portal.

use super::portal_admin::{__path_revoke_invitation, revoke_invitation};
use crate::ApiState;
use crate::dto::Fields;
use crate::error::{Answers, ApiError};
use crate::extract::{AppJson, AppPath, Authenticated};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{DateTime, NaiveDate, Utc};
use identity_domain::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(list_sites, create_site))
        .routes(routes!(update_site))
        .routes(routes!(list_parties, save_party))
        .routes(routes!(get_party, update_party))
        .routes(routes!(invite_party, revoke_invitation))
}

/// A site's name and address.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteBody {
    /// Its name, unique in the practice.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Its postal address (absent or `null`: none).
    #[schema(min_length = 1, max_length = 5000)]
    pub address: Option<String>,
    /// Its IANA time zone, when it differs from the practice's (absent or
    /// `null`: the practice's). The parties recorded at the site get it
    /// unless they choose their own.
    #[schema(min_length = 1, max_length = 64, example = "America/Toronto")]
    pub time_zone: Option<String>,
}

impl SiteBody {
    fn into_domain(self) -> Result<SiteDetails, ApiError> {
        let mut f = Fields::default();
        let name = f.check("name", Label::parse(&self.name));
        let address = f.optional("address", self.address.as_deref(), Note::parse);
        let time_zone = f.optional("time_zone", self.time_zone.as_deref(), TimeZone::parse);
        let built = (|| Some(SiteDetails { name: name?, address: address?, time_zone: time_zone? }))();
        f.finish(built)
    }
}

/// A site.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteView {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Postal address.
    pub address: Option<String>,
    /// Its own IANA time zone; `null`: the practice's.
    pub time_zone: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

impl From<Site> for SiteView {
    fn from(s: Site) -> Self {
        Self {
            id: s.id.as_uuid(),
            name: s.name.as_str().to_owned(),
            address: s.address.map(String::from),
            time_zone: s.time_zone.map(|z| z.name().to_owned()),
            created_at: s.created_at,
        }
    }
}

/// Every site of your practice.
#[utoipa::path(get, path = "/sites", tag = "sites", security(("bearer" = [])),
    responses(
        (status = 200, description = "The sites", body = Vec<SiteView>),
        Answers<ListSitesError>,
    ))]
async fn list_sites(
    State(state): State<ApiState>,
    auth: Authenticated,
) -> Result<AppJson<Vec<SiteView>>, ApiError> {
    let sites = state.service.list_sites(&auth.caller).await?;
    Ok(AppJson(sites.into_iter().map(SiteView::from).collect()))
}

/// Creates a site (needs `sites.manage`).
#[utoipa::path(post, path = "/sites", tag = "sites", security(("bearer" = [])), request_body = SiteBody,
    responses(
        (status = 201, description = "Created", body = SiteView),
        Answers<CreateSiteError>,
    ))]
async fn create_site(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppJson(body): AppJson<SiteBody>,
) -> Result<impl IntoResponse, ApiError> {
    let site = state.service.create_site(&auth.caller, body.into_domain()?).await?;
    Ok((StatusCode::CREATED, AppJson(SiteView::from(site))))
}

/// Renames a site or replaces its address and time zone (needs
/// `sites.manage`).
#[utoipa::path(put, path = "/sites/{id}", tag = "sites", security(("bearer" = [])), request_body = SiteBody,
    params(("id" = Uuid, Path, description = "The site's id")),
    responses(
        (status = 200, description = "The site", body = SiteView),
        Answers<UpdateSiteError>,
    ))]
async fn update_site(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<SiteId>,
    AppJson(body): AppJson<SiteBody>,
) -> Result<AppJson<SiteView>, ApiError> {
    Ok(AppJson(state.service.update_site(&auth.caller, id, body.into_domain()?).await?.into()))
}

/// A party's contact details and demographics (every optional field absent
/// or `null` means none).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyBody {
    /// `student`, `witness`, `faculty`, `staff`, `client` or `other`.
    #[schema(schema_with = crate::dto::party_kind_schema)]
    pub kind: String,
    /// Full name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Email (needed to invite them).
    #[schema(min_length = 3, max_length = 254)]
    pub email: Option<String>,
    /// Phone.
    #[schema(min_length = 4, max_length = 40)]
    pub phone: Option<String>,
    /// Postal address.
    #[schema(min_length = 1, max_length = 5000)]
    pub address: Option<String>,
    /// Date of birth, `YYYY-MM-DD`.
    #[schema(value_type = Option<String>, format = Date)]
    pub date_of_birth: Option<String>,
    /// Gender, as free text.
    #[schema(min_length = 1, max_length = 200)]
    pub gender: Option<String>,
    /// Grade (students) or position (staff, faculty).
    #[schema(min_length = 1, max_length = 200)]
    pub grade_or_position: Option<String>,
    /// Preferred language (BCP 47).
    #[schema(min_length = 1, max_length = 64)]
    pub language: Option<String>,
}

/// A party to record at a site: its details, and whether to invite it to
/// the portal now ("Send invite") or only record it ("Save").
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPartyBody {
    /// `student`, `witness`, `faculty`, `staff`, `client` or `other`.
    #[schema(schema_with = crate::dto::party_kind_schema)]
    pub kind: String,
    /// Full name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Email (needed to invite them).
    #[schema(min_length = 3, max_length = 254)]
    pub email: Option<String>,
    /// Phone.
    #[schema(min_length = 4, max_length = 40)]
    pub phone: Option<String>,
    /// Postal address.
    #[schema(min_length = 1, max_length = 5000)]
    pub address: Option<String>,
    /// Date of birth, `YYYY-MM-DD`.
    #[schema(value_type = Option<String>, format = Date)]
    pub date_of_birth: Option<String>,
    /// Gender, as free text.
    #[schema(min_length = 1, max_length = 200)]
    pub gender: Option<String>,
    /// Grade (students) or position (staff, faculty).
    #[schema(min_length = 1, max_length = 200)]
    pub grade_or_position: Option<String>,
    /// Preferred language (BCP 47).
    #[schema(min_length = 1, max_length = 64)]
    pub language: Option<String>,
    /// `true`: also email an invitation to the portal (needs
    /// `parties.invite` and an email); `false`: only record them.
    pub invite: bool,
}

impl NewPartyBody {
    fn split(self) -> (PartyBody, bool) {
        let Self {
            kind,
            name,
            email,
            phone,
            address,
            date_of_birth,
            gender,
            grade_or_position,
            language,
            invite,
        } = self;
        let details = PartyBody {
            kind,
            name,
            email,
            phone,
            address,
            date_of_birth,
            gender,
            grade_or_position,
            language,
        };
        (details, invite)
    }
}

impl PartyBody {
    fn into_domain(self) -> Result<PartyDetails, ApiError> {
        let mut f = Fields::default();
        let kind = f.check(
            "kind",
            PartyKind::parse(&self.kind).ok_or("use student, witness, faculty, staff, client or other"),
        );
        let name = f.check("name", PersonName::parse(&self.name));
        let email = f.optional("email", self.email.as_deref(), EmailAddress::parse);
        let phone = f.optional("phone", self.phone.as_deref(), Phone::parse);
        let address = f.optional("address", self.address.as_deref(), Note::parse);
        let date_of_birth = f.optional("date_of_birth", self.date_of_birth.as_deref(), |d| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| "use YYYY-MM-DD")
        });
        let gender = f.optional("gender", self.gender.as_deref(), Label::parse);
        let grade_or_position =
            f.optional("grade_or_position", self.grade_or_position.as_deref(), Label::parse);
        let language = f.optional("language", self.language.as_deref(), Language::parse);
        let built = (|| {
            Some(PartyDetails {
                kind: kind?,
                name: name?,
                email: email?,
                phone: phone?,
                address: address?,
                date_of_birth: date_of_birth?,
                gender: gender?,
                grade_or_position: grade_or_position?,
                language: language?,
            })
        })();
        f.finish(built)
    }
}

/// A party.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartyView {
    /// Id.
    pub id: Uuid,
    /// The site it is recorded at.
    pub site: Uuid,
    /// `student`, `witness`, `faculty`, `staff`, `client` or `other`.
    pub kind: String,
    /// Full name.
    pub name: String,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Gender.
    pub gender: Option<String>,
    /// Grade or position.
    pub grade_or_position: Option<String>,
    /// Preferred language.
    pub language: Option<String>,
    /// `not_invited` or `invited`.
    pub portal: String,
    /// Recorded.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Party> for PartyView {
    fn from(p: Party) -> Self {
        let d = p.details;
        Self {
            id: p.id.as_uuid(),
            site: p.site.as_uuid(),
            kind: d.kind.as_str().to_owned(),
            name: d.name.as_str().to_owned(),
            email: d.email.map(|e| e.as_str().to_owned()),
            phone: d.phone.map(String::from),
            address: d.address.map(String::from),
            date_of_birth: d.date_of_birth,
            gender: d.gender.map(String::from),
            grade_or_position: d.grade_or_position.map(String::from),
            language: d.language.map(|l| l.as_str().to_owned()),
            portal: match p.portal {
                PortalStatus::NotInvited => "not_invited",
                PortalStatus::Invited => "invited",
            }
            .to_owned(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// The parties recorded at a site (needs `parties.manage`).
#[utoipa::path(get, path = "/sites/{id}/parties", tag = "sites", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The site's id")),
    responses(
        (status = 200, description = "The site's parties", body = Vec<PartyView>),
        Answers<ListPartiesError>,
    ))]
async fn list_parties(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<SiteId>,
) -> Result<AppJson<Vec<PartyView>>, ApiError> {
    let parties = state.service.list_parties(&auth.caller, id).await?;
    Ok(AppJson(parties.into_iter().map(PartyView::from).collect()))
}

/// Records a party at a site ("Save", needs `parties.manage`); with
/// `"invite": true` also queues an invitation to the portal ("Send
/// invite", needs `parties.invite` and an email). Nothing is recorded when
/// the invitation is refused.
#[utoipa::path(post, path = "/sites/{id}/parties", tag = "sites", security(("bearer" = [])), request_body = NewPartyBody,
    params(("id" = Uuid, Path, description = "The site's id")),
    responses(
        (status = 201, description = "Recorded (and invited)", body = PartyView),
        Answers<SavePartyError>,
    ))]
async fn save_party(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<SiteId>,
    AppJson(body): AppJson<NewPartyBody>,
) -> Result<impl IntoResponse, ApiError> {
    let (details, invite) = body.split();
    let party = state.service.save_party(&auth.caller, id, details.into_domain()?, invite).await?;
    Ok((StatusCode::CREATED, AppJson(PartyView::from(party))))
}

/// One party (needs `parties.manage`).
#[utoipa::path(get, path = "/parties/{id}", tag = "sites", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The party's id")),
    responses(
        (status = 200, description = "The party", body = PartyView),
        Answers<ReadPartyError>,
    ))]
async fn get_party(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<PartyId>,
) -> Result<AppJson<PartyView>, ApiError> {
    Ok(AppJson(state.service.get_party(&auth.caller, id).await?.into()))
}

/// Replaces a party's details (needs `parties.manage`). Invite with
/// `POST /parties/{id}/invite`.
#[utoipa::path(put, path = "/parties/{id}", tag = "sites", security(("bearer" = [])), request_body = PartyBody,
    params(("id" = Uuid, Path, description = "The party's id")),
    responses(
        (status = 200, description = "The party", body = PartyView),
        Answers<UpdatePartyError>,
    ))]
async fn update_party(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<PartyId>,
    AppJson(body): AppJson<PartyBody>,
) -> Result<AppJson<PartyView>, ApiError> {
    Ok(AppJson(state.service.update_party(&auth.caller, id, body.into_domain()?).await?.into()))
}

/// Invites a recorded party to the portal (again: the previous link dies).
/// Needs `parties.manage` and `parties.invite`.
#[utoipa::path(post, path = "/parties/{id}/invite", tag = "sites", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The party's id")),
    responses(
        (status = 200, description = "Invited", body = PartyView),
        Answers<InvitePartyError>,
    ))]
async fn invite_party(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppPath(id): AppPath<PartyId>,
) -> Result<AppJson<PartyView>, ApiError> {
    Ok(AppJson(state.service.invite_party(&auth.caller, id).await?.into()))
}
