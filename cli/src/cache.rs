//! The token cache: exchanged Chainguard tokens, one file per (issuer, identity,
//! audiences, scopes, caps, proof method), under `$XDG_CACHE_HOME/cgaws` (default
//! `~/.cache/cgaws`).
//!
//! - Files are mode 0600 in a 0700 directory, written to a temporary file in the
//!   same directory and renamed into place, so a reader sees the old file or the
//!   new one, never half of one.
//! - A token is reused until 5 minutes before it expires, never past that.
//! - A file that cannot be read or parsed, or that describes another key, is
//!   ignored (and replaced by the next successful exchange): never fatal.

use crate::oidc::Method;
use crate::vlog;
use cgaws_core::{Secret, UnixTime};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Tokens are not handed out when they have less than this left.
pub const REFRESH_MARGIN_SECS: i64 = 5 * 60;
const FORMAT_VERSION: i64 = 1;

/// What a cached token was asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheKey {
    pub issuer: String,
    pub identity: String,
    pub audiences: Vec<String>,
    pub scopes: Vec<String>,
    pub caps: Vec<String>,
    /// The proof the token was exchanged for: the same identity may take both.
    pub method: Method,
}

impl CacheKey {
    fn describe(&self) -> Value {
        let mut v = json!({
            "issuer": self.issuer.trim_end_matches('/'),
            "identity": self.identity,
            "audiences": self.audiences,
            "scopes": self.scopes,
            "caps": self.caps,
        });
        // Recorded only for oidc, so that files written before methods existed
        // (all gci) keep their names and stay valid.
        if self.method != Method::Gci {
            v["method"] = json!(self.method.as_str());
        }
        v
    }

    /// The file name: a hash of the key, so that no value needs escaping.
    pub fn file_name(&self) -> String {
        let digest = Sha256::digest(self.describe().to_string().as_bytes());
        format!("token-{}.json", &hex::encode(digest)[..32])
    }
}

/// A token found in the cache.
#[derive(Debug)]
pub struct Cached {
    pub token: Secret,
    pub expiry: UnixTime,
}

/// The cache directory: `$XDG_CACHE_HOME/cgaws` when that is an absolute path,
/// else `$HOME/.cache/cgaws`; `None` when neither is known.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(xdg) = std::env::var_os("XDG_CACHE_HOME").filter(|v| Path::new(v).is_absolute()) {
        return Some(PathBuf::from(xdg).join("cgaws"));
    }
    let home = std::env::var_os("HOME").filter(|v| !v.is_empty())?;
    Some(PathBuf::from(home).join(".cache").join("cgaws"))
}

pub struct TokenCache {
    dir: PathBuf,
}

impl TokenCache {
    pub fn new(dir: PathBuf) -> Self {
        TokenCache { dir }
    }

    pub fn open_default() -> Option<Self> {
        default_dir().map(TokenCache::new)
    }

    pub fn path(&self, key: &CacheKey) -> PathBuf {
        self.dir.join(key.file_name())
    }

