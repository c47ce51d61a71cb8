//! Background upkeep, in every process: cancel orders whose payment session expired (giving
//! their stock back), forget expired idempotency keys and login failures, and keep the
//! planner's statistics fresh where PostgreSQL's autovacuum is off. Safe with
//! several processes on one database: each cancel is guarded by the order's status, so only
//! one process moves an order and its stock comes back once.

use std::time::Duration;

use crate::domain::payment::PaymentOutcome;
use crate::domain::time::now_millis;
use crate::http::AppState;
use crate::store::payments::{PaymentEvent, Settlement};

const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// How often to look for expired sessions: a tenth of their lifetime, 1 to 30 seconds.
fn sweep_interval(ttl: Duration) -> Duration {
    (ttl / 10).clamp(Duration::from_secs(1), Duration::from_secs(30))
}

pub async fn run(state: AppState) {
    let mut sweep = tokio::time::interval(sweep_interval(state.config.payment_ttl()));
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut prune = tokio::time::interval(PRUNE_EVERY);
    loop {
        tokio::select! {
            _ = sweep.tick() => {
                if let Err(e) = expire_sessions(&state).await {
                    tracing::warn!(error = %e, "expiring payment sessions failed; will retry");
                }
            }
            _ = prune.tick() => {
                match state.store.prune().await {
                    Ok(n) if n > 0 => tracing::debug!(rows = n, "pruned expired keys and login failures"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "pruning failed; will retry"),
                }
                match state.store.upkeep().await {
                    Ok(done) if !done.is_empty() => tracing::info!(
                        vacuumed = ?done.vacuumed,
                        analyzed = ?done.analyzed,
                        "vacuumed and analyzed tables in autovacuum's stead: the server has it off"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "vacuuming or analyzing tables failed; will retry"),
                }
            }
        }
    }
}

/// Cancels every pending order whose session has expired; returns how many this process
/// cancelled.
pub async fn expire_sessions(state: &AppState) -> anyhow::Result<usize> {
    let mut cancelled = 0;
    loop {
        let expired = state.store.expired_sessions(now_millis(), 100).await?;
        if expired.is_empty() {
            return Ok(cancelled);
        }
        let mut moved_any = false;
        for (order_id, session) in &expired {
            let event = PaymentEvent {
                order_id,
                session: Some(session),
                outcome: PaymentOutcome::Failed,
                webhook: None,
            };
            // Anything but a move means another process got there first, or the order moved.
            if let Ok(Settlement::Moved(_)) = state.store.settle_payment(event).await {
                cancelled += 1;
                moved_any = true;
                tracing::info!(order = %order_id, "payment session expired: order cancelled, stock given back");
                state.payments.close(session).await;
            }
        }
        if !moved_any {
            return Ok(cancelled);
        }
    }
}
