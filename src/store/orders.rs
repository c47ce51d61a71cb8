//! Orders: placing them (prices and stock taken in one transaction), reading, moving along
//! the status machine, and deleting, with stock given back exactly once.

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

/// A product as an order finds it: what its line copies, and its stock (`None`: unlimited).
#[derive(FromRow)]
struct Offered {
    id: String,
    name: String,
    price: i64,
    image: String,
    category: String,
    stock: Option<i64>,
}

/// An order ready to write: its lines as bought, its total, and the counted stock to take,
/// by product id.
struct Priced {
    id: String,
    total: i64,
    lines: Vec<LineRow>,
    counted: Vec<(String, i64)>,
}

/// How often an order is tried when its stock moves between its read and its write.
const TRIES: usize = 3;

impl Store {
    /// Places an order: every product must exist, prices come from the catalogue, and the
    /// counted stock of every line is taken by a conditional update in the statement (or the
    /// transaction) that writes the order, so that stock never goes below zero however many
    /// orders race. All lines or none.
    pub async fn place_order(&self, new: NewOrder<'_>) -> Result<OrderRecord, ApiError> {
        let ids: Vec<String> = new.lines.iter().map(|l| l.product_id.to_string()).collect();
        for _ in 0..TRIES {
            if let Some(placed) = self.try_place_order(&new, &ids).await? {
                metrics::counter!("orders_placed_total").increment(1);
                return Ok(placed);
            }
        }
        Err(ApiError::conflict(
            "out_of_stock",
            "the stock of the order's products kept changing while it was placed; retry",
        ))
    }

