//! Products: what a valid product is, and how a product list may be asked for.

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::id::ObjectId;
use crate::error::ApiError;

pub const MAX_PRICE: i64 = 2_147_483_647;

/// A product as the API shows it (seed 001's model).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Product {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: String,
    /// Unit price in the currency's minor unit (cents).
    pub price: i64,
    pub description: String,
    pub category: String,
    pub image: String,
    /// Units in stock; `null` for unlimited.
    pub stock: Option<i64>,
    #[serde(rename = "stripeProductId")]
    pub stripe_product_id: Option<String>,
    #[serde(rename = "stripePriceId")]
    pub stripe_price_id: Option<String>,
    #[serde(rename = "createdAt")]
    pub created_at: String,
    #[serde(rename = "updatedAt")]
    pub updated_at: String,
    #[serde(rename = "__v")]
    pub version: i64,
}

/// The body of `POST /products` and `PUT /products/:id`. On create, every field but
/// `stock` is required; on update, any subset. Other fields (`_id`, `createdAt`,
/// `stripe*`) are ignored: they are the server's to set.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ProductInput {
    /// 1 to 200 characters.
    pub name: Option<String>,
    /// Minor units, 0 to 2147483647.
    pub price: Option<i64>,
    /// Up to 5000 characters.
    pub description: Option<String>,
    /// One of `GET /categories`.
    pub category: Option<String>,
    /// An http(s) URL.
    pub image: Option<String>,
    /// Units in stock (≥ 0), or `null` for unlimited.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub stock: Option<Option<i64>>,
    /// On update: the version the change is based on; a stale one is a 409.
    #[serde(rename = "__v")]
    pub version: Option<i64>,
}

/// Tells a field given as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Valid values of every product field; `category` is checked against the store later.
#[derive(Debug, Clone)]
pub struct NewProduct {
    pub name: String,
    pub price: i64,
    pub description: String,
    pub category: String,
    pub image: String,
    pub stock: Option<i64>,
}

/// A valid partial update.
#[derive(Debug, Clone, Default)]
pub struct ProductChanges {
    pub name: Option<String>,
    pub price: Option<i64>,
    pub description: Option<String>,
    pub category: Option<String>,
    pub image: Option<String>,
    pub stock: Option<Option<i64>>,
    pub expected_version: Option<i64>,
    /// Set by the server when a price change made a new Stripe Price; never from input.
    pub stripe_price_id: Option<String>,
}

impl ProductChanges {
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.price.is_none()
            && self.description.is_none()
            && self.category.is_none()
            && self.image.is_none()
            && self.stock.is_none()
    }
}

fn required<T>(value: Option<T>, field: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::invalid(field, format!("`{field}` is required")))
}

pub fn parse_product_name(raw: &str) -> Result<String, ApiError> {
    let name = raw.trim();
    let n = name.chars().count();
    if n == 0 || n > 200 {
        return Err(ApiError::invalid("name", "name must be 1 to 200 characters long"));
    }
    Ok(name.to_string())
}

pub fn parse_price(price: i64) -> Result<i64, ApiError> {
    if !(0..=MAX_PRICE).contains(&price) {
        return Err(ApiError::invalid(
            "price",
            format!("price must be a whole number of minor units from 0 to {MAX_PRICE}, got {price}"),
        ));
    }
    Ok(price)
}

pub fn parse_description(raw: String) -> Result<String, ApiError> {
    if raw.chars().count() > 5000 {
        return Err(ApiError::invalid(
            "description",
            "description must be at most 5000 characters long",
        ));
    }
    Ok(raw)
}

/// An absolute http or https URL with a host, no spaces, at most 2048 characters.
pub fn parse_image(raw: &str) -> Result<String, ApiError> {
    let url = raw.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    let ok = matches!(host, Some(h) if !h.is_empty() && !h.starts_with(':'))
        && url.len() <= 2048
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        return Err(ApiError::invalid(
            "image",
            format!("image must be an http(s) URL, got {raw:?}"),
        ));
    }
    Ok(url.to_string())
}

