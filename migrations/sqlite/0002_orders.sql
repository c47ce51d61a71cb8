-- Orders, their lines (which keep the product as it was bought), idempotency keys, and the
-- order-number counter.

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('order_num', 0);

CREATE TABLE orders (
    id         TEXT PRIMARY KEY,
    order_num  INTEGER NOT NULL UNIQUE,
    user_id    TEXT NOT NULL REFERENCES users(id),
    status     TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'delivery', 'completed', 'cancelled')),
    total      INTEGER NOT NULL CHECK (total >= 0),
    currency   TEXT NOT NULL,
    address    TEXT,
    shipping   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX orders_user_created ON orders(user_id, created_at, id);
CREATE INDEX orders_created ON orders(created_at, id);

CREATE TABLE order_lines (
    order_id   TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    line_no    INTEGER NOT NULL,
    product_id TEXT NOT NULL,
    name       TEXT NOT NULL,
    price      INTEGER NOT NULL CHECK (price >= 0),
    image      TEXT NOT NULL,
    category   TEXT NOT NULL,
    quantity   INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 1000),
    shipping   TEXT NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE idempotency_keys (
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code  INTEGER,
    content_type TEXT,
    location     TEXT,
    body         TEXT,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
