//! The request time limit, on a router given 1 ms (the setting counts in
//! seconds, so this one test wires the HTTP service by hand): a sign-in
//! waiting for the hashing pool answers 503 `timeout` with `Retry-After`.
//! Backend-independent, so it runs once.

use crate::support::answer;
use serde_json::json;

#[tokio::test]
async fn a_request_that_takes_too_long_is_a_503_problem() {
    use identity_api::hashing::BoundedHasher;
    use identity_domain::system::{Argon2Cost, Argon2idHasher, OsRandom};
    use std::sync::Arc;
    let adapters = identity_memory::MemoryAdapters::new();
    let mut ports = adapters.ports();
    let argon2 = Argon2idHasher::new(Argon2Cost::default(), Arc::new(OsRandom)).unwrap();
    ports.hasher = Arc::new(BoundedHasher::new(argon2, 1, 4).unwrap());
    let service = identity_domain::IdentityService::new(ports, identity_domain::Config::default());
    let settings = identity_api::ApiSettings {
        request_timeout: std::time::Duration::from_millis(1),
        ..identity_api::ApiSettings::default()
    };
    let forgot = identity_http::forgot::ForgotQueue::start(
        service.clone(),
        1.try_into().unwrap(),
        1.try_into().unwrap(),
    );
    let state = identity_api::ApiState { service, settings: Arc::new(settings), forgot };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/v1/sessions", listener.local_addr().unwrap());
    let app = identity_api::router(state);
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .await
            .unwrap();
    });
    // Verifying a password on the hashing pool takes far longer than 1 ms.
    let body = json!({ "practice": "nowhere", "email": "a@b.example", "password": "whatever it is" });
    let slow = reqwest::Client::new().post(url).json(&body).send().await.unwrap();
    let answer = answer(slow).await;
    answer.assert_problem(503, "timeout");
    assert!(answer.headers.get("retry-after").is_some());
}
