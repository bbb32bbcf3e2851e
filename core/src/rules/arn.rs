//! Reading AWS principal ARNs and user ids, as GetCallerIdentity reports them.

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    pub fn parse(arn: &'a str) -> Option<Arn<'a>> {
        let mut parts = arn.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let (partition, service, region, account, resource) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        Some(Arn { partition, service, region, account, resource })
    }

    pub fn principal(&self) -> Principal<'a> {
        let r = self.resource;
        match self.service {
            "sts" => {
                if let Some(rest) = r.strip_prefix("assumed-role/") {
                    if let Some((role, session)) = rest.split_once('/') {
                        return Principal::AssumedRole { role, session };
                    }
                } else if let Some(name) = r.strip_prefix("federated-user/") {
                    return Principal::FederatedUser { name };
                }
                Principal::Other
            }
            "iam" => {
                if r == "root" {
                    return Principal::Root;
                }
                let (kind, rest) = match r.split_once('/') {
                    Some(kr) => kr,
                    None => return Principal::Other,
                };
                let (path, name) = match rest.rfind('/') {
                    Some(i) => (&rest[..=i], &rest[i + 1..]),
                    None => ("", rest),
                };
                match kind {
                    "role" => Principal::Role { path, name },
                    "user" => Principal::User { path, name },
                    _ => Principal::Other,
                }
            }
            _ => Principal::Other,
        }
    }
}

/// What kind of principal an ARN names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Principal<'a> {
    /// `arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`: what a role's callers are.
    AssumedRole {
        role: &'a str,
        session: &'a str,
    },
    /// `arn:aws:iam::ACCT:role/PATH/NAME`: the role itself, never a caller.
    Role {
        path: &'a str,
        name: &'a str,
    },
    /// `arn:aws:iam::ACCT:user/PATH/NAME`.
    User {
        path: &'a str,
        name: &'a str,
    },
    /// `arn:aws:sts::ACCT:federated-user/NAME`.
    FederatedUser {
        name: &'a str,
    },
    /// `arn:aws:iam::ACCT:root`.
    Root,
    Other,
}

impl Principal<'_> {
    /// The prefix of the unique id GetCallerIdentity reports as `UserId`.
    pub fn user_id_prefix(&self) -> Option<&'static str> {
        match self {
            Principal::AssumedRole { .. } | Principal::Role { .. } => Some("AROA"),
            Principal::User { .. } => Some("AIDA"),
            _ => None,
        }
    }

    pub fn describe(&self) -> &'static str {
        match self {
            Principal::AssumedRole { .. } => "an assumed-role session",
            Principal::Role { .. } => "an IAM role",
            Principal::User { .. } => "an IAM user",
            Principal::FederatedUser { .. } => "a federated user",
            Principal::Root => "the account root user",
            Principal::Other => "an unknown kind of principal",
        }
    }
}

/// What kind of principal a unique id prefix names (IAM's documented prefixes).
pub fn describe_user_id_prefix(user_id: &str) -> Option<&'static str> {
    let prefix = user_id.get(..4)?;
    Some(match prefix {
        "AROA" => "a role (AROA…)",
        "AIDA" => "an IAM user (AIDA…)",
        "AKIA" => "a long-term access key (AKIA…), not a user id",
        "ASIA" => "a temporary access key (ASIA…), not a user id",
        "AGPA" => "a group (AGPA…)",
        "ANPA" => "a managed policy (ANPA…)",
        _ => return None,
    })
}

/// The kind of workload a role session name points to, for notes and warnings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionKind {
    /// `i-0123456789abcdef0`: the EC2 instance id (instance profile).
    Ec2Instance,
    /// 32 hex digits: an ECS task id.
    EcsTask,
    /// `eks-CLUSTER-POD-…`: EKS Pod Identity.
    EksPodIdentity,
    /// `botocore-session-…`, `aws-sdk-…`, a nanosecond timestamp: a name an SDK
    /// made up (EKS IRSA, `AssumeRoleWithWebIdentity`), new for each process.
    SdkGenerated,
    /// Anything else: a Lambda function name, a chosen session name, an SSO user.
    Named,
}

impl SessionKind {
    pub fn of(session: &str) -> SessionKind {
        let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        if let Some(id) = session.strip_prefix("i-") {
            if (id.len() == 8 || id.len() == 17) && hex(id) {
                return SessionKind::Ec2Instance;
            }
        }
        if session.len() == 32 && hex(session) {
            return SessionKind::EcsTask;
        }
        if session.starts_with("eks-") {
            return SessionKind::EksPodIdentity;
        }
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if session.starts_with("botocore-session-")
            || session.starts_with("aws-sdk-")
            || session.starts_with("aws-go-sdk-")
            || (session.len() >= 13 && digits(session))
        {
            return SessionKind::SdkGenerated;
        }
        SessionKind::Named
    }

    /// Whether the session name changes as instances, tasks, pods or processes come and go.
    pub fn is_ephemeral(self) -> bool {
        self != SessionKind::Named
    }

    pub fn describe(self) -> &'static str {
        match self {
            SessionKind::Ec2Instance => "the EC2 instance id",
            SessionKind::EcsTask => "the ECS task id",
            SessionKind::EksPodIdentity => "an EKS Pod Identity session name (cluster, pod and a random part)",
            SessionKind::SdkGenerated => "a session name the SDK made up (EKS IRSA and web identity do this)",
            SessionKind::Named => "a fixed session name (on Lambda, the function name)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principals() {
        let a = Arn::parse("arn:aws:sts::123456789012:assumed-role/r/i-0abc").unwrap();
        assert_eq!(a.account, "123456789012");
        assert_eq!(a.principal(), Principal::AssumedRole { role: "r", session: "i-0abc" });
        let a = Arn::parse("arn:aws:iam::123456789012:role/service-role/x").unwrap();
        assert_eq!(a.principal(), Principal::Role { path: "service-role/", name: "x" });
        let a = Arn::parse("arn:aws-us-gov:iam::123456789012:user/bob").unwrap();
        assert_eq!(a.principal(), Principal::User { path: "", name: "bob" });
        assert_eq!(Arn::parse("arn:aws:iam::1:root").unwrap().principal(), Principal::Root);
        assert!(Arn::parse("nope").is_none());
    }

    #[test]
    fn sessions() {
        assert_eq!(SessionKind::of("i-00c1356891c0ffee1"), SessionKind::Ec2Instance);
        assert_eq!(SessionKind::of("botocore-session-1700000000"), SessionKind::SdkGenerated);
        assert_eq!(SessionKind::of("1700000000000000000"), SessionKind::SdkGenerated);
        assert_eq!(SessionKind::of("eks-prod-web-5d8f-1b2c3d4e"), SessionKind::EksPodIdentity);
        assert_eq!(SessionKind::of("0123456789abcdef0123456789abcdef"), SessionKind::EcsTask);
        assert_eq!(SessionKind::of("my-function"), SessionKind::Named);
    }
}
