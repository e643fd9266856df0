//! `spawn_app()`: the real router on a bound loopback port, a practice with
//! a signed-in Super Admin, and typed request helpers.

#![allow(dead_code)]

use crate::backend::Adapters;
use identity_api::{ApiSettings, ApiState};
use identity_domain::*;
use identity_http::forgot::ForgotQueue;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;

pub const PASSWORD: &str = "a long and private passphrase";

pub struct App {
    pub base: String,
    pub http: reqwest::Client,
    pub adapters: Adapters,
    pub service: IdentityService,
    /// The Super Admin's bearer token.
    pub admin: String,
    /// The forgot-password queue the server answers before working.
    pub forgot: ForgotQueue,
    pub owner: UserId,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn problem_type(&self) -> &str {
        self.body["type"].as_str().unwrap_or_default()
    }

    /// Asserts a problem+json answer of `status` and `kind`.
    pub fn assert_problem(&self, status: u16, kind: &str) {
        assert_eq!(self.status.as_u16(), status, "{:#}", self.body);
        assert_eq!(
            self.headers.get("content-type").unwrap().to_str().unwrap(),
            "application/problem+json",
            "{:#}",
            self.body
        );
        assert_eq!(self.problem_type(), format!("urn:practice-identity:problem:{kind}"), "{:#}", self.body);
    }
}

pub async fn spawn_app() -> App {
    spawn_app_with(ApiSettings::default()).await
}

/// HTTP settings for suites that sign in more often than one client
/// address may in a minute.
pub fn without_rate_limits() -> ApiSettings {
    ApiSettings {
        anonymous_per_minute: std::num::NonZeroU32::new(100_000).unwrap(),
        ..ApiSettings::default()
    }
}

pub async fn spawn_app_with(settings: ApiSettings) -> App {
    let (ports, adapters) = crate::backend::fresh().await;
    let service = IdentityService::new(ports, Config::default());
    let created = service
        .create_practice(NewPractice {
            slug: PracticeSlug::parse("maple-law").unwrap(),
            name: Label::parse("Maple Immigration").unwrap(),
            settings: PracticeSettings::default(),
            admin_email: EmailAddress::parse("owner@maple.example").unwrap(),
            admin_name: PersonName::parse("Olivia Owner").unwrap(),
            admin_language: Language::english(),
            admin_time_zone: TimeZone::parse("America/Toronto").unwrap(),
        })
        .await
        .unwrap();
    let forgot = ForgotQueue::start(service.clone(), 64.try_into().unwrap(), 2.try_into().unwrap());
    let state = ApiState { service: service.clone(), settings: Arc::new(settings), forgot: forgot.clone() };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = identity_api::router(state);
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .await
            .unwrap();
    });
    let http = reqwest::Client::builder().build().unwrap();
    let mut app =
        App { base, http, adapters, service, admin: String::new(), forgot, owner: created.admin.id };
    app.admin = app.first_sign_in("owner@maple.example", created.admin_password.expose()).await;
    app
}

impl App {
    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answered = answer(request.send().await.unwrap()).await;
        if path == "/api/v1/password/forgot" {
            // Its work runs after the answer: the tests look at what it did.
            self.forgot.settled().await;
        }
        answered
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::PUT, path, Some(token), Some(body)).await
    }

    /// Signs in to another practice than `maple-law`.
    pub async fn sign_in_at(&self, practice: &str, email: &str, password: &str) -> Answer {
        let body = json!({ "practice": practice, "email": email, "password": password });
        self.call(Method::POST, "/api/v1/sessions", None, Some(body)).await
    }

    /// The secret (link token or password) of the newest email of `kind`
    /// to `to`, read from the outbox as the mail worker would.
    pub async fn last_secret(&self, to: &str, kind: &str) -> String {
        let outbox = self.adapters.outbox().await;
        let email = outbox
            .iter()
            .rev()
            .find(|e| e.to.as_str() == to && e.message.kind() == kind)
            .unwrap_or_else(|| panic!("no {kind} email to {to}"));
        let message = serde_json::to_value(&email.message).unwrap();
        message.get("token").or_else(|| message.get("password")).unwrap().as_str().unwrap().to_owned()
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Answer {
        let body = json!({ "practice": "maple-law", "email": email, "password": password });
        self.call(Method::POST, "/api/v1/sessions", None, Some(body)).await
    }

    /// Signs in with a one-time password, changes it to [`PASSWORD`], and
    /// returns the token.
    pub async fn first_sign_in(&self, email: &str, one_time: &str) -> String {
        let signed = self.sign_in(email, one_time).await;
        assert_eq!(signed.status, StatusCode::CREATED, "{:#}", signed.body);
        let token = signed.body["token"].as_str().unwrap().to_owned();
        let body = json!({ "current_password": one_time, "new_password": PASSWORD });
        let changed = self.call(Method::PUT, "/api/v1/me/password", Some(&token), Some(body)).await;
        assert_eq!(changed.status, StatusCode::NO_CONTENT, "{:#}", changed.body);
        token
    }

    pub async fn role(&self, name: &str) -> RoleId {
        let caller = self.service.authenticate(&Token::presented(&self.admin)).await.unwrap();
        self.service
            .list_roles(&caller)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.name.as_str() == name)
            .unwrap()
            .id
    }

    /// Creates a user with a generated password through the API; returns
    /// its id and a signed-in token.
    pub async fn add_user(&self, email: &str, role: &str) -> (String, String) {
        let body = json!({
            "email": email, "name": "Some Person", "role": self.role(role).await,
            "language": "en", "time_zone": "UTC", "credential": { "mode": "generate" },
        });
        let created = self.post("/api/v1/users", &self.admin, body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{:#}", created.body);
        let id = created.body["user"]["id"].as_str().unwrap().to_owned();
        let token = self.first_sign_in(email, created.body["generated_password"].as_str().unwrap()).await;
        (id, token)
    }

    pub async fn admin_caller(&self) -> Caller {
        self.service.authenticate(&Token::presented(&self.admin)).await.unwrap()
    }
}

pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    let body =
        if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
    Answer { status, headers, body }
}
