//! Rule documents: parse, lint, match and spec on arbitrary text. Hostile
//! patterns (huge repetitions, deep nesting) must be refused quickly, not hang.
#![no_main]

use cgaws_core::rules::{lint, lint_json, parse, spec, AwsCaller, Rule, SessionMode, SpecFormat, SpecOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let findings = lint_json(text);
    let Ok(doc) = parse(text) else {
        assert_eq!(findings.len(), 1);
        return;
    };
    assert_eq!(lint(&doc), findings);
    for f in &findings {
        let _ = f.to_string();
    }
    let callers = [
        AwsCaller {
            account: "452336408843",
            arn: "arn:aws:sts::452336408843:assumed-role/access_to_chainguard_org/i-00c1356891c0ffee1",
            user_id: "AROAWSUKZ3EFSAMPLE:i-00c1356891c0ffee1",
        },
        AwsCaller {
            account: "452336408843",
            arn: "arn:aws:iam::452336408843:user/ci/deployer",
            user_id: "AIDAJQABLZS4A3QDU576Q",
        },
    ];
    for caller in &callers {
        let verdict = doc.check_aws(caller);
        let _ = verdict.to_string();
        assert_eq!(verdict.accepted, verdict.failures().next().is_none());
    }
    // A rule's own values, read as a caller, must not break spec or matching.
    if let Rule::AwsIdentity(rule) = &doc.rule {
        let caller = AwsCaller {
            account: rule.aws_account.as_deref().unwrap_or(""),
            arn: rule.arn.exact.as_deref().or(rule.arn.pattern.as_deref()).unwrap_or(""),
            user_id: rule.user_id.exact.as_deref().or(rule.user_id.pattern.as_deref()).unwrap_or(""),
        };
        let _ = doc.check_aws(&caller);
        for (session, format) in [(SessionMode::Any, SpecFormat::Chainctl), (SessionMode::Exact, SpecFormat::Terraform)]
        {
            if let Ok(s) = spec(&caller, &SpecOptions { name: None, session, format }) {
                // What spec writes for a caller accepts that caller.
                if format == SpecFormat::Chainctl {
                    let back = parse(&s.text).expect("spec output parses");
                    assert!(back.check_aws(&caller).accepted, "{}", s.text);
                }
            }
        }
    }
});
