//! A generated catalogue of any size, for benchmarks and load tests: `shopd seed --products N`.
//!
//! Products are made from word lists by a seeded generator, so two runs with the same seed
//! make the same names, descriptions, prices and stock (ids and times differ). They are
//! written with multi-row INSERTs, many rows a statement and many statements a transaction:
//! one row a statement would spend most of its time on round trips and commits.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{Dialect, Store, placeholders, postgres, sqlite};
use crate::domain::id::ObjectId;
use crate::domain::product::search_text;
use crate::domain::time::now_millis;

/// Rows a statement: 9 parameters a row stays far below SQLite's 32766.
const ROWS_PER_STATEMENT: usize = 500;
/// Statements a transaction: big enough that commits are rare, small enough that a
/// transaction does not hold SQLite's write lock for long.
const STATEMENTS_PER_TRANSACTION: usize = 20;
/// Bound parameters a row.
const COLUMNS: usize = 9;
const _: () = assert!(
    ROWS_PER_STATEMENT * COLUMNS <= 32766,
    "SQLite binds at most 32766 parameters"
);

const ADJECTIVES: &[&str] = &[
    "Imperial",
    "Ancient",
    "Galactic",
    "Enchanted",
    "Mighty",
    "Hidden",
    "Flying",
    "Royal",
    "Secret",
    "Giant",
    "Tiny",
    "Modular",
    "Classic",
    "Ultimate",
    "Legendary",
    "Mechanical",
    "Frozen",
    "Golden",
    "Haunted",
    "Rapid",
    "Arctic",
    "Jungle",
    "Desert",
    "Midnight",
    "Crystal",
    "Thunder",
    "Shadow",
    "Turbo",
    "Mystic",
    "Rustic",
];

const NOUNS: &[&str] = &[
    "Castle",
    "Starfighter",
    "Dragon",
    "Temple",
    "Workshop",
    "Locomotive",
    "Shuttle",
    "Fortress",
    "Tower",
    "Submarine",
    "Excavator",
    "Lighthouse",
    "Treehouse",
    "Racer",
    "Bridge",
    "Cruiser",
    "Outpost",
    "Village",
    "Airship",
    "Robot",
    "Monastery",
    "Market",
    "Garage",
    "Observatory",
    "Crane",
    "Helicopter",
    "Pirate Ship",
    "Library",
    "Station",
    "Canyon Base",
];

const FEATURES: &[&str] = &[
    "opening doors",
    "a hidden trapdoor",
    "working lights",
    "a rotating turret",
    "folding wings",
    "a secret vault",
    "a detachable cockpit",
    "moving pistons",
    "a spiral staircase",
    "a cargo hold",
    "a throne room",
    "gear-driven steering",
    "a launch ramp",
    "a winch and hook",
    "a display stand",
    "spring-loaded shooters",
    "a removable roof",
    "a tiny kitchen",
    "a lookout post",
    "a stable",
];

const FIGURES: &[&str] = &[
    "a pilot",
    "two knights",
    "a wizard",
    "three explorers",
    "a droid",
    "a dragon rider",
    "a mechanic",
    "a ninja",
    "a miner",
    "an archaeologist",
    "a princess",
    "a villain",
    "a robot",
    "a captain and crew",
    "a lighthouse keeper",
    "a librarian",
];

const AGES: &[&str] = &["6+", "8+", "9+", "10+", "12+", "14+", "16+", "18+"];

/// One generated product, ready to insert.
struct Generated {
    name: String,
    price: i64,
    description: String,
    category: String,
    image: String,
    stock: Option<i64>,
}

fn pick<'a>(rng: &mut StdRng, words: &[&'a str]) -> &'a str {
    words[rng.gen_range(0..words.len())]
}

/// The `n`th product of a catalogue: every category in turn, words from the lists above.
fn generate(rng: &mut StdRng, categories: &[String], n: u64) -> Generated {
    let category = categories[(n % categories.len() as u64) as usize].clone();
    let (adjective, noun) = (pick(rng, ADJECTIVES), pick(rng, NOUNS));
    let set_number = 10_000 + n;
    let pieces = rng.gen_range(50..8000);
    let description = format!(
        "The {} {} in {pieces} pieces, with {} and {}. Comes with {}. Ages {}.",
        adjective.to_lowercase(),
        noun.to_lowercase(),
        pick(rng, FEATURES),
        pick(rng, FEATURES),
        pick(rng, FIGURES),
        pick(rng, AGES),
    );
    Generated {
        name: format!("LEGO {category} {adjective} {noun} {set_number}"),
        // 4.99 to 999.99, in cents, ending in 99 as shop prices do.
        price: rng.gen_range(4..1000) * 100 + 99,
        description,
        image: format!("https://images.example.com/lego/{set_number}.webp"),
        category,
        // One product in ten is unlimited; the rest have some stock, a few none.
        stock: if rng.gen_ratio(1, 10) {
            None
        } else {
            Some(rng.gen_range(0..500))
        },
    }
}

