//! Payments: the test provider's pages, Stripe (through a double), webhooks, expiry.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp};

async fn checkout(app: &TestApp, token: &str, product: &str, quantity: i64) -> Reply {
    app.post(
        "/orders/checkout",
        Some(token),
        json!([{"product_id": product, "quantity": quantity}]),
    )
    .await
}

async fn order_of(app: &TestApp, admin: &str, id: &str) -> Value {
    app.get(&format!("/orders/{id}"), Some(admin)).await.json()["order"].clone()
}

/// The path of a URL on the shop (`http://127.0.0.1:port/pay/x` → `/pay/x`).
fn path_of(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    rest[rest.find('/').unwrap()..].to_string()
}

mod test_provider {
    use super::*;
    use crate::on_both;

    async fn checkout_places_the_order_and_returns_a_payment_page_on_the_shop(app: TestApp) {
        let s = app.shop(Some(5)).await;
        let reply = checkout(&app, &s.ann, &s.product, 2).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let body = reply.json();
        let url = body["url"].as_str().unwrap();
        assert!(url.starts_with(&format!("{}/pay/cs_test_", app.base)), "{url}");
        let order = order_of(&app, &s.admin, body["orderId"].as_str().unwrap()).await;
        assert_eq!(order["status"], "pending");
        assert_eq!(order["total"], 70000);
        assert_eq!(order["payment"]["provider"], "test");
        assert_eq!(order["payment"]["url"], url);
        assert!(order["payment"]["expiresAt"].as_str().is_some());
        assert_eq!(app.stock_of(&s.product).await, 3);
    }

    async fn the_pay_page_shows_the_lines_and_total_and_pay_marks_the_order_paid(app: TestApp) {
        let s = app.shop(Some(5)).await;
        let body = checkout(&app, &s.ann, &s.product, 2).await.json();
        let page_path = path_of(body["url"].as_str().unwrap());
        let page = app.get(&page_path, None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.header("content-type").unwrap().starts_with("text/html"));
        assert!(
            page.text.contains("AT-AT") && page.text.contains("700.00 USD"),
            "{}",
            page.text
        );
        // Submit the Pay form as a browser would: a form post to its action.
        let action = format!("{page_path}/pay");
        assert!(page.text.contains(&format!("action=\"{action}\"")));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let pressed = app
            .send(client.post(format!("{}{action}", app.base)).form(&[("x", "")]))
            .await;
        assert_eq!(pressed.status, StatusCode::SEE_OTHER);
        let order = order_of(&app, &s.admin, body["orderId"].as_str().unwrap()).await;
        assert_eq!(order["status"], "paid");
        assert_eq!(app.stock_of(&s.product).await, 3);
        let after = app.get(&page_path, None).await;
        assert!(after.text.contains("This order is paid"), "{}", after.text);
        assert!(!after.text.contains("<button"));
    }

    async fn cancel_on_the_pay_page_cancels_the_order_and_gives_the_stock_back(app: TestApp) {
        let s = app.shop(Some(5)).await;
        let body = checkout(&app, &s.ann, &s.product, 2).await.json();
        let page_path = path_of(body["url"].as_str().unwrap());
        app.send(app.client.post(format!("{}{page_path}/cancel", app.base)))
            .await;
        let order = order_of(&app, &s.admin, body["orderId"].as_str().unwrap()).await;
        assert_eq!(order["status"], "cancelled");
        assert_eq!(app.stock_of(&s.product).await, 5);
        // Pressing Pay afterwards changes nothing.
        app.send(app.client.post(format!("{}{page_path}/pay", app.base)))
            .await;
        assert_eq!(
            order_of(&app, &s.admin, body["orderId"].as_str().unwrap()).await["status"],
            "cancelled"
        );
    }

    async fn an_unknown_payment_link_is_a_404_page(app: TestApp) {
        let page = app.get("/pay/cs_test_nothing", None).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(page.text.contains("not valid"));
        let pay = app
            .send(app.client.post(format!("{}/pay/cs_test_nothing/pay", app.base)))
            .await;
        assert_eq!(pay.status, StatusCode::NOT_FOUND);
    }