    /// A token for `key` that is good for at least 5 more minutes at `now`.
    pub fn get(&self, key: &CacheKey, now: UnixTime) -> Option<Cached> {
        let path = self.path(key);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                if e.kind() != std::io::ErrorKind::NotFound {
                    vlog!("cache: cannot read {}: {e}; ignoring it", path.display());
                } else {
                    vlog!("cache: miss ({})", path.display());
                }
                return None;
            }
        };
        let Some(entry) = parse_entry(&bytes, key) else {
            vlog!("cache: {} is corrupt or for another key; ignoring it (it will be replaced)", path.display());
            return None;
        };
        let left = entry.expiry.secs() - now.secs();
        if left <= REFRESH_MARGIN_SECS {
            vlog!("cache: token in {} expires in {left} s; getting a new one", path.display());
            return None;
        }
        vlog!("cache: hit {} (expires in {left} s)", path.display());
        Some(entry)
    }

    /// Stores a token; failures are logged and otherwise ignored (the token was
    /// still obtained).
    pub fn put(&self, key: &CacheKey, token: &Secret, expiry: UnixTime) {
        if let Err(e) = self.try_put(key, token, expiry) {
            vlog!("cache: could not write {}: {e}", self.path(key).display());
        }
    }

    fn try_put(&self, key: &CacheKey, token: &Secret, expiry: UnixTime) -> std::io::Result<()> {
        create_private_dir(&self.dir)?;
        let mut entry = key.describe();
        entry["version"] = json!(FORMAT_VERSION);
        entry["expiry"] = json!(expiry.secs());
        entry["token"] = json!(token.expose());
        let mut text = entry.to_string();
        text.push('\n');
        let path = self.path(key);
        // No fsync: after a crash an empty or torn file is ignored like any corrupt one.
        write_atomic(&path, text.as_bytes(), 0o600, false)?;
        vlog!("cache: stored {} (expires {expiry})", path.display());
        Ok(())
    }

    /// Removes every cached token whose audiences include `audience`.
    pub fn remove_audience(&self, audience: &str) -> usize {
        let Ok(entries) = fs::read_dir(&self.dir) else { return 0 };
        let mut removed = 0;
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if !(name.starts_with("token-") && name.ends_with(".json")) {
                continue;
            }
            let matches = fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .and_then(|v| v.get("audiences").cloned())
                .and_then(|a| a.as_array().map(|a| a.iter().any(|x| x.as_str() == Some(audience))))
                .unwrap_or(false);
            if matches && fs::remove_file(&path).is_ok() {
                removed += 1;
            }
        }
        removed
    }
}

