//! Payment: one interface over two providers, chosen by configuration. With
//! `STRIPE_SECRET_KEY`, Stripe; without, a built-in test provider that needs no network, so
//! that the shop works out of the box. Handlers and order rules do not know which one runs.

pub mod signature;
mod stripe;
pub mod test_provider;

use std::time::Duration;

use crate::config::ServeConfig;
use crate::domain::product::Product;
use crate::error::ApiError;
use crate::store::orders::OrderRecord;

pub use stripe::StripeClient;

/// A payment session opened for an order: a Checkout Session (with a `url` to pay at) or a
/// PaymentIntent (with a `client_secret` for the storefront).
#[derive(Clone, Debug)]
pub struct Session {
    pub provider: &'static str,
    pub id: String,
    pub url: Option<String>,
    pub client_secret: Option<String>,
}

/// Where the customer lands after paying or giving up at Stripe.
pub struct ReturnUrls {
    pub success: String,
    pub cancel: String,
}

#[derive(Clone)]
pub enum Payments {
    Stripe(StripeClient),
    Test { public_url: String },
}

impl Payments {
    pub fn from_config(config: &ServeConfig) -> anyhow::Result<Self> {
        Ok(match &config.stripe_secret_key {
            Some(key) => Payments::Stripe(StripeClient::new(
                &config.stripe_api_base,
                key.expose(),
                &config.currency(),
                Duration::from_secs(config.payment_ttl_secs),
            )?),
            None => Payments::Test {
                public_url: config.public_url(),
            },
        })
    }

    pub fn is_stripe(&self) -> bool {
        matches!(self, Payments::Stripe(_))
    }

    /// Opens a Checkout Session for the order. `attempt` makes the Stripe idempotency key of
    /// a fresh session differ from the last one's.
    pub async fn checkout(
        &self,
        order: &OrderRecord,
        attempt: i64,
        urls: &ReturnUrls,
    ) -> Result<Session, ApiError> {
        match self {
            Payments::Stripe(stripe) => stripe.checkout_session(order, attempt, urls).await,
            Payments::Test { public_url } => Ok(test_provider::checkout(public_url)),
        }
    }

    /// Opens a PaymentIntent for the order.
    pub async fn intent(&self, order: &OrderRecord, attempt: i64) -> Result<Session, ApiError> {
        match self {
            Payments::Stripe(stripe) => stripe.payment_intent(order, attempt).await,
            Payments::Test { .. } => Ok(test_provider::intent()),
        }
    }

    /// Closes a session that must not be paid any more (expired, or replaced by a fresh one).
    /// Best effort: a failure is logged, since the order's own status already refuses it.
    pub async fn close(&self, session_id: &str) {
        if let Payments::Stripe(stripe) = self
            && let Err(e) = stripe.close_session(session_id).await
        {
            tracing::warn!(session = session_id, error = %e, "could not close a Stripe session");
        }
    }

    /// Stripe ids `(product, price)` for a new product; `None` without Stripe.
    pub async fn create_product(&self, product: &Product) -> Result<Option<(String, String)>, ApiError> {
        match self {
            Payments::Stripe(stripe) => stripe.create_product(product).await.map(Some),
            Payments::Test { .. } => Ok(None),
        }
    }

    /// A new Stripe Price for a product whose price changes (prices are immutable there);
    /// `None` without Stripe or when the product has no Stripe Product.
    pub async fn new_price(&self, product: &Product, price: i64) -> Result<Option<String>, ApiError> {
        match (self, &product.stripe_product_id) {
            (Payments::Stripe(stripe), Some(stripe_product)) => stripe
                .create_price(stripe_product, &product.id, product.version + 1, price)
                .await
                .map(Some),
            _ => Ok(None),
        }
    }

    /// Archives a replaced Stripe Price; best effort.
    pub async fn archive_price(&self, price_id: &str) {
        if let Payments::Stripe(stripe) = self
            && let Err(e) = stripe.archive_price(price_id).await
        {
            tracing::warn!(price = price_id, error = %e, "could not archive a Stripe price");
        }
    }
}

/// Which kind of session to open.
#[derive(Clone, Copy, Debug)]
pub enum SessionKind {
    Checkout,
    Intent,
}

impl Payments {
    /// Opens a session for a pending order, saves it on the order with its expiry, and
    /// closes the session it replaces. A provider error leaves the order pending as it was.
    pub async fn open(
        &self,
        store: &crate::store::Store,
        record: &OrderRecord,
        kind: SessionKind,
        urls: &ReturnUrls,
        ttl: Duration,
    ) -> Result<Session, ApiError> {
        let attempt = record.order.version;
        let session = match kind {
            SessionKind::Checkout => self.checkout(record, attempt, urls).await?,
            SessionKind::Intent => self.intent(record, attempt).await?,
        };
        let expires_at = crate::domain::time::now_millis() + ttl.as_millis() as i64;
        store.save_session(&record.order.id, &session, expires_at).await?;
        if let Some(old) = &record.order.payment_session {
            self.close(old).await;
        }
        Ok(session)
    }
}

/// A Stripe event, read as far as shopd needs it.
#[derive(Debug, PartialEq, Eq)]
pub struct StripeEvent {
    pub id: String,
    pub kind: String,
    pub order_id: Option<String>,
    pub session: Option<String>,
    /// `None` for event types shopd does not act on.
    pub outcome: Option<crate::domain::payment::PaymentOutcome>,
}

impl StripeEvent {
    /// Reads an event; `None` when it lacks an id or a type.
    pub fn parse(event: &serde_json::Value) -> Option<StripeEvent> {
        use crate::domain::payment::PaymentOutcome;
        let id = event["id"].as_str()?.to_string();
        let kind = event["type"].as_str()?.to_string();
        let object = &event["data"]["object"];
        let order_id = object["metadata"]["order_id"]
            .as_str()
            .or_else(|| object["client_reference_id"].as_str())
            .map(str::to_string);
        let paid = |amount: &serde_json::Value| PaymentOutcome::Paid {
            amount: amount.as_i64().unwrap_or(-1),
            currency: object["currency"].as_str().unwrap_or("").to_string(),
        };
        let outcome = match kind.as_str() {
            "checkout.session.completed" if object["payment_status"].as_str() != Some("unpaid") => {
                Some(paid(&object["amount_total"]))
            }
            "payment_intent.succeeded" => Some(paid(&object["amount_received"])),
            "checkout.session.expired" | "payment_intent.canceled" => Some(PaymentOutcome::Failed),
            _ => None,
        };
        Some(StripeEvent {
            id,
            kind,
            order_id,
            session: object["id"].as_str().map(str::to_string),
            outcome,
        })
    }
}
