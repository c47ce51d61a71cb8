-- Search within categories (the benchmark's findings).
--
-- A search with a category filter combined two bitmaps, every product of the category and
-- every trigram match, then read each row to recheck it: about 2.5 ms at 100 k products.
-- One GIN index over the category (btree_gin) and the trigrams finds the intersection
-- itself, so only the rows that match both are read: about 0.9 ms. It serves a search
-- without a category as the old index did, which it replaces.
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX products_search ON products USING gin (category, search_text gin_trgm_ops);
DROP INDEX products_search_trgm;
