//! Users: who they are, what role they have, and what an API key may do for them.

use std::fmt;
use std::str::FromStr;

use crate::error::ApiError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Admin,
    Customer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Customer => "customer",
        }
    }

    /// Reads a role stored by this program; anything unknown is the least privileged.
    pub fn from_stored(s: &str) -> Self {
        if s == "admin" { Role::Admin } else { Role::Customer }
    }
}

/// A lowercased, trimmed email address of plausible shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let email = raw.trim().to_lowercase();
        let bad = || {
            ApiError::invalid(
                "email",
                format!("{raw:?} is not an email address like name@example.com"),
            )
        };
        if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = email.split_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(bad());
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as given at registration: 8 to 1024 characters.
pub struct Password(String);

impl Password {
    pub fn parse(raw: String) -> Result<Self, ApiError> {
        let n = raw.chars().count();
        if n < 8 {
            return Err(ApiError::invalid(
                "password",
                "password must be at least 8 characters long",
            ));
        }
        if n > 1024 {
            return Err(ApiError::invalid(
                "password",
                "password must be at most 1024 characters long",
            ));
        }
        Ok(Password(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A display name: 1 to 100 characters once trimmed.
pub fn parse_name(raw: &str) -> Result<String, ApiError> {
    let name = raw.trim();
    let n = name.chars().count();
    if n == 0 || n > 100 {
        return Err(ApiError::invalid("name", "name must be 1 to 100 characters long"));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "name",
            "name must not contain control characters",
        ));
    }
    Ok(name.to_string())
}

/// What an API key may do. A key acts as its owner, limited to these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    OrdersRead,
    OrdersWrite,
    OrdersAdmin,
    ProductsWrite,
}

impl Scope {
    pub const ALL: [Scope; 4] = [
        Scope::OrdersRead,
        Scope::OrdersWrite,
        Scope::OrdersAdmin,
        Scope::ProductsWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::OrdersRead => "orders:read",
            Scope::OrdersWrite => "orders:write",
            Scope::OrdersAdmin => "orders:admin",
            Scope::ProductsWrite => "products:write",
        }
    }

    /// Scopes that only an admin may put on a key.
    pub fn admin_only(self) -> bool {
        matches!(self, Scope::OrdersAdmin | Scope::ProductsWrite)
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| {
                let valid: Vec<_> = Scope::ALL.iter().map(|s| s.as_str()).collect();
                format!("unknown scope {s:?}; valid scopes are {}", valid.join(", "))
            })
    }
}

/// Parses a list of scopes, dropping repeats; an empty list is refused.
pub fn parse_scopes(raw: &[String]) -> Result<Vec<Scope>, ApiError> {
    let mut scopes = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        let scope: Scope = s
            .parse()
            .map_err(|msg| ApiError::invalid(format!("scopes[{i}]"), msg))?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    if scopes.is_empty() {
        return Err(ApiError::invalid("scopes", "give at least one scope"));
    }
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            Email::parse("  Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
    }

    #[test]
    fn emails_without_an_at_or_a_dotted_domain_are_refused() {
        for bad in [
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "a b@example.com",
            "ann@@x.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_password_of_seven_characters_is_refused_and_eight_accepted() {
        assert!(Password::parse("1234567".into()).is_err());
        assert!(Password::parse("12345678".into()).is_ok());
    }

    #[test]
    fn unknown_scopes_are_refused_and_repeats_dropped() {
        assert!(parse_scopes(&["orders:fly".into()]).is_err());
        assert_eq!(
            parse_scopes(&["orders:read".into(), "orders:read".into()]).unwrap(),
            vec![Scope::OrdersRead]
        );
    }
}