pub fn parse_stock(stock: Option<i64>) -> Result<Option<i64>, ApiError> {
    match stock {
        Some(n) if n < 0 => Err(ApiError::invalid(
            "stock",
            "stock must be 0 or more, or null for unlimited",
        )),
        other => Ok(other),
    }
}

pub fn parse_category_name(raw: &str) -> Result<String, ApiError> {
    let name = raw.trim();
    let n = name.chars().count();
    if n == 0 || n > 100 || name.contains(',') {
        return Err(ApiError::invalid(
            "category",
            "a category name is 1 to 100 characters long and has no comma",
        ));
    }
    Ok(name.to_string())
}

impl ProductInput {
    pub fn into_new(self) -> Result<NewProduct, ApiError> {
        Ok(NewProduct {
            name: parse_product_name(&required(self.name, "name")?)?,
            price: parse_price(required(self.price, "price")?)?,
            description: parse_description(required(self.description, "description")?)?,
            category: parse_category_name(&required(self.category, "category")?)?,
            image: parse_image(&required(self.image, "image")?)?,
            stock: parse_stock(self.stock.flatten())?,
        })
    }

    pub fn into_changes(self) -> Result<ProductChanges, ApiError> {
        Ok(ProductChanges {
            name: self.name.as_deref().map(parse_product_name).transpose()?,
            price: self.price.map(parse_price).transpose()?,
            description: self.description.map(parse_description).transpose()?,
            category: self.category.as_deref().map(parse_category_name).transpose()?,
            image: self.image.as_deref().map(parse_image).transpose()?,
            stock: self.stock.map(parse_stock).transpose()?,
            expected_version: self.version,
            stripe_price_id: None,
        })
    }
}

/// Lower-cased text that search matches against.
pub fn search_text(name: &str, description: &str) -> String {
    format!("{}\n{}", name.to_lowercase(), description.to_lowercase())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortField {
    Name,
    Price,
    CreatedAt,
    UpdatedAt,
    Stock,
}

impl SortField {
    pub const ALL: [(&'static str, SortField); 5] = [
        ("name", SortField::Name),
        ("price", SortField::Price),
        ("createdAt", SortField::CreatedAt),
        ("updatedAt", SortField::UpdatedAt),
        ("stock", SortField::Stock),
    ];
}

/// `FIELD`, `FIELD_asc` or `FIELD_desc`; ascending when no direction is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SortSpec {
    pub field: SortField,
    pub descending: bool,
}

impl SortSpec {
    pub const DEFAULT: SortSpec = SortSpec {
        field: SortField::CreatedAt,
        descending: true,
    };

    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let (name, descending) = if let Some(f) = raw.strip_suffix("_desc") {
            (f, true)
        } else if let Some(f) = raw.strip_suffix("_asc") {
            (f, false)
        } else {
            (raw, false)
        };
        SortField::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, field)| SortSpec {
                field: *field,
                descending,
            })
            .ok_or_else(|| {
                let valid: Vec<_> = SortField::ALL.iter().map(|(n, _)| *n).collect();
                ApiError::invalid(
                    "sort",
                    format!(
                        "cannot sort by {raw:?}; sort by one of {} with an optional _asc or _desc",
                        valid.join(", ")
                    ),
                )
            })
    }
}

/// The query string of `GET /products`, as received.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductListParams {
    /// Page number, from 1 (default 1).
    pub page: Option<String>,
    /// Products a page, 1 to 100 (default 20; 0 means the default).
    pub limit: Option<String>,
    /// Text to find, case-insensitively, in the name or description.
    pub search: Option<String>,
    /// `FIELD`, `FIELD_asc` or `FIELD_desc` over name, price, createdAt, updatedAt, stock.
    pub sort: Option<String>,
    /// Comma-separated categories; `All` or absent for every one.
    pub category: Option<String>,
    /// The `_id` of the last product of the page before: the page starts right after it in
    /// this sort, however deep it is (use instead of `page`). `total` still counts every match.
    pub after: Option<String>,
}

