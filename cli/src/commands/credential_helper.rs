//! The Docker credential helper: `docker-credential-cgaws get|store|erase|list`
//! (the binary called by that name) and `cgaws credential-helper VERB`.
//!
//! Protocol (PROTOCOL.md section 6): `get` reads a server URL on stdin and
//! prints `{"ServerURL":..,"Username":"_token","Secret":<token>}` for
//! `cgr.dev` and `*.cgr.dev` (a token with audience `cgr.dev` for all of them);
//! any other server gets `credentials not found in native keychain` on stdout
//! and exit code 1. Other errors are printed on stdout too (Docker shows a
//! helper's stdout as the error) and on stderr.

use crate::args;
use crate::cache::TokenCache;
use crate::error::{CliError, CliResult};
use crate::flow::{self, TokenArgs};
use crate::{config, log, out, vlog};
use cgaws_core::exchange::DEFAULT_TOKEN_AUDIENCE;
use serde_json::json;
use std::ffi::OsString;

pub const SUMMARY: &str = "Docker credential helper for cgr.dev (get|store|erase|list); also docker-credential-cgaws";

pub const USAGE: &str = "\
cgaws credential-helper: a Docker credential helper for cgr.dev

Usage: cgaws credential-helper get|store|erase|list [-v]
       docker-credential-cgaws get|store|erase|list

