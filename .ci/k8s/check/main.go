// Command check reads the kustomize-rendered manifests of one environment
// (kvnode and restdemo overlays together) and checks what a typo would
// silently break on a real cluster:
//
//   - every workload's selector matches its pod template's labels, and every
//     Service, PodDisruptionBudget and HorizontalPodAutoscaler finds its target;
//
//   - every Service targetPort and probe port is a container port, probes use
//     the paths the program serves, and the ports in the program's listen
//     variables are the container ports;
//
//   - every PROGRAM_FLAG variable names a real flag of the program (read from
//     its -h output);
//
//   - the kvnode PodDisruptionBudget keeps a majority and still allows one
//     disruption; the headless Service is the StatefulSet's serviceName and
//     publishes not-ready addresses; KVNODE_PEERS lists exactly the pods'
//     stable names; the restdemo store points at the same peers and is the
//     kv store whenever an autoscaler may add replicas.
//
//     go run . -repo ../../.. rendered-kvnode.yaml rendered-restdemo.yaml
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// obj is one rendered object, decoded into generic JSON values.
type obj map[string]any

func (o obj) kind() string { return str(o, "kind") }
func (o obj) name() string { return str(o, "metadata", "name") }

var problems []string

func problem(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

func main() {
	repo := flag.String("repo", ".", "repository root, to read each program's flags from its -h")
	flag.Parse()
	var objs []obj
	for _, path := range flag.Args() {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			j, err := yaml.YAMLToJSON([]byte(doc))
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s document %d: %v\n", path, i+1, err)
				os.Exit(2)
			}
			var o obj
			if err := json.Unmarshal(j, &o); err != nil {
				fmt.Fprintf(os.Stderr, "%s document %d: %v\n", path, i+1, err)
				os.Exit(2)
			}
			objs = append(objs, o)
		}
	}
	check(objs, *repo)
	if len(problems) > 0 {
		fmt.Printf("k8s check: %d problems in %d objects:\n", len(problems), len(objs))
		for _, p := range problems {
			fmt.Println("  -", p)
		}
		os.Exit(1)
	}
	fmt.Printf("k8s check: %d objects OK (%s)\n", len(objs), strings.Join(flag.Args(), ", "))
}

// programs maps a container name to its package, variable prefix, the
// variables that hold its listen addresses, and the paths it serves.
var programs = map[string]struct {
	pkg, prefix string
	paths       []string
}{
	"kvnode":   {"./cmd/kvnode", "KVNODE", []string{"/healthz", "/readyz", "/status", "/metrics"}},
	"restdemo": {"./restdemo", "RESTDEMO", []string{"/healthz", "/readyz", "/metrics"}},
	"gateway":  {"./restdemo/gateway", "GATEWAY", []string{"/healthz"}},
}

