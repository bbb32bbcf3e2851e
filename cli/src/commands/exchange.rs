//! `cgaws exchange`: trade the AWS token for a Chainguard token.

use crate::args;
use crate::error::{CliError, CliResult};
use crate::flow::{self, TokenArgs};
use crate::{config, out};
use cgaws_core::exchange::DEFAULT_TOKEN_AUDIENCE;
use serde_json::json;

pub const SUMMARY: &str = "exchange the AWS token for a Chainguard token (cached until 5 min before it expires)";

pub const USAGE: &str = concat!(
    "cgaws exchange: get a Chainguard token for an identity\n\n",
    "Usage: cgaws exchange [--identity UIDP] [--audience AUD]... [OPTIONS]\n\n",
    "Makes the AWS token (as `cgaws token`, bound to the issuer URL as given; with\n",
    "--method oidc the STS GetWebIdentityToken JWT) and trades it at\n",
    "<issuer>/sts/exchange. Transient failures (HTTP 502/503, gRPC\n",
    "UNAVAILABLE) are retried, 3 attempts in all; redirects are never followed.\n",
    "Tokens are cached under $XDG_CACHE_HOME/cgaws (default ~/.cache/cgaws) and\n",
    "reused until 5 minutes before they expire: a warm hit needs no AWS\n",
    "credentials and no network.\n\n",
    "Options:\n",
    "  --audience AUD       audience of the Chainguard token (repeatable) [env CHAINGUARD_AUDIENCE; default cgr.dev]\n",
    "  --output token|json  print the token alone (default), or JSON with its expiry\n",
    crate::token_args_help!(),
    "  -v, --verbose        step logs on stderr (secrets redacted)\n",
    "  -h, --help           this help\n",
);

pub fn run(parser: &mut lexopt::Parser) -> CliResult {
    let mut token_args = TokenArgs::default();
    let mut json_output = false;
    while let Some(flag) = args::next(parser)? {
        if token_args.take(&flag, parser)? {
            continue;
        }
        match flag.key().as_str() {
            "--audience" => token_args.audiences.push(args::nonempty(parser, &flag)?),
            "--output" | "-o" => {
                json_output = match args::value(parser, &flag)?.as_str() {
                    "json" => true,
                    "token" => false,
                    other => return Err(CliError::usage(format!("--output: {other:?} is not token or json"))),
                }
            }
            _ => args::common(flag, "exchange", USAGE)?,
        }
    }
    let default_audience = args::env("CHAINGUARD_AUDIENCE").unwrap_or_else(|| DEFAULT_TOKEN_AUDIENCE.to_string());
    let request = token_args.resolve(&config::load()?, &default_audience)?;
    let got = flow::obtain(&request)?;
    let text = if json_output {
        out::json(&json!({
            "token": got.token.expose(),
            "expiry": got.expiry.map(|t| t.to_rfc3339()),
            "identity": request.key.identity,
            "audiences": request.key.audiences,
            "issuer": request.key.issuer,
            "method": request.key.method.as_str(),
            "from_cache": got.from_cache,
        }))
    } else {
        format!("{}\n", got.token.expose())
    };
    out::stdout(&text)
}
