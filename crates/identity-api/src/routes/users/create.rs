//! Creating a user: the credential modes (a typed or generated one-time
//! password, or an invitation), the body and the answer.

use super::*;

/// How a new user gets in. Every mode refuses fields it does not name
/// (the modes without fields are empty struct variants: serde lets a unit
/// variant of a tagged enum take any field). Its `Debug` never shows the
/// password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum CredentialBody {
    /// The system generates a one-time password, returned once.
    Generate {},
    /// The admin types a one-time password.
    Password {
        /// The password.
        #[schema(value_type = String, format = Password, min_length = 1, max_length = 128)]
        password: SecretString,
    },
    /// An invitation email with a join link.
    Invite {},
}

/// A user to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserBody {
    /// Sign-in email, unique in the practice for ever.
    #[schema(min_length = 3, max_length = 254)]
    pub email: String,
    /// Full name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// The role's id.
    pub role: Uuid,
    /// Extra profiles' ids.
    #[serde(default)]
    pub profiles: Vec<Uuid>,
    /// BCP 47 language tag.
    #[schema(min_length = 1, max_length = 64)]
    pub language: String,
    /// IANA time zone.
    #[schema(min_length = 1, max_length = 64)]
    pub time_zone: String,
    /// Phone.
    #[schema(min_length = 4, max_length = 40)]
    pub phone: Option<String>,
    /// Job title.
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    /// Admin-only notes (needs `users.notes`).
    #[schema(min_length = 1, max_length = 5000)]
    pub notes: Option<String>,
    /// Sites' ids.
    #[serde(default)]
    pub sites: Vec<Uuid>,
    /// Password or invitation.
    pub credential: CredentialBody,
}

impl CreateUserBody {
    fn into_domain(self) -> Result<NewUser, ApiError> {
        let mut f = Fields::default();
        let email = f.check("email", EmailAddress::parse(&self.email));
        let name = f.check("name", PersonName::parse(&self.name));
        let language = f.check("language", Language::parse(&self.language));
        let time_zone = f.check("time_zone", TimeZone::parse(&self.time_zone));
        let phone = f.optional("phone", self.phone.as_deref(), Phone::parse);
        let title = f.optional("title", self.title.as_deref(), Label::parse);
        let notes = f.optional("notes", self.notes.as_deref(), Note::parse);
        let credential = match self.credential {
            CredentialBody::Generate {} => InitialCredential::GeneratePassword,
            CredentialBody::Password { password } => InitialCredential::SetPassword(password),
            CredentialBody::Invite {} => InitialCredential::Invite,
        };
        let built = (|| {
            Some(NewUser {
                email: email?,
                name: name?,
                role: RoleId::from_uuid(self.role),
                profiles: ids(&self.profiles),
                language: language?,
                time_zone: time_zone?,
                phone: phone?,
                title: title?,
                notes: notes?,
                sites: ids(&self.sites),
                credential,
            })
        })();
        f.finish(built)
    }
}

/// A user just created.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUserView {
    /// The user.
    pub user: UserView,
    /// The generated one-time password, shown this once (mode `generate`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_password: Option<String>,
}

/// Creates a user: with a one-time password (generated or typed; a welcome
/// email is queued) or by invitation (status `invited`; an email with a
/// single-use join link is queued).
#[utoipa::path(post, path = "/users", tag = "users", security(("bearer" = [])), request_body = CreateUserBody,
    responses(
        (status = 201, description = "Created", body = CreatedUserView),
        Answers<CreateUserError>,
    ))]
pub(super) async fn create_user(
    State(state): State<ApiState>,
    auth: Authenticated,
    AppJson(body): AppJson<CreateUserBody>,
) -> Result<impl IntoResponse, ApiError> {
    let created = state.service.create_user(&auth.caller, body.into_domain()?).await?;
    let view = CreatedUserView {
        user: created.user.into(),
        generated_password: created.generated_password.map(|p| p.expose().to_owned()),
    };
    Ok((StatusCode::CREATED, AppJson(view)))
}
