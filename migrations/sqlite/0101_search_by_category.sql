-- Search within categories (the benchmark's findings).
--
-- A search reads the trigram matches from FTS5 and then checked each one's category in
-- its table row. An index on the category alone (with the rowid SQLite appends) answers
-- that check without the row, so only the rows that match both are read.
CREATE INDEX products_category ON products(category);
