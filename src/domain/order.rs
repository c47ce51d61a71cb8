//! Orders: the status machine, shipping types and the limits of an order's lines.

use std::fmt;

use crate::domain::id::ObjectId;
use crate::error::ApiError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Pending,
    Paid,
    Delivery,
    Completed,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Pending,
        Status::Paid,
        Status::Delivery,
        Status::Completed,
        Status::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Paid => "paid",
            Status::Delivery => "delivery",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
        }
    }

    /// Reads a status, ignoring case ("Pending" in seed 002).
    pub fn parse(raw: &str, field: &str) -> Result<Self, ApiError> {
        let lower = raw.trim().to_lowercase();
        Status::ALL
            .into_iter()
            .find(|s| s.as_str() == lower)
            .ok_or_else(|| {
                let valid: Vec<_> = Status::ALL.iter().map(|s| s.as_str()).collect();
                ApiError::invalid(
                    field,
                    format!("unknown status {raw:?}; valid ones are {}", valid.join(", ")),
                )
            })
    }

    pub fn from_stored(s: &str) -> Self {
        Status::parse(s, "status").unwrap_or(Status::Pending)
    }

    /// Where an order may go from here.
    pub fn allowed_next(self) -> &'static [Status] {
        match self {
            Status::Pending => &[Status::Paid, Status::Delivery, Status::Cancelled],
            Status::Paid => &[Status::Delivery, Status::Cancelled],
            Status::Delivery => &[Status::Completed],
            Status::Completed | Status::Cancelled => &[],
        }
    }

    /// Checks a move; the 409 names the moves that are allowed.
    pub fn transition(self, to: Status) -> Result<Status, ApiError> {
        if self.allowed_next().contains(&to) {
            return Ok(to);
        }
        let allowed: Vec<_> = self.allowed_next().iter().map(|s| s.as_str()).collect();
        let hint = if allowed.is_empty() {
            format!("a {} order cannot change status", self.as_str())
        } else {
            format!("from {} it may go to {}", self.as_str(), allowed.join(", "))
        };
        Err(ApiError::Conflict {
            code: "invalid_status_transition",
            message: format!(
                "cannot move an order from {} to {}; {hint}",
                self.as_str(),
                to.as_str()
            ),
            field: Some("status".into()),
        })
    }

    /// Stock is still held by an order that has not shipped and is not cancelled.
    pub fn holds_returnable_stock(self) -> bool {
        matches!(self, Status::Pending | Status::Paid)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Shipping types of seed 003's shop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Shipping {
    #[default]
    Regular,
    NextDay,
    Budget,
}

impl Shipping {
    pub const ALL: [Shipping; 3] = [Shipping::Regular, Shipping::NextDay, Shipping::Budget];

    pub fn as_str(self) -> &'static str {
        match self {
            Shipping::Regular => "Regular",
            Shipping::NextDay => "Next day",
            Shipping::Budget => "Budget",
        }
    }

    pub fn parse(raw: &str, field: &str) -> Result<Self, ApiError> {
        Shipping::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(raw.trim()))
            .ok_or_else(|| {
                ApiError::invalid(
                    field,
                    format!("unknown shipping type {raw:?}; valid ones are Regular, Next day, Budget"),
                )
            })
    }

    pub fn from_stored(s: &str) -> Self {
        Shipping::parse(s, "shipping").unwrap_or_default()
    }
}

pub const MAX_QUANTITY: i64 = 1000;
pub const MAX_LINES: usize = 100;

pub fn parse_quantity(q: i64, field: &str) -> Result<i64, ApiError> {
    if !(1..=MAX_QUANTITY).contains(&q) {
        return Err(ApiError::invalid(
            field,
            format!("quantity must be from 1 to {MAX_QUANTITY}, got {q}"),
        ));
    }
    Ok(q)
}

