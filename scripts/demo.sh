#!/usr/bin/env bash
# make demo: cgaws end to end on a pretend EC2 instance. Starts the local
# emulators (STS on moto with signature checks, IMDS, the Chainguard issuer, a
# cgr.dev registry), then, with only the instance role's credentials:
#   1. who STS says we are         (cgaws whoami)
#   2. the AWS token, inspected    (cgaws token | cgaws inspect)
#   3. the exchange                (cgaws exchange -v): the Chainguard token's claims
#   4. again, from the cache
#   5. skopeo reading a manifest through docker-credential-cgaws
# then the second method, AWS outbound identity federation (--method oidc):
#   6. the AWS-minted JWT's claims   (cgaws token --method oidc)
#   7. its claim_match rule          (cgaws spec --method oidc)
#   8. the exchange with it          (cgaws exchange --method oidc)
#   9. the two STS refusals and their fixes (federation disabled, no permission)
#  10. skopeo again, the helper set to oidc by the config file
# and stops the emulators. Tokens themselves are never printed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
py=$root/.venv/bin/python

cargo build -q -p cgaws
bin=$root/target/debug/cgaws
source scripts/lib/emulator-stack.sh
new_work_dir

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; }

step "starting the emulators (STS, IMDS, issuer, registry)"
start_emulator_stack "$work"

# A clean environment: no AWS keys, no profile. The SDKs' own variables point
# cgaws at the emulators instead of 169.254.169.254, sts.amazonaws.com and
# issuer.enforce.dev.
mkdir -p "$work/home" "$work/bin"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE \
  AWS_EC2_METADATA_DISABLED AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_CREDENTIALS_FULL_URI \
  AWS_WEB_IDENTITY_TOKEN_FILE CHAINGUARD_AUDIENCE
export HOME=$work/home XDG_CACHE_HOME=$work/cache XDG_CONFIG_HOME=$work/config
export AWS_EC2_METADATA_SERVICE_ENDPOINT=$(state imds_url)
export AWS_ENDPOINT_URL_STS=$(state sts_url)
export CHAINGUARD_ISSUER=$(state issuer_url)
export CHAINGUARD_IDENTITY=$(state identity)
sts_url=$(state sts_url)
export OIDC_IDENTITY=$(state oidc_identity)
oidc_identity=$OIDC_IDENTITY
issuer_url=$CHAINGUARD_ISSUER
cat <<EOT
  AWS_EC2_METADATA_SERVICE_ENDPOINT=$AWS_EC2_METADATA_SERVICE_ENDPOINT  (stands in for 169.254.169.254)
  AWS_ENDPOINT_URL_STS=$AWS_ENDPOINT_URL_STS               (where cgaws sends its own STS calls)
  CHAINGUARD_ISSUER=$CHAINGUARD_ISSUER                  (stands in for https://issuer.enforce.dev)
  CHAINGUARD_IDENTITY=$CHAINGUARD_IDENTITY
  the identity's awsIdentity rule: $(state identity_rule)
  OIDC_IDENTITY=$OIDC_IDENTITY   (for --method oidc: claimMatch issuer $(state oidc_issuer), subject $(state role_arn))
EOT

step "1. who am I? (credentials from IMDSv2: the instance role)"
show "cgaws whoami"
"$bin" whoami

step "2. the AWS token: a signed STS GetCallerIdentity request (signature and session token redacted)"
show 'cgaws token | cgaws inspect - --identity "$CHAINGUARD_IDENTITY"'
"$bin" token | "$bin" inspect - --identity "$CHAINGUARD_IDENTITY" | "$py" -c '
import json, sys
doc = json.load(sys.stdin)
for key in ("method", "host", "query", "audience", "identity", "amz_date", "access_key_id", "credential_scope",
            "has_session_token", "signature_prefix", "signed_headers", "precheck"):
    value = doc[key]
    print(f"  {key:<18} {value if isinstance(value, str) else json.dumps(value)}")'

# The claims of a bare JWT on stdin.
jwt_claims() {
  "$py" -c '
import base64, datetime, json, sys
token = sys.stdin.read().strip()
header, payload = (json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))) for p in token.split(".")[:2])
alg = header["alg"]
print(f"  alg   {alg} (JWT header)")
for key, value in payload.items():
    if key in ("iat", "exp", "nbf"):
        value = f"{value} ({datetime.datetime.fromtimestamp(value, datetime.timezone.utc):%Y-%m-%d %H:%M:%S} UTC)"
    elif isinstance(value, dict):
        value = json.dumps(value)
    print(f"  {key:<5} {value}")'
}

claims() {
  "$py" -c '
import base64, datetime, json, sys
doc = json.load(sys.stdin)
payload = doc["token"].split(".")[1]
claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
print("  from cache:", doc["from_cache"], "| expires:", doc["expiry"])
for key, value in claims.items():
    if key in ("iat", "exp", "nbf"):
        value = f"{value} ({datetime.datetime.fromtimestamp(value, datetime.timezone.utc):%Y-%m-%d %H:%M:%S} UTC)"
    print(f"  {key:<5} {value}")'
}

