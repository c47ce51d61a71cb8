-- The catalogue at scale (the benchmark's findings).
--
-- `total` of a product list without search was a COUNT(*) over every matching product, which
-- grows with the catalogue (tens of milliseconds at a million). The count of each category is
-- now kept exact by triggers, so that total is a sum of at most a few rows. Inserts and
-- deletes count once a statement (a bulk insert touches each counter once); a category change
-- is rare and counts a row at a time. A counter row is locked until its transaction ends,
-- so writers of products in one category queue for it, which admin writes can afford.
-- Numbered apart from the feature migrations so that branches merge without renumbering.

CREATE TABLE product_counts (
    category TEXT PRIMARY KEY,
    n        BIGINT NOT NULL
);
INSERT INTO product_counts (category, n) SELECT category, COUNT(*) FROM products GROUP BY category;

CREATE FUNCTION product_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO product_counts (category, n)
        SELECT category, COUNT(*) FROM added GROUP BY category ORDER BY category
        ON CONFLICT (category) DO UPDATE SET n = product_counts.n + EXCLUDED.n;
    RETURN NULL;
END
$$;
CREATE TRIGGER product_counts_insert AFTER INSERT ON products
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION product_counts_add();

CREATE FUNCTION product_counts_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE product_counts c SET n = c.n - r.n
        FROM (SELECT category, COUNT(*) AS n FROM removed GROUP BY category) r
        WHERE c.category = r.category;
    RETURN NULL;
END
$$;
CREATE TRIGGER product_counts_delete AFTER DELETE ON products
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION product_counts_remove();

CREATE FUNCTION product_counts_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE product_counts SET n = n - 1 WHERE category = OLD.category;
    INSERT INTO product_counts (category, n) VALUES (NEW.category, 1)
        ON CONFLICT (category) DO UPDATE SET n = product_counts.n + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER product_counts_move AFTER UPDATE OF category ON products
    FOR EACH ROW WHEN (OLD.category IS DISTINCT FROM NEW.category)
    EXECUTE FUNCTION product_counts_move();

-- Indexes in the order the lists sort by, so that a page (and an `after` cursor) is a range
-- of an index: names sort case-insensitively, and stock with unlimited (null) after any
-- number, which the index on (stock, id) did not serve.
CREATE INDEX products_name_ci ON products(lower(name), id);
DROP INDEX products_stock;
CREATE INDEX products_stock_order ON products((stock IS NULL), COALESCE(stock, 0), id);
