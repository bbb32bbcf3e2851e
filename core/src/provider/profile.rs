//! The shared `config` and `credentials` files (aws-credentials.md §3): parsing,
//! section naming, and merging.
//!
//! Parsing follows the Rust SDK (the cross-SDK rules) with the tolerances the doc's
//! Recommendation asks for, so files the Python CLI accepts still load:
//! `:` works as well as `=`, a duplicate key keeps its last value, an indented first
//! property is a property, and text after a section's `]` is ignored.

use core::fmt;
use std::collections::BTreeMap;

/// One profile's settings (keys lower-cased), merged from both files.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    properties: BTreeMap<String, String>,
}

impl Profile {
    /// A setting, trimmed; `None` when absent or empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.properties.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// Whether the key is present at all, even if empty.
    pub fn contains(&self, key: &str) -> bool {
        self.properties.contains_key(key)
    }

    /// The keys this profile sets.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.properties.keys().map(String::as_str)
    }
}

/// Profiles hold keys: `Debug` shows the names of the settings only.
impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("name", &self.name)
            .field("keys", &self.properties.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The parsed and merged shared files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileFiles {
    profiles: BTreeMap<String, Profile>,
    /// `[services NAME]` sections of the config file.
    services: BTreeMap<String, Profile>,
    /// `[sso-session NAME]` sections of the config file.
    sso_sessions: BTreeMap<String, Profile>,
    /// Things skipped while loading (bad names, ignored sections).
    pub warnings: Vec<String>,
}

/// A file that does not parse. Stops the profile source (as in both SDKs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileFileError {
    /// `config` or `credentials`.
    pub file: &'static str,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ProfileFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error parsing the shared {} file, line {}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for ProfileFileError {}

/// A raw `[section]` with its properties, before naming rules apply.
struct RawSection {
    header: String,
    line: usize,
    properties: BTreeMap<String, String>,
}

const WHITESPACE: [char; 2] = [' ', '\t'];

fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c))
}

/// Cuts an inline comment: in a property line `#`/`;` preceded by whitespace, in a
/// section line any `#`/`;`.
fn strip_comment(line: &str, property: bool) -> &str {
    let mut prev_ws = false;
    for (i, c) in line.char_indices() {
        if (c == '#' || c == ';') && (!property || prev_ws) {
            return &line[..i];
        }
        prev_ws = WHITESPACE.contains(&c);
    }
    line
}

fn parse_ini(text: &str, file: &'static str, warnings: &mut Vec<String>) -> Result<Vec<RawSection>, ProfileFileError> {
    let mut sections: Vec<RawSection> = Vec::new();
    let mut last_key: Option<String> = None;
    for (index, raw_line) in text.split('\n').enumerate() {
        let line_no = index + 1;
        let err = |message: &str| ProfileFileError { file, line: line_no, message: message.to_string() };
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        let line = if index == 0 { line.strip_prefix('\u{feff}').unwrap_or(line) } else { line };
        // Comment lines, indented or not (an indented one is an empty continuation in the
        // Rust SDK and a comment in Python: either way it adds nothing).
        let content = line.trim_start_matches(WHITESPACE);
        if content.is_empty() || content.starts_with('#') || content.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            let header = strip_comment(line, false);
            let Some(end) = header.find(']') else {
                return Err(err("a section header must end with ']'"));
            };
            let trailing = header[end + 1..].trim_matches(WHITESPACE);
            if !trailing.is_empty() {
                warnings.push(format!("{file} file line {line_no}: ignored text after ']'"));
            }
            let header = header[1..end].trim_matches(WHITESPACE).to_string();
            sections.push(RawSection { header, line: line_no, properties: BTreeMap::new() });
            last_key = None;
            continue;
        }
        let Some(section) = sections.last_mut() else {
            return Err(err("expected a [section] header before any setting"));
        };
        if let (true, Some(key)) = (line.starts_with(WHITESPACE), &last_key) {
            // A continuation of the previous value (e.g. a sub-section like `s3 =`).
            let text = strip_comment(line, true).trim_matches(WHITESPACE);
            let value = section.properties.entry(key.clone()).or_default();
            value.push('\n');
            value.push_str(text);
            continue;
        }
        let line = strip_comment(line, true);
        let Some(split) = line.find(['=', ':']) else {
            return Err(err("expected a setting of the form `key = value`"));
        };
        let key = line[..split].trim_matches(WHITESPACE).to_ascii_lowercase();
        let value = line[split + 1..].trim_matches(WHITESPACE).to_string();
        if key.is_empty() {
            return Err(err("a setting has no name before '='"));
        }
        if !is_valid_name(&key) {
            warnings
                .push(format!("{file} file line {line_no}: ignored setting {key:?}: invalid characters in its name"));
            last_key = None;
            continue;
        }
        // Duplicate keys: the last one wins.
        section.properties.insert(key.clone(), value);
        last_key = Some(key);
    }
    Ok(sections)
}