/// Paging of any list: `page` ≥ 1, `limit` 1–100 with 0 meaning the default of 20.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    pub page: i64,
    pub limit: i64,
}

impl Paging {
    pub fn parse(page: Option<&str>, limit: Option<&str>) -> Result<Self, ApiError> {
        let page = match page.map(str::trim).filter(|s| !s.is_empty()) {
            None => 1,
            Some(s) => match s.parse::<i64>() {
                Ok(n) if (1..=1_000_000_000).contains(&n) => n,
                _ => {
                    return Err(ApiError::invalid(
                        "page",
                        format!("page must be a whole number of 1 or more, got {s:?}"),
                    ));
                }
            },
        };
        let limit = match limit.map(str::trim).filter(|s| !s.is_empty()) {
            None => 20,
            Some(s) => match s.parse::<i64>() {
                Ok(0) => 20,
                Ok(n) if (1..=100).contains(&n) => n,
                _ => {
                    return Err(ApiError::invalid(
                        "limit",
                        format!(
                            "limit must be a whole number from 1 to 100 (0 for the default of 20), got {s:?}"
                        ),
                    ));
                }
            },
        };
        Ok(Paging { page, limit })
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.limit
    }
}

/// A parsed product list request; the categories are checked against the store later.
#[derive(Clone, Debug)]
pub struct ProductQuery {
    pub paging: Paging,
    /// Lower-cased search text; `None` for no search.
    pub search: Option<String>,
    pub sort: SortSpec,
    /// Requested categories; empty for all.
    pub categories: Vec<String>,
    /// Start after this product (keyset paging) rather than at `paging.offset()`.
    pub after: Option<ObjectId>,
}

