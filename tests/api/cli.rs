//! The `shopd` binary: `migrate`, `admin create`, `seed --demo`, and `serve` stopping on SIGTERM.

use std::process::{Command, Output};
use std::time::Duration;

use serde_json::json;
use shopd::store::Store;

use crate::helpers::{Backend, fresh_database};

fn shopd(database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shopd"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("shopd runs")
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn migrate_applies_the_migrations_and_exits(url: String) {
    assert!(stdout(&shopd(&url, &["migrate"])).contains("migrations applied"));
    let store = Store::connect(&url).await.unwrap();
    let categories = store.categories().await.unwrap();
    assert_eq!(categories.len(), 11);
    // A second run has nothing to do and still succeeds.
    stdout(&shopd(&url, &["migrate"]));
    store.close().await;
}

async fn admin_create_makes_an_admin_or_promotes_the_user(url: String) {
    let out = stdout(&shopd(
        &url,
        &[
            "admin",
            "create",
            "--email",
            "Boss@Example.com",
            "--password",
            "password123",
            "--name",
            "Boss",
        ],
    ));
    assert!(out.contains("admin created"), "{out}");
    let again = stdout(&shopd(
        &url,
        &[
            "admin",
            "create",
            "--email",
            "boss@example.com",
            "--password",
            "password123",
        ],
    ));
    assert!(again.contains("already an admin"), "{again}");
    let store = Store::connect(&url).await.unwrap();
    let email = shopd::domain::user::Email::parse("ann@example.com").unwrap();
    store
        .create_user(
            "Ann",
            &email,
            "not-a-real-hash",
            shopd::domain::user::Role::Customer,
        )
        .await
        .unwrap();
    let promoted = stdout(&shopd(
        &url,
        &[
            "admin",
            "create",
            "--email",
            "ann@example.com",
            "--password",
            "whatever1",
        ],
    ));
    assert!(promoted.contains("promoted"), "{promoted}");
    assert_eq!(store.user_by_email(&email).await.unwrap().unwrap().role, "admin");
    let bad = shopd(
        &url,
        &[
            "admin",
            "create",
            "--email",
            "x@example.com",
            "--password",
            "short",
        ],
    );
    assert!(!bad.status.success());
    store.close().await;
}

async fn seed_demo_loads_the_catalogue_once(url: String) {
    let first = stdout(&shopd(&url, &["seed", "--demo"]));
    assert!(first.contains("products added"), "{first}");
    let store = Store::connect(&url).await.unwrap();
    let count = || async {
        let all = shopd::domain::product::ProductListParams::default()
            .parse()
            .unwrap();
        store.list_products(&all, &[]).await.unwrap().total
    };
    let n = count().await;
    assert!(n >= 30, "{n}");
    stdout(&shopd(&url, &["seed", "--demo"]));
    assert_eq!(count().await, n, "a second run adds nothing");
    store.close().await;
}

async fn serve_answers_and_stops_on_sigterm(url: String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_shopd"))
        .args(["serve", "--demo", "--addr", &addr])
        .env("DATABASE_URL", &url)
        .env("SHOP_LOG_FORMAT", "json")
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let mut products = None;
    for _ in 0..100 {
        if let Ok(reply) = client.get(format!("http://{addr}/products?limit=3")).send().await {
            products = Some(reply.json::<serde_json::Value>().await.unwrap());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let products = products.expect("shopd answered");
    assert!(products["total"].as_i64().unwrap() >= 30, "{products}");
    assert_eq!(products["products"].as_array().unwrap().len(), 3);
    let register = client
        .post(format!("http://{addr}/auth/register"))
        .json(&json!({"name": "Ann", "email": "ann@example.com", "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(register.status(), reqwest::StatusCode::CREATED);
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status:?}");
}

macro_rules! with_database {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let (url, _guard) = super::fresh_database(super::Backend::Sqlite).await.unwrap();
                    super::$name(url).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some((url, _guard)) = super::fresh_database(super::Backend::Postgres).await else {
                        eprintln!("TEST_DATABASE_URL is not set: skipped on PostgreSQL");
                        return;
                    };
                    super::$name(url).await;
                }
            )*
        }
    };
}

with_database!(
    migrate_applies_the_migrations_and_exits,
    admin_create_makes_an_admin_or_promotes_the_user,
    seed_demo_loads_the_catalogue_once,
    serve_answers_and_stops_on_sigterm,
);
