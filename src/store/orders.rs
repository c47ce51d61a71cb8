//! Orders: placing them (prices and stock taken in one transaction), reading, moving along
//! the status machine, and deleting, with stock given back exactly once.

use std::sync::LazyLock;

use sqlx::any::AnyArguments;
use sqlx::{Any, AnyConnection, Arguments, FromRow};

use super::{Dialect, Store, Tx, placeholders, postgres, sqlite};
use crate::domain::id::ObjectId;
use crate::domain::order::{LineRequest, OrderRef, Shipping, Status, add_line, item_field};
use crate::domain::product::Paging;
use crate::domain::time::now_millis;
use crate::error::ApiError;

#[derive(Clone, Debug, FromRow)]
pub struct OrderRow {
    pub id: String,
    pub order_num: i64,
    pub user_id: String,
    pub user_name: String,
    pub user_email: String,
    pub status: String,
    pub total: i64,
    pub currency: String,
    pub address: Option<String>,
    pub shipping: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    pub payment_provider: Option<String>,
    pub payment_session: Option<String>,
    pub payment_url: Option<String>,
    pub client_secret: Option<String>,
    pub payment_expires_at: Option<i64>,
}

impl OrderRow {
    pub fn status(&self) -> Status {
        Status::from_stored(&self.status)
    }
}

/// A line as bought: the product's name, price, image and category of that moment.
#[derive(Clone, Debug, FromRow)]
pub struct LineRow {
    pub order_id: String,
    pub product_id: String,
    pub name: String,
    pub price: i64,
    pub image: String,
    pub category: String,
    pub quantity: i64,
    pub shipping: String,
}

#[derive(Clone, Debug)]
pub struct OrderRecord {
    pub order: OrderRow,
    pub lines: Vec<LineRow>,
}

/// Who asks: the owner and admins see an order; to anyone else it does not exist.
#[derive(Clone, Copy, Debug)]
pub struct Viewer<'a> {
    pub user_id: &'a str,
    pub is_admin: bool,
}

impl Viewer<'_> {
    pub fn can_see(&self, order: &OrderRow) -> bool {
        self.is_admin || order.user_id == self.user_id
    }

    /// An owner may delete only a pending or cancelled order; an admin any.
    pub fn may_delete(&self, order: &OrderRow) -> Result<(), ApiError> {
        let status = order.status();
        if self.is_admin || matches!(status, Status::Pending | Status::Cancelled) {
            return Ok(());
        }
        Err(ApiError::conflict(
            "order_not_deletable",
            format!("a {status} order cannot be deleted by its owner; only pending or cancelled ones can"),
        ))
    }
}

/// What to place.
pub struct NewOrder<'a> {
    pub user_id: &'a str,
    pub lines: &'a [LineRequest],
    pub address: Option<String>,
    pub shipping: Shipping,
    pub currency: &'a str,
    /// How the client names a line's product (`product_id`, `productId`, or "" for a bare
    /// array), so that errors name the client's field.
    pub id_field: &'a str,
}

const ORDER_SELECT: &str = "SELECT o.id, o.order_num, o.user_id, u.name AS user_name, u.email AS user_email, \
     o.status, o.total, o.currency, o.address, o.shipping, o.created_at, o.updated_at, o.version, \
     o.payment_provider, o.payment_session, o.payment_url, o.client_secret, o.payment_expires_at \
     FROM orders o JOIN users u ON u.id = o.user_id";

/// The columns of `ORDER_SELECT`, for the `RETURNING` of an insert into `orders`.
const ORDER_RETURNING: &str = "id, order_num, user_id, \
     (SELECT u.name FROM users u WHERE u.id = orders.user_id) AS user_name, \
     (SELECT u.email FROM users u WHERE u.id = orders.user_id) AS user_email, \
     status, total, currency, address, shipping, created_at, updated_at, version, \
     payment_provider, payment_session, payment_url, client_secret, payment_expires_at";

const LINE_COLUMNS: &str = "order_id, product_id, name, price, image, category, quantity, shipping";

#[derive(FromRow)]
struct Taken {
    name: String,
    price: i64,
    image: String,
    category: String,
}

