//! Settings shared by every source: file locations, the selected profile, the
//! region (§8.1) and where STS requests are sent (§8.2).

use super::profile::ProfileFiles;
use super::{ConfigPaths, Env, SendEndpoint};
use crate::http::Url;
use crate::token::StsEndpoint;
use core::fmt;

/// An environment variable, trimmed; empty counts as unset.
pub(crate) fn env_var<'a>(env: &'a Env, name: &str) -> Option<&'a str> {
    env.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// `true`/`false` (case-insensitive) settings.
pub(crate) fn is_true(value: Option<&str>) -> bool {
    value.is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// The home directory: the explicit one, else `HOME`, `USERPROFILE`, `HOMEDRIVE`+`HOMEPATH`.
pub fn home_dir(env: &Env, home: Option<&str>) -> Option<String> {
    if let Some(h) = home.filter(|h| !h.is_empty()) {
        return Some(h.to_string());
    }
    if let Some(h) = env_var(env, "HOME").or_else(|| env_var(env, "USERPROFILE")) {
        return Some(h.to_string());
    }
    match (env_var(env, "HOMEDRIVE"), env_var(env, "HOMEPATH")) {
        (Some(d), Some(p)) => Some(format!("{d}{p}")),
        _ => None,
    }
}

/// Expands a leading `~/` (or `~\`, or a lone `~`); `None` if that needs a home we lack.
pub fn expand_home(path: &str, home: Option<&str>) -> Option<String> {
    if path == "~" {
        return home.map(str::to_string);
    }
    match path.strip_prefix("~/").or_else(|| path.strip_prefix("~\\")) {
        Some(rest) => {
            let home = home?;
            let sep = if home.ends_with('/') || home.ends_with('\\') { "" } else { "/" };
            Some(format!("{home}{sep}{rest}"))
        }
        None => Some(path.to_string()),
    }
}

/// Where the shared files are (§3.1). `home` overrides the home directory.
pub fn config_file_paths(env: &Env, home: Option<&str>) -> ConfigPaths {
    let home = home_dir(env, home);
    let path = |var: &str, default: &str| {
        let raw = env_var(env, var).unwrap_or(default);
        expand_home(raw, home.as_deref())
    };
    ConfigPaths {
        config: path("AWS_CONFIG_FILE", "~/.aws/config"),
        credentials: path("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
    }
}

/// The profile to use and whether it was chosen explicitly: `--profile`, then
/// `AWS_PROFILE`, then the legacy `AWS_DEFAULT_PROFILE`, then `default`.
/// `explicit` is true for anything but the fallback `default`.
pub fn selected_profile(env: &Env, cli_profile: Option<&str>) -> (String, bool) {
    if let Some(p) = cli_profile.map(str::trim).filter(|p| !p.is_empty()) {
        return (p.to_string(), true);
    }
    match env_var(env, "AWS_PROFILE").or_else(|| env_var(env, "AWS_DEFAULT_PROFILE")) {
        Some(p) => (p.to_string(), true),
        None => ("default".to_string(), false),
    }
}

/// A region and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionChoice {
    pub region: String,
    /// `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, or `profile:NAME`.
    pub source: String,
}

/// The region (§8.1, Rust order): `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, then
/// the profile's `region`, following `source_profile` links while it is missing.
/// IMDS is not consulted.
pub fn resolve_region(
    env: &Env,
    cli_region: Option<&str>,
    files: &ProfileFiles,
    profile: &str,
) -> Option<RegionChoice> {
    let choice = |region: &str, source: &str| Some(RegionChoice { region: region.into(), source: source.into() });
    if let Some(r) = cli_region.map(str::trim).filter(|r| !r.is_empty()) {
        return choice(r, "--region");
    }
    for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if let Some(r) = env_var(env, var) {
            return choice(r, var);
        }
    }
    let mut name = profile.to_string();
    let mut visited = Vec::new();
    while let Some(p) = files.profile(&name) {
        if let Some(r) = p.get("region") {
            return choice(r, &format!("profile:{name}"));
        }
        visited.push(name.clone());
        match p.get("source_profile") {
            Some(next) if !visited.iter().any(|v| v == next) => name = next.to_string(),
            _ => break,
        }
    }
    None
}

/// A setting that makes no endpoint possible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointConfigError(pub String);

impl fmt::Display for EndpointConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EndpointConfigError {}

