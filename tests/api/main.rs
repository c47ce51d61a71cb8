//! The black-box suite: shopd over HTTP, on SQLite and (with `TEST_DATABASE_URL`) PostgreSQL.

mod helpers;
mod stripe_double;

mod api_keys;
mod auth;
mod catalogue;
mod categories;
mod cli;
mod conventions;
mod orders;
mod payments;
mod processes;
mod product_paging;
mod products;
mod security;
