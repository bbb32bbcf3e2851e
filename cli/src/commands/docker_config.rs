//! `cgaws docker-config`: a `.dockerconfigjson` document for a Kubernetes pull secret.

use crate::args;
use crate::commands::credential_helper::add_registry;
use crate::error::CliResult;
use crate::flow::{self, TokenArgs};
use crate::{config, out};
use base64::Engine;
use cgaws_core::exchange::DEFAULT_TOKEN_AUDIENCE;
use serde_json::{json, Map, Value};

pub const SUMMARY: &str = "print a .dockerconfigjson with a fresh cgr.dev token (Kubernetes pull secrets)";

pub const USAGE: &str = concat!(
    "cgaws docker-config: a .dockerconfigjson for a Kubernetes pull secret\n\n",
    "Usage: cgaws docker-config [--identity UIDP] [--registry HOST]... [OPTIONS]\n\n",
    "Exchanges a fresh registry token (audience cgr.dev; the cache is not read, so the\n",
    "secret lasts as long as possible, but the new token is stored) and prints\n",
    "  {\"auths\":{\"cgr.dev\":{\"auth\":\"<base64 of _token:TOKEN>\"}}}\n",
    "for example:\n",
    "  kubectl create secret generic cgr-pull --type=kubernetes.io/dockerconfigjson \\\n",
    "    --from-file=.dockerconfigjson=<(cgaws docker-config) --dry-run=client -o yaml | kubectl apply -f -\n\n",
    "Options:\n",
    "  --registry HOST      registry to write (repeatable; cgr.dev or *.cgr.dev; default cgr.dev)\n",
    crate::token_args_help!(),
    "  -v, --verbose        step logs on stderr (secrets redacted)\n",
    "  -h, --help           this help\n",
);

pub fn run(parser: &mut lexopt::Parser) -> CliResult {
    let mut token_args = TokenArgs::default();
    let mut registries: Vec<String> = Vec::new();
    while let Some(flag) = args::next(parser)? {
        if token_args.take(&flag, parser)? {
            continue;
        }
        match flag.key().as_str() {
            "--registry" => {
                let value = args::nonempty(parser, &flag)?;
                add_registry(&mut registries, &value, "only cgr.dev and *.cgr.dev take Chainguard tokens")?;
            }
            _ => args::common(flag, "docker-config", USAGE)?,
        }
    }
    if registries.is_empty() {
        registries.push("cgr.dev".into());
    }
    let mut request = token_args.resolve(&config::load()?, DEFAULT_TOKEN_AUDIENCE)?;
    request.fresh = true;
    let got = flow::obtain(&request)?;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("_token:{}", got.token.expose()));
    let mut auths = Map::new();
    for registry in registries {
        auths.insert(registry, json!({ "auth": auth }));
    }
    out::stdout(&out::json(&json!({ "auths": Value::Object(auths) })))
}
