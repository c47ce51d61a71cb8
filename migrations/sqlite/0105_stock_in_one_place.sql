-- Stock kept in one place: product_stock (the benchmark's findings).
--
-- Since 0104, an order of a product with counted stock wrote its stock twice: in the product's
-- row and, through a trigger, in product_stock. The product's row is now not written at all:
-- product_stock holds the stock, orders and cancellations write it there, and reads of a
-- product take it from there. A product is inserted with its stock row in the same
-- transaction; a category change still reaches product_stock by trigger, and a delete too.
-- The table is made again to carry the check that the stock column of products had.
DROP TRIGGER product_stock_insert;
DROP TRIGGER product_stock_change;
DROP TRIGGER product_stock_delete;

CREATE TABLE product_stock_checked (
    id       TEXT PRIMARY KEY,
    category TEXT NOT NULL,
    stock    INTEGER CHECK (stock IS NULL OR stock >= 0)
) WITHOUT ROWID;
INSERT INTO product_stock_checked (id, category, stock) SELECT id, category, stock FROM product_stock;
DROP TABLE product_stock;
ALTER TABLE product_stock_checked RENAME TO product_stock;
CREATE INDEX product_stock_order ON product_stock((stock IS NULL), COALESCE(stock, 0), id);
CREATE INDEX product_stock_category ON product_stock(category, (stock IS NULL), COALESCE(stock, 0), id);

CREATE TRIGGER product_stock_move AFTER UPDATE OF category ON products
WHEN old.category IS NOT new.category BEGIN
    UPDATE product_stock SET category = new.category WHERE id = new.id;
END;
CREATE TRIGGER product_stock_delete AFTER DELETE ON products BEGIN
    DELETE FROM product_stock WHERE id = old.id;
END;

ALTER TABLE products DROP COLUMN stock;
