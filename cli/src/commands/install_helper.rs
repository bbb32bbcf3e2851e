//! `cgaws install-helper`: wire the credential helper into Docker's config.

use crate::args;
use crate::cache::write_atomic;
use crate::commands::credential_helper::add_registry;
use crate::error::{CliError, CliResult};
use crate::{config, out};
use cgaws_core::identity::validate_identity_uidp;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

pub const SUMMARY: &str =
    "add cgaws to ~/.docker/config.json credHelpers (other entries kept) and link docker-credential-cgaws";

pub const USAGE: &str = "\
cgaws install-helper: use cgaws as Docker's credential helper for cgr.dev

Usage: cgaws install-helper [--identity UIDP] [--registry HOST]... [OPTIONS]

Sets \"credHelpers\": {\"cgr.dev\": \"cgaws\"} in the Docker config
($DOCKER_CONFIG/config.json, else ~/.docker/config.json), keeping every other
entry; the file is replaced atomically and keeps its permissions (0600 when new).
A file that is not valid JSON is left alone (exit 1).

Docker runs `docker-credential-cgaws`, so unless one is already on PATH a
symbolic link of that name to this binary is made next to it (or in --link-dir).
With --identity/--issuer/--method, also writes them to the cgaws config file, where the
helper finds them. The equivalent by hand:
  ln -s \"$(command -v cgaws)\" /usr/local/bin/docker-credential-cgaws
  jq '.credHelpers[\"cgr.dev\"]=\"cgaws\"' ~/.docker/config.json > tmp && mv tmp ~/.docker/config.json

Options:
  --registry HOST      registry to wire (repeatable; cgr.dev or *.cgr.dev; default cgr.dev)
  --identity UIDP      also save the identity in the cgaws config file
  --issuer URL         also save the issuer in the cgaws config file
  --method gci|oidc    also save the proof method in the cgaws config file (oidc: an STS
                       GetWebIdentityToken JWT for an identity with a claim_match rule)
  --docker-config FILE the Docker config file to edit
  --link-dir DIR       where to make the docker-credential-cgaws link
  --no-link            do not make the link
  --dry-run            print the resulting Docker config, change nothing
  -v, --verbose        step logs on stderr
  -h, --help           this help
";

pub fn run(parser: &mut lexopt::Parser) -> CliResult {
    let mut registries: Vec<String> = Vec::new();
    let mut identity = None;
    let mut issuer = None;
    let mut method = None;
    let mut docker_config = None;
    let mut link_dir = None;
    let mut link = true;
    let mut dry_run = false;
    while let Some(flag) = args::next(parser)? {
        match flag.key().as_str() {
            "--registry" => {
                let value = args::nonempty(parser, &flag)?;
                add_registry(&mut registries, &value, "the helper only serves cgr.dev and *.cgr.dev")?;
            }
            "--identity" => {
                let v = args::nonempty(parser, &flag)?;
                validate_identity_uidp(&v).map_err(|e| CliError::usage(e.to_string()))?;
                identity = Some(v);
            }
            "--issuer" => issuer = Some(args::nonempty(parser, &flag)?),
            "--method" => method = Some(crate::oidc::method_flag(parser, &flag)?),
            "--docker-config" => docker_config = Some(PathBuf::from(args::nonempty(parser, &flag)?)),
            "--link-dir" => link_dir = Some(PathBuf::from(args::nonempty(parser, &flag)?)),
            "--no-link" => link = false,
            "--dry-run" => dry_run = true,
            _ => args::common(flag, "install-helper", USAGE)?,
        }
    }
    if registries.is_empty() {
        registries.push("cgr.dev".into());
    }
    let path = match docker_config {
        Some(p) => p,
        None => docker_config_path()
            .ok_or_else(|| CliError::failure("cannot locate the Docker config: set HOME or DOCKER_CONFIG"))?,
    };
    let (document, mode) = read_docker_config(&path)?;
    let updated = add_cred_helpers(document, &registries)
        .map_err(|why| CliError::failure(format!("{}: {why}; not changing it", path.display())))?;
    let mut text = serde_json::to_string_pretty(&updated).map_err(|e| CliError::failure(e.to_string()))?;
    text.push('\n');
    if dry_run {
        return out::stdout(&text);
    }
    let mut report = String::new();
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| CliError::failure(format!("cannot create {}: {e}", parent.display())))?;
    }
    write_atomic(&path, text.as_bytes(), mode, true)
        .map_err(|e| CliError::failure(format!("cannot write {}: {e}", path.display())))?;
    report.push_str(&format!("{}: credHelpers {} -> cgaws\n", path.display(), registries.join(", ")));
    if identity.is_some() || issuer.is_some() || method.is_some() {
        report.push_str(&save_config(identity, issuer, method)?);
    }
    if link {
        report.push_str(&make_link(link_dir)?);
    }
    out::stdout(&report)
}

pub fn docker_config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    let home = std::env::var_os("HOME").filter(|v| !v.is_empty())?;
    Some(PathBuf::from(home).join(".docker").join("config.json"))
}