fn merge_into(target: &mut BTreeMap<String, Profile>, name: &str, properties: BTreeMap<String, String>) {
    let profile =
        target.entry(name.to_string()).or_insert_with(|| Profile { name: name.to_string(), ..Profile::default() });
    profile.properties.extend(properties);
}

impl ProfileFiles {
    /// Parses the `config` and `credentials` files (either may be absent). For the same
    /// profile and key, the credentials file wins.
    pub fn parse(config: Option<&[u8]>, credentials: Option<&[u8]>) -> Result<ProfileFiles, ProfileFileError> {
        let mut files = ProfileFiles::default();
        if let Some(bytes) = config {
            files.load_config(bytes)?;
        }
        if let Some(bytes) = credentials {
            files.load_credentials(bytes)?;
        }
        Ok(files)
    }

    fn text<'a>(bytes: &'a [u8], file: &'static str) -> Result<std::borrow::Cow<'a, str>, ProfileFileError> {
        match core::str::from_utf8(bytes) {
            Ok(s) => Ok(s.into()),
            Err(e) => {
                let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
                Err(ProfileFileError { file, line, message: "the file is not valid UTF-8".into() })
            }
        }
    }

    fn load_config(&mut self, bytes: &[u8]) -> Result<(), ProfileFileError> {
        let text = Self::text(bytes, "config")?;
        let sections = parse_ini(&text, "config", &mut self.warnings)?;
        // `[profile default]` beats `[default]` whatever the order: apply bare `[default]` first.
        let (bare_default, rest): (Vec<_>, Vec<_>) = sections.into_iter().partition(|s| s.header == "default");
        let has_profile_default = rest.iter().any(|s| {
            s.header
                .strip_prefix("profile")
                .is_some_and(|n| n.starts_with(WHITESPACE) && n.trim_matches(WHITESPACE) == "default")
        });
        for section in bare_default {
            if has_profile_default {
                self.warnings.push(format!(
                    "config file line {}: [default] ignored because [profile default] is also present",
                    section.line
                ));
            } else {
                merge_into(&mut self.profiles, "default", section.properties);
            }
        }
        for section in rest {
            let (kind, name) = match section.header.split_once(WHITESPACE) {
                Some((kind, name)) => (kind, name.trim_matches(WHITESPACE)),
                None => ("", section.header.as_str()),
            };
            let target = match kind {
                "profile" => &mut self.profiles,
                "services" => &mut self.services,
                "sso-session" => &mut self.sso_sessions,
                _ => {
                    self.warnings.push(format!(
                        "config file line {}: section [{}] ignored: profiles in the config file are written [profile NAME]",
                        section.line, section.header
                    ));
                    continue;
                }
            };
            if !is_valid_name(name) {
                self.warnings.push(format!(
                    "config file line {}: section [{}] ignored: invalid characters in its name",
                    section.line, section.header
                ));
                continue;
            }
            merge_into(target, name, section.properties);
        }
        Ok(())
    }

