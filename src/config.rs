//! Settings, from flags and environment variables (flags win), parsed once into types.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;

/// A secret string that never shows in logs or `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_string()))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Where the data lives; shared by every subcommand.
#[derive(Clone, Debug, Args)]
pub struct DatabaseArgs {
    /// `sqlite://FILE` (created if missing) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://shop.db", global = true)]
    pub database_url: String,
}

/// Everything `shopd serve` needs.
#[derive(Clone, Debug, Args)]
pub struct ServeConfig {
    /// Address to listen on.
    #[arg(long, env = "SHOP_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// The URL customers reach, for payment links; default `http://` + the address.
    #[arg(long, env = "SHOP_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Secret for signing tokens; if unset, one is made once and kept in the database.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<Secret>,
    /// How long a login token is valid, in seconds.
    #[arg(long, env = "SHOP_TOKEN_TTL", default_value_t = 86_400)]
    pub token_ttl_secs: u64,
    /// With `--admin-password`: make sure this admin exists at start.
    #[arg(long, env = "SHOP_ADMIN_EMAIL")]
    pub admin_email: Option<String>,
    #[arg(long, env = "SHOP_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<Secret>,
    /// ISO currency code of every price.
    #[arg(long, env = "SHOP_CURRENCY", default_value = "usd")]
    pub currency: String,
    /// With a key, payments go through Stripe; without, through the built-in test provider.
    #[arg(long, env = "STRIPE_SECRET_KEY", hide_env_values = true)]
    pub stripe_secret_key: Option<Secret>,
    #[arg(long, env = "STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    pub stripe_webhook_secret: Option<Secret>,
    #[arg(long, env = "STRIPE_API_BASE", default_value = "https://api.stripe.com")]
    pub stripe_api_base: String,
    /// Seconds before an unpaid payment session expires and its order is cancelled.
    #[arg(long, env = "SHOP_PAYMENT_TTL", default_value_t = 1800)]
    pub payment_ttl_secs: u64,
    /// Request log format.
    #[arg(long, env = "SHOP_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// Load the demo catalogue before serving (as `shopd seed --demo` does).
    #[arg(long)]
    pub demo: bool,
    /// Seconds a request may take, reading its body included; a slower one gets 408.
    #[arg(long, env = "SHOP_REQUEST_TIMEOUT", default_value_t = 30)]
    pub request_timeout_secs: u64,
}

impl ServeConfig {
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.addr),
        }
    }

    pub fn token_ttl(&self) -> Duration {
        Duration::from_secs(self.token_ttl_secs)
    }

    pub fn payment_ttl(&self) -> Duration {
        Duration::from_secs(self.payment_ttl_secs)
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    pub fn currency(&self) -> String {
        self.currency.trim().to_lowercase()
    }
}
