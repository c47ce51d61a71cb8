-- Users, API keys, settings, the login throttle, categories and products.
-- Times are milliseconds since the epoch, set by the server; money is integer minor units.

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
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    prefix      TEXT NOT NULL,
    key_hash    TEXT NOT NULL UNIQUE,
    scopes      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX api_keys_user ON api_keys(user_id, created_at);

CREATE TABLE login_failures (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    subject    TEXT NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX login_failures_subject ON login_failures(subject, at);

CREATE TABLE categories (
    name       TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX categories_name_ci ON categories(lower(name));

INSERT INTO categories (name, created_at) VALUES
    ('Star Wars', 0), ('Disney', 1), ('BIONICLE', 2), ('Harry Potter', 3), ('Batman', 4),
    ('Indiana Jones', 5), ('Ninjago', 6), ('Minecraft', 7), ('Technic', 8),
    ('Architecture', 9), ('Ideas', 10);

CREATE TABLE products (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    id                TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    price             INTEGER NOT NULL CHECK (price >= 0),
    description       TEXT NOT NULL,
    category          TEXT NOT NULL REFERENCES categories(name) ON UPDATE CASCADE,
    image             TEXT NOT NULL,
    stock             INTEGER CHECK (stock IS NULL OR stock >= 0),
    stripe_product_id TEXT,
    stripe_price_id   TEXT,
    search_text       TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    version           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX products_created ON products(created_at, id);
CREATE INDEX products_updated ON products(updated_at, id);
CREATE INDEX products_price ON products(price, id);
CREATE INDEX products_name ON products(name, id);
CREATE INDEX products_stock ON products(stock, id);
CREATE INDEX products_category_created ON products(category, created_at, id);

-- Substring search: an external-content FTS5 table with the trigram tokenizer over the
-- lower-cased name and description, kept in step by triggers.
CREATE VIRTUAL TABLE products_fts USING fts5(
    search_text, content = 'products', content_rowid = 'seq', tokenize = 'trigram'
);
CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
    INSERT INTO products_fts (rowid, search_text) VALUES (new.seq, new.search_text);
END;
CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
    INSERT INTO products_fts (products_fts, rowid, search_text) VALUES ('delete', old.seq, old.search_text);
END;
CREATE TRIGGER products_fts_update AFTER UPDATE OF search_text ON products BEGIN
    INSERT INTO products_fts (products_fts, rowid, search_text) VALUES ('delete', old.seq, old.search_text);
    INSERT INTO products_fts (rowid, search_text) VALUES (new.seq, new.search_text);
END;