    async fn checkout_again_opens_a_fresh_session_and_the_old_link_dies(app: TestApp) {
        let s = app.shop(Some(5)).await;
        let first = checkout(&app, &s.ann, &s.product, 1).await.json();
        let id = first["orderId"].as_str().unwrap();
        let again = app
            .post(&format!("/orders/{id}/checkout"), Some(&s.ann), json!({}))
            .await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.text);
        let second = again.json();
        assert_eq!(second["orderId"], id);
        assert_ne!(second["url"], first["url"]);
        assert_eq!(
            app.get(&path_of(first["url"].as_str().unwrap()), None)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&path_of(second["url"].as_str().unwrap()), None)
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(order_of(&app, &s.admin, id).await["__v"], 2);
    }

    async fn checkout_again_is_only_for_the_owners_pending_orders(app: TestApp) {
        let s = app.shop(Some(5)).await;
        let first = checkout(&app, &s.ann, &s.product, 1).await.json();
        let id = first["orderId"].as_str().unwrap();
        let bob = app
            .post(&format!("/orders/{id}/checkout"), Some(&s.bob), json!({}))
            .await;
        assert_eq!(bob.status, StatusCode::NOT_FOUND);
        app.post(
            "/orders/status-update",
            Some(&s.admin),
            json!({"orderId": id, "status": "paid"}),
        )
        .await;
        let paid = app
            .post(&format!("/orders/{id}/checkout"), Some(&s.ann), json!({}))
            .await;
        assert_eq!(paid.status, StatusCode::CONFLICT);
    }

    async fn checkout_refuses_bad_items_and_short_stock_like_any_order(app: TestApp) {
        let s = app.shop(Some(1)).await;
        let bad = app
            .post(
                "/orders/checkout",
                Some(&s.ann),
                json!([{"product_id": s.product, "quantity": 0}]),
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert_eq!(bad.error_field().as_deref(), Some("items[0].quantity"));
        let short = checkout(&app, &s.ann, &s.product, 2).await;
        assert_eq!(short.status, StatusCode::CONFLICT);
        assert_eq!(app.stock_of(&s.product).await, 1);
    }

    async fn orders_new_returns_a_client_secret_shaped_like_stripes(app: TestApp) {
        let s = app.shop(Some(5)).await;
        let reply = app.post("/orders/new", Some(&s.ann), json!([s.product])).await;
        assert_eq!(reply.status, StatusCode::CREATED);
        let secret = reply.json()["clientSecret"].as_str().unwrap().to_string();
        assert!(
            secret.starts_with("pi_") && secret.contains("_secret_"),
            "{secret}"
        );
    }

    async fn the_webhook_without_a_secret_is_refused(app: TestApp) {
        let reply = app
            .send(
                app.client
                    .post(format!("{}/webhooks/stripe", app.base))
                    .header("stripe-signature", "t=1,v1=00")
                    .body("{}"),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(reply.error_code(), "webhook_not_configured");
    }

    on_both!(
        checkout_places_the_order_and_returns_a_payment_page_on_the_shop,
        the_pay_page_shows_the_lines_and_total_and_pay_marks_the_order_paid,
        cancel_on_the_pay_page_cancels_the_order_and_gives_the_stock_back,
        an_unknown_payment_link_is_a_404_page,
        checkout_again_opens_a_fresh_session_and_the_old_link_dies,
        checkout_again_is_only_for_the_owners_pending_orders,
        checkout_refuses_bad_items_and_short_stock_like_any_order,
        orders_new_returns_a_client_secret_shaped_like_stripes,
        the_webhook_without_a_secret_is_refused,
    );
}

mod expiry {
    use super::*;
    use crate::on_both;

    async fn an_expired_session_cancels_the_order_and_gives_the_stock_back(app: TestApp) {
        let s = app.shop(Some(5)).await;
        let checkout = checkout(&app, &s.ann, &s.product, 2).await.json();
        let new = app
            .post("/orders/new", Some(&s.ann), json!([s.product]))
            .await
            .json();
        assert_eq!(app.stock_of(&s.product).await, 2);
        let mut waited = 0;
        while app.stock_of(&s.product).await != 5 && waited < 100 {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            waited += 1;
        }
        assert_eq!(
            order_of(&app, &s.admin, checkout["orderId"].as_str().unwrap()).await["status"],
            "cancelled"
        );
        assert_eq!(
            app.get(&format!("/orders/{}", new["id"]), Some(&s.admin))
                .await
                .json()["order"]["status"],
            "cancelled"
        );
        assert_eq!(app.stock_of(&s.product).await, 5);
    }

    async fn an_order_without_a_payment_session_does_not_expire(app: TestApp) {
        let s = app.shop(Some(5)).await;
        app.post(
            "/orders",
            Some(&s.ann),
            json!({"items": [{"product_id": s.product, "quantity": 1}]}),
        )
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        assert_eq!(
            app.get("/orders/1", Some(&s.admin)).await.json()["order"]["status"],
            "pending"
        );
        assert_eq!(app.stock_of(&s.product).await, 4);
    }

    async fn a_paid_order_does_not_expire(app: TestApp) {
        let s = app.shop(Some(5)).await;
        let body = checkout(&app, &s.ann, &s.product, 1).await.json();
        app.send(app.client.post(format!(
            "{}{}/pay",
            app.base,
            path_of(body["url"].as_str().unwrap())
        )))
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        assert_eq!(
            order_of(&app, &s.admin, body["orderId"].as_str().unwrap()).await["status"],
            "paid"
        );
        assert_eq!(app.stock_of(&s.product).await, 4);
    }

    on_both!(
        with = crate::helpers::spawn_app_with_short_sessions;
        an_expired_session_cancels_the_order_and_gives_the_stock_back,
        an_order_without_a_payment_session_does_not_expire,
        a_paid_order_does_not_expire,
    );
}

mod stripe {
    use super::*;
    use crate::on_both;
    use crate::stripe_double::SECRET_KEY;

    async fn checkout_creates_a_checkout_session_with_the_orders_lines(app: TestApp) {
        let stripe = app.stripe.clone().unwrap();
        let s = app.shop(Some(5)).await;
        let reply = checkout(&app, &s.ann, &s.product, 2).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let body = reply.json();
        let order_id = body["orderId"].as_str().unwrap();
        assert!(
            body["url"]
                .as_str()
                .unwrap()
                .starts_with("https://checkout.example.test/")
        );
        let calls = stripe.calls_to("/v1/checkout/sessions");
        assert_eq!(calls.len(), 1);
        let call = &calls[0];
        assert_eq!(
            call.authorization.as_deref(),
            Some(format!("Bearer {SECRET_KEY}").as_str())
        );
        assert_eq!(call.field("mode"), Some("payment"));
        assert_eq!(call.field("client_reference_id"), Some(order_id));
        assert_eq!(call.field("metadata[order_id]"), Some(order_id));
        assert_eq!(
            call.field("line_items[0][price_data][unit_amount]"),
            Some("35000")
        );
        assert_eq!(call.field("line_items[0][price_data][currency]"), Some("usd"));
        assert_eq!(
            call.field("line_items[0][price_data][product_data][name]"),
            Some("AT-AT")
        );
        assert_eq!(call.field("line_items[0][quantity]"), Some("2"));
        assert!(
            call.field("success_url")
                .unwrap()
                .starts_with(&format!("{}/", app.base))
        );
        assert!(
            call.field("cancel_url")
                .unwrap()
                .starts_with(&format!("{}/", app.base))
        );
        assert_eq!(
            call.idempotency_key.as_deref(),
            Some(format!("shopd-checkout-{order_id}-0").as_str())
        );
        let order = order_of(&app, &s.admin, order_id).await;
        assert_eq!(order["payment"]["provider"], "stripe");
        assert_eq!(order["payment"]["sessionId"], "cs_test_double2");
    }

    async fn orders_new_creates_a_payment_intent_for_the_total(app: TestApp) {
        let stripe = app.stripe.clone().unwrap();
        let s = app.shop(Some(5)).await;
        let reply = app
            .post("/orders/new", Some(&s.ann), json!([s.product, s.product]))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        let secret = reply.json()["clientSecret"].as_str().unwrap().to_string();
        assert!(secret.starts_with("pi_double") && secret.contains("_secret_"));
        let calls = stripe.calls_to("/v1/payment_intents");
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].field("amount"), Some("70000"));
        assert_eq!(calls[0].field("currency"), Some("usd"));
        let order_id = app.get("/orders/1", Some(&s.admin)).await.json()["order"]["_id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(calls[0].field("metadata[order_id]"), Some(order_id.as_str()));
        assert_eq!(
            calls[0].idempotency_key.as_deref(),
            Some(format!("shopd-intent-{order_id}-0").as_str())
        );
    }

    async fn a_stripe_refusal_is_a_502_with_its_message_and_the_order_stays_pending(app: TestApp) {
        let stripe = app.stripe.clone().unwrap();
        let s = app.shop(Some(5)).await;
        for status in [402, 500] {
            stripe.fail_with(status);
            let reply = checkout(&app, &s.ann, &s.product, 1).await;
            assert_eq!(reply.status, StatusCode::BAD_GATEWAY, "{status}");
            assert_eq!(reply.error_code(), "payment_provider_error");
            if status == 402 {
                assert!(reply.text.contains("Your card was declined."), "{}", reply.text);
            }
        }
        let orders = app.get("/orders", Some(&s.admin)).await.json();
        assert_eq!(orders.as_array().unwrap().len(), 2);
        for o in orders.as_array().unwrap() {
            assert_eq!(o["order"]["status"], "pending");
            assert_eq!(o["order"]["payment"], Value::Null);
        }
        let intent = app.post("/orders/new", Some(&s.ann), json!([s.product])).await;
        assert_eq!(intent.status, StatusCode::BAD_GATEWAY);
    }

    async fn a_new_product_gets_a_stripe_product_and_price(app: TestApp) {
        let stripe = app.stripe.clone().unwrap();
        let admin = app.admin().await;
        let p = app.product(&admin, "AT-AT", 35000, None).await;
        assert_eq!(p["stripeProductId"], "prod_double0");
        assert_eq!(p["stripePriceId"], "price_double1");
        let price = &stripe.calls_to("/v1/prices")[0];
        assert_eq!(price.field("product"), Some("prod_double0"));
        assert_eq!(price.field("unit_amount"), Some("35000"));
        assert_eq!(price.field("currency"), Some("usd"));
        let id = p["_id"].as_str().unwrap();
        assert_eq!(
            stripe.calls_to("/v1/products")[0].field("metadata[product_id]"),
            Some(id)
        );
        assert_eq!(app.get(&format!("/products/{id}"), None).await.json(), p);
    }

    async fn a_price_change_makes_a_new_price_and_archives_the_old(app: TestApp) {
        let stripe = app.stripe.clone().unwrap();
        let admin = app.admin().await;
        let p = app.product(&admin, "AT-AT", 35000, None).await;
        let id = p["_id"].as_str().unwrap();
        let reply = app
            .put(&format!("/products/{id}"), Some(&admin), json!({"price": 36000}))
            .await;
        let updated = &reply.json()["newProduct"];
        assert_eq!(updated["stripePriceId"], "price_double2");
        assert_eq!(updated["stripeProductId"], "prod_double0");
        assert_eq!(
            stripe.calls_to("/v1/prices").last().unwrap().field("unit_amount"),
            Some("36000")
        );
        let archive = stripe.calls_to("/v1/prices/price_double1");
        assert_eq!(archive.len(), 1);
        assert_eq!(archive[0].field("active"), Some("false"));
        // A change that leaves the price alone makes no new Price.
        app.put(
            &format!("/products/{id}"),
            Some(&admin),
            json!({"name": "Renamed"}),
        )
        .await;
        assert_eq!(stripe.calls_to("/v1/prices").len(), 2);
    }

    async fn a_stripe_refusal_on_product_create_creates_nothing(app: TestApp) {
        let stripe = app.stripe.clone().unwrap();
        let admin = app.admin().await;
        stripe.fail_with(500);
        let reply = app
            .post(
                "/products",
                Some(&admin),
                json!({"name": "X", "price": 1, "description": "", "category": "Ideas", "image": "https://e.com/x.png"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
        assert_eq!(app.get("/products", None).await.json()["total"], 0);
    }

    on_both!(
        with = crate::helpers::spawn_app_with_stripe;
        checkout_creates_a_checkout_session_with_the_orders_lines,
        orders_new_creates_a_payment_intent_for_the_total,
        a_stripe_refusal_is_a_502_with_its_message_and_the_order_stays_pending,
        a_new_product_gets_a_stripe_product_and_price,
        a_price_change_makes_a_new_price_and_archives_the_old,
        a_stripe_refusal_on_product_create_creates_nothing,
    );
}

mod webhooks {
    use super::*;
    use crate::helpers::WEBHOOK_SECRET;
    use crate::on_both;
    use shopd::payments::signature::sign;

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    fn event(id: &str, kind: &str, object: Value) -> String {
        json!({"id": id, "object": "event", "type": kind, "data": {"object": object}}).to_string()
    }

    async fn deliver(app: &TestApp, payload: &str, signature: &str) -> Reply {
        app.send(
            app.client
                .post(format!("{}/webhooks/stripe", app.base))
                .header("stripe-signature", signature)
                .header("content-type", "application/json")
                .body(payload.to_string()),
        )
        .await
    }

    async fn signed(app: &TestApp, payload: &str) -> Reply {
        deliver(app, payload, &sign(payload.as_bytes(), WEBHOOK_SECRET, now())).await
    }

    /// A pending order with a Stripe checkout session: (shop, order id, session id).
    async fn pending_checkout(app: &TestApp) -> (crate::helpers::Shop, String, String) {
        let s = app.shop(Some(5)).await;
        let body = checkout(app, &s.ann, &s.product, 2).await.json();
        let id = body["orderId"].as_str().unwrap().to_string();
        let session = order_of(app, &s.admin, &id).await["payment"]["sessionId"]
            .as_str()
            .unwrap()
            .to_string();
        (s, id, session)
    }

    fn completed(order: &str, session: &str, amount: i64) -> Value {
        json!({"id": session, "object": "checkout.session", "client_reference_id": order,
               "metadata": {"order_id": order}, "amount_total": amount, "currency": "usd", "payment_status": "paid"})
    }

    async fn a_signed_completed_session_marks_the_order_paid(app: TestApp) {
        let (s, id, session) = pending_checkout(&app).await;
        let reply = signed(
            &app,
            &event(
                "evt_1",
                "checkout.session.completed",
                completed(&id, &session, 70000),
            ),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(order_of(&app, &s.admin, &id).await["status"], "paid");
    }

    async fn a_succeeded_payment_intent_marks_the_order_paid(app: TestApp) {
        let s = app.shop(Some(5)).await;
        app.post("/orders/new", Some(&s.ann), json!([s.product])).await;
        let order = app.get("/orders/1", Some(&s.admin)).await.json()["order"].clone();
        let id = order["_id"].as_str().unwrap();
        let intent = json!({"id": order["payment"]["sessionId"], "object": "payment_intent", "amount": 35000,
                            "amount_received": 35000, "currency": "usd", "metadata": {"order_id": id}});
        let reply = signed(&app, &event("evt_pi", "payment_intent.succeeded", intent)).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(order_of(&app, &s.admin, id).await["status"], "paid");
    }

    async fn a_wrong_secret_an_old_timestamp_or_a_tampered_body_is_refused_and_changes_nothing(app: TestApp) {
        let (s, id, session) = pending_checkout(&app).await;
        let payload = event(
            "evt_1",
            "checkout.session.completed",
            completed(&id, &session, 70000),
        );
        let wrong = deliver(&app, &payload, &sign(payload.as_bytes(), "whsec_wrong", now())).await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
        assert_eq!(wrong.error_code(), "invalid_signature");
        let old = deliver(
            &app,
            &payload,
            &sign(payload.as_bytes(), WEBHOOK_SECRET, now() - 301),
        )
        .await;
        assert_eq!(old.status, StatusCode::BAD_REQUEST);
        let tampered_payload = payload.replace("70000", "70001");
        let tampered = deliver(
            &app,
            &tampered_payload,
            &sign(payload.as_bytes(), WEBHOOK_SECRET, now()),
        )
        .await;
        assert_eq!(tampered.status, StatusCode::BAD_REQUEST);
        let missing = app
            .send(
                app.client
                    .post(format!("{}/webhooks/stripe", app.base))
                    .body(payload.clone()),
            )
            .await;
        assert_eq!(missing.status, StatusCode::BAD_REQUEST);
        assert_eq!(order_of(&app, &s.admin, &id).await["status"], "pending");
        // The same event, properly signed, is still handled: the refusals recorded nothing.
        assert_eq!(signed(&app, &payload).await.status, StatusCode::OK);
        assert_eq!(order_of(&app, &s.admin, &id).await["status"], "paid");
    }

    async fn a_replayed_event_is_acknowledged_and_changes_nothing(app: TestApp) {
        let (s, id, session) = pending_checkout(&app).await;
        let expired = event(
            "evt_exp",
            "checkout.session.expired",
            json!({"id": session, "metadata": {"order_id": id}}),
        );
        let first = signed(&app, &expired).await;
        assert_eq!(first.json()["handled"], true);
        assert_eq!(order_of(&app, &s.admin, &id).await["status"], "cancelled");
        assert_eq!(app.stock_of(&s.product).await, 5);
        let again = signed(&app, &expired).await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(again.json()["handled"], false);
        assert_eq!(app.stock_of(&s.product).await, 5, "stock came back once");
    }

    async fn an_amount_that_is_not_the_total_is_not_taken_as_payment(app: TestApp) {
        let (s, id, session) = pending_checkout(&app).await;
        let reply = signed(
            &app,
            &event(
                "evt_1",
                "checkout.session.completed",
                completed(&id, &session, 100),
            ),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(order_of(&app, &s.admin, &id).await["status"], "pending");
    }

    async fn an_expired_or_cancelled_session_cancels_and_gives_the_stock_back(app: TestApp) {
        let (s, id, session) = pending_checkout(&app).await;
        assert_eq!(app.stock_of(&s.product).await, 3);
        let reply = signed(
            &app,
            &event(
                "evt_2",
                "checkout.session.expired",
                json!({"id": session, "client_reference_id": id}),
            ),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(order_of(&app, &s.admin, &id).await["status"], "cancelled");
        assert_eq!(app.stock_of(&s.product).await, 5);
        let intent_order = app
            .post("/orders/new", Some(&s.bob), json!([s.product]))
            .await
            .json();
        let order = app
            .get(&format!("/orders/{}", intent_order["id"]), Some(&s.admin))
            .await
            .json()["order"]
            .clone();
        let canceled = event(
            "evt_3",
            "payment_intent.canceled",
            json!({"id": order["payment"]["sessionId"], "metadata": {"order_id": order["_id"]}}),
        );
        signed(&app, &canceled).await;
        assert_eq!(
            order_of(&app, &s.admin, order["_id"].as_str().unwrap()).await["status"],
            "cancelled"
        );
        assert_eq!(app.stock_of(&s.product).await, 5);
    }

    async fn the_expiry_of_a_replaced_session_does_not_cancel_the_order(app: TestApp) {
        let (s, id, old_session) = pending_checkout(&app).await;
        app.post(&format!("/orders/{id}/checkout"), Some(&s.ann), json!({}))
            .await;
        let stripe = app.stripe.clone().unwrap();
        assert_eq!(
            stripe
                .calls_to(&format!("/v1/checkout/sessions/{old_session}/expire"))
                .len(),
            1
        );
        let reply = signed(
            &app,
            &event(
                "evt_old",
                "checkout.session.expired",
                json!({"id": old_session, "metadata": {"order_id": id}}),
            ),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(order_of(&app, &s.admin, &id).await["status"], "pending");
    }

    async fn unknown_event_types_are_acknowledged_and_ignored(app: TestApp) {
        let (s, id, _) = pending_checkout(&app).await;
        let reply = signed(
            &app,
            &event(
                "evt_x",
                "customer.created",
                json!({"id": "cus_1", "metadata": {"order_id": id}}),
            ),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.json()["handled"], false);
        assert_eq!(order_of(&app, &s.admin, &id).await["status"], "pending");
    }

    async fn a_signed_body_that_is_not_an_event_is_a_400(app: TestApp) {
        for payload in ["not json", "{}", "[1,2]"] {
            let reply = signed(&app, payload).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{payload}");
        }
    }

    on_both!(
        with = crate::helpers::spawn_app_with_stripe;
        a_signed_completed_session_marks_the_order_paid,
        a_succeeded_payment_intent_marks_the_order_paid,
        a_wrong_secret_an_old_timestamp_or_a_tampered_body_is_refused_and_changes_nothing,
        a_replayed_event_is_acknowledged_and_changes_nothing,
        an_amount_that_is_not_the_total_is_not_taken_as_payment,
        an_expired_or_cancelled_session_cancels_and_gives_the_stock_back,
        the_expiry_of_a_replaced_session_does_not_cancel_the_order,
        unknown_event_types_are_acknowledged_and_ignored,
        a_signed_body_that_is_not_an_event_is_a_400,
    );
}
