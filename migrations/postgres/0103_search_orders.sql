-- Searches keep their matches in the order of each sort (the benchmark's findings).
--
-- A search that has found its matches keeps the ids of the first of them in the order of its
-- sort, with the catalogue's generation, and reads a later request's page by those ids while
-- the generation is unchanged (src/store/search_cache.rs). That order depends on the price and
-- on the time of the last change too, so those now bump the generation as well. Stock does
-- not: orders change it, and a search sorted by stock keeps no order.
DROP TRIGGER catalogue_text_or_category ON products;
CREATE TRIGGER catalogue_text_category_or_order BEFORE UPDATE OF search_text, category, price, updated_at
    ON products FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