step "3. the exchange at \$CHAINGUARD_ISSUER/sts/exchange (step log on stderr), then the Chainguard token's claims"
show "cgaws exchange --output json --verbose"
"$bin" exchange --output json --verbose | claims

step "4. again: from the cache (no AWS credentials resolved, nothing sent)"
show "cgaws exchange --output json --verbose"
"$bin" exchange --output json --verbose | claims

step "5. skopeo inspect docker://cgr.dev/$(state image) with docker-credential-cgaws"
ln -s "$bin" "$work/bin/docker-credential-cgaws"
setup=$(PYTHONPATH=tests "$py" -m emulators.skopeo_setup --state "$work/state.json" --dir "$work/skopeo" --helper cgaws)
eval "$(grep '^export ' <<<"$setup")"
inspect_cmd=$(grep '^skopeo ' <<<"$setup")
echo "  (cgr.dev is routed to the registry emulator as an HTTP proxy; the helper is asked about cgr.dev)"
show "${inspect_cmd//$work/\$TMP}"
if command -v skopeo >/dev/null; then
  PATH="$work/bin:$PATH" eval "$inspect_cmd" | "$py" -c '
import json, sys
doc = json.load(sys.stdin)
for key in ("Name", "Digest", "Architecture", "Os"):
    print(f"  {key:<13} {doc.get(key)}")'
else
  echo "  (skopeo is not installed: make setup installs it)"
fi

# ---------------------------------------------------------------------------
# The second method: AWS IAM outbound identity federation. STS GetWebIdentityToken
# mints a JWT for the caller (audience: the issuer URL); the issuer verifies it
# against AWS's JWKS like any OIDC token, for an identity with a claim_match rule.
sts_control() {
  "$py" -c 'import sys, urllib.request as u; u.urlopen(u.Request(sys.argv[1], sys.argv[2].encode(), {"Content-Type": "application/json"}))' \
    "$sts_url/_control" "$1" >/dev/null
}

step "6. --method oidc: a JWT from STS GetWebIdentityToken (its claims; sub is the role, not the session)"
show "cgaws token --method oidc"
"$bin" token --method oidc | jwt_claims

step "7. the identity for it: a claim_match rule on the JWT's iss and sub"
show "cgaws spec --method oidc"
"$bin" spec --method oidc 2>/dev/null | sed 's/^/  /'
show "cgaws spec --method oidc --format terraform"
"$bin" spec --method oidc --format terraform 2>/dev/null | sed 's/^/  /'
echo "  (the emulator's identity \$OIDC_IDENTITY has that rule)"

step "8. the exchange with the JWT as the bearer (same endpoint, same cache, keyed by method)"
show "cgaws exchange --method oidc --identity \$OIDC_IDENTITY --output json --verbose"
"$bin" exchange --method oidc --identity "$oidc_identity" --output json --verbose | claims

step "9. when STS refuses: each refusal names its fix (exit 1)"
sts_control '{"web_identity_federation": false}'
show "cgaws token --method oidc    # the account has not enabled outbound federation"
if "$bin" token --method oidc 2>&1 | sed 's/^/  /'; then echo "unexpected success" >&2; exit 1; fi
sts_control '{"web_identity_federation": true, "web_identity_token_allowed": false}'
show "cgaws token --method oidc    # the caller's policy lacks sts:GetWebIdentityToken"
if "$bin" token --method oidc 2>&1 | sed 's/^/  /'; then echo "unexpected success" >&2; exit 1; fi
sts_control '{"web_identity_token_allowed": true}'

step "10. skopeo again, the helper told by the config file to use oidc"
mkdir -p "$XDG_CONFIG_HOME/cgaws"
printf '{"identity": "%s", "method": "oidc"}\n' "$oidc_identity" > "$XDG_CONFIG_HOME/cgaws/config.json"
show "echo '{\"identity\": \"\$OIDC_IDENTITY\", \"method\": \"oidc\"}' > ~/.config/cgaws/config.json"
show "${inspect_cmd//$work/\$TMP}"
echo "  (a fresh token cache, so that the helper exchanges a JWT now)"
if command -v skopeo >/dev/null; then
  CHAINGUARD_IDENTITY= XDG_CACHE_HOME=$work/cache-oidc PATH="$work/bin:$PATH" eval "$inspect_cmd" | "$py" -c '
import json, sys
doc = json.load(sys.stdin)
for key in ("Name", "Digest"):
    print(f"  {key:<13} {doc.get(key)}")'
  "$py" -c '
import json, sys, urllib.request as u
log = json.load(u.urlopen(sys.argv[1] + "/_control/log"))
entries = log["entries"] if isinstance(log, dict) else log
last = [e for e in entries if e.get("path", "").endswith("/sts/exchange")][-1]
kind, status = last.get("bearer_kind"), last.get("status")
print(f"  the issuer saw: bearer {kind}, HTTP {status}")' "$issuer_url"
else
  echo "  (skopeo is not installed: make setup installs it)"
fi

step "done; stopping the emulators"
