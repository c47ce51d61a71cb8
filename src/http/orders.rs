//! `/orders`: every order endpoint of the seeds. LetsGo (000) and the SaaS kit (002/004) and
//! seed 003's shop each get their own paths and reply shapes over one set of rules.

use axum::extract::State;
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::future::Future;
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::extract::{AppJson, AppQuery, PathOrder};
use super::idempotency::{Keyed, once};
use super::{AppState, Message};
use crate::domain::id::ObjectId;
use crate::domain::order::{ItemInput, LineRequest, OrderRef, Shipping, Status, parse_address, parse_lines};
use crate::domain::product::Paging;
use crate::domain::time::format_millis;
use crate::domain::user::Scope;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::payments::{ReturnUrls, SessionKind};
use crate::store::orders::{LineRow, NewOrder, OrderRecord, OrderRow, Viewer};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orders", get(list).post(place))
        .route("/orders/demo-cart", get(demo_cart))
        .route("/orders/new", post(place_saas))
        .route("/orders/status-update", post(status_update))
        .route("/orders/get_all", get(get_all))
        .route("/orders/add", post(add))
        .route("/orders/change-status", post(change_status))
        .route("/orders/delete", post(delete_many))
        .route("/orders/{id}", get(show).delete(remove))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    place,
    list,
    show,
    remove,
    demo_cart,
    place_saas,
    status_update,
    get_all,
    add,
    change_status,
    delete_many
))]
pub(super) struct Doc;

// ---- reply shapes -------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct UserRef {
    #[serde(rename = "_id")]
    id: String,
    name: String,
    email: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrderHead {
    #[serde(rename = "_id")]
    id: String,
    /// The shop's sequence: 1, 2, 3…
    #[serde(rename = "orderNum")]
    order_num: i64,
    user_id: UserRef,
    /// pending, paid, delivery, completed or cancelled.
    status: String,
    /// Minor units (cents).
    total: i64,
    currency: String,
    address: Option<String>,
    shipping: String,
    /// The payment session, when the order has one.
    payment: Option<PaymentView>,
    #[serde(rename = "createdAt")]
    created_at: String,
    #[serde(rename = "updatedAt")]
    updated_at: String,
    #[serde(rename = "__v")]
    version: i64,
}

/// An order's payment session.
#[derive(Serialize, ToSchema)]
pub struct PaymentView {
    /// `stripe` or `test`.
    provider: String,
    /// The Checkout Session (`cs_…`) or PaymentIntent (`pi_…`).
    #[serde(rename = "sessionId")]
    session_id: String,
    /// Where to pay, for a checkout session.
    url: Option<String>,
    /// When an unpaid session lapses and the order is cancelled.
    #[serde(rename = "expiresAt")]
    expires_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ProductRef {
    #[serde(rename = "_id")]
    id: String,
    name: String,
    /// The unit price when the order was placed.
    price: i64,
    image: String,
    category: String,
}

#[derive(Serialize, ToSchema)]
pub struct LineView {
    product_id: ProductRef,
    quantity: i64,
    /// The unit price when the order was placed, in minor units.
    price: i64,
    shipping: String,
}

/// An order in the shape of seed 000.
#[derive(Serialize, ToSchema)]
pub struct OrderView {
    order: OrderHead,
    #[serde(rename = "orderLines")]
    order_lines: Vec<LineView>,
}

impl From<OrderRecord> for OrderView {
    fn from(r: OrderRecord) -> Self {
        let o = r.order;
        OrderView {
            order: OrderHead {
                id: o.id,
                order_num: o.order_num,
                user_id: UserRef {
                    id: o.user_id,
                    name: o.user_name,
                    email: o.user_email,
                },
                status: o.status,
                total: o.total,
                currency: o.currency,
                address: o.address,
                shipping: o.shipping,
                payment: o.payment_session.map(|session_id| PaymentView {
                    provider: o.payment_provider.unwrap_or_default(),
                    session_id,
                    url: o.payment_url,
                    expires_at: o.payment_expires_at.map(format_millis),
                }),
                created_at: format_millis(o.created_at),
                updated_at: format_millis(o.updated_at),
                version: o.version,
            },
            order_lines: r.lines.into_iter().map(LineView::from).collect(),
        }
    }
}

impl From<LineRow> for LineView {
    fn from(l: LineRow) -> Self {
        LineView {
            product_id: ProductRef {
                id: l.product_id,
                name: l.name,
                price: l.price,
                image: l.image,
                category: l.category,
            },
            quantity: l.quantity,
            price: l.price,
            shipping: l.shipping,
        }
    }
}

// ---- who may do what -----------------------------------------------------------------------

/// Admin powers over other people's orders come with a login token, or a key with
/// `orders:admin`; otherwise an admin's key acts like a customer's.
fn viewer(caller: &Caller) -> Viewer<'_> {
    Viewer {
        user_id: caller.id(),
        is_admin: caller.is_admin() && caller.require_scope(Scope::OrdersAdmin).is_ok(),
    }
}

