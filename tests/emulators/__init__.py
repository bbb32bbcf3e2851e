"""Local emulators for cgaws's tests: STS (moto), IMDS, container credentials,
the Chainguard issuer and a registry standing in for cgr.dev.

Written independently of cgaws (they never import or call it): they are the
independent check of its behaviour. See README.md.
"""