    /// One try: reads the products (`ids`, those of the lines), prices the order by `price`
    /// (which refuses unknown products and short stock), then writes it; `None` when the write
    /// found that the stock moved since the read, and wrote nothing.
    async fn try_place_order(
        &self,
        new: &NewOrder<'_>,
        ids: &[String],
    ) -> Result<Option<OrderRecord>, ApiError> {
        match self.dialect() {
            // Two round trips whatever the lines: the read, then one statement that takes the
            // stock and writes the order and its lines, in its own transaction. Stock rows are
            // locked only while that statement runs; over `BEGIN`, a statement per line and
            // `COMMIT`, orders of the same products queued for every round trip (pgbench, the
            // statements of an order of 1–3 of 20 products with counted stock, 16 clients:
            // about 1,660 tps in five round trips and more, 2,300 in two).
            Dialect::Postgres => {
                let mut conn = self.pool().acquire().await?;
                let priced = price(new, ids, read_offered(&mut conn, ids).await?)?;
                match postgres_write(&mut conn, new, &priced).await {
                    Ok(order) => Ok(Some(OrderRecord {
                        order,
                        lines: priced.lines,
                    })),
                    Err(e) if postgres::moved_on(&e) => Ok(None),
                    Err(e) => Err(e.into()),
                }
            }
            // In-process, statements cost no round trip, and the writer's turn keeps the
            // stock as read until the commit.
            Dialect::Sqlite => {
                let mut tx = self.begin().await?;
                let priced = price(new, ids, read_offered(&mut tx, ids).await?)?;
                let Some(order) = sqlite_write(&mut tx, new, &priced).await? else {
                    return Ok(None);
                };
                tx.commit().await?;
                Ok(Some(OrderRecord {
                    order,
                    lines: priced.lines,
                }))
            }
        }
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
        // All orders are counted as they are written (migration 0107); one user's are few.
        let count_sql = match user_id {
            Some(_) => format!("SELECT COUNT(*) FROM orders o {filter}"),
            None => "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM order_count".to_string(),
        };
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

/// The products `ids`, with their stock, in one statement.
async fn read_offered(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<Offered>, sqlx::Error> {
    let sql = format!(
        "SELECT p.id, p.name, p.price, p.image, p.category, s.stock \
         FROM products p JOIN product_stock s ON s.id = p.id WHERE p.id IN ({})",
        placeholders(0, ids.len())
    );
    let mut select = sqlx::query_as::<_, Offered>(&sql);
    for id in ids {
        select = select.bind(id.as_str());
    }
    select.fetch_all(conn).await
}

/// The rules of an order, on its products as read: a product that does not exist is a 400,
/// a line short of stock a 409 (the first such line by product id); the total is the sum of
/// the catalogue's prices times the quantities. `ids` are the lines' product ids.
fn price(new: &NewOrder<'_>, ids: &[String], offered: Vec<Offered>) -> Result<Priced, ApiError> {
    let find = |pid: &str| offered.iter().find(|p| p.id == pid);
    let mut by_id: Vec<usize> = (0..ids.len()).collect();
    by_id.sort_by(|&a, &b| ids[a].cmp(&ids[b]));
    let mut counted = Vec::new();
    for index in by_id {
        let (pid, wanted) = (&ids[index], new.lines[index].quantity);
        let Some(product) = find(pid) else {
            return Err(ApiError::BadRequest {
                code: "unknown_product",
                message: format!("there is no product {pid}"),
                field: Some(item_field(index, new.id_field, new.id_field)),
            });
        };
        match product.stock {
            Some(left) if left < wanted => {
                return Err(ApiError::Conflict {
                    code: "out_of_stock",
                    message: format!(
                        "not enough stock of {} ({pid}): {wanted} wanted, {left} left",
                        product.name
                    ),
                    field: Some(item_field(index, new.id_field, "quantity")),
                });
            }
            Some(_) => counted.push((pid.clone(), wanted)),
            None => {}
        }
    }
    let id = ObjectId::new().to_string();
    let mut total = 0i64;
    let mut lines = Vec::with_capacity(new.lines.len());
    for (line, pid) in new.lines.iter().zip(ids) {
        let product = find(pid).expect("every product was found above");
        total = add_line(total, product.price, line.quantity)?;
        lines.push(LineRow {
            order_id: id.clone(),
            product_id: pid.clone(),
            name: product.name.clone(),
            price: product.price,
            image: product.image.clone(),
            category: product.category.clone(),
            quantity: line.quantity,
            shipping: line.shipping.as_str().to_string(),
        });
    }
    Ok(Priced {
        id,
        total,
        lines,
        counted,
    })
}

/// The seven arguments of `insert_order`.
fn add_order<'q>(
    args: &mut AnyArguments<'q>,
    new: &'q NewOrder<'_>,
    priced: &'q Priced,
    now: i64,
) -> Result<(), sqlx::Error> {
    add(args, &priced.id)?;
    add(args, new.user_id)?;
    add(args, priced.total)?;
    add(args, new.currency)?;
    add(args, &new.address)?;
    add(args, new.shipping.as_str())?;
    add(args, now)
}

/// PostgreSQL: the counted stock taken (`take_counted`), the order and its lines written, in
/// one statement. The sequence gives the order number. A line whose stock
/// was taken meanwhile fails the statement (see `postgres::SHORT_OF_STOCK`), and with it the
/// whole order.
async fn postgres_write(
    conn: &mut AnyConnection,
    new: &NewOrder<'_>,
    priced: &Priced,
) -> Result<OrderRow, sqlx::Error> {
    let mut args = AnyArguments::default();
    add_order(&mut args, new, priced, now_millis())?;
    add_lines(&mut args, &priced.id, &priced.lines)?;
    let after_lines = 7 + 9 * priced.lines.len();
    let order = insert_order(postgres::NEXT_ORDER_NUM);
    let lines = insert_lines(7, priced.lines.len());
    let sql = if priced.counted.is_empty() {
        format!("WITH o AS ({order}), l AS ({lines}) SELECT * FROM o")
    } else {
        add_counted(&mut args, &priced.counted)?;
        format!(
            "WITH taken AS ({} RETURNING product_stock.id), o AS ({order}), l AS ({lines}) \
             SELECT o.* FROM o WHERE CASE WHEN (SELECT COUNT(*) FROM taken) = {} THEN TRUE \
             ELSE {} END",
            take_counted(after_lines, priced.counted.len()),
            priced.counted.len(),
            postgres::REFUSE_SHORT_OF_STOCK,
        )
    };
    sqlx::query_as_with::<_, OrderRow, _>(&sql, args)
        .fetch_one(conn)
        .await
}

/// SQLite: the counted stock taken (`take_counted`), the number from the counter row, the order, then all its
/// lines, in the caller's transaction. `None` if a line's stock was taken meanwhile (which
/// the writer's turn prevents).
async fn sqlite_write(
    tx: &mut Tx,
    new: &NewOrder<'_>,
    priced: &Priced,
) -> Result<Option<OrderRow>, sqlx::Error> {
    if !priced.counted.is_empty() {
        let mut args = AnyArguments::default();
        add_counted(&mut args, &priced.counted)?;
        let took = sqlx::query_with(&take_counted(0, priced.counted.len()), args)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        if took != priced.counted.len() as u64 {
            return Ok(None);
        }
    }
    let mut args = AnyArguments::default();
    add_order(&mut args, new, priced, now_millis())?;
    add(&mut args, sqlite::next_order_num(tx).await?)?;
    let order = sqlx::query_as_with::<_, OrderRow, _>(&insert_order("$8"), args)
        .fetch_one(&mut **tx)
        .await?;
    let mut args = AnyArguments::default();
    add_lines(&mut args, &priced.id, &priced.lines)?;
    sqlx::query_with(&insert_lines(0, priced.lines.len()), args)
        .execute(&mut **tx)
        .await?;
    Ok(Some(order))
}

/// Counted stock is taken by one conditional update of `product_stock` for all of an order's
/// counted lines (their product ids and quantities, `count` pairs of parameters after
/// `offset` others), which holds those stock rows until the order commits, so that stock
/// never goes below zero however many orders race. It took every line's stock when it
/// changed `count` rows. The rows are locked in the order of their ids (the `VALUES`, which
/// `price` lists by id, drive the update), so that two orders cannot deadlock. Unlimited stock
/// (null) is not among the lines, so that orders of it never wait for one another; a stock
/// made unlimited since the read is taken as such.
fn take_counted(offset: usize, count: usize) -> String {
    let wanted: Vec<String> = (0..count)
        .map(|i| format!("({})", placeholders(offset + 2 * i, 2)))
        .collect();
    format!(
        "UPDATE product_stock SET stock = stock - w.column2 FROM (VALUES {}) AS w \
         WHERE product_stock.id = w.column1 \
         AND (product_stock.stock IS NULL OR product_stock.stock >= w.column2)",
        wanted.join(", ")
    )
}

/// The arguments of `take_counted`.
fn add_counted<'q>(args: &mut AnyArguments<'q>, counted: &'q [(String, i64)]) -> Result<(), sqlx::Error> {
    for (pid, quantity) in counted {
        add(args, pid)?;
        add(args, *quantity)?;
    }
    Ok(())
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