impl Store {
    /// Places an order: every product must exist, prices come from the catalogue, and the
    /// stock of every line is taken in the same transaction by a conditional update, so that
    /// stock never goes below zero however many orders race. All lines or none.
    pub async fn place_order(&self, new: NewOrder<'_>) -> Result<OrderRecord, ApiError> {
        // Lock products in one order (by id) so that two orders cannot deadlock.
        let mut by_id: Vec<(usize, &LineRequest)> = new.lines.iter().enumerate().collect();
        by_id.sort_by_key(|(_, l)| l.product_id);

        let mut tx = self.begin().await?;
        let mut taken: Vec<Option<Taken>> = (0..new.lines.len()).map(|_| None).collect();
        for (index, line) in by_id {
            let pid = line.product_id.to_string();
            match take_line(&mut tx, self.dialect(), &pid, line.quantity).await? {
                Some(row) => taken[index] = Some(row),
                None => return Err(missing_or_short(&mut tx, &new, index, &pid, line.quantity).await?),
            }
        }
        let mut total = 0i64;
        let mut lines = Vec::with_capacity(new.lines.len());
        let id = ObjectId::new().to_string();
        for (line, taken) in new.lines.iter().zip(taken) {
            let taken = taken.expect("every line was taken above");
            total = add_line(total, taken.price, line.quantity)?;
            lines.push(LineRow {
                order_id: id.clone(),
                product_id: line.product_id.to_string(),
                name: taken.name,
                price: taken.price,
                image: taken.image,
                category: taken.category,
                quantity: line.quantity,
                shipping: line.shipping.as_str().to_string(),
            });
        }
        let now = now_millis();
        let mut args = AnyArguments::default();
        add(&mut args, &id)?;
        add(&mut args, new.user_id)?;
        add(&mut args, total)?;
        add(&mut args, new.currency)?;
        add(&mut args, &new.address)?;
        add(&mut args, new.shipping.as_str())?;
        add(&mut args, now)?;
        // The order's row comes back as `order` reads it, so that it takes no second statement.
        let order = match self.dialect() {
            // The order number comes from the sequence, and the lines go in the same statement:
            // one round trip for the order however many lines.
            Dialect::Postgres => {
                let sql = format!(
                    "WITH o AS ({}), l AS ({}) SELECT * FROM o",
                    insert_order(postgres::NEXT_ORDER_NUM),
                    insert_lines(7, lines.len()),
                );
                add_lines(&mut args, &id, &lines)?;
                sqlx::query_as_with::<_, OrderRow, _>(&sql, args)
                    .fetch_one(&mut *tx)
                    .await?
            }
            // In-process, statements cost no round trip: the number from the counter row,
            // the order, then all its lines.
            Dialect::Sqlite => {
                add(&mut args, sqlite::next_order_num(&mut tx).await?)?;
                let order = sqlx::query_as_with::<_, OrderRow, _>(&insert_order("$8"), args)
                    .fetch_one(&mut *tx)
                    .await?;
                let mut args = AnyArguments::default();
                add_lines(&mut args, &id, &lines)?;
                sqlx::query_with(&insert_lines(0, lines.len()), args)
                    .execute(&mut *tx)
                    .await?;
                order
            }
        };
        tx.commit().await?;
        metrics::counter!("orders_placed_total").increment(1);
        Ok(OrderRecord { order, lines })
    }

