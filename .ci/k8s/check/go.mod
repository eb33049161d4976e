// The offline check of the Kubernetes manifests. A module of its own: it
// needs a YAML parser, and distkit itself stays on the standard library.
module distkit-ci/k8scheck

go 1.25

require sigs.k8s.io/yaml v1.5.0

require go.yaml.in/yaml/v2 v2.4.2 // indirect