/// `INSERT … VALUES ($1, …), ($11, …), …` for `rows` rows of products, and the same for
/// their stock.
fn insert_sql(rows: usize) -> (String, String) {
    let values = |columns: usize, tail: &str| -> String {
        let rows: Vec<String> = (0..rows)
            .map(|r| format!("({}{tail})", placeholders(r * columns, columns)))
            .collect();
        rows.join(", ")
    };
    (
        format!(
            "INSERT INTO products (id, name, price, description, category, image, \
             search_text, created_at, updated_at, version) VALUES {}",
            values(COLUMNS, ", 0")
        ),
        format!(
            "INSERT INTO product_stock (id, category, stock) VALUES {}",
            values(3, "")
        ),
    )
}

impl Store {
    /// Adds `count` generated products across every category, and returns how many were
    /// added. `seed` picks the catalogue: the same seed, on a catalogue of the same size, makes
    /// the same products.
    pub async fn insert_catalogue(&self, count: u64, seed: u64) -> anyhow::Result<u64> {
        let categories = self.categories().await?;
        if categories.is_empty() {
            anyhow::bail!("there is no category to put products in; add one first");
        }
        // Number on from the products there are, so that a second run adds new set numbers
        // and keeps the categories in turn.
        let start: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM products")
            .fetch_one(self.pool())
            .await?;
        let start = start as u64;
        let mut rng = StdRng::seed_from_u64(seed ^ start);
        let full_sql = insert_sql(ROWS_PER_STATEMENT);
        let mut added = 0u64;
        while added < count {
            let mut tx = self.begin().await?;
            if self.dialect() == Dialect::Sqlite {
                sqlite::prepare_bulk_insert(&mut tx).await?;
            }
            for _ in 0..STATEMENTS_PER_TRANSACTION {
                let rows = (count - added).min(ROWS_PER_STATEMENT as u64) as usize;
                if rows == 0 {
                    break;
                }
                let partial_sql;
                let (products_sql, stock_sql) = if rows == ROWS_PER_STATEMENT {
                    &full_sql
                } else {
                    partial_sql = insert_sql(rows);
                    &partial_sql
                };
                let (mut products, mut stock) = (sqlx::query(products_sql), sqlx::query(stock_sql));
                for i in 0..rows as u64 {
                    let p = generate(&mut rng, &categories, start + added + i);
                    let (id, now) = (ObjectId::new().to_string(), now_millis());
                    let text = search_text(&p.name, &p.description);
                    stock = stock.bind(id.clone()).bind(p.category.clone()).bind(p.stock);
                    products = products
                        .bind(id)
                        .bind(p.name)
                        .bind(p.price)
                        .bind(p.description)
                        .bind(p.category)
                        .bind(p.image)
                        .bind(text)
                        .bind(now)
                        .bind(now);
                }
                stock.execute(&mut *tx).await?;
                products.execute(&mut *tx).await?;
                added += rows as u64;
            }
            tx.commit().await?;
        }
        match self.dialect() {
            Dialect::Sqlite => sqlite::finish_bulk_insert(self.pool()).await?,
            Dialect::Postgres => postgres::finish_bulk_insert(self.pool()).await?,
        }
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_makes_the_same_products() {
        let categories = vec!["Star Wars".to_string(), "Technic".to_string()];
        let (mut a, mut b) = (StdRng::seed_from_u64(7), StdRng::seed_from_u64(7));
        for n in 0..20 {
            let (x, y) = (generate(&mut a, &categories, n), generate(&mut b, &categories, n));
            assert_eq!((x.name, x.price, x.stock), (y.name, y.price, y.stock));
        }
    }

    #[test]
    fn products_go_to_every_category_in_turn() {
        let categories: Vec<String> = ["A", "B", "C"].iter().map(|s| s.to_string()).collect();
        let mut rng = StdRng::seed_from_u64(1);
        let seen: Vec<String> = (0..6)
            .map(|n| generate(&mut rng, &categories, n).category)
            .collect();
        assert_eq!(seen, ["A", "B", "C", "A", "B", "C"]);
    }

    #[test]
    fn each_row_of_a_statement_has_its_own_parameters() {
        let (products, stock) = insert_sql(2);
        assert!(products.ends_with("($10, $11, $12, $13, $14, $15, $16, $17, $18, 0)"));
        assert!(stock.ends_with("($1, $2, $3), ($4, $5, $6)"));
    }
}