/// An address: optional, at most 1000 characters.
pub fn parse_address(raw: &str, field: &str) -> Result<String, ApiError> {
    let address = raw.trim();
    if address.chars().count() > 1000 {
        return Err(ApiError::invalid(
            field,
            "address must be at most 1000 characters long",
        ));
    }
    Ok(address.to_string())
}

/// One line of an order to place, valid and merged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineRequest {
    pub product_id: ObjectId,
    pub quantity: i64,
    pub shipping: Shipping,
}

/// One item as a client sent it.
pub struct ItemInput<'a> {
    pub product_id: &'a str,
    pub quantity: i64,
    pub shipping: Option<&'a str>,
}

/// Checks the items of an order and merges repeated products (the first line's shipping
/// stays). `id_field` is the name the client used (`product_id` or `productId`); errors name
/// `items[i].<field>`, or `[i]` when `id_field` is empty (a bare array of ids).
pub fn parse_lines(
    items: &[ItemInput<'_>],
    id_field: &str,
    default_shipping: Shipping,
) -> Result<Vec<LineRequest>, ApiError> {
    let at = |i: usize, field: &str| item_field(i, id_field, field);
    let list = if id_field.is_empty() { "the list" } else { "items" };
    if items.is_empty() {
        return Err(ApiError::invalid(
            if id_field.is_empty() { "" } else { "items" },
            format!("{list} must hold at least one product"),
        ));
    }
    if items.len() > MAX_LINES {
        return Err(ApiError::invalid(
            if id_field.is_empty() { "" } else { "items" },
            format!("an order has at most {MAX_LINES} lines, got {}", items.len()),
        ));
    }
    let mut lines: Vec<LineRequest> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let product_id = ObjectId::parse(item.product_id).ok_or_else(|| {
            ApiError::invalid(
                at(i, id_field),
                format!(
                    "{:?} is not a product id (24 lowercase hex characters)",
                    item.product_id
                ),
            )
        })?;
        let quantity = parse_quantity(item.quantity, &at(i, "quantity"))?;
        let shipping = match item.shipping {
            Some(s) => Shipping::parse(s, &at(i, "shipping"))?,
            None => default_shipping,
        };
        match lines.iter_mut().find(|l| l.product_id == product_id) {
            Some(line) => {
                line.quantity =
                    parse_quantity(line.quantity + quantity, &at(i, "quantity")).map_err(|_| {
                        ApiError::invalid(
                            at(i, "quantity"),
                            format!("this product's lines add up to more than {MAX_QUANTITY} units"),
                        )
                    })?;
            }
            None => lines.push(LineRequest {
                product_id,
                quantity,
                shipping,
            }),
        }
    }
    Ok(lines)
}

/// The name of a field of item `i`: `items[i].field`, or `[i]` for a bare array of ids
/// (`id_field` empty).
pub fn item_field(i: usize, id_field: &str, field: &str) -> String {
    if id_field.is_empty() {
        format!("[{i}]")
    } else {
        format!("items[{i}].{field}")
    }
}

/// Adds `price × quantity` to a total, refusing an overflow.
pub fn add_line(total: i64, price: i64, quantity: i64) -> Result<i64, ApiError> {
    price
        .checked_mul(quantity)
        .and_then(|line| total.checked_add(line))
        .ok_or_else(|| ApiError::bad_request("total_overflow", "the order's total is too large"))
}

/// How a client names an order: its `_id`, or its `orderNum`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderRef {
    Id(ObjectId),
    Num(i64),
}

impl OrderRef {
    pub fn parse(raw: &str, field: &str) -> Result<Self, ApiError> {
        let raw = raw.trim();
        if let Some(id) = ObjectId::parse(raw) {
            return Ok(OrderRef::Id(id));
        }
        match raw.parse::<i64>() {
            Ok(n) if n >= 1 && !raw.starts_with('+') => Ok(OrderRef::Num(n)),
            _ => Err(ApiError::invalid(
                field,
                format!("{raw:?} is neither an order id (24 lowercase hex characters) nor an order number"),
            )),
        }
    }

