#!/usr/bin/env python3
"""Checks Kubernetes manifests the way `kubectl apply` would need them and the way the Sluice
examples promise: every document parses and names its kind; every Sluice container has a
readiness and a liveness probe that differ and point at ports it serves; a Role grants the
discovery reads; a sidecar pod's Envoy config sends rate-limit calls to Sluice's --addr port
and traffic to the app's port, and the Service targets Envoy's listener.

Usage: check_manifests.py FILE... ('-' reads stdin, e.g. `helm template ... | check_manifests.py -`).
Exits 1 with one line per problem.
"""
import re
import sys

import yaml

problems = []


def problem(where, text):
    problems.append(f"{where}: {text}")


def port_of(container, ref):
    """A probe's port: a number, or the name of one of the container's ports."""
    if isinstance(ref, int):
        return ref
    for p in container.get("ports", []) or []:
        if p.get("name") == ref:
            return p["containerPort"]
    return None


def flag(args, name):
    """The value of --name VALUE or --name=VALUE in a container's args."""
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


def env_value(container, name):
    for e in container.get("env", []) or []:
        if e.get("name") == name:
            return e.get("value")
    return None


def sluice_ports(c):
    """The ports a Sluice container listens on, from its flags or GUBER_* variables."""
    args = [str(a) for a in c.get("args", []) or []]
    ports = set()
    for name, var in (("--addr", "GUBER_GRPC_ADDRESS"), ("--http-addr", "GUBER_HTTP_ADDRESS"),
                      ("--status-http-addr", "GUBER_STATUS_HTTP_ADDRESS")):
        value = flag(args, name) or env_value(c, var)
        if value:
            ports.add(int(value.rsplit(":", 1)[1]))
    return ports


def check_probe(where, c, kind):
    probe = c.get(kind)
    if not probe:
        problem(where, f"no {kind}")
        return None
    for mechanism in ("grpc", "httpGet", "tcpSocket"):
        if mechanism in probe:
            port = port_of(c, probe[mechanism].get("port"))
            if port is None:
                problem(where, f"{kind} names port {probe[mechanism].get('port')!r}, not declared")
            elif port not in sluice_ports(c):
                problem(where, f"{kind} probes port {port}, which Sluice does not listen on "
                               f"({sorted(sluice_ports(c))})")
            host = probe[mechanism].get("host")
            if host in ("127.0.0.1", "localhost"):
                problem(where, f"{kind} probes {host}: the kubelet's loopback, not the pod's")
            return (mechanism, probe[mechanism].get("path"), port)
    problem(where, f"{kind} has no grpc, httpGet or tcpSocket")
    return None


def check_pod(where, spec, docs):
    containers = spec.get("containers", [])
    sluice = [c for c in containers if "sluice" in str(c.get("image", ""))]
    if not sluice:
        problem(where, "no sluice container")
    for c in sluice:
        w = f"{where} container {c['name']}"
        ready = check_probe(w, c, "readinessProbe")
        live = check_probe(w, c, "livenessProbe")
        if ready and live and ready == live:
            problem(w, "liveness is the same check as readiness (a dead peer would restart it)")
    envoy = [c for c in containers if "envoy" in str(c.get("image", ""))]
    if envoy and sluice:
        check_sidecar(where, spec, envoy[0], sluice[0], containers, docs)


def config_maps(docs):
    return {d["metadata"]["name"]: d for d in docs if d.get("kind") == "ConfigMap"}


