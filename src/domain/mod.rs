//! Pure rules of the shop: parsing of input into valid values, and the decisions made on
//! them. Nothing here touches the database or HTTP.

pub mod id;
pub mod order;
pub mod payment;
pub mod product;
pub mod throttle;
pub mod time;
pub mod user;
