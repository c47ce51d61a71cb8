//! A stand-in for Stripe's API on loopback, started by the tests: it records every call
//! (path, idempotency key, form fields) and answers as Stripe's API reference shows, or with
//! an error when told to.

use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use serde_json::json;

pub const SECRET_KEY: &str = "sk_test_double";

#[derive(Clone, Debug)]
pub struct Call {
    pub path: String,
    pub idempotency_key: Option<String>,
    pub authorization: Option<String>,
    pub form: Vec<(String, String)>,
}

impl Call {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Default)]
pub struct StripeDouble {
    pub base: String,
    calls: Arc<Mutex<Vec<Call>>>,
    fail_with: Arc<AtomicU16>,
    counter: Arc<AtomicUsize>,
}

impl StripeDouble {
    pub async fn start() -> StripeDouble {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let double = StripeDouble {
            base: format!("http://{}", listener.local_addr().unwrap()),
            ..StripeDouble::default()
        };
        let app = Router::new().fallback(answer).with_state(double.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        double
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    pub fn calls_to(&self, path: &str) -> Vec<Call> {
        self.calls().into_iter().filter(|c| c.path == path).collect()
    }

    /// From now on every call fails with this status (402 as a card error, 500 as an outage).
    pub fn fail_with(&self, status: u16) {
        self.fail_with.store(status, Ordering::SeqCst);
    }
}

async fn answer(
    State(double): State<StripeDouble>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let path = uri.path().to_string();
    double.calls.lock().unwrap().push(Call {
        path: path.clone(),
        idempotency_key: header("idempotency-key"),
        authorization: header("authorization"),
        form: serde_urlencoded::from_bytes(&body).unwrap_or_default(),
    });
    let failing = double.fail_with.load(Ordering::SeqCst);
    if failing != 0 {
        let status = StatusCode::from_u16(failing).unwrap();
        let message = if failing == 402 {
            "Your card was declined."
        } else {
            "An unknown error occurred"
        };
        return (
            status,
            axum::Json(json!({"error": {"message": message, "type": "card_error"}})),
        );
    }
    let n = double.counter.fetch_add(1, Ordering::SeqCst);
    let body = match path.as_str() {
        "/v1/checkout/sessions" => json!({
            "id": format!("cs_test_double{n}"), "object": "checkout.session",
            "url": format!("https://checkout.example.test/c/pay/cs_test_double{n}"), "status": "open"
        }),
        "/v1/payment_intents" => json!({
            "id": format!("pi_double{n}"), "object": "payment_intent",
            "client_secret": format!("pi_double{n}_secret_abc"), "status": "requires_payment_method"
        }),
        "/v1/products" => json!({"id": format!("prod_double{n}"), "object": "product"}),
        "/v1/prices" => json!({"id": format!("price_double{n}"), "object": "price"}),
        other => json!({"id": other.rsplit('/').nth(1).unwrap_or("x"), "object": "ok"}),
    };
    (StatusCode::OK, axum::Json(body))
}
