//! `/openapi.json`, generated from the handlers' annotations, and `/docs`, a browsable page
//! whose assets shopd serves itself.

use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
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
        doc
    }
}

pub fn router() -> Router {
    Router::new().merge(SwaggerUi::new("/docs").url("/openapi.json", ApiDoc::build()))
}
