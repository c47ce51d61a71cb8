//! `/openapi.json`, generated from the handlers' annotations, and `/docs`, a browsable page
//! whose assets shopd serves itself.

use axum::Router;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{ErrorBody, ErrorDetail};

#[derive(OpenApi)]
#[openapi(
    info(title = "shopd", description = "The backend of an online shop: catalogue, customers, orders and payments."),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&BearerAuth)
)]
struct Base;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A login token, or an API key sk_…"))
                    .build(),
            ),
        );
    }
}

/// The whole API description: each resource module contributes its own paths.
pub struct ApiDoc;

impl ApiDoc {
    pub fn build() -> utoipa::openapi::OpenApi {
        let mut doc = Base::openapi();
        for part in [
            super::users::Doc::openapi(),
            super::api_keys::Doc::openapi(),
            super::categories::Doc::openapi(),
            super::products::Doc::openapi(),
            super::orders::Doc::openapi(),
            super::payments::Doc::openapi(),
            super::health::Doc::openapi(),
        ] {
            doc.merge(part);
        }
        for item in doc.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                document_common_errors(operation);
            }
        }
        doc
    }
}

/// Adds the error replies that come from the layers and extractors rather than from the
/// handler, so that the document promises every status a client can get: 408 from the request
/// timeout; 400 for a malformed path, query or body; 401 and 403 where a caller is checked;
/// 413 and 415 where a JSON body is read.
fn document_common_errors(operation: &mut Operation) {
    let has_input = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let has_body = operation.request_body.is_some();
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let errors = [
        (
            "400",
            has_input || has_body,
            "The path, query or body is not valid",
        ),
        (
            "401",
            secured,
            "No credentials, or credentials that are not valid",
        ),
        ("403", secured, "The caller lacks the role or the API key scope"),
        ("408", true, "The request took longer than the request timeout"),
        ("413", has_body, "The body is larger than 1 MiB"),
        ("415", has_body, "The body is not sent as JSON"),
    ];
    for (status, applies, description) in errors {
        if applies {
            operation
                .responses
                .responses
                .entry(status.to_string())
                .or_insert_with(|| error_response(description));
        }
    }
}

fn error_response(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
        .into()
}

pub fn router() -> Router {
    Router::new().merge(SwaggerUi::new("/docs").url("/openapi.json", ApiDoc::build()))
}
