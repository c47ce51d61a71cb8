//! Products: the catalogue's reads and writes.

use std::collections::HashMap;
use std::sync::LazyLock;

use sqlx::FromRow;
use sqlx::any::AnyRow;

use super::categories::canonical_category;
use super::search_cache::{KEPT, SearchCache, SearchCount, SortedMatches};
use super::{Dialect, Store, Tx, by_ids, padded, placeholders, postgres, sqlite};
use crate::domain::id::ObjectId;
use crate::domain::product::{NewProduct, Product, ProductChanges, ProductQuery, SortField, search_text};
use crate::domain::time::{format_millis, now_millis};
use crate::error::ApiError;

#[derive(Clone, Debug, FromRow)]
pub struct ProductRow {
    pub id: String,
    pub name: String,
    pub price: i64,
    pub description: String,
    pub category: String,
    pub image: String,
    pub stock: Option<i64>,
    pub stripe_product_id: Option<String>,
    pub stripe_price_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

impl From<ProductRow> for Product {
    fn from(r: ProductRow) -> Self {
        Product {
            id: r.id,
            name: r.name,
            price: r.price,
            description: r.description,
            category: r.category,
            image: r.image,
            stock: r.stock,
            stripe_product_id: r.stripe_product_id,
            stripe_price_id: r.stripe_price_id,
            created_at: format_millis(r.created_at),
            updated_at: format_millis(r.updated_at),
            version: r.version,
        }
    }
}

/// A product's own columns, on the table `p`: all but its stock, which is in `product_stock`
/// (migration 0105).
macro_rules! own_columns {
    () => {
        "p.id, p.name, p.price, p.description, p.category, p.image, p.stripe_product_id, \
         p.stripe_price_id, p.created_at, p.updated_at, p.version"
    };
}

/// The stock of the product whose row is `$t`.
macro_rules! stock_of {
    ($t:literal) => {
        concat!(
            "(SELECT s.stock FROM product_stock s WHERE s.id = ",
            $t,
            ".id) AS stock"
        )
    };
}

/// Where a page's stock is read: by its head, for every row (a page sorted by it), or for the
/// rows the page keeps (see `fetch_page`).
#[derive(Clone, Copy)]
enum PageStock {
    InHead,
    OfKept,
}

/// A product's columns with its stock, on the table `p`.
pub(super) const PRODUCT_COLUMNS: &str = concat!(own_columns!(), ", ", stock_of!("p"));

/// What a page is sorted and cut from: the stock is read only for the rows it keeps (see
/// `fetch_page`), not for each row an `OFFSET` skips or a search matches.
const PAGE_COLUMNS: &str = own_columns!();

/// The same columns for `RETURNING`, which takes no table alias on SQLite.
const RETURNED_COLUMNS: &str = concat!(
    "id, name, price, description, category, image, stripe_product_id, stripe_price_id, \
     created_at, updated_at, version, ",
    stock_of!("products")
);

/// Why an update was refused for its version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precondition {
    /// `If-Match: "<v>"`: a mismatch is a 412.
    IfMatch(i64),
    /// No header.
    None,
}

/// One page of a product list with the count of all matches.
pub struct ProductPage {
    pub total: i64,
    pub products: Vec<Product>,
}

impl Store {
    /// One product, read together with the others asked for at the same moment (see
    /// `gathered.rs`).
    pub async fn product(&self, id: &ObjectId) -> Result<Option<Product>, sqlx::Error> {
        let row = self.product_reads.read(id.to_string()).await?;
        Ok(row.map(Product::from))
    }

    pub async fn create_product(&self, new: NewProduct) -> Result<Product, ApiError> {
        let mut tx = self.begin().await?;
        let category = canonical_category(&mut tx, &new.category).await?;
        let row = insert_product(&mut tx, &new, &category).await?;
        tx.commit().await?;
        Ok(row.into())
    }

