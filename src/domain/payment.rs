//! What a payment event does to an order.

use crate::domain::order::Status;

/// What the provider says happened to a payment session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentOutcome {
    /// Money was taken: this much, in this currency.
    Paid { amount: i64, currency: String },
    /// The session expired or was cancelled without payment.
    Failed,
}

/// The order's side of the decision.
pub struct OrderPayment<'a> {
    pub status: Status,
    pub total: i64,
    pub currency: &'a str,
    /// The order's current session.
    pub session: Option<&'a str>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    MoveTo(Status),
    Ignore(&'static str),
}

/// Paid moves a pending order to `paid`, if the amount and currency are the order's: any
/// other amount is not taken as payment. A failure cancels a pending order, but only for its
/// current session: a replaced session that expires does not cancel the order.
pub fn decide(order: &OrderPayment<'_>, event_session: Option<&str>, outcome: &PaymentOutcome) -> Decision {
    if order.status != Status::Pending {
        return Decision::Ignore("the order is no longer pending");
    }
    match outcome {
        PaymentOutcome::Paid { amount, currency } => {
            if *amount != order.total || !currency.eq_ignore_ascii_case(order.currency) {
                Decision::Ignore("the amount paid is not the order's total")
            } else {
                Decision::MoveTo(Status::Paid)
            }
        }
        PaymentOutcome::Failed => {
            if event_session.is_some() && event_session != order.session {
                Decision::Ignore("the session is not the order's current one")
            } else {
                Decision::MoveTo(Status::Cancelled)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending<'a>() -> OrderPayment<'a> {
        OrderPayment {
            status: Status::Pending,
            total: 1000,
            currency: "usd",
            session: Some("cs_1"),
        }
    }

    fn paid(amount: i64) -> PaymentOutcome {
        PaymentOutcome::Paid {
            amount,
            currency: "usd".into(),
        }
    }

    #[test]
    fn the_full_amount_pays_a_pending_order() {
        assert_eq!(
            decide(&pending(), Some("cs_1"), &paid(1000)),
            Decision::MoveTo(Status::Paid)
        );
    }

    #[test]
    fn an_amount_that_is_not_the_total_is_not_payment() {
        assert!(matches!(
            decide(&pending(), Some("cs_1"), &paid(999)),
            Decision::Ignore(_)
        ));
        let eur = PaymentOutcome::Paid {
            amount: 1000,
            currency: "eur".into(),
        };
        assert!(matches!(
            decide(&pending(), Some("cs_1"), &eur),
            Decision::Ignore(_)
        ));
    }

    #[test]
    fn a_failed_current_session_cancels_and_a_replaced_one_does_not() {
        assert_eq!(
            decide(&pending(), Some("cs_1"), &PaymentOutcome::Failed),
            Decision::MoveTo(Status::Cancelled)
        );
        assert!(matches!(
            decide(&pending(), Some("cs_0"), &PaymentOutcome::Failed),
            Decision::Ignore(_)
        ));
    }

    #[test]
    fn nothing_moves_an_order_that_is_not_pending() {
        let order = OrderPayment {
            status: Status::Paid,
            ..pending()
        };
        assert!(matches!(
            decide(&order, Some("cs_1"), &paid(1000)),
            Decision::Ignore(_)
        ));
        assert!(matches!(
            decide(&order, Some("cs_1"), &PaymentOutcome::Failed),
            Decision::Ignore(_)
        ));
    }
}