def check_sidecar(where, spec, envoy, sluice, containers, docs):
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    config = None
    for m in envoy.get("volumeMounts", []):
        cm = volumes.get(m["name"], {}).get("configMap", {}).get("name")
        if cm in config_maps(docs):
            for text in config_maps(docs)[cm]["data"].values():
                config = yaml.safe_load(text)
    if config is None:
        problem(where, "the Envoy container mounts no ConfigMap of this file")
        return
    clusters = {c["name"]: c for c in config["static_resources"]["clusters"]}

    def cluster_port(name):
        ep = clusters[name]["load_assignment"]["endpoints"][0]["lb_endpoints"][0]
        return ep["endpoint"]["address"]["socket_address"]["port_value"]

    rls_cluster = None
    for listener in config["static_resources"]["listeners"]:
        for chain in listener["filter_chains"]:
            for f in chain["filters"]:
                for hf in f["typed_config"].get("http_filters", []):
                    if hf["name"] == "envoy.filters.http.ratelimit":
                        rls = hf["typed_config"]["rate_limit_service"]["grpc_service"]
                        rls_cluster = rls["envoy_grpc"]["cluster_name"]
    if rls_cluster is None:
        problem(where, "the Envoy config has no ratelimit filter")
        return
    grpc_port = int(flag([str(a) for a in sluice.get("args", [])], "--addr").rsplit(":", 1)[1])
    if cluster_port(rls_cluster) != grpc_port:
        problem(where, f"Envoy sends rate-limit calls to port {cluster_port(rls_cluster)}, "
                       f"Sluice listens on {grpc_port}")
    app_ports = {p["containerPort"] for c in containers if c is not envoy and c is not sluice
                 for p in c.get("ports", [])}
    if "upstream" in clusters and cluster_port("upstream") not in app_ports:
        problem(where, f"Envoy's upstream port {cluster_port('upstream')} is no app port "
                       f"({sorted(app_ports)})")
    listen = config["static_resources"]["listeners"][0]["address"]["socket_address"]["port_value"]
    envoy_ports = {p.get("name"): p["containerPort"] for p in envoy.get("ports", [])}
    if listen not in envoy_ports.values():
        problem(where, f"Envoy listens on {listen} but declares {sorted(envoy_ports.values())}")
    for d in docs:
        if d.get("kind") == "Service":
            for p in d["spec"]["ports"]:
                target = envoy_ports.get(p.get("targetPort"), p.get("targetPort"))
                if target != listen:
                    problem(where, f"Service {d['metadata']['name']} targets {p.get('targetPort')}"
                                   f", not Envoy's listener {listen}")


def check_rbac(where, docs):
    kinds = {d.get("kind") for d in docs}
    if not {"ServiceAccount", "Role", "RoleBinding"} <= kinds:
        problem(where, f"k8s discovery needs a ServiceAccount, Role and RoleBinding, has {kinds}")
        return
    role = next(d for d in docs if d.get("kind") == "Role")
    granted = {(g, r): set(rule["verbs"]) for rule in role["rules"]
               for g in rule["apiGroups"] for r in rule["resources"]}
    for key in (("discovery.k8s.io", "endpointslices"), ("", "pods")):
        if not {"list", "watch"} <= granted.get(key, set()):
            problem(where, f"Role does not grant list and watch on {key[1]}")
    account = next(d for d in docs if d.get("kind") == "ServiceAccount")["metadata"]["name"]
    binding = next(d for d in docs if d.get("kind") == "RoleBinding")
    if binding["roleRef"]["name"] != role["metadata"]["name"] or \
            account not in [s["name"] for s in binding["subjects"]]:
        problem(where, "RoleBinding does not bind the Role to the ServiceAccount")
    for d in docs:
        if d.get("kind") == "Deployment":
            if d["spec"]["template"]["spec"].get("serviceAccountName") != account:
                problem(where, "the Deployment does not run as the ServiceAccount")


def check(where, text):
    try:
        docs = [d for d in yaml.safe_load_all(text) if d]
    except yaml.YAMLError as e:
        problem(where, f"YAML: {e}")
        return
    if not docs:
        problem(where, "no documents")
    for d in docs:
        for field in ("apiVersion", "kind"):
            if field not in d:
                problem(where, f"a document without {field}")
        if not re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", str(d.get("metadata", {}).get("name", ""))):
            problem(where, f"{d.get('kind')} has no valid metadata.name")
    for d in docs:
        if d.get("kind") in ("Deployment", "StatefulSet", "DaemonSet"):
            check_pod(f"{where} {d['kind']} {d['metadata']['name']}", d["spec"]["template"]["spec"], docs)
            selector = d["spec"]["selector"]["matchLabels"]
            labels = d["spec"]["template"]["metadata"]["labels"]
            if any(labels.get(k) != v for k, v in selector.items()):
                problem(where, "the Deployment's selector does not match its pod labels")
    envs = [e for d in docs if d.get("kind") == "Deployment"
            for c in d["spec"]["template"]["spec"]["containers"] for e in c.get("env", []) or []]
    if any(e.get("name") == "GUBER_PEER_DISCOVERY_TYPE" and e.get("value") == "k8s" for e in envs):
        check_rbac(where, docs)


for path in sys.argv[1:]:
    check(path, sys.stdin.read() if path == "-" else open(path).read())
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