    /// Applies `changes` to the product if its version still matches: a stale `If-Match` is
    /// a 412, a stale `__v` in the body a 409, and nothing changes either way.
    pub async fn update_product(
        &self,
        id: &ObjectId,
        changes: ProductChanges,
        precondition: Precondition,
    ) -> Result<Product, ApiError> {
        let mut tx = self.begin().await?;
        let current: ProductRow = sqlx::query_as(&format!(
            "SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
        if let Precondition::IfMatch(v) = precondition
            && v != current.version
        {
            return Err(ApiError::PreconditionFailed(format!(
                "the product is at version {} and If-Match asked for {v}; fetch it again and retry",
                current.version
            )));
        }
        if let Some(v) = changes.expected_version
            && v != current.version
        {
            return Err(ApiError::Conflict {
                code: "version_conflict",
                message: format!(
                    "the product is at version {} but the change was based on {v}; fetch it again and retry",
                    current.version
                ),
                field: Some("__v".into()),
            });
        }
        if changes.is_empty() {
            return Ok(current.into());
        }
        let category = match &changes.category {
            Some(c) => canonical_category(&mut tx, c).await?,
            None => current.category.clone(),
        };
        let name = changes.name.unwrap_or(current.name);
        let description = changes.description.unwrap_or(current.description);
        // Stock is written only when it is changed: orders take from it meanwhile, and
        // writing back the stock read above would give back what they took.
        if let Some(stock) = changes.stock {
            sqlx::query("UPDATE product_stock SET stock = $1 WHERE id = $2")
                .bind(stock)
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        let row: Option<ProductRow> = sqlx::query_as(&format!(
            "UPDATE products SET name = $1, price = $2, description = $3, category = $4, image = $5, \
             search_text = $6, updated_at = $7, stripe_price_id = $8, version = version + 1 \
             WHERE id = $9 AND version = $10 RETURNING {RETURNED_COLUMNS}"
        ))
        .bind(&name)
        .bind(changes.price.unwrap_or(current.price))
        .bind(&description)
        .bind(&category)
        .bind(changes.image.unwrap_or(current.image))
        .bind(search_text(&name, &description))
        .bind(now_millis().max(current.updated_at))
        .bind(changes.stripe_price_id.or(current.stripe_price_id))
        .bind(id.to_string())
        .bind(current.version)
        .fetch_optional(&mut *tx)
        .await?;
        let row = row.ok_or_else(|| {
            ApiError::conflict(
                "version_conflict",
                "the product changed meanwhile; fetch it again and retry",
            )
        })?;
        tx.commit().await?;
        Ok(row.into())
    }

    /// Sets the Stripe ids of a product without counting it as a change by the admin.
    pub async fn set_stripe_ids(
        &self,
        id: &str,
        product_id: &str,
        price_id: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE products SET stripe_product_id = $1, stripe_price_id = $2 WHERE id = $3")
            .bind(product_id)
            .bind(price_id)
            .bind(id)
            .execute(self.pool())
            .await
            .map(|_| ())
    }

    pub async fn delete_product(&self, id: &ObjectId) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM products WHERE id = $1")
            .bind(id.to_string())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// One page of products; `categories` must already be the stored names.
    ///
    /// Without search, both halves stay cheap however large the catalogue: `total` is a sum
    /// of the per-category counters that triggers keep exact, and every sort is a range of an
    /// index, so a page found by `after` (keyset) costs the same at any depth. A search finds
    /// its matches once, through the search index, and counts and sorts them in the same
    /// query: it costs in proportion to the number of matches, not of products. Its count is
    /// kept while the catalogue does not change, and the next page of a search that matches
    /// a large share of its category is then read along the sort's index instead
    /// (`walked_search_page`), at the cost of a page.
    pub async fn list_products(
        &self,
        query: &ProductQuery,
        categories: &[String],
    ) -> Result<ProductPage, ApiError> {
        let Some(needle) = &query.search else {
            return self.list_without_search(query, categories).await;
        };
        if let Some(page) = self.kept_search_page(query, categories).await? {
            return Ok(page);
        }
        if let Some(page) = self.walked_search_page(query, categories).await? {
            return Ok(page);
        }
        if let Some(key) = SearchCache::sorted_key(needle, categories, query.sort) {
            // One request at a time finds a search; those that want the same meanwhile wait
            // for it and read what it kept, instead of all finding it at once.
            let flight = self.search_cache.flight(&key);
            let _turn = flight.lock().await;
            if let Some(page) = self.kept_search_page(query, categories).await? {
                return Ok(page);
            }
            if let Some(page) = self.sorted_search_page(query, categories, needle, key).await? {
                return Ok(page);
            }
        }
        self.counted_search_page(query, categories, needle).await
    }

    /// A search page read by id from the matches kept in the order of its sort, if they hold
    /// it and the catalogue has not changed since they were found.
    pub async fn kept_search_page(
        &self,
        query: &ProductQuery,
        categories: &[String],
    ) -> Result<Option<ProductPage>, sqlx::Error> {
        let kept = query
            .search
            .as_ref()
            .and_then(|needle| SearchCache::sorted_key(needle, categories, query.sort))
            .and_then(|key| self.search_cache.sorted(&key));
        match kept {
            Some(sorted) => self.page_of_sorted(query, &sorted).await,
            None => Ok(None),
        }
    }

    /// Finds a search's matches and keeps the first `KEPT` of them in the order of its sort,
    /// with their count, then reads its page from them. `None` (and the caller counts) when
    /// the page is not among them: a deep page of a search known to match more, or a page
    /// after a product that is not.
    async fn sorted_search_page(
        &self,
        query: &ProductQuery,
        categories: &[String],
        needle: &str,
        key: String,
    ) -> Result<Option<ProductPage>, ApiError> {
        let count_key = SearchCache::count_key(needle, categories);
        let end = (query.paging.offset() + query.paging.limit) as usize;
        if let Some(known) = self.search_cache.count(&count_key)
            && known.total > KEPT as i64
            && query.after.is_none()
            && end > KEPT
        {
            return Ok(None);
        }
        let (table, filter) = self.search_matches(needle, categories);
        let sql = format!(
            "WITH m AS MATERIALIZED (SELECT p.id, p.name, p.price, p.created_at, p.updated_at \
             FROM {table} {}) \
             SELECT m.id, (SELECT COUNT(*) FROM m) AS total, {GENERATION} AS generation, \
             {} AS population FROM m ORDER BY {} LIMIT {KEPT}",
            filter.where_clause(),
            population(categories),
            order_by(query, "m"),
        );
        let mut select = sqlx::query_as::<_, SortedRow>(&sql);
        for a in &filter.args {
            select = select.bind(a);
        }
        let rows = self.readers().fetch_all(select).await?;
        let Some(first) = rows.first() else {
            self.check_after(query).await?;
            return Ok(Some(ProductPage {
                total: 0,
                products: Vec::new(),
            }));
        };
        let count = SearchCount {
            generation: first.generation,
            total: first.total,
            population: first.population,
        };
        self.search_cache.put_count(count_key, count);
        let Some(ids) = rows.iter().map(|r| ObjectId::parse(&r.id)).collect() else {
            return Ok(None);
        };
        let sorted = SortedMatches {
            generation: count.generation,
            total: count.total,
            ids,
        };
        self.search_cache.put_sorted(key, sorted.clone());
        Ok(self.page_of_sorted(query, &sorted).await?)
    }

    /// The query's page from matches kept in its sort's order, read by id, if they hold it
    /// and the catalogue is still at their generation.
    async fn page_of_sorted(
        &self,
        query: &ProductQuery,
        sorted: &SortedMatches,
    ) -> Result<Option<ProductPage>, sqlx::Error> {
        let start = match &query.after {
            Some(after) => match sorted.start_after(after) {
                Some(start) => start,
                None => return Ok(None),
            },
            None => query.paging.offset() as u64,
        };
        let Some(ids) = sorted.page(start, query.paging.limit as u64) else {
            return Ok(None);
        };
        let ids: Vec<String> = ids.iter().map(ObjectId::to_string).collect();
        if ids.is_empty() {
            // Past the last match: only the generation says whether that is still true.
            let sql = format!("SELECT {GENERATION}");
            let generation = self.readers().fetch_scalar(sqlx::query_scalar(&sql)).await?;
            return Ok((generation == sorted.generation).then(|| ProductPage {
                total: sorted.total,
                products: Vec::new(),
            }));
        }
        let (sql, size) = padded(&BY_IDS, ids.len());
        let mut select = sqlx::query_as::<_, GenerationRow>(sql);
        for i in 0..size {
            select = select.bind(ids[i.min(ids.len() - 1)].as_str());
        }
        let rows = self.readers().fetch_all(select).await?;
        if rows.len() != ids.len() || rows.iter().any(|r| r.generation != sorted.generation) {
            return Ok(None);
        }
        let mut by_id: HashMap<String, ProductRow> =
            rows.into_iter().map(|r| (r.row.id.clone(), r.row)).collect();
        let products: Option<Vec<Product>> =
            ids.iter().map(|id| by_id.remove(id).map(Product::from)).collect();
        Ok(products.map(|products| ProductPage {
            total: sorted.total,
            products,
        }))
    }

    /// A search page found by counting and sorting every match, which keeps the count.
    async fn counted_search_page(
        &self,
        query: &ProductQuery,
        categories: &[String],
        needle: &str,
    ) -> Result<ProductPage, ApiError> {
        let (table, filter) = self.search_matches(needle, categories);
        // A sort by stock sorts every match by it; other sorts read the stock of the page's
        // rows alone.
        let (columns, stock) = match query.sort.field {
            SortField::Stock => (PRODUCT_COLUMNS, PageStock::InHead),
            _ => (PAGE_COLUMNS, PageStock::OfKept),
        };
        // MATERIALIZED keeps PostgreSQL from walking a sort index and testing every product
        // against the search, which it may prefer for a short LIMIT and which is far slower
        // when matches are few.
        let matches = format!(
            "WITH m AS MATERIALIZED (SELECT {columns} FROM {table} {})",
            filter.where_clause()
        );
        // The page binds the search's arguments (for the CTE) and then its own.
        let mut page = Filter {
            conditions: Vec::new(),
            args: filter.args.clone(),
        };
        if let Some(after) = &query.after {
            page.after(query, after, "m");
        }
        let head = format!(
            "{matches} SELECT m.*, (SELECT COUNT(*) FROM m) AS total, {GENERATION} AS generation, \
             {} AS population FROM m",
            population(categories)
        );
        let rows: Vec<CountedRow> = self.fetch_page(&head, &page, query, "m", stock).await?;
        let total = match rows.first() {
            Some(row) => {
                let count = SearchCount {
                    generation: row.generation,
                    total: row.total,
                    population: row.population,
                };
                self.search_cache
                    .put_count(SearchCache::count_key(needle, categories), count);
                row.total
            }
            // A page past the end carries no count: ask for it alone.
            None => {
                self.check_after(query).await?;
                let count_sql = format!("{matches} SELECT COUNT(*) FROM m");
                let mut count = sqlx::query_scalar(&count_sql);
                for a in &filter.args {
                    count = count.bind(a);
                }
                self.readers().fetch_scalar(count).await?
            }
        };
        Ok(ProductPage {
            total,
            products: rows.into_iter().map(|r| r.row.into()).collect(),
        })
    }

    /// What a search finds: the table to read its matches from, and the conditions they
    /// meet, which bind the categories first (so that `$1` is the first of them) and then the
    /// needle.
    fn search_matches(&self, needle: &str, categories: &[String]) -> (&'static str, Filter) {
        let mut filter = Filter::default();
        if !categories.is_empty() {
            let marks = filter.bind_all(categories);
            filter.conditions.push(format!("p.category IN ({marks})"));
        }
        let (condition, arg) = self.search_filter(needle, filter.args.len() + 1);
        filter.conditions.push(condition);
        filter.args.push(arg);
        let table = match self.dialect() {
            Dialect::Sqlite if !categories.is_empty() => sqlite::PRODUCTS_BY_CATEGORY,
            _ => "products p",
        };
        (table, filter)
    }

    /// A search page read along the index of its sort, testing each product for the needle,
    /// with the count of an earlier search: the walk stops when the page is full, so a
    /// search that matches a large share of its categories costs the same at any size of the
    /// catalogue. The walk ends, at the latest, at a bound a few times further along the
    /// index than the share of matches predicts (found in the index alone), so matches
    /// bunched at the far end of the sort cost no more than counting them. `None` (and the
    /// caller counts) if no count is known, if the matches are too sparse for a walk to pay,
    /// if the catalogue changed since the count (which is then stale), or if the walk found
    /// less than a page (the last page, or a walk cut short by its bound).
    pub async fn walked_search_page(
        &self,
        query: &ProductQuery,
        categories: &[String],
    ) -> Result<Option<ProductPage>, sqlx::Error> {
        // Several categories have no index in the order of the sort to walk. Walking the
        // global one and testing each product's category was slower than counting (on 1 M
        // products, two categories, PostgreSQL: 55 against 82 req/s), so such a search counts,
        // at a cost in proportion to its matches.
        let (Some(needle), 0..=1) = (&query.search, categories.len()) else {
            return Ok(None);
        };
        // How many matches the walk has to find: all those before the page, and its own.
        let rows = query.paging.limit
            + if query.after.is_some() {
                0
            } else {
                query.paging.offset()
            };
        let Some(known) = self
            .search_cache
            .count(&SearchCache::count_key(needle, categories))
        else {
            return Ok(None);
        };
        let Some(reads) = known.walk_reads(rows) else {
            return Ok(None);
        };

        // The range of the index to walk, on the table `t`: the categories, after `after`.
        let mut args: Vec<String> = categories.to_vec();
        let marks = placeholders(0, categories.len());
        let after = query.after.as_ref().map(|a| {
            args.push(a.to_string());
            args.len()
        });
        let range = |t: &str| {
            let mut conditions = match categories.len() {
                0 => Vec::new(),
                _ => vec![format!("{t}.category = {marks}")],
            };
            conditions.extend(after.map(|param| after_condition(query, t, param)));
            conditions
        };
        let field = query.sort.field;
        let table = |t: &str| match self.dialect() {
            Dialect::Sqlite => sqlite::walk_table(field, !categories.is_empty(), t),
            Dialect::Postgres => format!("{} {t}", sort_table(field)),
        };
        let (from, k) = self.in_sort_order(field, table);
        let mut walk = Filter {
            conditions: range(k),
            args,
        };
        // The product `reads` along the range, as far as the walk goes (none if the range is
        // shorter: then the walk finds nothing and the search counts).
        walk.conditions.push(format!(
            "({}) {} (SELECT {} FROM {} {} ORDER BY {} LIMIT 1 OFFSET {})",
            sort_keys(field, k).join(", "),
            if query.sort.descending { ">=" } else { "<=" },
            sort_keys(field, "b").join(", "),
            table("b"),
            Filter {
                conditions: range("b"),
                args: Vec::new(),
            }
            .where_clause(),
            order_by(query, "b"),
            reads - 1,
        ));
        let param = walk.args.len() + 1;
        walk.conditions.push(match self.dialect() {
            Dialect::Sqlite => sqlite::walk_condition("p", param),
            Dialect::Postgres => postgres::walk_condition("p", param),
        });
        walk.args.push(needle.to_string());
        let head = format!("SELECT {PAGE_COLUMNS}, {GENERATION} AS generation FROM {from}");
        let rows: Vec<GenerationRow> = self.fetch_page(&head, &walk, query, k, PageStock::OfKept).await?;
        let full = rows.len() as i64 == query.paging.limit;
        if !full || rows.first().is_none_or(|r| r.generation != known.generation) {
            return Ok(None);
        }
        Ok(Some(ProductPage {
            total: known.total,
            products: rows.into_iter().map(|r| r.row.into()).collect(),
        }))
    }

    async fn list_without_search(
        &self,
        query: &ProductQuery,
        categories: &[String],
    ) -> Result<ProductPage, ApiError> {
        let counted = if categories.is_empty() {
            String::new()
        } else {
            format!("WHERE category IN ({})", placeholders(0, categories.len()))
        };
        let sql = format!("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM product_counts {counted}");
        let mut count = sqlx::query_scalar(&sql);
        for c in categories {
            count = count.bind(c);
        }
        let total = self.readers().fetch_scalar(count).await?;
        // A page that starts past the end is empty: no query for it. On PostgreSQL, page
        // 5000 of 10,000 products sorted the whole table to find nothing.
        if query.after.is_none() && query.paging.offset() >= total {
            return Ok(ProductPage {
                total,
                products: Vec::new(),
            });
        }

        let field = query.sort.field;
        let (from, k) = self.in_sort_order(field, |t| format!("{} {t}", sort_table(field)));
        let mut filter = Filter::default();
        if !categories.is_empty() {
            let marks = filter.bind_all(categories);
            filter.conditions.push(format!("{k}.category IN ({marks})"));
        }
        if let Some(after) = &query.after {
            filter.after(query, after, k);
        }
        let head = format!("SELECT {PAGE_COLUMNS} FROM {from}");
        let rows: Vec<ProductRow> = self
            .fetch_page(&head, &filter, query, k, PageStock::OfKept)
            .await?;
        if rows.is_empty() {
            self.check_after(query).await?;
        }
        Ok(ProductPage {
            total,
            products: rows.into_iter().map(Product::from).collect(),
        })
    }

    /// The products as `p`, in the order of a sort along the index of `table` (the sort's own
    /// table, as the alias given): the FROM clause, and the alias whose columns hold the sort's
    /// keys and the category. Stock's order is in a table of its own (migration 0104), joined
    /// to its products; the others' are in `products`.
    fn in_sort_order(&self, field: SortField, table: impl Fn(&str) -> String) -> (String, &'static str) {
        if sort_table(field) == "products" {
            return (table("p"), "p");
        }
        let join = match self.dialect() {
            Dialect::Sqlite => sqlite::JOIN_IN_ORDER,
            Dialect::Postgres => postgres::JOIN_IN_ORDER,
        };
        (format!("{} {join} products p ON p.id = k.id", table("k")), "k")
    }

    /// `{head} WHERE … ORDER BY … LIMIT … OFFSET …`: the filter's conditions, the query's sort
    /// on the table `t`, and its page; then, unless the head has it, the stock of the page's
    /// products. Read inside, the stock would be read for every row the page skips (on
    /// PostgreSQL, page 5000 read 100,000 stock rows to return 20). Both databases keep the
    /// order of a subquery cut by `LIMIT … OFFSET` (PostgreSQL scans it through, SQLite runs it
    /// as a co-routine).
    async fn fetch_page<R>(
        &self,
        head: &str,
        filter: &Filter,
        query: &ProductQuery,
        t: &str,
        stock: PageStock,
    ) -> Result<Vec<R>, sqlx::Error>
    where
        R: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        let limit = filter.args.len() + 1;
        let page = format!(
            "{head} {} ORDER BY {} LIMIT ${limit} OFFSET ${}",
            filter.where_clause(),
            order_by(query, t),
            limit + 1
        );
        let sql = match stock {
            PageStock::InHead => page,
            PageStock::OfKept => format!("SELECT page.*, {} FROM ({page}) page", stock_of!("page")),
        };
        let mut select = sqlx::query_as::<_, R>(&sql);
        for a in &filter.args {
            select = select.bind(a);
        }
        let select = select.bind(query.paging.limit).bind(query.paging.offset());
        self.readers().fetch_all(select).await
    }

    /// An empty page after a product that does not exist is the client's mistake, not the
    /// end of the list.
    async fn check_after(&self, query: &ProductQuery) -> Result<(), ApiError> {
        match &query.after {
            Some(after) if self.product(after).await?.is_none() => Err(ApiError::invalid(
                "after",
                format!("`after` names no product ({after}); start again without it"),
            )),
            _ => Ok(()),
        }
    }

    /// The condition and argument that find `needle` (lower-cased) through the search index.
    fn search_filter(&self, needle: &str, param: usize) -> (String, String) {
        let n = needle.chars().count();
        match self.dialect() {
            Dialect::Sqlite => (
                sqlite::search_condition(n, param),
                if n >= 3 {
                    sqlite::search_argument(needle)
                } else {
                    needle.to_string()
                },
            ),
            Dialect::Postgres => (
                postgres::search_condition(n, param),
                postgres::search_argument(needle),
            ),
        }
    }

    /// The database's plan for a product search, to show that it goes through the index.
    /// On PostgreSQL, sequential scans are discouraged for the question, since on a small
    /// table the planner would rightly prefer one.
    pub async fn search_plan(&self, needle: &str) -> Result<String, sqlx::Error> {
        let (condition, arg) = self.search_filter(needle, 1);
        let mut conn = self.pool().acquire().await?;
        let explain = match self.dialect() {
            Dialect::Sqlite => "EXPLAIN QUERY PLAN",
            Dialect::Postgres => {
                sqlx::query("SET enable_seqscan = off")
                    .execute(&mut *conn)
                    .await?;
                "EXPLAIN"
            }
        };
        let sql = format!("{explain} SELECT p.id FROM products p WHERE {condition}");
        let rows = sqlx::query(&sql).bind(arg).fetch_all(&mut *conn).await;
        if self.dialect() == Dialect::Postgres {
            sqlx::query("RESET enable_seqscan").execute(&mut *conn).await?;
        }
        let plan = rows?
            .iter()
            .map(|row| {
                use sqlx::Row;
                // SQLite's plan has its text in the last column; PostgreSQL's in the only one.
                row.try_get::<String, _>(row.len() - 1).unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("\n");
        Ok(plan)
    }

    /// Inserts the given products unless one of the same name exists; returns how many
    /// were added. Used by `shopd seed`.
    pub async fn insert_products_if_absent(&self, products: &[NewProduct]) -> Result<usize, ApiError> {
        let mut tx = self.begin().await?;
        let mut added = 0;
        for new in products {
            let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM products WHERE name = $1")
                .bind(&new.name)
                .fetch_one(&mut *tx)
                .await?;
            if exists > 0 {
                continue;
            }
            let category = canonical_category(&mut tx, &new.category).await?;
            insert_product(&mut tx, new, &category).await?;
            added += 1;
        }
        tx.commit().await?;
        Ok(added)
    }
}

/// The conditions of a product list and the text arguments they bind, in order.
#[derive(Default)]
struct Filter {
    conditions: Vec<String>,
    args: Vec<String>,
}

impl Filter {
    /// Binds `values` and returns their placeholders.
    fn bind_all(&mut self, values: &[String]) -> String {
        let marks = placeholders(self.args.len(), values.len());
        self.args.extend(values.iter().cloned());
        marks
    }

    /// Only the rows after the product `after` in the query's sort (see `after_condition`).
    fn after(&mut self, query: &ProductQuery, after: &ObjectId, t: &str) {
        self.args.push(after.to_string());
        self.conditions.push(after_condition(query, t, self.args.len()));
    }

    fn where_clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conditions.join(" AND "))
        }
    }
}

/// The catalogue's generation (see `search_cache.rs`), read in the statement of a page.
const GENERATION: &str = "(SELECT generation FROM catalogue_generation)";

/// The products of a search's categories (the population of `SearchCount`), as a subquery
/// that takes the first category as `$1`.
fn population(categories: &[String]) -> &'static str {
    match categories {
        [_] => "(SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM product_counts WHERE category = $1)",
        _ => "(SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM product_counts)",
    }
}

