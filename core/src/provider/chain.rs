//! The chain itself: loading the shared files, then each source in order.

use super::io::{error, not_found, Fail, FileRead, Flow, Io};
use super::profile::{Profile, ProfileFiles};
use super::settings::{self, env_var, RegionChoice};
use super::{container, env, imds, role, Attempt, ChainConfig, ChainError, ResolvedCredentials};
use crate::credentials::Credentials;
use crate::sigv4::SigningKeyCache;
use crate::sts::SendEndpoint;
use crate::time::UnixTime;

/// Credentials found by a source, before the chain adds region and warnings.
pub(crate) struct Found {
    pub credentials: Credentials,
    pub source: String,
    pub account_id: Option<String>,
}

/// Everything a run computes besides its outcome; kept by the chain between calls.
#[derive(Clone, Debug, Default)]
pub(crate) struct Loaded {
    pub files: Option<ProfileFiles>,
    pub region: Option<RegionChoice>,
}

pub(crate) struct Cx<'a> {
    pub cfg: &'a ChainConfig,
    pub io: Io<'a>,
    pub files: ProfileFiles,
    files_error: Option<String>,
    paths: super::ConfigPaths,
    pub profile_name: String,
    profile_explicit: bool,
    pub region: Option<RegionChoice>,
    pub warnings: Vec<String>,
    pub cache: SigningKeyCache,
}

impl<'a> Cx<'a> {
    pub fn env(&self, name: &str) -> Option<&'a str> {
        env_var(&self.cfg.env, name)
    }

    pub fn now(&self) -> UnixTime {
        self.cfg.now
    }

    /// The selected profile, if the files have it.
    pub fn profile(&self) -> Option<&Profile> {
        self.files.profile(&self.profile_name)
    }

    /// An env variable, else the selected profile's key.
    pub fn setting(&self, var: &str, key: &str) -> Option<String> {
        self.env(var).map(str::to_string).or_else(|| self.profile().and_then(|p| p.get(key)).map(str::to_string))
    }

    pub fn sts_endpoint(&self) -> Flow<SendEndpoint> {
        settings::sts_send_endpoint(
            &self.cfg.env,
            &self.files,
            &self.profile_name,
            self.region.as_ref().map(|r| r.region.as_str()),
        )
        .or_else(|e| error(format!("cannot choose the STS endpoint: {e}")))
    }

    /// Expands `~` in a path from a setting.
    pub fn expand(&self, path: &str) -> Flow<String> {
        let home = settings::home_dir(&self.cfg.env, self.cfg.home.as_deref());
        match settings::expand_home(path, home.as_deref()) {
            Some(p) => Ok(p),
            None => error(format!("cannot expand {path:?}: no home directory (HOME is not set)")),
        }
    }

    /// A default `RoleSessionName`.
    pub fn session_name(&self) -> String {
        format!("cgaws-session-{}", self.cfg.now.secs().max(0))
    }

    /// Refuses credentials that are expired or expire within 10 seconds.
    pub fn check_fresh(&self, credentials: &Credentials, what: &str) -> Flow<()> {
        match credentials.expiry() {
            Some(expiry) if expiry <= self.cfg.now.plus_secs(10) => error(format!(
                "{what} returned credentials that expire{} at {expiry} (now is {})",
                if expiry <= self.cfg.now { "d" } else { "" },
                self.cfg.now
            )),
            _ => Ok(()),
        }
    }
}

/// One run from the start: the result, or else the pending action; and what was loaded.
pub(crate) fn run(
    cfg: &ChainConfig,
    answers: &[super::Answer],
) -> (Option<Result<ResolvedCredentials, ChainError>>, Option<super::Action>, Loaded) {
    let (profile_name, profile_explicit) = settings::selected_profile(&cfg.env, cfg.profile.as_deref());
    let mut cx = Cx {
        cfg,
        io: Io::new(answers),
        files: ProfileFiles::default(),
        files_error: None,
        paths: settings::config_file_paths(&cfg.env, cfg.home.as_deref()),
        profile_name,
        profile_explicit,
        region: None,
        warnings: Vec::new(),
        cache: SigningKeyCache::default(),
    };
    let outcome = resolve(&mut cx);
    let loaded = Loaded { files: Some(cx.files.clone()), region: cx.region.clone() };
    match outcome {
        Ok(result) => (Some(result), None, loaded),
        Err(()) => (None, cx.io.pending.take(), loaded),
    }
}

