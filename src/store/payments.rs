//! The payment side of orders: sessions, settling them (from a webhook, the test provider's
//! page, or expiry), and the webhook events already handled.

use super::orders::{OrderRecord, fetch_order_row, transition};
use super::{Store, Tx};
use crate::domain::id::ObjectId;
use crate::domain::order::{OrderRef, Status};
use crate::domain::payment::{Decision, OrderPayment, PaymentOutcome, decide};
use crate::domain::time::now_millis;
use crate::error::ApiError;
use crate::payments::Session;

/// What settling did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settlement {
    Moved(Status),
    Ignored(&'static str),
    /// The webhook event was handled before.
    Duplicate,
}

/// An event to settle, with the Stripe event that carried it (if any).
pub struct PaymentEvent<'a> {
    pub order_id: &'a str,
    pub session: Option<&'a str>,
    pub outcome: PaymentOutcome,
    /// `(event id, type)` of a webhook event: each is handled once.
    pub webhook: Option<(&'a str, &'a str)>,
}

impl Store {
    /// Attaches a payment session to a pending order, replacing any earlier one; bumps `__v`.
    pub async fn save_session(
        &self,
        order_id: &str,
        session: &Session,
        expires_at: i64,
    ) -> Result<(), ApiError> {
        let done = sqlx::query(
            "UPDATE orders SET payment_provider = $1, payment_session = $2, payment_url = $3, client_secret = $4, \
             payment_expires_at = $5, updated_at = $6, version = version + 1 WHERE id = $7 AND status = 'pending'",
        )
        .bind(session.provider)
        .bind(&session.id)
        .bind(&session.url)
        .bind(&session.client_secret)
        .bind(expires_at)
        .bind(now_millis())
        .bind(order_id)
        .execute(self.pool())
        .await?;
        if done.rows_affected() != 1 {
            return Err(ApiError::conflict(
                "order_not_pending",
                "the order is no longer pending, so it cannot be paid",
            ));
        }
        Ok(())
    }

    pub async fn order_by_session(&self, session: &str) -> Result<Option<OrderRecord>, sqlx::Error> {
        let id: Option<String> = sqlx::query_scalar("SELECT id FROM orders WHERE payment_session = $1")
            .bind(session)
            .fetch_optional(self.pool())
            .await?;
        match id.and_then(|id| ObjectId::parse(&id)) {
            Some(id) => self.order(&OrderRef::Id(id)).await,
            None => Ok(None),
        }
    }

    /// Applies a payment event to its order in one transaction: the webhook event is
    /// recorded (a second delivery changes nothing), the domain decides, the order moves
    /// (a cancel gives the stock back).
    pub async fn settle_payment(&self, event: PaymentEvent<'_>) -> Result<Settlement, ApiError> {
        let mut tx = self.begin().await?;
        if let Some((id, kind)) = event.webhook
            && !record_event(&mut tx, id, kind).await?
        {
            return Ok(Settlement::Duplicate);
        }
        let settlement = settle_in(&mut tx, &event).await?;
        tx.commit().await?;
        if let Settlement::Ignored(reason) = &settlement {
            tracing::info!(
                order = event.order_id,
                reason,
                "payment event left the order as it was"
            );
        }
        Ok(settlement)
    }

    /// Pending orders whose payment session has expired: `(order id, session id)`.
    pub async fn expired_sessions(&self, now: i64, limit: i64) -> Result<Vec<(String, String)>, sqlx::Error> {
        sqlx::query_as(
            "SELECT id, payment_session FROM orders WHERE status = 'pending' \
             AND payment_expires_at IS NOT NULL AND payment_expires_at < $1 \
             ORDER BY payment_expires_at LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await
    }
}

/// Records a webhook event; false when it was recorded before.
async fn record_event(tx: &mut Tx, id: &str, kind: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO webhook_events (id, type, received_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(kind)
    .bind(now_millis())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

async fn settle_in(tx: &mut Tx, event: &PaymentEvent<'_>) -> Result<Settlement, ApiError> {
    let Some(id) = ObjectId::parse(event.order_id) else {
        return Ok(Settlement::Ignored("the event names no order of this shop"));
    };
    let Some(order) = fetch_order_row(tx, &OrderRef::Id(id)).await? else {
        return Ok(Settlement::Ignored("the order no longer exists"));
    };
    let facts = OrderPayment {
        status: order.status(),
        total: order.total,
        currency: &order.currency,
        session: order.payment_session.as_deref(),
    };
    match decide(&facts, event.session, &event.outcome) {
        Decision::MoveTo(to) => {
            transition(tx, &order, to).await?;
            Ok(Settlement::Moved(to))
        }
        Decision::Ignore(reason) => Ok(Settlement::Ignored(reason)),
    }
}
