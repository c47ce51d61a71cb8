//! The OWASP API Security Top 10 (2023), one group per risk that applies to shopd. Checks
//! that live elsewhere in the suite are named in RELIABILITY.md rather than repeated here.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::{Backend, spawn_app_with, test_config};

// ---- API4: unrestricted resource consumption -----------------------------------------------

/// A client that sends its head and then stalls mid-body gets a 408 in the error shape
/// when the request timeout passes, and its connection is freed.
async fn a_client_that_stalls_mid_body_gets_a_408(backend: Backend) {
    let mut config = test_config();
    config.request_timeout_secs = 1;
    let Some(app) = spawn_app_with(backend, config).await else {
        eprintln!("TEST_DATABASE_URL is not set: skipped on PostgreSQL");
        return;
    };
    let (ann, _) = app.customer("Ann").await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let started = Instant::now();
    let reply = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let head = format!(
            "POST /orders HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {ann}\r\n\
             Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"items\": ["
        );
        stream.write_all(head.as_bytes()).unwrap();
        let mut reply = String::new();
        let _ = stream.read_to_string(&mut reply);
        reply
    })
    .await
    .unwrap();
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains(r#""code":"request_timeout""#), "{reply}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

mod timeouts {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_client_that_stalls_mid_body_gets_a_408_on_sqlite() {
        a_client_that_stalls_mid_body_gets_a_408(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_client_that_stalls_mid_body_gets_a_408_on_postgres() {
        a_client_that_stalls_mid_body_gets_a_408(Backend::Postgres).await;
    }
}