type Source = fn(&mut Cx<'_>) -> Flow<Found>;

/// `Err(())`: suspended.
fn resolve(cx: &mut Cx<'_>) -> Result<Result<ResolvedCredentials, ChainError>, ()> {
    if let Err(Fail::Suspend) = load_files(cx) {
        return Err(());
    }
    cx.region = settings::resolve_region(&cx.cfg.env, cx.cfg.region.as_deref(), &cx.files, &cx.profile_name);
    let profile_source = format!("profile:{}", cx.profile_name);
    let sources: [(&str, Source); 5] = [
        ("environment", env::source),
        (&profile_source, role::profile_source),
        ("web-identity", role::web_identity_env_source),
        ("container", container::source),
        ("imds", imds::source),
    ];
    let mut attempts = Vec::new();
    for (name, source) in sources {
        let reason = match source(cx) {
            Ok(found) => {
                let mut warnings = core::mem::take(&mut cx.files.warnings);
                warnings.append(&mut cx.warnings);
                return Ok(Ok(ResolvedCredentials {
                    credentials: found.credentials,
                    source: found.source,
                    region: cx.region.as_ref().map(|r| r.region.clone()),
                    account_id: found.account_id,
                    warnings,
                }));
            }
            Err(Fail::Suspend) => return Err(()),
            Err(Fail::NotFound(reason)) => reason,
            Err(Fail::Error(reason)) => {
                attempts.push(Attempt { source: name.to_string(), reason });
                return Ok(Err(finish_error(cx, attempts, true)));
            }
        };
        attempts.push(Attempt { source: name.to_string(), reason });
    }
    Ok(Err(finish_error(cx, attempts, false)))
}

fn finish_error(cx: &mut Cx<'_>, attempts: Vec<Attempt>, stopped: bool) -> ChainError {
    let mut warnings = core::mem::take(&mut cx.files.warnings);
    warnings.append(&mut cx.warnings);
    ChainError { attempts, stopped, warnings }
}

/// Reads and parses the config and credentials files. A failure is remembered for
/// the profile source (the only one it stops); other sources still run.
fn load_files(cx: &mut Cx<'_>) -> Flow<()> {
    let mut contents: [Option<Vec<u8>>; 2] = [None, None];
    let specs = [
        (cx.paths.config.clone(), "AWS_CONFIG_FILE", "config"),
        (cx.paths.credentials.clone(), "AWS_SHARED_CREDENTIALS_FILE", "credentials"),
    ];
    for (slot, (path, var, what)) in contents.iter_mut().zip(specs) {
        let Some(path) = path else { continue };
        match cx.io.read_file(&path)? {
            FileRead::Bytes(bytes) => *slot = Some(bytes),
            FileRead::Missing => {
                if cx.env(var).is_some() {
                    cx.warnings.push(format!("{var} names {path:?}, which does not exist"));
                }
            }
            FileRead::Failed(e) => {
                cx.files_error.get_or_insert(format!("cannot read the shared {what} file {path:?}: {e}"));
            }
        }
    }
    match ProfileFiles::parse(contents[0].as_deref(), contents[1].as_deref()) {
        Ok(files) => cx.files = files,
        Err(e) => {
            let path = if e.file == "config" { &cx.paths.config } else { &cx.paths.credentials };
            let path = path.as_deref().unwrap_or_default();
            cx.files_error.get_or_insert(format!("{e} ({path})"));
        }
    }
    Ok(())
}

/// For the profile source: the file error, if any, or the missing-profile outcome.
pub(crate) fn selected_profile_or_fail(cx: &Cx<'_>) -> Flow<()> {
    if let Some(e) = &cx.files_error {
        return error(e.clone());
    }
    if cx.profile().is_some() {
        return Ok(());
    }
    let places: Vec<&str> =
        [cx.paths.config.as_deref(), cx.paths.credentials.as_deref()].into_iter().flatten().collect();
    let places =
        if places.is_empty() { "no shared config files (no home directory)".to_string() } else { places.join(" or ") };
    if cx.profile_explicit {
        let known: Vec<&str> = cx.files.profile_names().collect();
        let known = if known.is_empty() {
            "no profiles are defined".to_string()
        } else {
            format!("known profiles: {}", known.join(", "))
        };
        error(format!("the profile {:?} does not exist in {places} ({known})", cx.profile_name))
    } else {
        not_found(format!("no [default] profile in {places}"))
    }
}