/// Products read by id with the catalogue's generation, for up to a page of 100.
static BY_IDS: LazyLock<Vec<String>> = LazyLock::new(|| {
    by_ids(
        &format!("SELECT {PRODUCT_COLUMNS}, {GENERATION} AS generation FROM products p"),
        128,
    )
});

/// A match of a search, in the order of its sort, with the count of all its matches.
#[derive(FromRow)]
struct SortedRow {
    id: String,
    total: i64,
    generation: i64,
    population: i64,
}

/// A product of a search page with the count of all the search's matches, the catalogue's
/// generation, and the products of the search's categories.
#[derive(FromRow)]
struct CountedRow {
    #[sqlx(flatten)]
    row: ProductRow,
    total: i64,
    generation: i64,
    population: i64,
}

/// A product with the catalogue's generation, read in the same statement.
#[derive(FromRow)]
struct GenerationRow {
    #[sqlx(flatten)]
    row: ProductRow,
    generation: i64,
}

/// Only the rows after the product whose id is the argument `$param`, in the query's sort,
/// on the table `t`: the row value of the sort keys compared with the same keys of that
/// product, which is one range of an index on both databases.
fn after_condition(query: &ProductQuery, t: &str, param: usize) -> String {
    let sort = &query.sort;
    format!(
        "({}) {} (SELECT {} FROM {} q WHERE q.id = ${param})",
        sort_keys(sort.field, t).join(", "),
        if sort.descending { "<" } else { ">" },
        sort_keys(sort.field, "q").join(", "),
        sort_table(sort.field),
    )
}