Docker, podman, skopeo and crane call `docker-credential-cgaws get` with the
registry on stdin when ~/.docker/config.json says
  {\"credHelpers\": {\"cgr.dev\": \"cgaws\"}}
(`cgaws install-helper` writes that and the docker-credential-cgaws link).
For cgr.dev and *.cgr.dev it answers a Chainguard registry token (username
_token), exchanged with the ambient AWS credentials and cached until 5 minutes
before it expires; other registries get `credentials not found in native keychain`.

The identity comes from CHAINGUARD_IDENTITY or the cgaws config file
($CGAWS_CONFIG, else $XDG_CONFIG_HOME/cgaws/config.json, else
~/.config/cgaws/config.json): {\"identity\": \"<40 hex>/<16 hex>\"}; the issuer
from CHAINGUARD_ISSUER or \"issuer\" there; the AWS proof from CGAWS_METHOD or
\"method\" there: gci (default, the signed GetCallerIdentity request) or oidc (a
JWT from STS GetWebIdentityToken, for an identity with a claim_match rule).
CGAWS_VERBOSE=1 turns on step logs.

Verbs:
  get     print credentials for the server URL on stdin
  store   accepted and ignored (tokens are minted, not stored)
  erase   forget cached registry tokens when the server is a cgr.dev registry
  list    print {} (nothing is stored)
";

pub const NOT_FOUND: &str = "credentials not found in native keychain";

/// Server URLs are short; bound what is read.
const MAX_STDIN: usize = 64 * 1024;

/// `docker-credential-cgaws VERB`.
pub fn run_as_helper(argv: Vec<OsString>) -> CliResult {
    if args::env("CGAWS_VERBOSE").is_some_and(|v| v != "0") {
        log::set_verbose(true);
    }
    let mut parser = lexopt::Parser::from_args(argv);
    run(&mut parser)
}

/// `cgaws credential-helper VERB`.
pub fn run(parser: &mut lexopt::Parser) -> CliResult {
    let mut verb = None;
    while let Some(flag) = args::next(parser)? {
        match (&flag, verb.is_none()) {
            (args::Flag::Positional(v), true) => verb = Some(v.to_string_lossy().into_owned()),
            _ => args::common(flag, "credential-helper", USAGE)?,
        }
    }
    match verb.as_deref() {
        Some("get") => get(),
        Some("store") => out::read_stdin(MAX_STDIN).map(drop),
        Some("erase") => erase(),
        Some("list") => out::stdout("{}\n"),
        Some("version") => out::stdout(&format!("docker-credential-cgaws (cgaws {})\n", cgaws_core::VERSION)),
        Some(other) => Err(CliError::usage(format!(
            "unknown credential helper verb {other:?}; expected get, store, erase or list"
        ))),
        None => {
            Err(CliError::usage("no verb: expected get, store, erase or list")
                .hint("see `cgaws credential-helper --help`"))
        }
    }
}

/// Adds the host of a `--registry` value to `registries` once; a host that is not
/// `cgr.dev` or `*.cgr.dev` is a usage error saying `why`.
pub fn add_registry(registries: &mut Vec<String>, value: &str, why: &str) -> CliResult<()> {
    let host = registry_host(value);
    if !is_chainguard_registry(&host) {
        return Err(CliError::usage(format!("--registry {value:?}: {why}")));
    }
    if !registries.contains(&host) {
        registries.push(host);
    }
    Ok(())
}

/// The registry host of a server URL as Docker passes it: `cgr.dev`,
/// `https://cgr.dev`, `cgr.dev:443`, `https://x.cgr.dev/v2/`...
pub fn registry_host(server_url: &str) -> String {
    let s = server_url.trim();
    let s = s.split_once("://").map_or(s, |(_, rest)| rest);
    let authority = s.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = match authority.rsplit_once(':') {
        Some((h, port)) if !h.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => authority,
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// `cgr.dev` and its subdomains.
pub fn is_chainguard_registry(host: &str) -> bool {
    host == "cgr.dev" || (host.ends_with(".cgr.dev") && host.len() > ".cgr.dev".len())
}

fn get() -> CliResult {
    let server = out::read_stdin(MAX_STDIN)?;
    let server = server.trim().to_string();
    let host = registry_host(&server);
    if !is_chainguard_registry(&host) {
        vlog!("helper: {host:?} is not cgr.dev; not found");
        out::stdout(&format!("{NOT_FOUND}\n"))?;
        return Err(CliError::silent(1));
    }
    let result = (|| {
        let request = TokenArgs::default().resolve(&config::load()?, DEFAULT_TOKEN_AUDIENCE)?;
        flow::obtain(&request)
    })();
    match result {
        Ok(got) => {
            let answer = json!({"ServerURL": server, "Username": "_token", "Secret": got.token.expose()});
            out::stdout(&format!("{answer}\n"))
        }
        Err(e) => {
            // Docker reports a helper's stdout as the error; keep it to one line.
            let _ = out::stdout(&format!("cgaws: {}\n", e.message.lines().next().unwrap_or_default()));
            Err(CliError { code: 1, ..e })
        }
    }
}

fn erase() -> CliResult {
    let server = out::read_stdin(MAX_STDIN)?;
    if is_chainguard_registry(&registry_host(&server)) {
        if let Some(cache) = TokenCache::open_default() {
            let n = cache.remove_audience(DEFAULT_TOKEN_AUDIENCE);
            vlog!("helper: removed {n} cached registry token(s)");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_hosts() {
        for (url, host) in [
            ("cgr.dev", "cgr.dev"),
            ("https://cgr.dev", "cgr.dev"),
            ("https://cgr.dev/v2/", "cgr.dev"),
            ("cgr.dev:443", "cgr.dev"),
            ("HTTPS://Foo.CGR.dev:5000/x", "foo.cgr.dev"),
            ("cgr.dev.", "cgr.dev"),
            ("https://user@cgr.dev", "cgr.dev"),
            ("[::1]:5000", "[::1]:5000"),
        ] {
            assert_eq!(registry_host(url), host, "{url}");
        }
        assert!(is_chainguard_registry("cgr.dev"));
        assert!(is_chainguard_registry("foo.cgr.dev"));
        for h in ["evilcgr.dev", "cgr.dev.evil.com", ".cgr.dev", "index.docker.io", "cgr.devx"] {
            assert!(!is_chainguard_registry(h), "{h}");
        }
    }

    #[test]
    fn verbs() {
        let run = |a: &[&str]| run(&mut lexopt::Parser::from_args(a.iter().map(|s| s.to_string())));
        assert_eq!(run(&["frob"]).unwrap_err().code, 2);
        assert_eq!(run(&[]).unwrap_err().code, 2);
        assert!(run(&["--help"]).unwrap_err().help);
    }
}