fn visible(caller: &Caller, record: Option<OrderRecord>) -> ApiResult<OrderRecord> {
    record
        .filter(|r| viewer(caller).can_see(&r.order))
        .ok_or_else(|| ApiError::not_found("order"))
}

/// What to place, before the caller and currency are added.
pub(super) struct Placement {
    pub lines: Vec<LineRequest>,
    pub address: Option<String>,
    pub shipping: Shipping,
    pub id_field: &'static str,
}

/// Places an order once per idempotency key, then shapes the reply with `reply` (which may
/// open a payment session first).
pub(super) async fn place_once<F, Fut>(
    state: &AppState,
    caller: &Caller,
    key: Option<String>,
    request_hash: &str,
    placement: Placement,
    reply: F,
) -> ApiResult<Response>
where
    F: FnOnce(AppState, OrderRecord) -> Fut + Send + 'static,
    Fut: Future<Output = ApiResult<Response>> + Send,
{
    let (user_id, st) = (caller.id().to_string(), state.clone());
    once(state, caller.id(), key, request_hash, async move {
        let record = st
            .store
            .place_order(NewOrder {
                user_id: &user_id,
                lines: &placement.lines,
                address: placement.address,
                shipping: placement.shipping,
                currency: &st.config.currency(),
                id_field: placement.id_field,
            })
            .await?;
        reply(st, record).await
    })
    .await
}

