//! Credentials: Argon2id password hashes, signed login tokens (JWT, HS256) and API keys.

use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// Hashes a password with Argon2id on a blocking thread (it is slow on purpose).
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await?
}

/// Checks a password against a stored hash. With no hash (unknown email) it still does the
/// work of one check, so that the reply time does not tell which emails exist.
pub async fn verify_password(password: String, hash: Option<String>) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let stored = hash.unwrap_or_else(|| DUMMY_HASH.to_string());
        let parsed = PasswordHash::new(&stored).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(ok && stored != DUMMY_HASH)
    })
    .await?
}

/// The Argon2id hash of a random password nobody knows.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2hvcGRkdW1teXNhbHQ$0ZHJGmEA6zRYd0B9Cq1dC+ltBmiJS7IQvHm7cA8ci4c";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iat: i64,
    exp: i64,
}

/// Signs and checks login tokens.
#[derive(Clone)]
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl: Duration,
}

impl Tokens {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        Tokens {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl,
        }
    }

    pub fn issue(&self, user_id: &str) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            iat: now,
            exp: now + self.ttl.as_secs() as i64,
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// The user id of a valid token; only HS256 is accepted (never `none`), and expiry is
    /// checked with no leeway.
    pub fn verify(&self, token: &str) -> Result<String, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims.sub)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    ApiError::Unauthorized("the token has expired; log in again".into())
                }
                _ => ApiError::Unauthorized("the token is not valid; log in again".into()),
            })
    }
}

/// A random secret for signing tokens, for when `JWT_SECRET` is not set.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A new API key: `sk_` and 48 hex characters; returns the key and its hash.
pub fn new_api_key() -> (String, String) {
    let mut bytes = [0u8; 24];
    OsRng.fill_bytes(&mut bytes);
    let key = format!("sk_{}", hex::encode(bytes));
    let hash = hash_api_key(&key);
    (key, hash)
}

/// Keys are long and random, so a fast hash is enough: nobody can guess one from it.
pub fn hash_api_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_verifies_against_its_own_hash_only() {
        let hash = hash_password("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            verify_password("correct horse".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(!verify_password("wrong horse".into(), Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies() {
        assert!(!verify_password("anything".into(), None).await.unwrap());
    }

    #[test]
    fn a_token_carries_the_user_id_and_a_tampered_one_is_refused() {
        let tokens = Tokens::new(b"secret", Duration::from_secs(60));
        let token = tokens.issue("abc").unwrap();
        assert_eq!(tokens.verify(&token).unwrap(), "abc");
        let other = Tokens::new(b"other", Duration::from_secs(60));
        assert!(other.verify(&token).is_err());
    }

    #[test]
    fn api_keys_start_with_sk_and_hash_the_same_way_twice() {
        let (key, hash) = new_api_key();
        assert!(key.starts_with("sk_") && key.len() == 51);
        assert_eq!(hash_api_key(&key), hash);
    }
}