    /// Reads an `orderId` given as a JSON number or string.
    pub fn from_json(value: &serde_json::Value, field: &str) -> Result<Self, ApiError> {
        match value {
            serde_json::Value::String(s) => OrderRef::parse(s, field),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(n) if n >= 1 => Ok(OrderRef::Num(n)),
                _ => Err(ApiError::invalid(field, format!("{n} is not an order number"))),
            },
            other => Err(ApiError::invalid(
                field,
                format!("an order id is a string or number, got {other}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_may_be_paid_shipped_or_cancelled() {
        for to in [Status::Paid, Status::Delivery, Status::Cancelled] {
            assert!(Status::Pending.transition(to).is_ok(), "{to}");
        }
        assert!(Status::Pending.transition(Status::Completed).is_err());
    }

    #[test]
    fn setting_the_status_an_order_already_has_is_refused() {
        for s in Status::ALL {
            assert!(s.transition(s).is_err(), "{s}");
        }
    }

    #[test]
    fn a_completed_or_cancelled_order_cannot_move() {
        for to in Status::ALL {
            assert!(Status::Completed.transition(to).is_err());
            assert!(Status::Cancelled.transition(to).is_err());
        }
    }

    #[test]
    fn the_refusal_names_the_allowed_moves() {
        let err = Status::Paid
            .transition(Status::Completed)
            .unwrap_err()
            .to_string();
        assert!(err.contains("delivery, cancelled"), "{err}");
    }

    #[test]
    fn status_input_ignores_case() {
        assert_eq!(Status::parse("Pending", "status").unwrap(), Status::Pending);
        assert!(Status::parse("shipped", "status").is_err());
    }

    #[test]
    fn shipping_accepts_the_three_types_and_refuses_others() {
        assert_eq!(Shipping::parse("Next day", "s").unwrap(), Shipping::NextDay);
        assert_eq!(Shipping::parse("budget", "s").unwrap(), Shipping::Budget);
        assert!(Shipping::parse("Overnight", "s").is_err());
    }

    fn item(id: &str, quantity: i64) -> ItemInput<'_> {
        ItemInput {
            product_id: id,
            quantity,
            shipping: None,
        }
    }

    const A: &str = "663139efb61fff46ef57e16d";
    const B: &str = "663106066a07b082680ec491";

    #[test]
    fn repeated_products_are_merged_into_one_line() {
        let lines = parse_lines(
            &[item(A, 1), item(B, 2), item(A, 3)],
            "product_id",
            Shipping::Regular,
        )
        .unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].quantity, 4);
        assert_eq!(lines[1].quantity, 2);
    }

    #[test]
    fn merged_lines_over_a_thousand_units_are_refused() {
        let err = parse_lines(&[item(A, 600), item(A, 401)], "product_id", Shipping::Regular).unwrap_err();
        assert!(err.to_string().contains("1000"));
    }

    #[test]
    fn an_empty_order_and_one_of_101_lines_are_refused() {
        assert!(parse_lines(&[], "product_id", Shipping::Regular).is_err());
        let ids: Vec<String> = (0..101).map(|i| format!("{i:024x}")).collect();
        let items: Vec<_> = ids.iter().map(|id| item(id, 1)).collect();
        assert!(parse_lines(&items, "product_id", Shipping::Regular).is_err());
        assert!(parse_lines(&items[..100], "product_id", Shipping::Regular).is_ok());
    }