    pub async fn order(&self, order: &OrderRef) -> Result<Option<OrderRecord>, sqlx::Error> {
        let mut conn = self.pool().acquire().await?;
        let Some(row) = fetch_order_row(&mut conn, order).await? else {
            return Ok(None);
        };
        let lines = sqlx::query_as(&format!(
            "SELECT {LINE_COLUMNS} FROM order_lines WHERE order_id = $1 ORDER BY line_no"
        ))
        .bind(&row.id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(Some(OrderRecord { order: row, lines }))
    }

    /// Orders newest first, of one user or of all; with the count of all that match.
    pub async fn list_orders(
        &self,
        user_id: Option<&str>,
        paging: Option<Paging>,
    ) -> Result<(i64, Vec<OrderRecord>), sqlx::Error> {
        let filter = if user_id.is_some() {
            "WHERE o.user_id = $1"
        } else {
            ""
        };
        let count_sql = format!("SELECT COUNT(*) FROM orders o {filter}");
        let mut count = sqlx::query_scalar(&count_sql);
        if let Some(u) = user_id {
            count = count.bind(u);
        }
        let total = self.readers().fetch_scalar(count).await?;
        let next = if user_id.is_some() { 2 } else { 1 };
        let page = match paging {
            Some(_) => format!("LIMIT ${next} OFFSET ${}", next + 1),
            None => String::new(),
        };
        let sql = format!("{ORDER_SELECT} {filter} ORDER BY o.created_at DESC, o.id DESC {page}");
        let mut select = sqlx::query_as::<_, OrderRow>(&sql);
        if let Some(u) = user_id {
            select = select.bind(u);
        }
        if let Some(p) = paging {
            select = select.bind(p.limit).bind(p.offset());
        }
        let rows = self.readers().fetch_all(select).await?;
        let records = self.with_lines(rows).await?;
        Ok((total, records))
    }

    async fn with_lines(&self, rows: Vec<OrderRow>) -> Result<Vec<OrderRecord>, sqlx::Error> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {LINE_COLUMNS} FROM order_lines WHERE order_id IN ({}) ORDER BY order_id, line_no",
            placeholders(0, rows.len())
        );
        let mut select = sqlx::query_as::<_, LineRow>(&sql);
        for row in &rows {
            select = select.bind(&row.id);
        }
        let mut lines = self.readers().fetch_all(select).await?;
        Ok(rows
            .into_iter()
            .map(|order| {
                let (mine, rest): (Vec<LineRow>, Vec<LineRow>) =
                    lines.drain(..).partition(|l| l.order_id == order.id);
                lines = rest;
                OrderRecord { order, lines: mine }
            })
            .collect())
    }

    /// Moves orders to new statuses, all or nothing: one refused move and none is made.
    /// An order the viewer may not see is a 404, as if it did not exist. Cancelling an order
    /// that holds stock gives the stock back.
    pub async fn change_statuses(
        &self,
        viewer: Viewer<'_>,
        changes: &[(OrderRef, Status)],
        field: impl Fn(usize) -> String,
    ) -> Result<Vec<OrderRow>, ApiError> {
        let mut tx = self.begin().await?;
        let mut changed = Vec::with_capacity(changes.len());
        for (i, (order, to)) in changes.iter().enumerate() {
            let row = fetch_order_row(&mut tx, order)
                .await?
                .filter(|o| viewer.can_see(o))
                .ok_or_else(|| {
                    ApiError::NotFound(format!("order {} not found ({})", describe(order), field(i)))
                })?;
            changed.push(transition(&mut tx, &row, *to).await?);
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Deletes one order the viewer may delete; gives back stock it still holds.
    pub async fn delete_order(&self, viewer: Viewer<'_>, order: &OrderRef) -> Result<(), ApiError> {
        let mut tx = self.begin().await?;
        let row = fetch_order_row(&mut tx, order)
            .await?
            .filter(|o| viewer.can_see(o))
            .ok_or_else(|| ApiError::not_found("order"))?;
        viewer.may_delete(&row)?;
        if !remove(&mut tx, &row).await? {
            return Err(ApiError::conflict(
                "order_changed",
                "the order changed meanwhile; fetch it and retry",
            ));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes those of the orders the viewer may delete, skipping the others silently;
    /// returns how many were deleted.
    pub async fn delete_orders(&self, viewer: Viewer<'_>, orders: &[OrderRef]) -> Result<u64, ApiError> {
        let mut tx = self.begin().await?;
        let mut deleted = 0;
        for order in orders {
            let Some(row) = fetch_order_row(&mut tx, order)
                .await?
                .filter(|o| viewer.can_see(o))
            else {
                continue;
            };
            if viewer.may_delete(&row).is_ok() && remove(&mut tx, &row).await? {
                deleted += 1;
            }
        }
        tx.commit().await?;
        Ok(deleted)
    }

    /// Up to `n` products that can be bought now, oldest first.
    pub async fn in_stock_products(&self, n: i64) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
        sqlx::query_as(
            "SELECT p.id, p.name, p.price FROM products p JOIN product_stock s ON s.id = p.id \
             WHERE s.stock IS NULL OR s.stock > 0 ORDER BY p.created_at, p.id LIMIT $1",
        )
        .bind(n)
        .fetch_all(self.pool())
        .await
    }
}

fn order_filter(order: &OrderRef) -> (&'static str, String) {
    match order {
        OrderRef::Id(id) => ("o.id = $1", id.to_string()),
        OrderRef::Num(n) => ("o.order_num = CAST($1 AS BIGINT)", n.to_string()),
    }
}

fn describe(order: &OrderRef) -> String {
    match order {
        OrderRef::Id(id) => id.to_string(),
        OrderRef::Num(n) => format!("#{n}"),
    }
}

pub(super) async fn fetch_order_row(
    conn: &mut AnyConnection,
    order: &OrderRef,
) -> Result<Option<OrderRow>, sqlx::Error> {
    let (sql, arg) = order_filter(order);
    sqlx::query_as(&format!("{ORDER_SELECT} WHERE {sql}"))
        .bind(arg)
        .fetch_optional(conn)
        .await
}

/// `INSERT INTO orders … RETURNING` with the order number `order_num` (a parameter or an
/// expression), for the seven arguments added in `place_order`.
fn insert_order(order_num: &str) -> String {
    format!(
        "INSERT INTO orders (id, order_num, user_id, status, total, currency, address, shipping, \
         created_at, updated_at, version) \
         VALUES ($1, {order_num}, $2, 'pending', $3, $4, $5, $6, $7, $7, 0) RETURNING {ORDER_RETURNING}"
    )
}

/// All the lines of an order in one statement, their parameters after `offset` others.
fn insert_lines(offset: usize, count: usize) -> String {
    let values: Vec<String> = (0..count)
        .map(|i| format!("({})", placeholders(offset + i * 9, 9)))
        .collect();
    format!(
        "INSERT INTO order_lines (order_id, line_no, product_id, name, price, image, category, \
         quantity, shipping) VALUES {}",
        values.join(", ")
    )
}

/// The arguments of `insert_lines`.
fn add_lines<'q>(args: &mut AnyArguments<'q>, id: &'q str, lines: &'q [LineRow]) -> Result<(), sqlx::Error> {
    for (line_no, line) in lines.iter().enumerate() {
        add(args, id)?;
        add(args, line_no as i64)?;
        add(args, &line.product_id)?;
        add(args, &line.name)?;
        add(args, line.price)?;
        add(args, &line.image)?;
        add(args, &line.category)?;
        add(args, line.quantity)?;
        add(args, &line.shipping)?;
    }
    Ok(())
}

fn add<'q, T>(args: &mut AnyArguments<'q>, value: T) -> Result<(), sqlx::Error>
where
    T: 'q + sqlx::Encode<'q, Any> + sqlx::Type<Any>,
{
    args.add(value).map_err(sqlx::Error::Encode)
}

