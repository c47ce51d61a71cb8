//! Payment endpoints: LetsGo's checkout (seed 000), Stripe's webhook, and the built-in test
//! provider's payment pages.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::AppState;
use super::auth::Caller;
use super::extract::{PathOrder, parse_json};
use super::idempotency::Keyed;
use super::orders::{OrderItem, Placement, items_of, place_once};
use crate::domain::order::{Shipping, Status};
use crate::domain::payment::PaymentOutcome;
use crate::domain::user::Scope;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::payments::signature::verify;
use crate::payments::{ReturnUrls, SessionKind, StripeEvent, test_provider};
use crate::store::orders::OrderRecord;
use crate::store::payments::{PaymentEvent, Settlement};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orders/checkout", post(checkout))
        .route("/orders/{id}/checkout", post(checkout_again))
        .route("/webhooks/stripe", post(stripe_webhook))
        .route("/pay/{session}", get(pay_page))
        .route("/pay/{session}/pay", post(pay))
        .route("/pay/{session}/cancel", post(cancel))
        .route("/checkout/success", get(success_page))
        .route("/checkout/cancel", get(cancel_page))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    checkout,
    checkout_again,
    stripe_webhook,
    pay_page,
    pay,
    cancel,
    success_page,
    cancel_page
))]
pub(super) struct Doc;

#[derive(Serialize, ToSchema)]
pub struct CheckoutReply {
    /// Where the customer pays.
    url: String,
    /// The order's `_id`.
    #[serde(rename = "orderId")]
    order_id: String,
}

fn return_urls(state: &AppState) -> ReturnUrls {
    let base = state.config.public_url();
    ReturnUrls {
        success: format!("{base}/checkout/success?session_id={{CHECKOUT_SESSION_ID}}"),
        cancel: format!("{base}/checkout/cancel?session_id={{CHECKOUT_SESSION_ID}}"),
    }
}

/// Opens a checkout session for a placed order and shapes seed 000's reply.
async fn open_checkout(state: &AppState, record: &OrderRecord) -> ApiResult<Response> {
    let session = state
        .payments
        .open(
            &state.store,
            record,
            SessionKind::Checkout,
            &return_urls(state),
            state.config.payment_ttl(),
        )
        .await?;
    Ok(Json(CheckoutReply {
        url: session.url.unwrap_or_default(),
        order_id: record.order.id.clone(),
    })
    .into_response())
}

/// Places an order and opens a payment session for it; pay at `url`. If the provider fails
/// (502), the order stays pending and `POST /orders/:id/checkout` can try again.
#[utoipa::path(post, path = "/orders/checkout", tag = "payments", request_body = Vec<OrderItem>, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first reply for 24 h")),
    responses((status = 200, body = CheckoutReply), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 502, body = ErrorBody)))]
#[tracing::instrument(skip_all)]
async fn checkout(
    State(state): State<AppState>,
    caller: Caller,
    input: Keyed<Vec<OrderItem>>,
) -> ApiResult<Response> {
    caller.require_scope(Scope::OrdersWrite)?;
    let lines = items_of(&input.value, "product_id", Shipping::Regular)?;
    let placement = Placement {
        lines,
        address: None,
        shipping: Shipping::Regular,
        id_field: "product_id",
    };
    place_once(
        &state,
        &caller,
        input.key,
        &input.request_hash,
        placement,
        |state, record| async move { open_checkout(&state, &record).await },
    )
    .await
}

/// Opens a fresh payment session for one of the caller's pending orders; the old one stops
/// working.
#[utoipa::path(post, path = "/orders/{id}/checkout", tag = "payments", security(("bearer" = [])),
    params(("id" = String, Path, description = "The order's `_id` or `orderNum`")),
    responses((status = 200, body = CheckoutReply), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 502, body = ErrorBody)))]
async fn checkout_again(
    State(state): State<AppState>,
    caller: Caller,
    PathOrder(order): PathOrder,
) -> ApiResult<Response> {
    caller.require_scope(Scope::OrdersWrite)?;
    // Only the owner pays for an order: to anyone else it does not exist.
    let record = state
        .store
        .order(&order)
        .await?
        .filter(|r| r.order.user_id == caller.id())
        .ok_or_else(|| ApiError::not_found("order"))?;
    if record.order.status() != Status::Pending {
        return Err(ApiError::conflict(
            "order_not_pending",
            format!("the order is {}, so it cannot be paid", record.order.status),
        ));
    }
    open_checkout(&state, &record).await
}

