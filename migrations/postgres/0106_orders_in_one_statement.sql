-- An order placed in one statement (the benchmark's findings).
--
-- An order is read (its products and their stock), then written by one statement that takes
-- its counted stock, inserts it and inserts its lines. A line whose stock was taken by another
-- order between the two fails that statement through this function, and so nothing of the
-- order is written; shopd reads again and refuses the order or places it.
CREATE FUNCTION order_short_of_stock() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a line of the order was short of stock when it was written'
        USING ERRCODE = 'SH409';
END
$$;
