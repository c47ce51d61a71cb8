//! Orders: the status machine, shipping types and the limits of an order's lines.

use std::fmt;

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

    #[test]
    fn quantity_must_be_from_one_to_a_thousand() {
        assert!(parse_quantity(0, "q").is_err());
        assert!(parse_quantity(1, "q").is_ok());
        assert!(parse_quantity(1000, "q").is_ok());
        assert!(parse_quantity(1001, "q").is_err());
    }
}