/// Stripe's events: the signature is checked over the raw body, each event id is handled
/// once, and the order moves: paid on a completed session or a succeeded intent (if the
/// amount is the order's total), cancelled with its stock given back on an expired session
/// or a cancelled intent. Other event types are acknowledged and ignored.
#[utoipa::path(post, path = "/webhooks/stripe", tag = "payments",
    params(("Stripe-Signature" = String, Header, description = "t=…,v1=…")),
    request_body(content = Object, description = "A Stripe event"),
    responses((status = 200, description = "Handled, or ignored"), (status = 400, body = ErrorBody)))]
#[tracing::instrument(skip_all)]
async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let Some(secret) = &state.config.stripe_webhook_secret else {
        return Err(ApiError::bad_request(
            "webhook_not_configured",
            "this shop has no STRIPE_WEBHOOK_SECRET, so it accepts no webhook",
        ));
    };
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    verify(signature, &body, secret.expose(), chrono::Utc::now().timestamp())
        .map_err(|e| ApiError::bad_request("invalid_signature", e.to_string()))?;
    let event: Value = parse_json(&body)?;
    let event = StripeEvent::parse(&event)
        .ok_or_else(|| ApiError::bad_request("invalid_event", "the event has no id or type"))?;
    let (Some(outcome), Some(order_id)) = (event.outcome, event.order_id.as_deref()) else {
        return Ok(Json(json!({"received": true, "handled": false})));
    };
    let settlement = state
        .store
        .settle_payment(PaymentEvent {
            order_id,
            session: event.session.as_deref(),
            outcome,
            webhook: Some((&event.id, &event.kind)),
        })
        .await?;
    Ok(Json(
        json!({"received": true, "handled": settlement != Settlement::Duplicate}),
    ))
}

/// The test provider's payment page for a session.
#[utoipa::path(get, path = "/pay/{session}", tag = "payments",
    params(("session" = String, Path, description = "The session id")),
    responses((status = 200, description = "The payment page", content_type = "text/html"), (status = 404, description = "Unknown session", content_type = "text/html")))]
async fn pay_page(State(state): State<AppState>, Path(session): Path<String>) -> ApiResult<Response> {
    Ok(match state.store.order_by_session(&session).await? {
        Some(record) => Html(test_provider::page(&session, &record)).into_response(),
        None => (StatusCode::NOT_FOUND, Html(test_provider::not_found_page())).into_response(),
    })
}

/// The test provider's Pay button: the order is paid, as by Stripe's completed event.
#[utoipa::path(post, path = "/pay/{session}/pay", tag = "payments",
    params(("session" = String, Path, description = "The session id")),
    responses((status = 303, description = "Back to the payment page"), (status = 404, body = ErrorBody)))]
async fn pay(state: State<AppState>, session: Path<String>) -> ApiResult<Response> {
    press(state, session, |record| PaymentOutcome::Paid {
        amount: record.order.total,
        currency: record.order.currency.clone(),
    })
    .await
}

/// The test provider's Cancel button: the order is cancelled and its stock given back, as by
/// Stripe's expired event.
#[utoipa::path(post, path = "/pay/{session}/cancel", tag = "payments",
    params(("session" = String, Path, description = "The session id")),
    responses((status = 303, description = "Back to the payment page"), (status = 404, body = ErrorBody)))]
async fn cancel(state: State<AppState>, session: Path<String>) -> ApiResult<Response> {
    press(state, session, |_| PaymentOutcome::Failed).await
}

async fn press(
    State(state): State<AppState>,
    Path(session): Path<String>,
    outcome: impl FnOnce(&OrderRecord) -> PaymentOutcome,
) -> ApiResult<Response> {
    if state.payments.is_stripe() {
        return Err(ApiError::not_found("test payment session"));
    }
    let record = state
        .store
        .order_by_session(&session)
        .await?
        .ok_or_else(|| ApiError::not_found("payment session"))?;
    state
        .store
        .settle_payment(PaymentEvent {
            order_id: &record.order.id,
            session: Some(&session),
            outcome: outcome(&record),
            webhook: None,
        })
        .await?;
    Ok(Redirect::to(&format!("/pay/{session}")).into_response())
}

/// Where Stripe sends a customer who paid.
#[utoipa::path(get, path = "/checkout/success", tag = "payments",
    responses((status = 200, description = "A thank-you page", content_type = "text/html")))]
async fn success_page() -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Thank you</title></head>\
              <body><h1>Thank you!</h1><p>Your payment was received; the order is marked paid as soon as \
              the payment provider confirms it.</p></body></html>",
        ),
    )
}

/// Where Stripe sends a customer who gave up.
#[utoipa::path(get, path = "/checkout/cancel", tag = "payments",
    responses((status = 200, description = "A page saying nothing was paid", content_type = "text/html")))]
async fn cancel_page() -> impl IntoResponse {
    Html(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not paid</title></head>\
         <body><h1>Nothing was paid</h1><p>The order waits, unpaid, until its payment link expires.</p></body></html>",
    )
}
