-- The count of all orders, kept as orders are written (the benchmark's findings).
--
-- The admin's order list sends the count of all orders in `x-total-count`, and `COUNT(*)`
-- reads a whole index for it, a cost that grows with the orders. Here a row keeps the count,
-- changed by every insert and delete of an order in the same transaction. SQLite writes one
-- transaction at a time, so one row does (PostgreSQL keeps one for each server process).
CREATE TABLE order_count (
    shard INTEGER PRIMARY KEY,
    n     INTEGER NOT NULL
);

INSERT INTO order_count (shard, n) SELECT 0, COUNT(*) FROM orders;

CREATE TRIGGER orders_added AFTER INSERT ON orders
BEGIN
    UPDATE order_count SET n = n + 1;
END;

CREATE TRIGGER orders_removed AFTER DELETE ON orders
BEGIN
    UPDATE order_count SET n = n - 1;
END;
