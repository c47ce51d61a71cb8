//! `spawn_app(backend)`: a shopd on a port of its own, with a database of its own, for one
//! test; and typed helpers to talk to it over HTTP.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shopd::config::{LogFormat, Secret, ServeConfig};
use shopd::store::Store;
use tokio::sync::oneshot;

use crate::stripe_double::{self, StripeDouble};

pub const JWT_SECRET: &str = "test-secret-that-is-long-enough-for-hs256";

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Store,
    /// The Stripe double this shop talks to, when it was started with one.
    pub stripe: Option<StripeDouble>,
    _shutdown: oneshot::Sender<()>,
    _db: DbGuard,
}

/// A reply, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the one error shape and returns the code.
    pub fn error_code(&self) -> String {
        let body = self.json();
        let error = body.get("error").unwrap_or_else(|| panic!("no error in {body}"));
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
        error["code"].as_str().unwrap().to_string()
    }

    pub fn error_field(&self) -> Option<String> {
        self.json()["error"]["field"].as_str().map(str::to_string)
    }
}

pub fn test_config() -> ServeConfig {
    ServeConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        public_url: None,
        jwt_secret: Some(Secret::new(JWT_SECRET)),
        token_ttl_secs: 3600,
        admin_email: None,
        admin_password: None,
        currency: "usd".into(),
        stripe_secret_key: None,
        stripe_webhook_secret: None,
        stripe_api_base: "http://127.0.0.1:9".into(),
        payment_ttl_secs: 1800,
        log_format: LogFormat::Text,
        demo: false,
        request_timeout_secs: 30,
    }
}

/// A fresh database of the given kind; `None` for PostgreSQL when `TEST_DATABASE_URL` is unset.
pub async fn fresh_database(backend: Backend) -> Option<(String, DbGuard)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("shop.db").display());
            Some((url, DbGuard::Sqlite(dir)))
        }
        Backend::Postgres => {
            let admin_url = std::env::var("TEST_DATABASE_URL").ok()?;
            let name = format!("shopd_test_{}", shopd::domain::id::ObjectId::new());
            sqlx::any::install_default_drivers();
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url)
                .await
                .expect("TEST_DATABASE_URL is set but PostgreSQL is not reachable");
            sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                .execute(&mut conn)
                .await
                .unwrap();
            let _ = sqlx::Connection::close(conn).await;
            let url = with_database(&admin_url, &name);
            Some((url, DbGuard::Postgres { admin_url, name }))
        }
    }
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let without_db = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    format!("{without_db}/{name}{query}")
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, test_config()).await
}

pub async fn spawn_app_with(backend: Backend, config: ServeConfig) -> Option<TestApp> {
    let (database_url, guard) = fresh_database(backend).await?;
    let store = Store::connect(&database_url).await.unwrap();
    store.migrate().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut config = config;
    config.addr = addr;
    let state = shopd::build_state(config, store.clone()).await.unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(shopd::serve(listener, state, async move {
        let _ = rx.await;
    }));
    Some(TestApp {
        base: format!("http://{addr}"),
        client: reqwest::Client::new(),
        store,
        stripe: None,
        _shutdown: tx,
        _db: guard,
    })
}

pub const WEBHOOK_SECRET: &str = "whsec_test_secret";

/// A shop whose payments go to a Stripe double, with a webhook secret set.
pub async fn spawn_app_with_stripe(backend: Backend) -> Option<TestApp> {
    let double = StripeDouble::start().await;
    let mut config = test_config();
    config.stripe_secret_key = Some(Secret::new(stripe_double::SECRET_KEY));
    config.stripe_webhook_secret = Some(Secret::new(WEBHOOK_SECRET));
    config.stripe_api_base = double.base.clone();
    let mut app = spawn_app_with(backend, config).await?;
    app.stripe = Some(double);
    Some(app)
}

/// A shop whose payment sessions lapse after one second.
pub async fn spawn_app_with_short_sessions(backend: Backend) -> Option<TestApp> {
    let mut config = test_config();
    config.payment_ttl_secs = 1;
    spawn_app_with(backend, config).await
}

