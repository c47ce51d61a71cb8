//! Real `shopd serve` processes, run as an operator runs them: three on one PostgreSQL
//! database racing for the last units, one killed with SIGKILL under load and restarted, one
//! stopped with SIGTERM under load.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, attach, fresh_database};

const ADMIN_EMAIL: &str = "admin@example.com";
const ADMIN_PASSWORD: &str = "admin-password";

/// One `shopd serve` process; killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// Starts a process without waiting for it; the token secret is left to the database, so
    /// that processes and restarts share it as they do in production.
    fn spawn(database_url: &str) -> Server {
        Server::spawn_with(database_url, &[])
    }

    /// Starts a process with extra environment variables.
    fn spawn_with(database_url: &str, env: &[(&str, &str)]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_shopd"))
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", database_url)
            .env("SHOP_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("SHOP_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env_remove("JWT_SECRET")
            .env("RUST_LOG", "error")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .spawn()
            .expect("the shopd binary starts");
        Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn ready(mut self) -> Server {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = client.get(format!("{}/readyz", self.base)).send().await
                && r.status() == StatusCode::OK
            {
                return self;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("shopd exited before it was ready: {status}");
            }
            assert!(Instant::now() < deadline, "shopd did not become ready in 60 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn start(database_url: &str) -> Server {
        Server::spawn(database_url).ready().await
    }

    /// SIGKILL: no chance to finish anything.
    fn kill_9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit by itself, up to `limit`.
    async fn exit_within(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "shopd did not exit within {limit:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Processes and the app (client and database) that outlives them: the processes are
/// stopped before the database is dropped.
struct Cluster {
    servers: Vec<Server>,
    app: TestApp,
    database_url: String,
}

async fn cluster(backend: Backend, processes: usize) -> Option<Cluster> {
    cluster_with(backend, processes, &[]).await
}

async fn cluster_with(backend: Backend, processes: usize, env: &[(&str, &str)]) -> Option<Cluster> {
    let (database_url, guard) = fresh_database(backend).await?;
    // All at once: migrations, the token secret and the admin are made by racing processes.
    let spawned: Vec<Server> = (0..processes)
        .map(|_| Server::spawn_with(&database_url, env))
        .collect();
    let servers = futures::future::join_all(spawned.into_iter().map(Server::ready)).await;
    let app = attach(servers[0].base.clone(), &database_url, guard).await;
    Some(Cluster {
        servers,
        app,
        database_url,
    })
}

async fn admin_token(app: &TestApp) -> String {
    let reply = app
        .post(
            "/auth/login",
            None,
            json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()["token"].as_str().unwrap().to_string()
}

async fn customers(app: &TestApp, n: usize) -> Vec<String> {
    let mut tokens = Vec::new();
    for i in 0..n {
        tokens.push(app.customer(&format!("Buyer {i}")).await.0);
    }
    tokens
}

fn id_of(product: &Value) -> String {
    product["_id"].as_str().unwrap().to_string()
}

async fn three_processes_on_one_postgresql_sell_the_last_units_exactly_once() {
    const UNITS: usize = 10;
    const REQUESTS: usize = 150;
    let Some(c) = cluster(Backend::Postgres, 3).await else {
        eprintln!("TEST_DATABASE_URL is not set: skipped");
        return;
    };
    let app = &c.app;
    let admin = admin_token(app).await;
    let product = id_of(&app.product(&admin, "Last units", 100, Some(UNITS as i64)).await);
    // Tokens made by the first process work on the others: the secret is in the database.
    let buyers = customers(app, 6).await;
    let body = json!({"items": [{"product_id": product, "quantity": 1}]});
    let requests = (0..REQUESTS).map(|i| {
        let req = app
            .client
            .post(format!("{}/orders", c.servers[i % c.servers.len()].base))
            .bearer_auth(&buyers[i % buyers.len()])
            .json(&body);
        async move {
            let reply = req.send().await.unwrap();
            let status = reply.status();
            (status, reply.json::<Value>().await.unwrap())
        }
    });
    let replies = futures::future::join_all(requests).await;
    let statuses: Vec<StatusCode> = replies.iter().map(|(s, _)| *s).collect();
    let created: Vec<&Value> = replies
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .map(|(_, b)| b)
        .collect();
    let conflicts = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
    assert_eq!(created.len(), UNITS, "{statuses:?}");
    assert_eq!(conflicts, REQUESTS - UNITS, "{statuses:?}");
    let stock = app.get(&format!("/products/{product}"), None).await.json()["stock"].clone();
    assert_eq!(stock, 0);
    let mut nums: Vec<i64> = created
        .iter()
        .map(|b| b["order"]["orderNum"].as_i64().unwrap())
        .collect();
    nums.sort();
    nums.dedup();
    assert_eq!(nums.len(), UNITS, "order numbers are unique across processes");
    let listed = app.get("/orders?limit=100", Some(&admin)).await;
    assert_eq!(listed.header("x-total-count"), Some(UNITS.to_string().as_str()));
}

/// Every process sweeps for lapsed payment sessions; each lapsed order is cancelled once and
/// its stock comes back once, however many processes see it.
async fn three_processes_expiring_sessions_give_each_orders_stock_back_once() {
    const ORDERS: usize = 10;
    let Some(c) = cluster_with(Backend::Postgres, 3, &[("SHOP_PAYMENT_TTL", "1")]).await else {
        eprintln!("TEST_DATABASE_URL is not set: skipped");
        return;
    };
    let app = &c.app;
    let admin = admin_token(app).await;
    let product = id_of(
        &app.product(&admin, "Held units", 100, Some(2 * ORDERS as i64))
            .await,
    );
    let buyers = customers(app, ORDERS).await;
    for (i, buyer) in buyers.iter().enumerate() {
        let reply = app
            .send(
                app.client
                    .post(format!("{}/orders/checkout", c.servers[i % c.servers.len()].base))
                    .bearer_auth(buyer)
                    .json(&json!([{"product_id": product, "quantity": 2}])),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    assert_eq!(app.stock_of(&product).await, 0);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let orders = app.get("/orders?limit=100", Some(&admin)).await.json();
        let cancelled = orders
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["order"]["status"] == "cancelled")
            .count();
        if cancelled == ORDERS {
            for o in orders.as_array().unwrap() {
                // Placed (0), session saved (1), cancelled (2): moved exactly once.
                assert_eq!(o["order"]["__v"], 2, "{o}");
            }
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {cancelled} of {ORDERS} orders lapsed in 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Give the other processes' sweeps time to (wrongly) release again, then check.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(app.stock_of(&product).await, 2 * ORDERS as i64);
}

/// What the load saw: orders that got a 201 (id → owner's token and quantities by product),
/// orders whose delete got a 200, and orders whose delete was sent but got no reply.
#[derive(Default)]
struct Seen {
    placed: HashMap<String, (String, Vec<(String, i64)>)>,
    deleted: Vec<String>,
    unsure: Vec<String>,
}

/// Places (and now and then deletes) orders from `buyers` until a request fails or `stop`
/// passes; records what succeeded.
async fn order_load(
    app: &TestApp,
    base: &str,
    buyers: &[String],
    products: &[String],
    seen: Arc<Mutex<Seen>>,
) {
    let tasks = (0..8).map(|worker| {
        let (client, seen) = (app.client.clone(), seen.clone());
        let token = buyers[worker % buyers.len()].clone();
        let products = products.to_vec();
        let base = base.to_string();
        async move {
            for round in 0.. {
                let quantity = (round % 3 + 1) as i64;
                let mut lines = vec![(products[round % products.len()].clone(), quantity)];
                if round % 4 == 0 {
                    lines.push((products[(round + 1) % products.len()].clone(), 1));
                }
                let items: Vec<Value> = lines
                    .iter()
                    .map(|(p, q)| json!({"product_id": p, "quantity": q}))
                    .collect();
                let Ok(reply) = client
                    .post(format!("{base}/orders"))
                    .bearer_auth(&token)
                    .json(&json!({"items": items}))
                    .send()
                    .await
                else {
                    return;
                };
                assert_eq!(reply.status(), StatusCode::CREATED);
                let Ok(body) = reply.json::<Value>().await else {
                    return;
                };
                let id = body["order"]["_id"].as_str().unwrap().to_string();
                seen.lock()
                    .unwrap()
                    .placed
                    .insert(id.clone(), (token.clone(), lines));
                if round % 5 == 0 {
                    let Ok(reply) = client
                        .delete(format!("{base}/orders/{id}"))
                        .bearer_auth(&token)
                        .send()
                        .await
                    else {
                        seen.lock().unwrap().unsure.push(id);
                        return;
                    };
                    assert_eq!(reply.status(), StatusCode::OK);
                    seen.lock().unwrap().deleted.push(id);
                }
            }
        }
    });
    futures::future::join_all(tasks).await;
}

/// Initial stock = stock left + the quantities held by orders that are not cancelled.
async fn assert_stock_adds_up(app: &TestApp, products: &[String], initial: i64) {
    for product in products {
        let left: i64 = sqlx::query_scalar("SELECT stock FROM product_stock WHERE id = $1")
            .bind(product)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
        let held: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(l.quantity), 0) AS BIGINT) FROM order_lines l \
             JOIN orders o ON o.id = l.order_id WHERE l.product_id = $1 AND o.status <> 'cancelled'",
        )
        .bind(product)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
        assert_eq!(
            initial,
            left + held,
            "product {product}: {left} left, {held} held"
        );
    }
}

async fn every_order_that_got_a_201_survives_kill_9_and_the_stock_adds_up(backend: Backend) {
    const STOCK: i64 = 100_000;
    let Some(mut c) = cluster(backend, 1).await else {
        eprintln!("TEST_DATABASE_URL is not set: skipped");
        return;
    };
    let admin = admin_token(&c.app).await;
    let mut products = Vec::new();
    for name in ["Crash A", "Crash B", "Crash C"] {
        products.push(id_of(&c.app.product(&admin, name, 250, Some(STOCK)).await));
    }
    let buyers = customers(&c.app, 4).await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let base = c.servers[0].base.clone();
    let load = order_load(&c.app, &base, &buyers, &products, seen.clone());
    let killer = async {
        while seen.lock().unwrap().placed.len() < 60 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        c.servers[0].kill_9();
    };
    futures::join!(load, killer);

    let restarted = Server::start(&c.database_url).await;
    c.app.base = restarted.base.clone();
    c.servers.push(restarted);
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    let deleted: std::collections::HashSet<&String> = seen.deleted.iter().collect();
    for (id, (token, lines)) in &seen.placed {
        let reply = c.app.get(&format!("/orders/{id}"), Some(token)).await;
        // A delete whose reply was cut by the kill may or may not have happened.
        if seen.unsure.contains(id) && reply.status == StatusCode::NOT_FOUND {
            continue;
        }
        if deleted.contains(id) {
            assert_eq!(
                reply.status,
                StatusCode::NOT_FOUND,
                "deleted order {id} came back"
            );
            continue;
        }
        assert_eq!(reply.status, StatusCode::OK, "order {id} got a 201 and was lost");
        let got: Vec<(String, i64)> = reply.json()["orderLines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["product_id"]["_id"].as_str().unwrap().to_string(),
                    l["quantity"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(&got, lines, "order {id}");
    }
    assert_stock_adds_up(&c.app, &products, STOCK).await;
    // And the restarted process takes orders again.
    let reply = c
        .app
        .post(
            "/orders",
            Some(&buyers[0]),
            json!({"items": [{"product_id": products[0], "quantity": 1}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
}

/// Sends a request's head and half its body, and returns the socket and the rest.
fn half_sent_order(base: &str, token: &str, product: &str) -> (std::net::TcpStream, Vec<u8>) {
    let addr = base.trim_start_matches("http://");
    let body = json!({"items": [{"product_id": product, "quantity": 1}]}).to_string();
    let head = format!(
        "POST /orders HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let (first, rest) = body.as_bytes().split_at(body.len() / 2);
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(first).unwrap();
    (stream, rest.to_vec())
}

async fn sigterm_under_load_fails_no_request_it_accepted(backend: Backend) {
    let Some(mut c) = cluster(backend, 1).await else {
        eprintln!("TEST_DATABASE_URL is not set: skipped");
        return;
    };
    let admin = admin_token(&c.app).await;
    let product = id_of(&c.app.product(&admin, "Unlimited", 100, None).await);
    let buyers = customers(&c.app, 4).await;
    // A request that is surely in flight when SIGTERM comes: half its body is sent.
    let (mut slow, rest) = half_sent_order(&c.servers[0].base, &buyers[0], &product);
    let seen = Arc::new(Mutex::new(Seen::default()));
    let base = c.servers[0].base.clone();
    let load = order_load(
        &c.app,
        &base,
        &buyers,
        std::slice::from_ref(&product),
        seen.clone(),
    );
    let stopper = async {
        while seen.lock().unwrap().placed.len() < 40 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        c.servers[0].sigterm();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let finished = tokio::task::spawn_blocking(move || {
            slow.write_all(&rest).unwrap();
            let mut reply = String::new();
            slow.read_to_string(&mut reply).unwrap();
            reply
        })
        .await
        .unwrap();
        assert!(
            finished.starts_with("HTTP/1.1 201"),
            "the request in flight at SIGTERM failed: {finished}"
        );
    };
    // The load's tasks assert that every reply they get is a success, and stop at the first
    // request that the stopping server did not take.
    futures::join!(load, stopper);
    let status = c.servers[0].exit_within(Duration::from_secs(30)).await;
    assert!(status.success(), "shopd exited with {status}");

    // Every order in the database is one whose 201 reached its client (or the slow one).
    let placed = seen.lock().unwrap().placed.len() as i64;
    let deleted = seen.lock().unwrap().deleted.len() as i64;
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders")
        .fetch_one(c.app.store.pool())
        .await
        .unwrap();
    assert_eq!(
        stored,
        placed - deleted + 1,
        "an order was placed but its reply was lost"
    );
}

mod sqlite {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_order_that_got_a_201_survives_kill_9_and_the_stock_adds_up() {
        super::every_order_that_got_a_201_survives_kill_9_and_the_stock_adds_up(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sigterm_under_load_fails_no_request_it_accepted() {
        super::sigterm_under_load_fails_no_request_it_accepted(Backend::Sqlite).await;
    }
}

mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn three_processes_on_one_postgresql_sell_the_last_units_exactly_once() {
        super::three_processes_on_one_postgresql_sell_the_last_units_exactly_once().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn three_processes_expiring_sessions_give_each_orders_stock_back_once() {
        super::three_processes_expiring_sessions_give_each_orders_stock_back_once().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_order_that_got_a_201_survives_kill_9_and_the_stock_adds_up() {
        super::every_order_that_got_a_201_survives_kill_9_and_the_stock_adds_up(Backend::Postgres).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sigterm_under_load_fails_no_request_it_accepted() {
        super::sigterm_under_load_fails_no_request_it_accepted(Backend::Postgres).await;
    }
}
