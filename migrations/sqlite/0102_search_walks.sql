-- Searches that match much of the catalogue (the benchmark's findings).
--
-- A search's `total` is exact, and counting the matches of a substring costs in proportion to
-- the matches: ten times the catalogue, ten times the work. shopd keeps the counts it made,
-- each with the catalogue's generation at the time, and uses one only while the generation is
-- unchanged. Triggers bump the generation in the same transaction as any change a search could
-- see (a product added or removed, its text or category changed), so a count is never used
-- past such a change, whichever process made it. Stock and price changes keep the generation:
-- orders do not empty the counts.
CREATE TABLE catalogue_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO catalogue_generation (id, generation) VALUES (1, 0);

CREATE TRIGGER catalogue_added AFTER INSERT ON products BEGIN
    UPDATE catalogue_generation SET generation = generation + 1;
END;
CREATE TRIGGER catalogue_removed AFTER DELETE ON products BEGIN
    UPDATE catalogue_generation SET generation = generation + 1;
END;
CREATE TRIGGER catalogue_text_or_category AFTER UPDATE OF search_text, category ON products
WHEN old.search_text IS NOT new.search_text OR old.category IS NOT new.category BEGIN
    UPDATE catalogue_generation SET generation = generation + 1;
END;

-- With a count at hand, a search that matches a large share of its categories reads its page
-- along an index in the order of the sort and tests each product, which stops after the page:
-- about limit / share rows, whatever the size of the catalogue. Within one category that
-- takes an index that starts with the category, for every sort (created_at has one since
-- 0001).
CREATE INDEX products_category_price ON products(category, price, id);
CREATE INDEX products_category_updated ON products(category, updated_at, id);
CREATE INDEX products_category_name_ci ON products(category, lower(name), id);
CREATE INDEX products_category_stock ON products(category, (stock IS NULL), COALESCE(stock, 0), id);
