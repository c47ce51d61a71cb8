//! The black-box suite: shopd over HTTP, on SQLite and (with `TEST_DATABASE_URL`) PostgreSQL.

mod helpers;

mod api_keys;
mod auth;
mod catalogue;
mod categories;
mod conventions;
mod orders;
mod product_paging;
mod products;