    #[test]
    fn a_bad_id_is_blamed_on_its_item() {
        match parse_lines(&[item(A, 1), item("nope", 1)], "productId", Shipping::Regular).unwrap_err() {
            ApiError::BadRequest { field, .. } => assert_eq!(field.as_deref(), Some("items[1].productId")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn totals_that_overflow_are_refused() {
        assert_eq!(add_line(10, 5, 3).unwrap(), 25);
        assert!(add_line(i64::MAX - 1, 2, 1).is_err());
        assert!(add_line(0, i64::MAX, 2).is_err());
    }

    #[test]
    fn an_order_is_named_by_id_or_number() {
        assert_eq!(OrderRef::parse("42", "id").unwrap(), OrderRef::Num(42));
        assert!(matches!(OrderRef::parse(A, "id").unwrap(), OrderRef::Id(_)));
        for bad in ["0", "-1", "x", "+5", "663139EFB61FFF46EF57E16D"] {
            assert!(OrderRef::parse(bad, "id").is_err(), "{bad}");
        }
    }

    #[test]
    fn quantity_must_be_from_one_to_a_thousand() {
        assert!(parse_quantity(0, "q").is_err());
        assert!(parse_quantity(1, "q").is_ok());
        assert!(parse_quantity(1000, "q").is_ok());
        assert!(parse_quantity(1001, "q").is_err());
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    const IDS: [&str; 3] = [
        "663139efb61fff46ef57e16d",
        "663106066a07b082680ec491",
        "000000000000000000000000",
    ];

    fn any_item() -> impl Strategy<Value = (String, i64, Option<String>)> {
        (
            prop_oneof![4 => prop::sample::select(IDS.map(String::from).to_vec()), 1 => "\\PC{0,26}"],
            prop_oneof![4 => 1i64..=400, 1 => any::<i64>()],
            prop::option::of(prop_oneof![
                Just("Regular".to_string()),
                Just("next DAY".to_string()),
                "\\PC{0,9}"
            ]),
        )
    }

    proptest! {
        #[test]
        fn parsed_lines_are_merged_bounded_and_keep_every_unit(items in prop::collection::vec(any_item(), 0..110)) {
            let inputs: Vec<ItemInput> = items
                .iter()
                .map(|(id, q, s)| ItemInput { product_id: id, quantity: *q, shipping: s.as_deref() })
                .collect();
            let Ok(lines) = parse_lines(&inputs, "product_id", Shipping::Regular) else {
                return Ok(());
            };
            prop_assert!(!lines.is_empty() && lines.len() <= MAX_LINES && items.len() <= MAX_LINES);
            for (i, line) in lines.iter().enumerate() {
                prop_assert!((1..=MAX_QUANTITY).contains(&line.quantity));
                prop_assert!(!lines[..i].iter().any(|l| l.product_id == line.product_id));
                let sent: i64 = items
                    .iter()
                    .filter(|(id, _, _)| ObjectId::parse(id) == Some(line.product_id))
                    .map(|(_, q, _)| q)
                    .sum();
                prop_assert_eq!(sent, line.quantity);
            }
        }

        #[test]
        fn an_order_ref_is_a_valid_id_or_a_positive_number_or_refused(raw in "\\PC{0,26}|[+-]?[0-9]{1,21}|[0-9a-f]{24}") {
            match OrderRef::parse(&raw, "id") {
                Ok(OrderRef::Num(n)) => {
                    prop_assert!(n >= 1);
                    prop_assert_eq!(OrderRef::parse(&n.to_string(), "id").unwrap(), OrderRef::Num(n));
                }
                Ok(OrderRef::Id(id)) => prop_assert_eq!(id.to_string(), raw.trim()),
                Err(_) => {}
            }
        }

        #[test]
        fn an_order_ref_from_json_never_takes_a_number_below_one(n in any::<i64>(), f in any::<f64>()) {
            if let Ok(OrderRef::Num(m)) = OrderRef::from_json(&serde_json::json!(n), "orderId") {
                prop_assert!(m >= 1 && m == n);
            }
            prop_assert!(!matches!(OrderRef::from_json(&serde_json::json!(f), "orderId"), Ok(OrderRef::Num(m)) if m < 1));
        }
    }
}