/// The `ORDER BY` list of the query's sort, on the table `t`.
fn order_by(query: &ProductQuery, t: &str) -> String {
    let dir = if query.sort.descending { "DESC" } else { "ASC" };
    let keys: Vec<String> = sort_keys(query.sort.field, t)
        .into_iter()
        .map(|k| format!("{k} {dir}"))
        .collect();
    keys.join(", ")
}

/// The table whose index holds a sort's order: stock's is a table of its own, which orders
/// update instead of `products` (migrations 0104 and 0105); it has the product's `id`,
/// `category` and `stock`.
pub(super) fn sort_table(field: SortField) -> &'static str {
    match field {
        SortField::Stock => "product_stock",
        _ => "products",
    }
}

/// What a sort orders by, on the table `t`, ending with the `id` that breaks ties. Unlimited
/// stock (null) counts as more than any number, on both databases. The migrations index
/// each of these lists.
fn sort_keys(field: SortField, t: &str) -> Vec<String> {
    let keys: &[&str] = match field {
        SortField::Name => &["lower({t}.name)"],
        SortField::Price => &["{t}.price"],
        SortField::CreatedAt => &["{t}.created_at"],
        SortField::UpdatedAt => &["{t}.updated_at"],
        SortField::Stock => &["({t}.stock IS NULL)", "COALESCE({t}.stock, 0)"],
    };
    keys.iter()
        .map(|k| k.replace("{t}", t))
        .chain([format!("{t}.id")])
        .collect()
}

/// Inserts one product with a new id, in `category` as stored, and its stock.
async fn insert_product(tx: &mut Tx, new: &NewProduct, category: &str) -> Result<ProductRow, sqlx::Error> {
    let (id, now) = (ObjectId::new().to_string(), now_millis());
    sqlx::query("INSERT INTO product_stock (id, category, stock) VALUES ($1, $2, $3)")
        .bind(&id)
        .bind(category)
        .bind(new.stock)
        .execute(&mut **tx)
        .await?;
    sqlx::query_as(&format!(
        "INSERT INTO products (id, name, price, description, category, image, \
         search_text, created_at, updated_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 0) RETURNING {RETURNED_COLUMNS}"
    ))
    .bind(&id)
    .bind(&new.name)
    .bind(new.price)
    .bind(&new.description)
    .bind(category)
    .bind(&new.image)
    .bind(search_text(&new.name, &new.description))
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}
