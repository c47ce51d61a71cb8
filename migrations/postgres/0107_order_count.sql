-- The count of all orders, kept as orders are written (the benchmark's findings).
--
-- The admin's order list sends the count of all orders in `x-total-count`. `COUNT(*)` reads a
-- whole index for it, and its cost grows with the orders: 22 ms of wall time and three
-- processes at 300 000 orders, so that the 5 % of admin reads in the mixed load took most of
-- the machine. Here the inserts and deletes of orders add to a row of their server process
-- (`shard` is its pid), and the count is the sum of the rows: exact, in the reader's snapshot,
-- as `COUNT(*)` was. Two live processes never share a row, so orders do not wait for each
-- other's counts; the rows of processes that have ended are folded into row 0 by shopd's
-- upkeep (`FOLD_ORDER_COUNTS`), which an order waits for only if its process took the pid of
-- one that ended.

-- No order is written between the count below and the triggers (another shopd process still
-- running the schema before this one, say), or it would be counted by neither.
LOCK TABLE orders IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE order_count (
    shard INTEGER PRIMARY KEY,
    n     BIGINT NOT NULL
);

INSERT INTO order_count (shard, n) SELECT 0, COUNT(*) FROM orders;

-- What a statement inserted counts up, what it deleted counts down.
CREATE FUNCTION count_orders() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO order_count (shard, n)
    SELECT pg_backend_pid(), CASE TG_OP WHEN 'INSERT' THEN COUNT(*) ELSE -COUNT(*) END
    FROM changed HAVING COUNT(*) > 0
    ON CONFLICT (shard) DO UPDATE SET n = order_count.n + excluded.n;
    RETURN NULL;
END
$$;

CREATE TRIGGER orders_added AFTER INSERT ON orders
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_orders();
CREATE TRIGGER orders_removed AFTER DELETE ON orders
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_orders();

-- TRUNCATE removes orders without telling a row or statement trigger what it removed.
CREATE FUNCTION count_no_orders() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM order_count WHERE shard <> 0;
    UPDATE order_count SET n = 0;
    RETURN NULL;
END
$$;

CREATE TRIGGER orders_truncated AFTER TRUNCATE ON orders
    FOR EACH STATEMENT EXECUTE FUNCTION count_no_orders();