/// The document (an empty object when the file does not exist) and the file mode to keep.
fn read_docker_config(path: &Path) -> CliResult<(Value, u32)> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let mode = file_mode(path).unwrap_or(0o600);
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok((json!({}), mode));
            }
            let value = serde_json::from_slice(&bytes).map_err(|e| {
                CliError::failure(format!("{} is not valid JSON ({e}); not changing it", path.display()))
            })?;
            Ok((value, mode))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((json!({}), 0o600)),
        Err(e) => Err(CliError::failure(format!("cannot read {}: {e}", path.display()))),
    }
}

#[cfg(unix)]
fn file_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn file_mode(_: &Path) -> Option<u32> {
    None
}

/// Sets `credHelpers[registry] = "cgaws"`, keeping everything else.
pub fn add_cred_helpers(mut document: Value, registries: &[String]) -> Result<Value, String> {
    let object = document.as_object_mut().ok_or("the Docker config is not a JSON object")?;
    let helpers = object.entry("credHelpers").or_insert_with(|| Value::Object(Map::new()));
    let helpers = helpers.as_object_mut().ok_or("\"credHelpers\" is not a JSON object")?;
    for registry in registries {
        helpers.insert(registry.clone(), json!("cgaws"));
    }
    Ok(document)
}

fn save_config(
    identity: Option<String>,
    issuer: Option<String>,
    method: Option<crate::oidc::Method>,
) -> CliResult<String> {
    let path = config::path().ok_or_else(|| CliError::failure("cannot locate the cgaws config file: set HOME"))?;
    let mut value = match std::fs::read(&path) {
        Ok(bytes) => {
            config::parse(&bytes, &path)?;
            serde_json::from_slice::<Value>(&bytes).map_err(|e| CliError::failure(e.to_string()))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => json!({}),
        Err(e) => return Err(CliError::failure(format!("cannot read {}: {e}", path.display()))),
    };
    if let Some(i) = identity {
        value["identity"] = json!(i);
    }
    if let Some(i) = issuer {
        value["issuer"] = json!(i);
    }
    if let Some(m) = method {
        value["method"] = json!(m.as_str());
    }
    let mut text = serde_json::to_string_pretty(&value).map_err(|e| CliError::failure(e.to_string()))?;
    text.push('\n');
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| CliError::failure(format!("cannot create {}: {e}", parent.display())))?;
    }
    write_atomic(&path, text.as_bytes(), 0o600, true)
        .map_err(|e| CliError::failure(format!("cannot write {}: {e}", path.display())))?;
    Ok(format!("{}: saved\n", path.display()))
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

fn make_link(dir: Option<PathBuf>) -> CliResult<String> {
    const NAME: &str = "docker-credential-cgaws";
    let exe = std::env::current_exe().map_err(|e| CliError::failure(format!("cannot locate this binary: {e}")))?;
    if dir.is_none() {
        if let Some(existing) = on_path(NAME) {
            return Ok(format!("{}: already on PATH\n", existing.display()));
        }
    }
    let dir = match dir {
        Some(d) => d,
        None => exe
            .parent()
            .map(Path::to_path_buf)
            .ok_or_else(|| CliError::failure("cannot locate this binary's directory"))?,
    };
    let link = dir.join(NAME);
    if std::fs::read_link(&link).is_ok_and(|target| target == exe) {
        return Ok(format!("{}: already links to {}\n", link.display(), exe.display()));
    }
    if link.symlink_metadata().is_ok() {
        return Err(CliError::failure(format!(
            "{} exists and is not a link to {}; not replacing it",
            link.display(),
            exe.display()
        ))
        .hint("remove it, or pass --link-dir or --no-link"));
    }
    symlink(&exe, &link).map_err(|e| {
        CliError::failure(format!("cannot create {}: {e}", link.display()))
            .hint(format!("run: ln -s {} /usr/local/bin/{NAME}  (or pass --link-dir DIR on your PATH)", exe.display()))
    })?;
    let mut report = format!("{} -> {}\n", link.display(), exe.display());
    if on_path(NAME).is_none() {
        report.push_str(&format!(
            "note: {} is not on PATH; Docker will not find the helper until it is\n",
            dir.display()
        ));
    }
    Ok(report)
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::fs::copy(target, link).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_other_entries() {
        let doc =
            json!({"auths": {"ghcr.io": {"auth": "x"}}, "credHelpers": {"gcr.io": "gcloud"}, "credsStore": "desktop"});
        let out = add_cred_helpers(doc, &["cgr.dev".into(), "foo.cgr.dev".into()]).unwrap();
        assert_eq!(out["auths"]["ghcr.io"]["auth"], "x");
        assert_eq!(out["credsStore"], "desktop");
        assert_eq!(out["credHelpers"]["gcr.io"], "gcloud");
        assert_eq!(out["credHelpers"]["cgr.dev"], "cgaws");
        assert_eq!(out["credHelpers"]["foo.cgr.dev"], "cgaws");
        // Key order is kept.
        let keys: Vec<_> = out.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["auths", "credHelpers", "credsStore"]);
        assert!(add_cred_helpers(json!([]), &["cgr.dev".into()]).is_err());
        assert!(add_cred_helpers(json!({"credHelpers": 1}), &["cgr.dev".into()]).is_err());
        let fresh = add_cred_helpers(json!({}), &["cgr.dev".into()]).unwrap();
        assert_eq!(fresh, json!({"credHelpers": {"cgr.dev": "cgaws"}}));
    }
}
