//! Our own extractors, so that every rejection has the one error shape.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::domain::id::ObjectId;
use crate::domain::order::OrderRef;
use crate::error::ApiError;

/// The largest body accepted; larger ones get a 413.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A JSON body: 415 unless the content type is JSON, 413 over the limit, 400 with the
/// failing field's path for anything that does not parse.
pub struct AppJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AppJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = json_bytes(req, state).await?;
        parse_json(&bytes).map(AppJson)
    }
}

/// The bytes of a body that says it is JSON: 415 if it does not, 413 over the limit.
pub async fn json_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    if !is_json(req.headers().get(CONTENT_TYPE)) {
        return Err(ApiError::UnsupportedMediaType(
            "send the body as JSON with the header Content-Type: application/json".into(),
        ));
    }
    Bytes::from_request(req, state).await.map_err(body_error)
}

fn is_json(value: Option<&axum::http::HeaderValue>) -> bool {
    let Some(ct) = value.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

fn body_error(rejection: BytesRejection) -> ApiError {
    if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge(BODY_LIMIT)
    } else {
        ApiError::bad_request(
            "invalid_body",
            format!("the request body could not be read: {rejection}"),
        )
    }
}

/// Parses JSON, naming the field at fault (`items[0].quantity`) when a value has the wrong type
/// or is missing.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let err = match parsed {
        Ok(value) => {
            return de.end().map(|()| value).map_err(|e| {
                ApiError::bad_request("malformed_json", format!("the body is not valid JSON: {e}"))
            });
        }
        Err(err) => err,
    };
    let path = err.path().to_string();
    let inner = err.into_inner();
    let message = strip_position(&inner.to_string());
    if !inner.is_data() {
        return Err(ApiError::bad_request(
            "malformed_json",
            format!("the body is not valid JSON: {message}"),
        ));
    }
    let parent = if path == "." { String::new() } else { path };
    let field = match message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next())
    {
        Some(name) if parent.is_empty() => name.to_string(),
        Some(name) => format!("{parent}.{name}"),
        None => parent,
    };
    if field.is_empty() {
        Err(ApiError::bad_request(
            "invalid_body",
            format!("the body has the wrong shape: {message}"),
        ))
    } else {
        Err(ApiError::invalid(field, message))
    }
}

/// serde_json's messages end with "at line 1 column 20", which says nothing useful here.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// A path segment that must be an id: 400 when malformed.
pub struct PathId(pub ObjectId);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let raw = path_segment(parts, state).await?;
        ObjectId::parse_field(&raw, "id").map(PathId)
    }
}

/// A path segment naming an order by `_id` or `orderNum`: 400 when it is neither.
pub struct PathOrder(pub OrderRef);

impl<S: Send + Sync> FromRequestParts<S> for PathOrder {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let raw = path_segment(parts, state).await?;
        OrderRef::parse(&raw, "id").map(PathOrder)
    }
}

async fn path_segment<S: Send + Sync>(parts: &mut Parts, state: &S) -> Result<String, ApiError> {
    let axum::extract::Path(raw) = axum::extract::Path::<String>::from_request_parts(parts, state)
        .await
        .map_err(|e| ApiError::bad_request("invalid_path", e.body_text()))?;
    Ok(raw)
}

/// A query string: 400 when it does not parse.
pub struct AppQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for AppQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        serde_urlencoded::from_str(parts.uri.query().unwrap_or(""))
            .map(AppQuery)
            .map_err(|e| {
                ApiError::bad_request("invalid_query", format!("the query string is not valid: {e}"))
            })
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq, serde::Serialize)]
    struct Item {
        product_id: String,
        quantity: i64,
    }

    #[derive(Debug, Deserialize, PartialEq, serde::Serialize)]
    struct Body {
        items: Vec<Item>,
        address: Option<String>,
    }

    proptest! {
        #[test]
        fn any_bytes_parse_or_are_a_400(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            if let Err(err) = parse_json::<Body>(&bytes) {
                prop_assert_eq!(err.status(), axum::http::StatusCode::BAD_REQUEST);
            }
        }

        #[test]
        fn any_json_value_parses_or_is_a_400(text in "[\\[\\]{}\":,0-9a-z_ .-]{0,80}") {
            if let Err(err) = parse_json::<Body>(text.as_bytes()) {
                prop_assert_eq!(err.status(), axum::http::StatusCode::BAD_REQUEST);
            }
        }

        #[test]
        fn a_well_formed_body_survives_a_round_trip(
            items in prop::collection::vec(("\\PC{0,30}", any::<i64>()), 0..5),
            address in prop::option::of("\\PC{0,40}"),
        ) {
            let body = Body {
                items: items.into_iter().map(|(product_id, quantity)| Item { product_id, quantity }).collect(),
                address,
            };
            let bytes = serde_json::to_vec(&body).unwrap();
            prop_assert_eq!(parse_json::<Body>(&bytes).unwrap(), body);
        }

        #[test]
        fn a_wrongly_typed_quantity_is_blamed_on_its_path(n in 0usize..4, bad in prop_oneof![Just("\"1\""), Just("1.5"), Just("null"), Just("[]")]) {
            let mut items: Vec<String> = (0..=n).map(|_| r#"{"product_id": "a", "quantity": 1}"#.to_string()).collect();
            items[n] = format!(r#"{{"product_id": "a", "quantity": {bad}}}"#);
            let text = format!(r#"{{"items": [{}]}}"#, items.join(","));
            match parse_json::<Body>(text.as_bytes()) {
                Err(ApiError::BadRequest { field, .. }) => {
                    prop_assert_eq!(field, Some(format!("items[{n}].quantity")));
                }
                other => prop_assert!(false, "{:?}", other.map(|_| ())),
            }
        }
    }
}