impl ProductListParams {
    pub fn parse(&self) -> Result<ProductQuery, ApiError> {
        let paging = Paging::parse(self.page.as_deref(), self.limit.as_deref())?;
        let search = self
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase);
        if search.as_ref().is_some_and(|s| s.chars().count() > 200) {
            return Err(ApiError::invalid(
                "search",
                "search text must be at most 200 characters long",
            ));
        }
        let sort = match self.sort.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => SortSpec::DEFAULT,
            Some(s) => SortSpec::parse(s)?,
        };
        let mut categories: Vec<String> = Vec::new();
        for c in self.category.as_deref().unwrap_or("").split(',').map(str::trim) {
            if c.is_empty() || c.eq_ignore_ascii_case("all") {
                continue;
            }
            if !categories.iter().any(|k| k.eq_ignore_ascii_case(c)) {
                categories.push(c.to_string());
            }
        }
        let after = self
            .after
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| ObjectId::parse_field(s, "after"))
            .transpose()?;
        if after.is_some() && paging.page > 1 {
            return Err(ApiError::invalid(
                "page",
                "give either `page` or `after`: `after` already says where the page starts",
            ));
        }
        Ok(ProductQuery {
            paging,
            search,
            sort,
            categories,
            after,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sort_without_direction_is_ascending() {
        assert_eq!(
            SortSpec::parse("price").unwrap(),
            SortSpec {
                field: SortField::Price,
                descending: false
            }
        );
    }

    #[test]
    fn a_sort_with_desc_is_descending() {
        assert_eq!(
            SortSpec::parse("createdAt_desc").unwrap(),
            SortSpec {
                field: SortField::CreatedAt,
                descending: true
            }
        );
    }

    #[test]
    fn an_unknown_sort_field_is_refused_with_the_valid_ones_listed() {
        let err = SortSpec::parse("color_asc").unwrap_err().to_string();
        assert!(err.contains("name, price, createdAt, updatedAt, stock"), "{err}");
        assert!(SortSpec::parse("_desc").is_err());
        assert!(SortSpec::parse("Price").is_err());
    }

    #[test]
    fn limit_zero_means_the_default_and_over_a_hundred_is_refused() {
        assert_eq!(Paging::parse(None, Some("0")).unwrap().limit, 20);
        assert_eq!(Paging::parse(None, None).unwrap(), Paging { page: 1, limit: 20 });
        assert!(Paging::parse(None, Some("101")).is_err());
        assert!(Paging::parse(Some("0"), None).is_err());
        assert!(Paging::parse(Some("x"), None).is_err());
    }

    #[test]
    fn image_must_be_an_http_url() {
        assert!(parse_image("https://example.com/a.png").is_ok());
        assert!(parse_image("http://example.com").is_ok());
        for bad in [
            "ftp://x.com/a",
            "javascript:alert(1)",
            "https://",
            "https:// x.com",
            "example.com/a.png",
        ] {
            assert!(parse_image(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn price_over_int32_or_negative_is_refused() {
        assert!(parse_price(MAX_PRICE).is_ok());
        assert!(parse_price(MAX_PRICE + 1).is_err());
        assert!(parse_price(-1).is_err());
    }

    #[test]
    fn category_all_or_empty_means_every_category() {
        let q = ProductListParams {
            category: Some("All".into()),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert!(q.categories.is_empty());
        let q = ProductListParams {
            category: Some("Star Wars, Disney,".into()),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(q.categories, vec!["Star Wars", "Disney"]);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn field_name() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(
                SortField::ALL
                    .iter()
                    .map(|(n, _)| n.to_string())
                    .collect::<Vec<_>>()
            ),
            "\\PC{0,12}",
        ]
    }

    proptest! {
        #[test]
        fn a_sort_parses_exactly_when_its_field_is_known(field in field_name(), suffix in prop::sample::select(vec!["", "_asc", "_desc", "_ASC", "__desc", "_desc_desc"])) {
            let raw = format!("{field}{suffix}");
            let known = SortField::ALL.iter().find(|(n, _)| *n == field).map(|(_, f)| *f);
            let expected = match (known, suffix) {
                (Some(f), "" | "_asc") => Some(SortSpec { field: f, descending: false }),
                (Some(f), "_desc") => Some(SortSpec { field: f, descending: true }),
                _ => None,
            };
            prop_assert_eq!(SortSpec::parse(&raw).ok(), expected, "{}", raw);
        }

        #[test]
        fn paging_is_in_bounds_or_refused(page in prop::option::of("\\PC{0,8}|-?[0-9]{1,22}"), limit in prop::option::of("\\PC{0,8}|-?[0-9]{1,22}")) {
            if let Ok(p) = Paging::parse(page.as_deref(), limit.as_deref()) {
                prop_assert!(p.page >= 1);
                prop_assert!((1..=100).contains(&p.limit));
                prop_assert!(p.offset() >= 0);
            }
        }

        #[test]
        fn a_limit_of_1_to_100_is_taken_as_given_and_above_refused(n in 1i64..10_000) {
            let parsed = Paging::parse(None, Some(&n.to_string()));
            if n <= 100 {
                prop_assert_eq!(parsed.unwrap().limit, n);
            } else {
                prop_assert!(parsed.is_err());
            }
        }

        #[test]
        fn a_product_list_query_is_clean_or_refused(
            page in prop::option::of("\\PC{0,6}"),
            limit in prop::option::of("\\PC{0,6}"),
            search in prop::option::of("\\PC{0,220}"),
            sort in prop::option::of("\\PC{0,12}"),
            category in prop::option::of("[a-zA-Z ,]{0,40}|\\PC{0,40}"),
        ) {
            let params = ProductListParams { page, limit, search, sort, category, after: None };
            if let Ok(q) = params.parse() {
                if let Some(s) = &q.search {
                    prop_assert!(!s.is_empty() && s.chars().count() <= 200);
                    prop_assert_eq!(s, &s.to_lowercase());
                }
                for (i, c) in q.categories.iter().enumerate() {
                    prop_assert!(!c.is_empty() && c.trim() == c && !c.contains(','));
                    prop_assert!(!c.eq_ignore_ascii_case("all"));
                    prop_assert!(!q.categories[..i].iter().any(|k| k.eq_ignore_ascii_case(c)));
                }
            }
        }
    }
}
