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
pub mod store;
pub mod telemetry;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::auth::{Tokens, random_secret};
use crate::config::ServeConfig;
use crate::http::AppState;
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
    http::health::metrics_handle();
    Ok(AppState {
        store,
        tokens,
        config: Arc::new(config),
    })
}

/// Serves until `shutdown` resolves, then stops accepting and lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    let upkeep = tokio::spawn(http::health::metrics_upkeep());
    let served = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
    upkeep.abort();
    served
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