func check(objs []obj, repo string) {
	workloads := map[string]obj{} // Deployments and StatefulSets by name
	configMaps := map[string]map[string]any{}
	for _, o := range objs {
		switch o.kind() {
		case "Deployment", "StatefulSet":
			workloads[o.name()] = o
		case "ConfigMap":
			configMaps[o.name()], _ = get(o, "data").(map[string]any)
		}
	}
	flagsOf := map[string]map[string]bool{}
	envOf := map[string]map[string]string{} // container name -> its environment
	for name, w := range workloads {
		sel, _ := get(w, "spec", "selector", "matchLabels").(map[string]any)
		labels, _ := get(w, "spec", "template", "metadata", "labels").(map[string]any)
		if len(sel) == 0 || !subset(sel, labels) {
			problem("%s %s: selector %v does not match its pod labels %v", w.kind(), name, sel, labels)
		}
		for _, c := range list(get(w, "spec", "template", "spec", "containers")) {
			c := c.(map[string]any)
			cname := str(c, "name")
			prog, ok := programs[cname]
			if !ok {
				problem("%s %s: unknown container %q", w.kind(), name, cname)
				continue
			}
			if flagsOf[cname] == nil {
				flagsOf[cname] = programFlags(repo, prog.pkg)
			}
			env := map[string]string{}
			for _, e := range list(c["env"]) {
				e := e.(map[string]any)
				env[str(e, "name")] = str(e, "value")
			}
			for _, ef := range list(c["envFrom"]) {
				cm := str(ef.(map[string]any), "configMapRef", "name")
				data, ok := configMaps[cm]
				if !ok {
					problem("%s %s: envFrom names ConfigMap %q, which is not rendered", w.kind(), name, cm)
				}
				for k, v := range data {
					env[k], _ = v.(string)
				}
			}
			envOf[cname] = env
			for k := range env {
				f, ok := strings.CutPrefix(k, prog.prefix+"_")
				if !ok {
					continue
				}
				if flagName := strings.ToLower(strings.ReplaceAll(f, "_", "-")); !flagsOf[cname][flagName] {
					problem("%s %s: %s stands for -%s, which %s does not have", w.kind(), name, k, flagName, cname)
				}
			}
			ports := map[string]float64{}
			byNumber := map[float64]bool{}
			for _, p := range list(c["ports"]) {
				p := p.(map[string]any)
				ports[str(p, "name")] = num(p, "containerPort")
				byNumber[num(p, "containerPort")] = true
			}
			// The listen variables must name the container ports.
			for _, v := range []string{"LISTEN", "HTTP", "ADDR"} {
				addr, ok := env[prog.prefix+"_"+v]
				if !ok {
					continue
				}
				port, err := strconv.Atoi(addr[strings.LastIndexByte(addr, ':')+1:])
				if err != nil || !byNumber[float64(port)] {
					problem("%s %s: %s_%s=%q listens on a port that is not a container port %v", w.kind(), name, prog.prefix, v, addr, ports)
				}
			}
			for _, probe := range []string{"readinessProbe", "livenessProbe"} {
				hg, _ := get(c, probe, "httpGet").(map[string]any)
				if hg == nil {
					problem("%s %s: container %s has no %s", w.kind(), name, cname, probe)
					continue
				}
				if !portExists(hg["port"], ports) {
					problem("%s %s: %s port %v is not a container port %v", w.kind(), name, probe, hg["port"], ports)
				}
				if path := str(hg, "path"); !contains(prog.paths, path) {
					problem("%s %s: %s path %q is not one %s serves %v", w.kind(), name, probe, path, cname, prog.paths)
				}
			}
			if get(c, "resources", "requests") == nil || get(c, "resources", "limits") == nil {
				problem("%s %s: container %s has no resource requests and limits", w.kind(), name, cname)
			}
		}
	}
	for _, o := range objs {
		switch o.kind() {
		case "Service":
			checkService(o, workloads)
		case "PodDisruptionBudget":
			checkPDB(o, workloads)
		case "HorizontalPodAutoscaler":
			target := str(o, "spec", "scaleTargetRef", "name")
			if _, ok := workloads[target]; !ok {
				problem("HorizontalPodAutoscaler %s: target %q is not rendered", o.name(), target)
			}
			if target == "restdemo" && envOf["restdemo"]["RESTDEMO_STORE"] != "kv" {
				problem("HorizontalPodAutoscaler %s scales restdemo, whose store is %q: replicas would each keep their own tasks; use RESTDEMO_STORE=kv",
					o.name(), envOf["restdemo"]["RESTDEMO_STORE"])
			}
		}
	}
	if sts, ok := workloads["kvnode"]; ok {
		checkPeers(sts, objs, envOf)
	}
}

func checkService(svc obj, workloads map[string]obj) {
	sel, _ := get(svc, "spec", "selector").(map[string]any)
	var target obj
	for _, w := range workloads {
		if labels, _ := get(w, "spec", "template", "metadata", "labels").(map[string]any); len(sel) > 0 && subset(sel, labels) {
			target = w
		}
	}
	if target == nil {
		problem("Service %s: selector %v matches no pod template", svc.name(), sel)
		return
	}
	ports := map[string]float64{}
	for _, c := range list(get(target, "spec", "template", "spec", "containers")) {
		for _, p := range list(c.(map[string]any)["ports"]) {
			ports[str(p.(map[string]any), "name")] = num(p.(map[string]any), "containerPort")
		}
	}
	for _, p := range list(get(svc, "spec", "ports")) {
		if tp := p.(map[string]any)["targetPort"]; !portExists(tp, ports) {
			problem("Service %s: targetPort %v is not a container port of %s %v", svc.name(), tp, target.name(), ports)
		}
	}
}

