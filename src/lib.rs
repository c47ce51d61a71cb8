//! shopd: the backend of an online shop.
//!
//! `main` only parses the command line; everything else is here, behind the
//! `serve(listener, state, shutdown)` seam that the tests use too.

pub mod accounts;
pub mod auth;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod maintenance;
pub mod payments;
pub mod store;
pub mod telemetry;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::auth::{Tokens, random_secret};
use crate::config::ServeConfig;
use crate::http::AppState;
use crate::payments::Payments;
use crate::store::Store;

pub use crate::http::router as app;

/// Builds the shared state: the token secret (from config, or made once and kept in the
/// database), and the admin of `SHOP_ADMIN_EMAIL`/`SHOP_ADMIN_PASSWORD` if both are set.
pub async fn build_state(config: ServeConfig, store: Store) -> anyhow::Result<AppState> {
    let secret = match &config.jwt_secret {
        Some(secret) => secret.expose().to_string(),
        None => store.setting_or_insert("jwt_secret", random_secret).await?,
    };
    if let (Some(email), Some(password)) = (&config.admin_email, &config.admin_password) {
        let outcome = accounts::ensure_admin(&store, email, password.expose(), None).await?;
        tracing::info!(?outcome, email = %email, "admin from SHOP_ADMIN_EMAIL");
    }
    let tokens = Tokens::new(secret.as_bytes(), config.token_ttl());
    let payments = Payments::from_config(&config)?;
    http::health::metrics_handle();
    Ok(AppState {
        store,
        tokens: Arc::new(tokens),
        config: Arc::new(config),
        payments: Arc::new(payments),
    })
}

/// Serves until `shutdown` resolves, then stops accepting and lets requests in flight finish.
///
/// This is `axum::serve` (HTTP/1.1, as axum serves it without its `http2` feature) with one
/// difference: hyper gets a timer, so that its header-read timeout (the request timeout)
/// applies and a client that never finishes its request head is cut off. `axum::serve` gives
/// hyper no timer, and such a connection stayed open for as long as the client liked.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let upkeep = tokio::spawn(maintenance::run(state.clone()));
    let metrics_upkeep = tokio::spawn(http::health::metrics_upkeep());
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(state.config.request_timeout());
    let app = app(state);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: wait rather than spin, as axum does.
                Err(err) => {
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = app.clone().map_request(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request.map(Body::new)
        });
        let connection = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    upkeep.abort();
    metrics_upkeep.abort();
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: no new connections, finishing requests in flight");
}
