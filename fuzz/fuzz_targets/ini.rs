//! The shared config/credentials file parser (`provider::ProfileFiles::parse`):
//! arbitrary bytes as the config file and the credentials file.
#![no_main]

use cgaws_core::provider::ProfileFiles;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A NUL byte, if any, splits the input into the config and the credentials file.
    let (config, credentials) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let Ok(files) = ProfileFiles::parse(Some(config), credentials) else { return };
    let names: Vec<String> = files.profile_names().map(str::to_string).collect();
    for name in &names {
        let profile = files.profile(name).expect("a listed profile exists");
        for key in profile.keys() {
            let _ = profile.get(key);
        }
        let _ = format!("{profile:?}");
    }
    let _ = files.services("default");
    let _ = files.sso_session("default");
});
