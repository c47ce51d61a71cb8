-- The catalogue at scale (the benchmark's findings).
--
-- `total` of a product list without search was a COUNT(*) over every matching product, which
-- grows with the catalogue (tens of milliseconds at a million). The count of each category is
-- now kept exact by triggers, so that total is a sum of at most a few rows.
-- Numbered apart from the feature migrations so that branches merge without renumbering.

CREATE TABLE product_counts (
    category TEXT PRIMARY KEY,
    n        INTEGER NOT NULL
);
INSERT INTO product_counts (category, n) SELECT category, COUNT(*) FROM products GROUP BY category;

CREATE TRIGGER product_counts_insert AFTER INSERT ON products BEGIN
    INSERT INTO product_counts (category, n) VALUES (new.category, 1)
        ON CONFLICT (category) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER product_counts_delete AFTER DELETE ON products BEGIN
    UPDATE product_counts SET n = n - 1 WHERE category = old.category;
END;
CREATE TRIGGER product_counts_move AFTER UPDATE OF category ON products
WHEN old.category IS NOT new.category BEGIN
    UPDATE product_counts SET n = n - 1 WHERE category = old.category;
    INSERT INTO product_counts (category, n) VALUES (new.category, 1)
        ON CONFLICT (category) DO UPDATE SET n = n + 1;
END;

-- Indexes in the order the lists sort by, so that a page (and an `after` cursor) is a range
-- of an index: names sort case-insensitively, and stock with unlimited (null) after any
-- number, which the index on (stock, id) did not serve.
CREATE INDEX products_name_ci ON products(lower(name), id);
DROP INDEX products_stock;
CREATE INDEX products_stock_order ON products((stock IS NULL), COALESCE(stock, 0), id);
