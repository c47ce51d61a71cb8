-- Searches that match much of the catalogue (the benchmark's findings).
--
-- A search's `total` is exact, and counting the matches of a substring costs in proportion to
-- the matches: ten times the catalogue, ten times the work. shopd keeps the counts it made,
-- each with the catalogue's generation at the time, and uses one only while the generation is
-- unchanged. Triggers bump the generation in the same transaction as any change a search could
-- see (a product added or removed, its text or category changed), so a count is never used
-- past such a change, whichever process made it. Stock and price changes keep the generation:
-- orders do not empty the counts.
--
-- The row is locked until the writing transaction ends, so product writes queue for it, as
-- they already do for their category's counter (0100). Orders do not take it. The triggers run
-- before the statement's rows, so a writer always takes this lock before a category counter's:
-- two writers cannot each hold one and wait for the other.
CREATE TABLE catalogue_generation (
    id         INT PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO catalogue_generation (id, generation) VALUES (1, 0);

CREATE FUNCTION catalogue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalogue_generation SET generation = generation + 1;
    RETURN NULL;
END
$$;
-- Once a statement: a bulk insert bumps it once.
CREATE TRIGGER catalogue_added_or_removed BEFORE INSERT OR DELETE OR TRUNCATE ON products
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER catalogue_text_or_category BEFORE UPDATE OF search_text, category ON products
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();

-- With a count at hand, a search that matches a large share of its categories reads its page
-- along an index in the order of the sort and tests each product, which stops after the page:
-- about limit / share rows, whatever the size of the catalogue. Within one category that
-- takes an index that starts with the category, for every sort (created_at has one since
-- 0001).
CREATE INDEX products_category_price ON products(category, price, id);
CREATE INDEX products_category_updated ON products(category, updated_at, id);
CREATE INDEX products_category_name_ci ON products(category, lower(name), id);
CREATE INDEX products_category_stock ON products(category, (stock IS NULL), COALESCE(stock, 0), id);