/// Counted stock is taken by a conditional update of `product_stock`, which holds the
/// product's stock row until the order commits, so that stock never goes below zero however
/// many orders race. Unlimited stock (null) is neither written nor locked, so that orders of
/// it never wait for one another.
const TAKE_COUNTED: &str = "UPDATE product_stock SET stock = stock - $1 WHERE id = $2 AND stock >= $1";

/// The product as it is bought (`$2`), if `{taken}` (its stock was taken) or its stock is
/// unlimited.
const READ_BOUGHT: &str = "SELECT p.name, p.price, p.image, p.category FROM products p \
     WHERE p.id = $2 AND ({taken} OR (SELECT s.stock FROM product_stock s WHERE s.id = $2) IS NULL)";

/// Both in one statement, for PostgreSQL: one round trip; the stock read only when the update
/// took nothing (a test made once, before the product is read).
static TAKE_EITHER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH taken AS ({TAKE_COUNTED} RETURNING id) {}",
        READ_BOUGHT.replace("{taken}", "EXISTS (SELECT 1 FROM taken)")
    )
});

/// The same in two statements, for SQLite, whose writer holds the database meanwhile: `$1`
/// says whether the update took the stock.
static READ_TAKEN: LazyLock<String> = LazyLock::new(|| READ_BOUGHT.replace("{taken}", "$1"));

