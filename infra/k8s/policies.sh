#!/bin/sh
# Regenerates policies.yaml (ConfigMap ztstream-policies) from infra/config/policy.yaml and response.yaml,
# the files docker-compose.yml mounts, so both deployments run the same policies.
#   sh infra/k8s/policies.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
config="$here/../config"
indent() { sed 's/^/    /; s/^ *$//' "$1"; }
{
  cat <<'HEAD'
# The Verifier's zero-trust policy and the Responder's response policy, mounted at /etc/ztstream.
# Generated from infra/config/policy.yaml and infra/config/response.yaml (the docker-compose copies) by
# infra/k8s/policies.sh: edit those, then run it.
apiVersion: v1
kind: ConfigMap
metadata:
  name: ztstream-policies
  namespace: ztstream
  labels:
    app.kubernetes.io/name: ztstream
    app.kubernetes.io/part-of: ztstream
data:
HEAD
  echo '  policy.yaml: |'
  indent "$config/policy.yaml"
  echo '  response.yaml: |'
  indent "$config/response.yaml"
} > "$here/policies.yaml"
