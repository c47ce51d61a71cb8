//! The built-in test provider: sessions that are pages of shopd itself (`/pay/:session`),
//! with Pay and Cancel buttons that move the order along the same path as Stripe's events.

use rand::RngCore;
use rand::rngs::OsRng;

use super::Session;
use crate::store::orders::OrderRecord;

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

pub fn checkout(public_url: &str) -> Session {
    let id = format!("cs_test_{}", random_hex(16));
    Session {
        provider: "test",
        url: Some(format!("{public_url}/pay/{id}")),
        id,
        client_secret: None,
    }
}

/// A payment intent whose client secret looks like Stripe's (`pi_…_secret_…`).
pub fn intent() -> Session {
    let id = format!("pi_test_{}", random_hex(12));
    Session {
        provider: "test",
        client_secret: Some(format!("{id}_secret_{}", random_hex(12))),
        url: None,
        id,
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// `12345` cents as `123.45 USD`.
pub fn money(minor: i64, currency: &str) -> String {
    format!("{}.{:02} {}", minor / 100, minor % 100, currency.to_uppercase())
}

/// The payment page: the order's lines and total, and (while pending) Pay and Cancel as
/// plain forms, so that no JavaScript is needed.
pub fn page(session: &str, record: &OrderRecord) -> String {
    let order = &record.order;
    let rows: String = record
        .lines
        .iter()
        .map(|l| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&l.name),
                l.quantity,
                money(l.price, &order.currency),
                money(l.price * l.quantity, &order.currency)
            )
        })
        .collect();
    let session = escape(session);
    let actions = if order.status == "pending" {
        format!(
            "<form method=\"post\" action=\"/pay/{session}/pay\"><button type=\"submit\">Pay</button></form>\
             <form method=\"post\" action=\"/pay/{session}/cancel\"><button type=\"submit\">Cancel</button></form>"
        )
    } else {
        format!("<p class=\"status\">This order is {}.</p>", escape(&order.status))
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Pay order #{num}</title>\
         <style>body{{font-family:sans-serif;max-width:40em;margin:2em auto}}td,th{{padding:.3em .8em;text-align:left}}\
         form{{display:inline;margin-right:1em}}button{{font-size:1.1em;padding:.4em 1.2em}}</style></head>\
         <body><h1>Order #{num}</h1><p>Test payment: no money moves.</p>\
         <table><tr><th>Product</th><th>Quantity</th><th>Unit price</th><th>Line total</th></tr>{rows}</table>\
         <p><strong>Total: <span class=\"total\">{total}</span></strong></p>{actions}</body></html>",
        num = order.order_num,
        total = money(order.total, &order.currency),
    )
}

/// A page for a link that leads nowhere (unknown or replaced session).
pub fn not_found_page() -> String {
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Payment link</title></head>\
     <body><h1>This payment link is not valid</h1><p>It may have been replaced by a newer one.</p></body></html>"
        .to_string()
}