/// Takes a line's stock (or, if unlimited, none) and reads its product as it is bought;
/// `None` when the product is gone or short of stock.
async fn take_line(
    tx: &mut Tx,
    dialect: Dialect,
    product_id: &str,
    quantity: i64,
) -> Result<Option<Taken>, sqlx::Error> {
    match dialect {
        Dialect::Sqlite => {
            let took = sqlx::query(TAKE_COUNTED)
                .bind(quantity)
                .bind(product_id)
                .execute(&mut **tx)
                .await?
                .rows_affected()
                == 1;
            sqlx::query_as(&READ_TAKEN)
                .bind(took)
                .bind(product_id)
                .fetch_optional(&mut **tx)
                .await
        }
        // A product whose stock became unlimited while the statement ran is missed by both
        // its halves (the update reads the new row, the stock read the old); a second try,
        // on a fresh snapshot, takes it.
        Dialect::Postgres => {
            let take = || {
                sqlx::query_as::<_, Taken>(&TAKE_EITHER)
                    .bind(quantity)
                    .bind(product_id)
            };
            match take().fetch_optional(&mut **tx).await? {
                Some(taken) => Ok(Some(taken)),
                None => take().fetch_optional(&mut **tx).await,
            }
        }
    }
}

/// Why a line could not be taken: its product is gone (400) or short of stock (409).
async fn missing_or_short(
    tx: &mut Tx,
    new: &NewOrder<'_>,
    index: usize,
    product_id: &str,
    wanted: i64,
) -> Result<ApiError, sqlx::Error> {
    let found: Option<(String, Option<i64>)> = sqlx::query_as(
        "SELECT p.name, s.stock FROM products p JOIN product_stock s ON s.id = p.id WHERE p.id = $1",
    )
    .bind(product_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match found {
        None => ApiError::BadRequest {
            code: "unknown_product",
            message: format!("there is no product {product_id}"),
            field: Some(item_field(index, new.id_field, new.id_field)),
        },
        Some((name, left)) => ApiError::Conflict {
            code: "out_of_stock",
            message: format!(
                "not enough stock of {name} ({product_id}): {wanted} wanted, {} left",
                left.unwrap_or(0)
            ),
            field: Some(item_field(index, new.id_field, "quantity")),
        },
    })
}

/// Moves one order, guarded by the status it was read with, so that of two racing moves
/// only one happens, and stock is given back once.
pub(super) async fn transition(tx: &mut Tx, order: &OrderRow, to: Status) -> Result<OrderRow, ApiError> {
    let from = order.status();
    from.transition(to)?;
    let now = now_millis().max(order.updated_at);
    let done = sqlx::query(
        "UPDATE orders SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND status = $4",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(&order.id)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(ApiError::conflict(
            "order_changed",
            "the order changed meanwhile; fetch it and retry",
        ));
    }
    if to == Status::Cancelled && from.holds_returnable_stock() {
        let lines = held_lines(tx, &order.id).await?;
        give_back(tx, &lines).await?;
    }
    Ok(OrderRow {
        status: to.as_str().to_string(),
        updated_at: now,
        version: order.version + 1,
        ..order.clone()
    })
}

/// Deletes an order guarded by its status, so that of two racing deletes only one counts;
/// gives back the stock of one that has not shipped.
async fn remove(tx: &mut Tx, order: &OrderRow) -> Result<bool, sqlx::Error> {
    let lines = held_lines(tx, &order.id).await?;
    let done = sqlx::query("DELETE FROM orders WHERE id = $1 AND status = $2")
        .bind(&order.id)
        .bind(&order.status)
        .execute(&mut **tx)
        .await?;
    let deleted = done.rows_affected() == 1;
    if deleted && order.status().holds_returnable_stock() {
        give_back(tx, &lines).await?;
    }
    Ok(deleted)
}

async fn held_lines(tx: &mut Tx, order_id: &str) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT product_id, quantity FROM order_lines WHERE order_id = $1 ORDER BY product_id")
        .bind(order_id)
        .fetch_all(&mut **tx)
        .await
}

/// Adds the quantities back to products that still exist and count their stock.
async fn give_back(tx: &mut Tx, lines: &[(String, i64)]) -> Result<(), sqlx::Error> {
    for (product_id, quantity) in lines {
        sqlx::query("UPDATE product_stock SET stock = stock + $1 WHERE id = $2 AND stock IS NOT NULL")
            .bind(*quantity)
            .bind(product_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
