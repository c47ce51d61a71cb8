//! A small typed client for the few Stripe calls shopd makes: form-encoded requests as
//! Stripe's API takes them, an `Idempotency-Key` derived from the order or product on every
//! call, and Stripe's errors turned into 502s that carry Stripe's message.

use std::time::Duration;

use serde::Deserialize;

use super::{ReturnUrls, Session};
use crate::domain::product::Product;
use crate::error::ApiError;
use crate::store::orders::OrderRecord;

/// Stripe refuses a Checkout Session that expires sooner than this.
const MIN_SESSION_TTL: Duration = Duration::from_secs(30 * 60);

#[derive(Clone)]
pub struct StripeClient {
    http: reqwest::Client,
    base: String,
    key: String,
    currency: String,
    ttl: Duration,
}

#[derive(Deserialize)]
struct Created {
    id: String,
    url: Option<String>,
    client_secret: Option<String>,
}

#[derive(Deserialize)]
struct StripeError {
    error: StripeErrorDetail,
}

#[derive(Deserialize)]
struct StripeErrorDetail {
    message: Option<String>,
}

type Form = Vec<(String, String)>;

fn field(form: &mut Form, key: impl Into<String>, value: impl ToString) {
    form.push((key.into(), value.to_string()));
}

impl StripeClient {
    pub fn new(base: &str, key: &str, currency: &str, ttl: Duration) -> anyhow::Result<Self> {
        Ok(StripeClient {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .connect_timeout(Duration::from_secs(10))
                .build()?,
            base: base.trim_end_matches('/').to_string(),
            key: key.to_string(),
            currency: currency.to_string(),
            ttl,
        })
    }

    async fn post(&self, path: &str, idempotency_key: &str, form: &Form) -> Result<Created, ApiError> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .header("Idempotency-Key", idempotency_key)
            .form(form)
            .send()
            .await
            .map_err(|e| ApiError::BadGateway(format!("could not reach Stripe: {e}")))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ApiError::BadGateway(format!("could not read Stripe's reply: {e}")))?;
        if !status.is_success() {
            let message = serde_json::from_slice::<StripeError>(&bytes)
                .ok()
                .and_then(|e| e.error.message)
                .unwrap_or_else(|| format!("Stripe answered {status}"));
            tracing::warn!(path, %status, message = %message, "Stripe refused a call");
            return Err(ApiError::BadGateway(format!("Stripe: {message}")));
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::BadGateway(format!("Stripe's reply was not understood: {e}")))
    }

    pub async fn checkout_session(
        &self,
        record: &OrderRecord,
        attempt: i64,
        urls: &ReturnUrls,
    ) -> Result<Session, ApiError> {
        let order = &record.order;
        let mut form = Form::new();
        field(&mut form, "mode", "payment");
        field(&mut form, "success_url", &urls.success);
        field(&mut form, "cancel_url", &urls.cancel);
        field(&mut form, "client_reference_id", &order.id);
        field(&mut form, "metadata[order_id]", &order.id);
        field(&mut form, "payment_intent_data[metadata][order_id]", &order.id);
        for (i, line) in record.lines.iter().enumerate() {
            let p = format!("line_items[{i}]");
            field(&mut form, format!("{p}[price_data][currency]"), &order.currency);
            field(&mut form, format!("{p}[price_data][unit_amount]"), line.price);
            field(
                &mut form,
                format!("{p}[price_data][product_data][name]"),
                &line.name,
            );
            field(&mut form, format!("{p}[quantity]"), line.quantity);
        }
        if self.ttl >= MIN_SESSION_TTL {
            let expires = chrono::Utc::now().timestamp() + self.ttl.as_secs() as i64;
            field(&mut form, "expires_at", expires);
        }
        let key = format!("shopd-checkout-{}-{attempt}", order.id);
        let created = self.post("/v1/checkout/sessions", &key, &form).await?;
        Ok(Session {
            provider: "stripe",
            url: created.url,
            id: created.id,
            client_secret: None,
        })
    }

    pub async fn payment_intent(&self, record: &OrderRecord, attempt: i64) -> Result<Session, ApiError> {
        let order = &record.order;
        let mut form = Form::new();
        field(&mut form, "amount", order.total);
        field(&mut form, "currency", &order.currency);
        field(&mut form, "metadata[order_id]", &order.id);
        field(&mut form, "automatic_payment_methods[enabled]", "true");
        let key = format!("shopd-intent-{}-{attempt}", order.id);
        let created = self.post("/v1/payment_intents", &key, &form).await?;
        Ok(Session {
            provider: "stripe",
            id: created.id,
            url: None,
            client_secret: created.client_secret,
        })
    }

    /// Expires a Checkout Session or cancels a PaymentIntent.
    pub async fn close_session(&self, id: &str) -> Result<(), ApiError> {
        let path = if id.starts_with("pi_") {
            format!("/v1/payment_intents/{id}/cancel")
        } else {
            format!("/v1/checkout/sessions/{id}/expire")
        };
        self.post(&path, &format!("shopd-close-{id}"), &Form::new())
            .await
            .map(|_| ())
    }

    pub async fn create_product(&self, product: &Product) -> Result<(String, String), ApiError> {
        let mut form = Form::new();
        field(&mut form, "name", &product.name);
        if !product.description.is_empty() {
            field(&mut form, "description", &product.description);
        }
        field(&mut form, "images[0]", &product.image);
        field(&mut form, "metadata[product_id]", &product.id);
        let created = self
            .post("/v1/products", &format!("shopd-product-{}", product.id), &form)
            .await?;
        let price = self
            .create_price(&created.id, &product.id, product.version, product.price)
            .await?;
        Ok((created.id, price))
    }

    /// A Price for `stripe_product`; `version` is the product's version it belongs to.
    pub async fn create_price(
        &self,
        stripe_product: &str,
        product_id: &str,
        version: i64,
        unit_amount: i64,
    ) -> Result<String, ApiError> {
        let mut form = Form::new();
        field(&mut form, "product", stripe_product);
        field(&mut form, "unit_amount", unit_amount);
        field(&mut form, "currency", &self.currency);
        let key = format!("shopd-price-{product_id}-v{version}");
        Ok(self.post("/v1/prices", &key, &form).await?.id)
    }

    pub async fn archive_price(&self, price_id: &str) -> Result<(), ApiError> {
        let mut form = Form::new();
        field(&mut form, "active", "false");
        self.post(
            &format!("/v1/prices/{price_id}"),
            &format!("shopd-archive-{price_id}"),
            &form,
        )
        .await
        .map(|_| ())
    }
}
