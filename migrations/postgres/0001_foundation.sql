-- Users, API keys, settings, the login throttle, categories and products.
-- Times are milliseconds since the epoch, set by the server; money is integer minor units.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'customer')),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    version       BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX api_keys_user ON api_keys(user_id, created_at);

CREATE TABLE login_failures (
    id      BIGSERIAL PRIMARY KEY,
    subject TEXT NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX login_failures_subject ON login_failures(subject, at);

CREATE TABLE categories (
    name       TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX categories_name_ci ON categories(lower(name));

INSERT INTO categories (name, created_at) VALUES
    ('Star Wars', 0), ('Disney', 1), ('BIONICLE', 2), ('Harry Potter', 3), ('Batman', 4),
    ('Indiana Jones', 5), ('Ninjago', 6), ('Minecraft', 7), ('Technic', 8),
    ('Architecture', 9), ('Ideas', 10);

CREATE TABLE products (
    seq               BIGSERIAL PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    price             BIGINT NOT NULL CHECK (price >= 0),
    description       TEXT NOT NULL,
    category          TEXT NOT NULL REFERENCES categories(name) ON UPDATE CASCADE,
    image             TEXT NOT NULL,
    stock             BIGINT CHECK (stock IS NULL OR stock >= 0),
    stripe_product_id TEXT,
    stripe_price_id   TEXT,
    search_text       TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    version           BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX products_created ON products(created_at, id);
CREATE INDEX products_updated ON products(updated_at, id);
CREATE INDEX products_price ON products(price, id);
CREATE INDEX products_name ON products(name, id);
CREATE INDEX products_stock ON products(stock, id);
CREATE INDEX products_category_created ON products(category, created_at, id);
-- Substring search over the lower-cased name and description.
CREATE INDEX products_search_trgm ON products USING gin (search_text gin_trgm_ops);