/// The regions that `sts_regional_endpoints = legacy` sends to the global endpoint.
const LEGACY_GLOBAL_REGIONS: [&str; 16] = [
    "ap-northeast-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "aws-global",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// Where STS requests are sent (§8.2). In order:
///
/// 1. unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` (or the profile's
///    `ignore_configured_endpoint_urls`) is `true`: `AWS_ENDPOINT_URL_STS`,
///    `AWS_ENDPOINT_URL`, the profile's `services` section `sts` → `endpoint_url`,
///    the profile's `endpoint_url`; signed for the region (or `us-east-1`). FIPS or
///    dual-stack together with one of these is an error;
/// 2. `AWS_STS_REGIONAL_ENDPOINTS` / `sts_regional_endpoints` = `legacy` and one of the
///    16 legacy regions: `https://sts.amazonaws.com`;
/// 3. `AWS_USE_FIPS_ENDPOINT` / `use_fips_endpoint`, `AWS_USE_DUALSTACK_ENDPOINT` /
///    `use_dualstack_endpoint`, or plain regional, from
///    [`StsEndpoint::regional`] (`aws-global` is the global endpoint);
/// 4. no region: the global endpoint, signed for `us-east-1` (as botocore).
///
/// This only decides where requests go; a Chainguard token's STS host is chosen
/// separately ([`StsEndpoint`]).
pub fn sts_send_endpoint(
    env: &Env,
    files: &ProfileFiles,
    profile: &str,
    region: Option<&str>,
) -> Result<SendEndpoint, EndpointConfigError> {
    let p = files.profile(profile);
    let setting = |var: &str, key: &str| env_var(env, var).or_else(|| p.and_then(|p| p.get(key)));
    let fips = is_true(setting("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint"));
    let dualstack = is_true(setting("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint"));
    let region = region.map(str::trim).filter(|r| !r.is_empty());
    let ignore = is_true(setting("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "ignore_configured_endpoint_urls"));
    if !ignore {
        let configured = env_var(env, "AWS_ENDPOINT_URL_STS")
            .map(|u| (u.to_string(), "AWS_ENDPOINT_URL_STS"))
            .or_else(|| env_var(env, "AWS_ENDPOINT_URL").map(|u| (u.to_string(), "AWS_ENDPOINT_URL")))
            .or_else(|| files.service_endpoint_url(profile, "sts").map(|u| (u, "profile services sts endpoint_url")))
            .or_else(|| p.and_then(|p| p.get("endpoint_url")).map(|u| (u.to_string(), "profile endpoint_url")));
        if let Some((url, chosen_by)) = configured {
            if fips || dualstack {
                return Err(EndpointConfigError(format!(
                    "{chosen_by} is set together with {}: a custom endpoint cannot be combined with FIPS or dual-stack endpoints",
                    if fips { "use_fips_endpoint" } else { "use_dualstack_endpoint" }
                )));
            }
            let url = Url::parse(&url).map_err(|e| EndpointConfigError(format!("{chosen_by}: {e}")))?;
            return Ok(SendEndpoint {
                url,
                signing_region: region.unwrap_or(crate::token::endpoint::GLOBAL_REGION).to_string(),
                chosen_by: chosen_by.into(),
            });
        }
    }
    let global = || SendEndpoint {
        url: Url::parse(&StsEndpoint::global().url()).expect("a valid URL"),
        signing_region: crate::token::endpoint::GLOBAL_REGION.into(),
        chosen_by: "global".into(),
    };
    let Some(region) = region else {
        if fips || dualstack {
            return Err(EndpointConfigError(
                "FIPS or dual-stack STS endpoints need a region: set AWS_REGION or the profile's region".into(),
            ));
        }
        return Ok(global());
    };
    let legacy = setting("AWS_STS_REGIONAL_ENDPOINTS", "sts_regional_endpoints")
        .is_some_and(|v| v.eq_ignore_ascii_case("legacy"));
    if legacy && !fips && !dualstack && LEGACY_GLOBAL_REGIONS.contains(&region) {
        return Ok(global());
    }
    let endpoint = StsEndpoint::regional(region, fips).map_err(|e| EndpointConfigError(e.to_string()))?;
    let mut host = endpoint.host.clone();
    let mut chosen_by = if fips { "fips" } else { "regional" };
    if dualstack {
        host = dualstack_host(&endpoint.host, region, fips)
            .ok_or_else(|| EndpointConfigError(format!("region {region:?} has no dual-stack STS endpoint")))?;
        chosen_by = "dualstack";
    } else if endpoint == StsEndpoint::global() {
        chosen_by = "global";
    }
    Ok(SendEndpoint {
        url: Url::parse(&format!("https://{host}/")).expect("a valid URL"),
        signing_region: endpoint.region,
        chosen_by: chosen_by.into(),
    })
}

/// `sts[-fips].{r}.{dnsSuffix}` → `sts[-fips].{r}.{dualStackDnsSuffix}`.
fn dualstack_host(host: &str, region: &str, fips: bool) -> Option<String> {
    let (_, suffix) = host.split_once(&format!(".{region}."))?;
    let dual = match suffix {
        "amazonaws.com" => "api.aws",
        "amazonaws.com.cn" => "api.amazonwebservices.com.cn",
        "amazonaws.eu" => "api.amazonwebservices.eu",
        _ => return None,
    };
    let prefix = if fips { "sts-fips" } else { "sts" };
    Some(format!("{prefix}.{region}.{dual}"))
}