// ---- LetsGo (seed 000) ---------------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
pub(super) struct OrderItem {
    /// The product's `_id`.
    product_id: String,
    /// 1 to 1000.
    quantity: i64,
    /// Regular (default), Next day or Budget.
    shipping: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct PlaceOrderInput {
    /// 1 to 100 lines; a product given twice is merged into one line.
    items: Vec<OrderItem>,
    address: Option<String>,
    /// The default shipping of the lines: Regular (default), Next day or Budget.
    shipping: Option<String>,
}

/// Checks LetsGo's items into order lines.
pub(super) fn items_of(
    items: &[OrderItem],
    id_field: &str,
    shipping: Shipping,
) -> ApiResult<Vec<LineRequest>> {
    let items: Vec<ItemInput> = items
        .iter()
        .map(|i| ItemInput {
            product_id: &i.product_id,
            quantity: i.quantity,
            shipping: i.shipping.as_deref(),
        })
        .collect();
    parse_lines(&items, id_field, shipping)
}

/// Places an order, paid on delivery. Prices come from the catalogue; stock is taken at once.
#[utoipa::path(post, path = "/orders", tag = "orders", request_body = PlaceOrderInput, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first reply for 24 h")),
    responses((status = 201, body = OrderView, headers(("location" = String))), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[tracing::instrument(skip_all)]
async fn place(
    State(state): State<AppState>,
    caller: Caller,
    input: Keyed<PlaceOrderInput>,
) -> ApiResult<Response> {
    caller.require_scope(Scope::OrdersWrite)?;
    let body = input.value;
    let shipping = match &body.shipping {
        Some(s) => Shipping::parse(s, "shipping")?,
        None => Shipping::Regular,
    };
    let lines = items_of(&body.items, "product_id", shipping)?;
    let address = body
        .address
        .as_deref()
        .map(|a| parse_address(a, "address"))
        .transpose()?;
    let placement = Placement {
        lines,
        address,
        shipping,
        id_field: "product_id",
    };
    place_once(
        &state,
        &caller,
        input.key,
        &input.request_hash,
        placement,
        |_, record| async move {
            let location = format!("/orders/{}", record.order.id);
            Ok((
                StatusCode::CREATED,
                [(LOCATION, location)],
                Json(OrderView::from(record)),
            )
                .into_response())
        },
    )
    .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderListParams {
    /// Page number, from 1.
    page: Option<String>,
    /// Orders a page, 1 to 100 (default 20).
    limit: Option<String>,
    /// Admins: only this user's orders.
    user_id: Option<String>,
}

/// A customer's own orders, or every order for an admin; newest first. The count of all
/// that match is in `x-total-count`.
#[utoipa::path(get, path = "/orders", tag = "orders", params(OrderListParams), security(("bearer" = [])),
    responses((status = 200, body = [OrderView], headers(("x-total-count" = i64))), (status = 401, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(params): AppQuery<OrderListParams>,
) -> ApiResult<impl IntoResponse> {
    caller.require_scope(Scope::OrdersRead)?;
    let paging = Paging::parse(params.page.as_deref(), params.limit.as_deref())?;
    let filter = if viewer(&caller).is_admin {
        match params.user_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(u) => Some(ObjectId::parse_field(u, "user_id")?.to_string()),
            None => None,
        }
    } else {
        Some(caller.id().to_string())
    };
    let (total, records) = state.store.list_orders(filter.as_deref(), Some(paging)).await?;
    let views: Vec<OrderView> = records.into_iter().map(OrderView::from).collect();
    Ok((
        [(HeaderName::from_static("x-total-count"), HeaderValue::from(total))],
        Json(views),
    ))
}

/// One order, by `_id` or `orderNum`; the owner and admins see it, anyone else gets 404.
#[utoipa::path(get, path = "/orders/{id}", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path, description = "The order's `_id` or `orderNum`")),
    responses((status = 200, body = OrderView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    PathOrder(order): PathOrder,
) -> ApiResult<Json<OrderView>> {
    caller.require_scope(Scope::OrdersRead)?;
    let record = visible(&caller, state.store.order(&order).await?)?;
    Ok(Json(record.into()))
}

/// Deletes an order: its owner only while pending or cancelled, an admin any. Stock of an
/// order that has not shipped is given back.
#[utoipa::path(delete, path = "/orders/{id}", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path, description = "The order's `_id` or `orderNum`")),
    responses((status = 200, body = Message), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    PathOrder(order): PathOrder,
) -> ApiResult<Json<Message>> {
    caller.require_scope(Scope::OrdersWrite)?;
    state.store.delete_order(viewer(&caller), &order).await?;
    Ok(Json(Message::new("Order deleted successfully")))
}

/// A PaymentIntent has no pages to return to.
fn no_return_urls() -> ReturnUrls {
    ReturnUrls {
        success: String::new(),
        cancel: String::new(),
    }
}

// ---- SaaS kit (seeds 002, 004) -------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct CartItem {
    /// The product's `_id`.
    id: String,
    name: String,
    quantity: i64,
    #[serde(rename = "priceInCents")]
    price_in_cents: i64,
}

/// Up to three products in stock, one of each: a cart to try `/orders/new` with.
#[utoipa::path(get, path = "/orders/demo-cart", tag = "orders", responses((status = 200, body = [CartItem])))]
async fn demo_cart(State(state): State<AppState>) -> ApiResult<Json<Vec<CartItem>>> {
    let products = state.store.in_stock_products(3).await?;
    Ok(Json(
        products
            .into_iter()
            .map(|(id, name, price)| CartItem {
                id,
                name,
                quantity: 1,
                price_in_cents: price,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct SaasOrder {
    /// The order number.
    id: i64,
    /// The owner's `_id`.
    #[serde(rename = "userId")]
    user_id: String,
    date: String,
    products: Vec<CartItem>,
    #[serde(rename = "amountInCents")]
    amount_in_cents: i64,
    /// The payment intent's client secret.
    #[serde(rename = "clientSecret")]
    client_secret: Option<String>,
    status: String,
}

impl From<OrderRecord> for SaasOrder {
    fn from(r: OrderRecord) -> Self {
        SaasOrder {
            id: r.order.order_num,
            user_id: r.order.user_id,
            date: format_millis(r.order.created_at),
            products: r
                .lines
                .into_iter()
                .map(|l| CartItem {
                    id: l.product_id,
                    name: l.name,
                    quantity: l.quantity,
                    price_in_cents: l.price,
                })
                .collect(),
            amount_in_cents: r.order.total,
            client_secret: r.order.client_secret,
            status: r.order.status,
        }
    }
}

/// Places an order from a list of product ids (an id twice means two of it).
#[utoipa::path(post, path = "/orders/new", tag = "orders", request_body = Vec<String>, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first reply for 24 h")),
    responses((status = 201, body = SaasOrder), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[tracing::instrument(skip_all)]
async fn place_saas(
    State(state): State<AppState>,
    caller: Caller,
    input: Keyed<Vec<String>>,
) -> ApiResult<Response> {
    caller.require_scope(Scope::OrdersWrite)?;
    let items: Vec<ItemInput> = input
        .value
        .iter()
        .map(|id| ItemInput {
            product_id: id,
            quantity: 1,
            shipping: None,
        })
        .collect();
    let lines = parse_lines(&items, "", Shipping::Regular)?;
    let placement = Placement {
        lines,
        address: None,
        shipping: Shipping::Regular,
        id_field: "",
    };
    place_once(
        &state,
        &caller,
        input.key,
        &input.request_hash,
        placement,
        |state, record| async move {
            let session = state
                .payments
                .open(
                    &state.store,
                    &record,
                    SessionKind::Intent,
                    &no_return_urls(),
                    state.config.payment_ttl(),
                )
                .await?;
            let mut reply = SaasOrder::from(record);
            reply.client_secret = session.client_secret;
            Ok((StatusCode::CREATED, Json(reply)).into_response())
        },
    )
    .await
}

#[derive(Deserialize, ToSchema)]
pub struct StatusUpdateInput {
    /// The order's `orderNum` (a number) or `_id`.
    #[serde(rename = "orderId")]
    #[schema(value_type = String)]
    order_id: Value,
    /// Any case: pending, paid, delivery, completed, cancelled.
    status: String,
}

#[derive(Serialize, ToSchema)]
pub struct StatusUpdated {
    /// The order number.
    id: i64,
    status: String,
}

/// Moves one order to a new status (admin).
#[utoipa::path(post, path = "/orders/status-update", tag = "orders", request_body = StatusUpdateInput, security(("bearer" = [])),
    responses((status = 200, body = StatusUpdated), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn status_update(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(input): AppJson<StatusUpdateInput>,
) -> ApiResult<Json<StatusUpdated>> {
    caller.require_admin(Scope::OrdersAdmin)?;
    let order = OrderRef::from_json(&input.order_id, "orderId")?;
    let status = Status::parse(&input.status, "status")?;
    let changed = state
        .store
        .change_statuses(viewer(&caller), &[(order, status)], |_| "orderId".into())
        .await?;
    let row = &changed[0];
    Ok(Json(StatusUpdated {
        id: row.order_num,
        status: row.status.clone(),
    }))
}

// ---- seed 003 ------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct OrderLineRow {
    #[serde(rename = "orderId")]
    order_id: String,
    #[serde(rename = "productId")]
    product_id: String,
    image: String,
    name: String,
    /// In dollars (minor units / 100), as this seed has it.
    price: f64,
    quantity: i64,
    shipping: String,
    status: String,
    #[serde(rename = "createdAt")]
    created_at: String,
    #[serde(rename = "orderNum")]
    order_num: i64,
}

/// The caller's orders, one row per line, newest first.
#[utoipa::path(get, path = "/orders/get_all", tag = "orders", security(("bearer" = [])),
    responses((status = 200, body = [OrderLineRow]), (status = 401, body = ErrorBody)))]
async fn get_all(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<OrderLineRow>>> {
    caller.require_scope(Scope::OrdersRead)?;
    let (_, records) = state.store.list_orders(Some(caller.id()), None).await?;
    let rows = records
        .into_iter()
        .flat_map(|r| {
            let order = r.order;
            r.lines.into_iter().map(move |l| OrderLineRow {
                order_id: order.id.clone(),
                product_id: l.product_id,
                image: l.image,
                name: l.name,
                price: l.price as f64 / 100.0,
                quantity: l.quantity,
                shipping: l.shipping,
                status: order.status.clone(),
                created_at: format_millis(order.created_at),
                order_num: order.order_num,
            })
        })
        .collect();
    Ok(Json(rows))
}

#[derive(Deserialize, ToSchema)]
pub struct AddItem {
    #[serde(rename = "productId")]
    product_id: String,
    quantity: i64,
    /// Regular (default), Next day or Budget.
    shipping: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct AddOrderInput {
    items: Vec<AddItem>,
    /// The delivery address; required.
    address: String,
}

/// Places an order to be delivered to `address`; replies `ORDER SUCCESS` as text.
#[utoipa::path(post, path = "/orders/add", tag = "orders", request_body = AddOrderInput, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first reply for 24 h")),
    responses((status = 200, body = String, content_type = "text/plain"), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[tracing::instrument(skip_all)]
async fn add(
    State(state): State<AppState>,
    caller: Caller,
    input: Keyed<AddOrderInput>,
) -> ApiResult<Response> {
    caller.require_scope(Scope::OrdersWrite)?;
    let body = input.value;
    let address = parse_address(&body.address, "address")?;
    if address.is_empty() {
        return Err(ApiError::invalid(
            "address",
            "address is required: where should the order go?",
        ));
    }
    let items: Vec<ItemInput> = body
        .items
        .iter()
        .map(|i| ItemInput {
            product_id: &i.product_id,
            quantity: i.quantity,
            shipping: i.shipping.as_deref(),
        })
        .collect();
    let lines = parse_lines(&items, "productId", Shipping::Regular)?;
    let placement = Placement {
        shipping: lines[0].shipping,
        lines,
        address: Some(address),
        id_field: "productId",
    };
    place_once(
        &state,
        &caller,
        input.key,
        &input.request_hash,
        placement,
        |_, _| async { Ok(([(CONTENT_TYPE, "text/plain; charset=utf-8")], "ORDER SUCCESS").into_response()) },
    )
    .await
}

#[derive(Deserialize, ToSchema)]
pub struct StatusChange {
    /// The order's `_id` or `orderNum`.
    #[serde(rename = "orderId")]
    #[schema(value_type = String)]
    order_id: Value,
    status: String,
}

/// `[{orderId, status}]`, or `{items: [...]}` as that shop's own code reads it.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub enum StatusChanges {
    List(Vec<StatusChange>),
    Wrapped { items: Vec<StatusChange> },
}

#[derive(Serialize, ToSchema)]
pub struct ChangedOrder {
    #[serde(rename = "_id")]
    id: String,
    /// The owner's `_id`.
    user: String,
    status: String,
    address: Option<String>,
    #[serde(rename = "createdAt")]
    created_at: String,
    #[serde(rename = "__v")]
    version: i64,
}

impl From<OrderRow> for ChangedOrder {
    fn from(o: OrderRow) -> Self {
        ChangedOrder {
            id: o.id,
            user: o.user_id,
            status: o.status,
            address: o.address,
            created_at: format_millis(o.created_at),
            version: o.version,
        }
    }
}

/// Moves several orders at once (admin, or a key with `orders:admin`), all or nothing.
#[utoipa::path(post, path = "/orders/change-status", tag = "orders", request_body = StatusChanges, security(("bearer" = [])),
    responses((status = 200, body = [ChangedOrder]), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn change_status(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(input): AppJson<StatusChanges>,
) -> ApiResult<Json<Vec<ChangedOrder>>> {
    caller.require_admin(Scope::OrdersAdmin)?;
    let list = match input {
        StatusChanges::List(list) | StatusChanges::Wrapped { items: list } => list,
    };
    if list.is_empty() || list.len() > 100 {
        return Err(ApiError::invalid("items", "give 1 to 100 status changes"));
    }
    let mut changes = Vec::with_capacity(list.len());
    for (i, change) in list.iter().enumerate() {
        let order = OrderRef::from_json(&change.order_id, &format!("items[{i}].orderId"))?;
        let status = Status::parse(&change.status, &format!("items[{i}].status"))?;
        changes.push((order, status));
    }
    let changed = state
        .store
        .change_statuses(viewer(&caller), &changes, |i| format!("items[{i}].orderId"))
        .await?;
    Ok(Json(changed.into_iter().map(ChangedOrder::from).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct DeleteOrdersInput {
    /// `_id`s or `orderNum`s of the orders to delete.
    #[serde(rename = "orderId")]
    #[schema(value_type = Vec<String>)]
    order_id: Vec<Value>,
}

#[derive(Serialize, ToSchema)]
pub struct DeleteResult {
    acknowledged: bool,
    #[serde(rename = "deletedCount")]
    deleted_count: u64,
}

/// Deletes those of the listed orders the caller may delete, and says how many.
#[utoipa::path(post, path = "/orders/delete", tag = "orders", request_body = DeleteOrdersInput, security(("bearer" = [])),
    responses((status = 200, body = DeleteResult), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn delete_many(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(input): AppJson<DeleteOrdersInput>,
) -> ApiResult<Json<DeleteResult>> {
    caller.require_scope(Scope::OrdersWrite)?;
    if input.order_id.len() > 100 {
        return Err(ApiError::invalid("orderId", "give at most 100 orders at once"));
    }
    let orders = input
        .order_id
        .iter()
        .enumerate()
        .map(|(i, v)| OrderRef::from_json(v, &format!("orderId[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let deleted = state.store.delete_orders(viewer(&caller), &orders).await?;
    Ok(Json(DeleteResult {
        acknowledged: true,
        deleted_count: deleted,
    }))
}