/// A `TestApp` for a server that runs elsewhere (a `shopd` process) on `database_url`; the
/// database is dropped with it.
pub async fn attach(base: String, database_url: &str, db: DbGuard) -> TestApp {
    let store = Store::connect(database_url).await.unwrap();
    let (tx, _) = oneshot::channel::<()>();
    TestApp {
        base,
        client: reqwest::Client::new(),
        store,
        stripe: None,
        _shutdown: tx,
        _db: db,
    }
}

pub enum DbGuard {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for DbGuard {
    fn drop(&mut self) {
        if let DbGuard::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime: use a thread with a runtime of its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(mut conn) = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url).await
                    {
                        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                            .execute(&mut conn)
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

impl TestApp {
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        self.send(req).await
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let resp = req.send().await.expect("request failed");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        Reply {
            status,
            headers,
            text,
        }
    }

    /// POSTs `body` as it is, with the given content type (none when `None`).
    pub async fn post_raw(&self, path: &str, token: &str, content_type: Option<&str>, body: String) -> Reply {
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .body(body);
        if let Some(content_type) = content_type {
            req = req.header("content-type", content_type);
        }
        self.send(req).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.request(Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.request(Method::PUT, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(Method::DELETE, path, token, None).await
    }

    /// Registers a customer and returns (token, user id).
    pub async fn customer(&self, name: &str) -> (String, String) {
        let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
        let reply = self
            .post(
                "/auth/register",
                None,
                json!({"name": name, "email": email, "password": "password123"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        let body = reply.json();
        (
            body["token"].as_str().unwrap().to_string(),
            body["user"]["_id"].as_str().unwrap().to_string(),
        )
    }

    /// Makes an admin through the CLI's path and logs it in; returns the token.
    pub async fn admin(&self) -> String {
        shopd::accounts::ensure_admin(&self.store, "admin@example.com", "admin-password", Some("Admin"))
            .await
            .unwrap();
        let reply = self
            .post(
                "/auth/login",
                None,
                json!({"email": "admin@example.com", "password": "admin-password"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.json()["token"].as_str().unwrap().to_string()
    }

    /// Creates a product as `admin` and returns its body.
    pub async fn product(&self, admin: &str, name: &str, price: i64, stock: Option<i64>) -> Value {
        let reply = self
            .post(
                "/products",
                Some(admin),
                json!({
                    "name": name, "price": price, "description": format!("The {name} set"),
                    "category": "Star Wars", "image": "https://example.com/a.png", "stock": stock
                }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.json()["product"].clone()
    }
}

/// An admin, two customers and a product with the given stock.
pub struct Shop {
    pub admin: String,
    pub ann: String,
    pub bob: String,
    pub product: String,
}

impl TestApp {
    pub async fn shop(&self, stock: Option<i64>) -> Shop {
        let admin = self.admin().await;
        let (ann, _) = self.customer("Ann").await;
        let (bob, _) = self.customer("Bob").await;
        let product = self.product(&admin, "AT-AT", 35000, stock).await["_id"]
            .as_str()
            .unwrap()
            .to_string();
        Shop {
            admin,
            ann,
            bob,
            product,
        }
    }

    /// True when the running shop (which has `JWT_SECRET` set) refuses `token`.
    pub fn tokens_differ_from_configured(&self, token: &str) -> bool {
        shopd::auth::Tokens::new(JWT_SECRET.as_bytes(), std::time::Duration::from_secs(60))
            .verify(token)
            .is_err()
    }

    pub async fn stock_of(&self, product: &str) -> Value {
        self.get(&format!("/products/{product}"), None).await.json()["stock"].clone()
    }
}

/// Runs each named test against SQLite, and against PostgreSQL when `TEST_DATABASE_URL` is
/// set: `on_both!(fn_a, fn_b)` where each is `async fn(TestApp)`; `on_both!(with = spawner;
/// …)` starts the shops with another `async fn(Backend) -> Option<TestApp>`.
#[macro_export]
macro_rules! on_both {
    (with = $spawn:path; $($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $spawn($crate::helpers::Backend::Sqlite).await.unwrap();
                    super::$name(app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(app) = $spawn($crate::helpers::Backend::Postgres).await else {
                        eprintln!("TEST_DATABASE_URL is not set: skipped on PostgreSQL");
                        return;
                    };
                    super::$name(app).await;
                }
            )*
        }
    };
    ($($name:ident),* $(,)?) => {
        $crate::on_both!(with = $crate::helpers::spawn_app; $($name),*);
    };
}