fn parse_entry(bytes: &[u8], key: &CacheKey) -> Option<Cached> {
    let value: Value = serde_json::from_slice(bytes).ok()?;
    if value.get("version")?.as_i64()? != FORMAT_VERSION {
        return None;
    }
    let expected = key.describe();
    for field in ["issuer", "identity", "audiences", "scopes", "caps"] {
        if value.get(field)? != expected.get(field)? {
            return None;
        }
    }
    if value.get("method") != expected.get("method") {
        return None;
    }
    let token = value.get("token")?.as_str()?;
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let expiry = UnixTime::from_secs(value.get("expiry")?.as_i64()?);
    Some(Cached { token: Secret::new(token), expiry })
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

/// Writes `bytes` to a new temporary file next to `path` (mode `mode`), syncs
/// it to disk when `durable`, and renames it over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32, durable: bool) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let mut attempt = 0u32;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(".{name}.{}.{}.tmp", std::process::id(), crate::clock::jitter_seed() % 1_000_000));
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(mode);
        }
        #[cfg(not(unix))]
        let _ = mode;
        match options.open(&tmp) {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 10 => attempt += 1,
            Err(e) => return Err(e),
        }
    };
    let written = file.write_all(bytes).and_then(|()| if durable { file.sync_all() } else { Ok(()) });
    drop(file);
    if let Err(e) = written.and_then(|()| fs::rename(&tmp, path)) {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CacheKey {
        CacheKey {
            issuer: "https://issuer.enforce.dev".into(),
            identity: "66fe8510254166621680aeb498b0249b66900d34/335917336625376d".into(),
            audiences: vec!["cgr.dev".into()],
            scopes: vec![],
            caps: vec![],
            method: Method::Gci,
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("cgaws-cache-test-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn stores_and_reuses_until_five_minutes_before_expiry() {
        let dir = temp_dir("reuse");
        let cache = TokenCache::new(dir.join("cgaws"));
        let now = UnixTime::from_secs(1_000_000);
        assert!(cache.get(&key(), now).is_none());
        cache.put(&key(), &Secret::new("a.b.c"), now.plus_secs(3600));
        let hit = cache.get(&key(), now).unwrap();
        assert_eq!(hit.token.expose(), "a.b.c");
        assert!(cache.get(&key(), now.plus_secs(3600 - 301)).is_some());
        assert!(cache.get(&key(), now.plus_secs(3600 - 300)).is_none());
        assert!(cache.get(&key(), now.plus_secs(4000)).is_none());
        // Another key does not see it.
        let mut other = key();
        other.audiences = vec!["https://console-api.enforce.dev".into()];
        assert!(cache.get(&other, now).is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(cache.path(&key())).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let mode = fs::metadata(dir.join("cgaws")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        // No temporary files are left behind.
        assert_eq!(fs::read_dir(dir.join("cgaws")).unwrap().count(), 1);
        assert_eq!(cache.remove_audience("cgr.dev"), 1);
        assert!(cache.get(&key(), now).is_none());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn corrupt_files_are_ignored_and_replaced() {
        let dir = temp_dir("corrupt");
        let cache = TokenCache::new(dir.clone());
        let now = UnixTime::from_secs(1_000_000);
        fs::create_dir_all(&dir).unwrap();
        for junk in [&b"{not json"[..], b"", b"[]", br#"{"version":1,"token":"x"}"#, &[0xff, 0xfe][..]] {
            fs::write(cache.path(&key()), junk).unwrap();
            assert!(cache.get(&key(), now).is_none());
        }
        // A file whose recorded key differs (a hash collision, or hand editing) is not used.
        let mut forged = key().describe();
        forged["identity"] = json!("someone-else");
        forged["version"] = json!(1);
        forged["expiry"] = json!(now.secs() + 3600);
        forged["token"] = json!("t");
        fs::write(cache.path(&key()), forged.to_string()).unwrap();
        assert!(cache.get(&key(), now).is_none());
        cache.put(&key(), &Secret::new("good"), now.plus_secs(3600));
        assert_eq!(cache.get(&key(), now).unwrap().token.expose(), "good");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn keys_differ_by_every_field() {
        let base = key();
        let mut names = vec![base.file_name()];
        let mut k = base.clone();
        k.issuer = "http://127.0.0.1:1".into();
        names.push(k.file_name());
        let mut k = base.clone();
        k.scopes = vec!["s".into()];
        names.push(k.file_name());
        let mut k = base.clone();
        k.caps = vec!["s".into()];
        names.push(k.file_name());
        let mut k = base.clone();
        k.identity.push_str("/0123456789abcdef");
        names.push(k.file_name());
        let mut k = base;
        k.method = Method::Oidc;
        names.push(k.file_name());
        let unique: std::collections::BTreeSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
        // A trailing slash on the issuer is the same issuer.
        let mut k = key();
        k.issuer.push('/');
        assert_eq!(k.file_name(), key().file_name());
    }

    #[test]
    fn methods_do_not_share_tokens() {
        let dir = temp_dir("methods");
        let cache = TokenCache::new(dir.clone());
        let now = UnixTime::from_secs(1_000_000);
        let mut oidc = key();
        oidc.method = Method::Oidc;
        cache.put(&key(), &Secret::new("gci-token"), now.plus_secs(3600));
        assert!(cache.get(&oidc, now).is_none());
        cache.put(&oidc, &Secret::new("oidc-token"), now.plus_secs(3600));
        assert_eq!(cache.get(&key(), now).unwrap().token.expose(), "gci-token");
        assert_eq!(cache.get(&oidc, now).unwrap().token.expose(), "oidc-token");
        // A gci key's file name is what it was before methods existed.
        assert!(key().describe().get("method").is_none());
        // An oidc entry copied over a gci file is not taken for a gci token.
        fs::copy(cache.path(&oidc), cache.path(&key())).unwrap();
        assert!(cache.get(&key(), now).is_none());
        assert_eq!(cache.remove_audience("cgr.dev"), 2);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unwritable_cache_is_not_fatal() {
        let cache = TokenCache::new(PathBuf::from("/proc/cgaws-cannot-exist"));
        cache.put(&key(), &Secret::new("t"), UnixTime::from_secs(10));
        assert!(cache.get(&key(), UnixTime::from_secs(0)).is_none());
    }
}
