-- Payment sessions on orders (a Checkout Session or a PaymentIntent, of Stripe or of the
-- built-in test provider), and the webhook events already handled.

ALTER TABLE orders ADD COLUMN payment_provider TEXT;
ALTER TABLE orders ADD COLUMN payment_session TEXT;
ALTER TABLE orders ADD COLUMN payment_url TEXT;
ALTER TABLE orders ADD COLUMN client_secret TEXT;
ALTER TABLE orders ADD COLUMN payment_expires_at INTEGER;
CREATE UNIQUE INDEX orders_payment_session ON orders(payment_session);
CREATE INDEX orders_payment_expiry ON orders(payment_expires_at) WHERE status = 'pending';

CREATE TABLE webhook_events (
    id          TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    received_at INTEGER NOT NULL
);