    fn load_credentials(&mut self, bytes: &[u8]) -> Result<(), ProfileFileError> {
        let text = Self::text(bytes, "credentials")?;
        for section in parse_ini(&text, "credentials", &mut self.warnings)? {
            if section.header.starts_with("profile") && section.header["profile".len()..].starts_with(WHITESPACE) {
                self.warnings.push(format!(
                    "credentials file line {}: section [{}] ignored: the credentials file uses bare names, e.g. [{}]",
                    section.line,
                    section.header,
                    section.header["profile".len()..].trim_matches(WHITESPACE)
                ));
                continue;
            }
            if !is_valid_name(&section.header) {
                self.warnings.push(format!(
                    "credentials file line {}: section [{}] ignored: invalid characters in its name",
                    section.line, section.header
                ));
                continue;
            }
            merge_into(&mut self.profiles, &section.header, section.properties);
        }
        Ok(())
    }

    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }

    /// All profile names, sorted.
    pub fn profile_names(&self) -> impl Iterator<Item = &str> {
        self.profiles.keys().map(String::as_str)
    }

    /// A `[services NAME]` section.
    pub fn services(&self, name: &str) -> Option<&Profile> {
        self.services.get(name)
    }

    /// A `[sso-session NAME]` section.
    pub fn sso_session(&self, name: &str) -> Option<&Profile> {
        self.sso_sessions.get(name)
    }

    /// The `endpoint_url` for `service` from the profile's `services = NAME` section
    /// (`sts =` followed by indented `endpoint_url = ...`).
    pub fn service_endpoint_url(&self, profile: &str, service: &str) -> Option<String> {
        let section = self.services(self.profile(profile)?.get("services")?)?;
        let block = section.properties.get(service)?;
        block.lines().find_map(|line| {
            let (k, v) = line.split_once(['=', ':'])?;
            (k.trim().eq_ignore_ascii_case("endpoint_url") && !v.trim().is_empty()).then(|| v.trim().to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(config: &str, credentials: &str) -> ProfileFiles {
        ProfileFiles::parse(Some(config.as_bytes()), Some(credentials.as_bytes())).unwrap()
    }

    #[test]
    fn rust_rules_and_tolerances() {
        let f = parse(
            "# comment\n[default]\n  # indented comment\nregion = us-east-1 # inline\n[profile dev] trailing\n  region: eu-west-1\nregion=eu-west-2\nrole_arn = arn:aws:iam::1:role/x#notacomment\n[foo]\nx=1\n[profile bad name!]\nx=1\n[services s]\nsts =\n  endpoint_url = http://localhost:5000\n",
            "[dev]\nregion = ap-south-1\n[profile ignored]\nx=1\n",
        );
        assert_eq!(f.profile("default").unwrap().get("region"), Some("us-east-1"));
        assert_eq!(f.profile("dev").unwrap().get("region"), Some("ap-south-1"));
        assert_eq!(f.profile("dev").unwrap().get("role_arn"), Some("arn:aws:iam::1:role/x#notacomment"));
        assert!(f.profile("foo").is_none());
        assert!(f.profile("ignored").is_none() && f.profile("profile ignored").is_none());
        assert_eq!(f.services("s").unwrap().get("sts"), Some("endpoint_url = http://localhost:5000"));
        assert!(f.warnings.len() >= 4, "{:?}", f.warnings);
    }

    #[test]
    fn profile_default_beats_default() {
        let f = parse("[profile default]\nregion = a\n[default]\nregion = b\noutput = json\n", "");
        let d = f.profile("default").unwrap();
        assert_eq!((d.get("region"), d.get("output")), (Some("a"), None));
    }

    #[test]
    fn errors() {
        for bad in ["x = 1\n", "[default\nx=1\n", "[default]\nnovalue\n", "[default]\n= v\n"] {
            assert!(ProfileFiles::parse(Some(bad.as_bytes()), None).is_err(), "{bad}");
        }
        let e = ProfileFiles::parse(None, Some(b"[a]\nx=1\nbad\n")).unwrap_err();
        assert_eq!((e.file, e.line), ("credentials", 3));
    }
}
