#!/usr/bin/env bash
# The deploy files: the Kubernetes examples and the Helm chart render to manifests that
# check_manifests.py accepts (probes, ports, RBAC, sidecar wiring); `helm lint` passes; the
# Docker context leaves build output out. Uses helm when it is installed (PATH, $HELM, or
# ~/go/bin from `go install helm.sh/helm/v3/cmd/helm`); without it the chart cannot be rendered,
# so only its YAML files are parsed, and the script says so.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
check="$root/tests/deploy/check_manifests.py"
chart="$root/deploy/helm/sluice"

python3 "$check" "$root"/deploy/k8s/*.yaml
echo "deploy/k8s: $(ls "$root"/deploy/k8s/*.yaml | wc -l) files ok"

helm="${HELM:-$(command -v helm || true)}"
[[ -z "$helm" && -x "$HOME/go/bin/helm" ]] && helm="$HOME/go/bin/helm"
if [[ -n "$helm" ]]; then
  "$helm" lint --strict "$chart"
  for discovery in standalone dns k8s; do
    "$helm" template test "$chart" --namespace ops --set discovery="$discovery" | python3 "$check" -
    echo "helm template --set discovery=$discovery: ok"
  done
  "$helm" template test "$chart" --set probes.readiness=http | python3 "$check" -
  if "$helm" template test "$chart" --set discovery=consul >/dev/null 2>&1; then
    echo "an unknown discovery must fail to render" >&2
    exit 1
  fi
else
  echo "helm not installed: chart templates not rendered; checking that its YAML parses"
  python3 - "$chart" <<'PY'
import pathlib, sys, yaml
chart = pathlib.Path(sys.argv[1])
for name in ("Chart.yaml", "values.yaml"):
    yaml.safe_load((chart / name).read_text())
print("Chart.yaml and values.yaml parse")
PY
fi

# The image builds from a tree that has been built before: no build output in the context.
for pattern in build .git; do
  grep -qxE "/?$pattern/?" "$root/.dockerignore" || { echo ".dockerignore lacks $pattern" >&2; exit 1; }
done
if grep -nE '^COPY .*build/' "$root/deploy/Dockerfile" | grep -v -- '--from=' ; then
  echo "the Dockerfile copies a build directory from the context" >&2
  exit 1
fi
echo "deploy: ok"
