//! The cgaws config file: defaults for the identity and issuer, read by every
//! verb and above all by the Docker credential helper, which gets no flags.
//!
//! Path: `$CGAWS_CONFIG` if set, else `$XDG_CONFIG_HOME/cgaws/config.json`, else
//! `~/.config/cgaws/config.json`. A JSON object, every key optional:
//!
//! ```json
//! {"identity": "<40 hex>/<16 hex>", "issuer": "https://issuer.enforce.dev",
//!  "profile": "default", "region": "us-east-1", "sts_region": "us-west-2",
//!  "method": "gci"}
//! ```
//!
//! Precedence: command-line flag, then environment variable (`CHAINGUARD_IDENTITY`,
//! `CHAINGUARD_ISSUER`, `AWS_PROFILE`, `CGAWS_METHOD`...), then this file, then the
//! built-in default.
//! A missing file is no error; an unreadable or malformed one is.

use crate::error::{CliError, CliResult};
use crate::oidc::Method;
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub identity: Option<String>,
    pub issuer: Option<String>,
    pub profile: Option<String>,
    pub region: Option<String>,
    pub sts_region: Option<String>,
    /// The proof method, `"gci"` or `"oidc"`.
    pub method: Option<Method>,
    /// Where it was read from, when a file was found.
    pub source: Option<PathBuf>,
}

pub fn path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CGAWS_CONFIG").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(p));
    }
    if let Some(xdg) = std::env::var_os("XDG_CONFIG_HOME").filter(|v| Path::new(v).is_absolute()) {
        return Some(PathBuf::from(xdg).join("cgaws").join("config.json"));
    }
    let home = std::env::var_os("HOME").filter(|v| !v.is_empty())?;
    Some(PathBuf::from(home).join(".config").join("cgaws").join("config.json"))
}

pub fn load() -> CliResult<Config> {
    let Some(path) = path() else { return Ok(Config::default()) };
    match std::fs::read(&path) {
        Ok(bytes) => parse(&bytes, &path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(e) => Err(CliError::failure(format!("cannot read the cgaws config file {}: {e}", path.display()))),
    }
}

pub fn parse(bytes: &[u8], path: &Path) -> CliResult<Config> {
    let bad = |why: String| {
        CliError::failure(format!("the cgaws config file {} is not valid: {why}", path.display()))
            .hint(r#"it is a JSON object such as {"identity": "<40 hex>/<16 hex>"}"#)
    };
    let value: Value = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
    let object = value.as_object().ok_or_else(|| bad("not a JSON object".into()))?;
    let mut config = Config { source: Some(path.to_path_buf()), ..Config::default() };
    for (key, v) in object {
        if key == "method" {
            config.method = match v {
                Value::Null => None,
                Value::String(s) => {
                    Some(Method::parse(s).ok_or_else(|| bad(format!("\"method\" is {s:?}, not \"gci\" or \"oidc\"")))?)
                }
                _ => return Err(bad("\"method\" must be \"gci\" or \"oidc\"".into())),
            };
            continue;
        }
        let slot = match key.as_str() {
            "identity" => &mut config.identity,
            "issuer" => &mut config.issuer,
            "profile" => &mut config.profile,
            "region" => &mut config.region,
            "sts_region" => &mut config.sts_region,
            other => return Err(bad(format!("unknown key {other:?}"))),
        };
        match v {
            Value::String(s) if !s.trim().is_empty() => *slot = Some(s.trim().to_string()),
            Value::Null => {}
            _ => return Err(bad(format!("{key:?} must be a non-empty string"))),
        }
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        let p = Path::new("/x/config.json");
        let c = parse(br#"{"identity":" abc ","issuer":"http://i","sts_region":null}"#, p).unwrap();
        assert_eq!(c.identity.as_deref(), Some("abc"));
        assert_eq!(c.issuer.as_deref(), Some("http://i"));
        assert_eq!(c.sts_region, None);
        assert_eq!(c.method, None);
        assert_eq!(parse(br#"{"method":"oidc"}"#, p).unwrap().method, Some(Method::Oidc));
        assert_eq!(parse(br#"{"method":" GCI "}"#, p).unwrap().method, Some(Method::Gci));
        for bad in [&br#"{"method":"jwt"}"#[..], br#"{"method":""}"#, br#"{"method":1}"#] {
            let e = parse(bad, p).unwrap_err();
            assert_eq!(e.code, 1);
            assert!(e.message.contains("method"), "{}", e.message);
        }
        for bad in [&b"[]"[..], b"{", br#"{"identity":1}"#, br#"{"idenity":"x"}"#, br#"{"issuer":""}"#] {
            let e = parse(bad, p).unwrap_err();
            assert_eq!(e.code, 1);
            assert!(e.message.contains("/x/config.json"), "{}", e.message);
        }
    }
}