func checkPDB(pdb obj, workloads map[string]obj) {
	sel, _ := get(pdb, "spec", "selector", "matchLabels").(map[string]any)
	for _, w := range workloads {
		labels, _ := get(w, "spec", "template", "metadata", "labels").(map[string]any)
		if !subset(sel, labels) {
			continue
		}
		replicas := int(num(w, "spec", "replicas"))
		min := int(num(pdb, "spec", "minAvailable"))
		if min <= replicas/2 {
			problem("PodDisruptionBudget %s: minAvailable %d of %d replicas is not a majority (want %d)", pdb.name(), min, replicas, replicas/2+1)
		}
		if min >= replicas {
			problem("PodDisruptionBudget %s: minAvailable %d of %d replicas allows no disruption at all: node drains would hang", pdb.name(), min, replicas)
		}
		return
	}
	problem("PodDisruptionBudget %s: selector %v matches no pod template", pdb.name(), sel)
}

// checkPeers: KVNODE_PEERS must be id=<pod>.<headless service>:<rpc port>
// for ids 1..replicas, pod kvnode-(id-1); restdemo must use the same list.
func checkPeers(sts obj, objs []obj, envOf map[string]map[string]string) {
	svcName := str(sts, "spec", "serviceName")
	var headless obj
	for _, o := range objs {
		if o.kind() == "Service" && o.name() == svcName {
			headless = o
		}
	}
	switch {
	case headless == nil:
		problem("StatefulSet %s: serviceName %q is not a rendered Service", sts.name(), svcName)
	case str(headless, "spec", "clusterIP") != "None":
		problem("Service %s: the StatefulSet's service must be headless (clusterIP: None)", svcName)
	case get(headless, "spec", "publishNotReadyAddresses") != true:
		problem("Service %s: publishNotReadyAddresses must be true, or nodes cannot find each other before they are ready", svcName)
	}
	replicas := int(num(sts, "spec", "replicas"))
	rpc := envOf["kvnode"]["KVNODE_LISTEN"]
	rpc = rpc[strings.LastIndexByte(rpc, ':')+1:]
	var want []string
	for id := 1; id <= replicas; id++ {
		want = append(want, fmt.Sprintf("%d=%s-%d.%s:%s", id, sts.name(), id-1, svcName, rpc))
	}
	if got := envOf["kvnode"]["KVNODE_PEERS"]; got != strings.Join(want, ",") {
		problem("StatefulSet %s: KVNODE_PEERS=%q, want the %d pods' stable names %q", sts.name(), got, replicas, strings.Join(want, ","))
	}
	if _, ok := envOf["kvnode"]["KVNODE_ID_FROM"]; !ok && envOf["kvnode"]["KVNODE_ID"] == "" {
		problem("StatefulSet %s: neither KVNODE_ID_FROM nor KVNODE_ID is set", sts.name())
	}
	if rd, ok := envOf["restdemo"]; ok && rd["RESTDEMO_STORE"] == "kv" && rd["RESTDEMO_KV_SERVERS"] != strings.Join(want, ",") {
		problem("restdemo: RESTDEMO_KV_SERVERS=%q, want the kvnode peers %q", rd["RESTDEMO_KV_SERVERS"], strings.Join(want, ","))
	}
}

// programFlags runs `go run PKG -h` in the repository and collects the flag
// names it prints ("  -name ...").
func programFlags(repo, pkg string) map[string]bool {
	cmd := exec.Command("go", "run", pkg, "-h")
	cmd.Dir = repo
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Run() // -h exits 0 or 2 depending on the program; the text is what counts
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`).FindAllStringSubmatch(out.String(), -1) {
		flags[m[1]] = true
	}
	if len(flags) == 0 {
		problem("%s -h printed no flags:\n%s", pkg, out.String())
	}
	return flags
}

func get(v any, path ...string) any {
	if o, ok := v.(obj); ok {
		v = map[string]any(o)
	}
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func str(v any, path ...string) string  { s, _ := get(v, path...).(string); return s }
func num(v any, path ...string) float64 { f, _ := get(v, path...).(float64); return f }
func list(v any) []any                  { l, _ := v.([]any); return l }

func subset(sel, labels map[string]any) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func portExists(p any, ports map[string]float64) bool {
	switch p := p.(type) {
	case string:
		_, ok := ports[p]
		return ok
	case float64:
		for _, n := range ports {
			if n == p {
				return true
			}
		}
	}
	return false
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
