// Package deploy holds the deployment files (Dockerfile, compose.yaml,
// k8s/, systemd/) and this test, which parses every one of them and checks
// them against the binary: the probes point at /readyz and /healthz on the
// port the bot listens on, every environment name is one the binary reads,
// the Deployment has 3 replicas with a PodDisruptionBudget and an HPA, and
// nothing runs as root.
//
// The files are only checked as text and data: no Docker engine, kubectl or
// systemd runs where the tests run (docker build is impossible here), so an
// image is never built and a manifest never applied.
package deploy

import (
	"bufio"
	"bytes"
	"errors"
	"go/scanner"
	"go/token"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/vneid-guide/vneidbot/internal/store"
)

// runtimeEnv are names read by the Go runtime or the C library, not by the
// bot's configuration; manifests may set them.
var runtimeEnv = map[string]bool{"TZ": true, "GOMEMLIMIT": true, "GOMAXPROCS": true, "GOGC": true, "GODEBUG": true}

var envName = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$`)

// binaryEnv returns the environment names the binary reads: every string
// literal in the non-test Go files of ../bot that looks like one
// ("VNEIDBOT_ADDR", "REDIS_URL", …), found with the Go scanner so that a
// reformatted config.go still works.
func binaryEnv(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("../bot/*.go")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		var s scanner.Scanner
		s.Init(fset.AddFile(f, -1, len(src)), src, nil, 0)
		for {
			_, tok, lit := s.Scan()
			if tok == token.EOF {
				break
			}
			if tok != token.STRING {
				continue
			}
			if v, err := strconv.Unquote(lit); err == nil && envName.MatchString(v) {
				names[v] = true
			}
		}
	}
	// the scan must have found the configuration, or every check below is empty
	for _, must := range []string{"VNEIDBOT_ADDR", "REDIS_URL", "TELEGRAM_BOT_TOKEN", "ADMIN_TOKEN", "LOG_LEVEL"} {
		if !names[must] {
			t.Fatalf("found no %q in ../bot/*.go: the environment scan is broken (found %v)", must, sorted(names))
		}
	}
	return names
}

func sorted(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// checkEnv fails for every name in names the binary does not read.
func checkEnv(t *testing.T, where string, names []string) {
	t.Helper()
	known := binaryEnv(t)
	if len(names) == 0 {
		t.Errorf("%s: no environment names found", where)
	}
	for _, n := range names {
		if !known[n] && !runtimeEnv[n] {
			t.Errorf("%s: environment name %q is not read by the binary (it reads %v)", where, n, sorted(known))
		}
	}
}

// validRedisURL checks a REDIS_URL with the binary's own parser, which
// accepts redis://, rediss://,
// redis+sentinel://[:password@]h1:26379,h2:26379/<master>/<db> and
// redis+cluster://[:password@]h1:6379,h2:6379.
func validRedisURL(s string) error {
	_, err := store.ParseURL(s)
	return err
}

// ---- Dockerfile ----

func TestDockerfile(t *testing.T) {
	src, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var froms, env []string
	var user, entrypoint, cmd, expose string
	var build string
	for _, line := range dockerLines(string(src)) {
		instr, args, _ := strings.Cut(line, " ")
		args = strings.TrimSpace(args)
		switch strings.ToUpper(instr) {
		case "FROM":
			froms = append(froms, args)
			user = "" // USER is per stage
		case "USER":
			user = args
		case "ENTRYPOINT":
			entrypoint = args
		case "CMD":
			cmd = args
		case "EXPOSE":
			expose = args
		case "ENV":
			env = append(env, args)
		case "RUN":
			if strings.Contains(args, "go build") {
				build = args
			}
		}
	}
	if len(froms) < 2 {
		t.Errorf("FROM %v: want a multi-stage build", froms)
	}
	final := froms[len(froms)-1]
	if !strings.HasPrefix(final, "gcr.io/distroless/static") && final != "scratch" {
		t.Errorf("final stage FROM %s: want distroless/static or scratch", final)
	}
	if !strings.Contains(build, "CGO_ENABLED=0") || !strings.Contains(build, "./bot") {
		t.Errorf("build step %q: want a static (CGO_ENABLED=0) build of ./bot", build)
	}
	uid, _, _ := strings.Cut(user, ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 {
		t.Errorf("final USER %q: want a numeric non-root user", user)
	}
	var argv []string
	for _, part := range []string{entrypoint, cmd} {
		var a []string
		if err := yaml.Unmarshal([]byte(part), &a); err != nil {
			t.Fatalf("ENTRYPOINT/CMD %q: want the exec (JSON) form: %v", part, err)
		}
		argv = append(argv, a...)
	}
	if len(argv) != 2 || filepath.Base(argv[0]) != "vneidbot" || argv[1] != "serve" {
		t.Errorf("ENTRYPOINT+CMD %v: want vneidbot serve", argv)
	}
	var names []string
	addr := ""
	for _, e := range env {
		for _, kv := range strings.Fields(e) {
			k, v, _ := strings.Cut(kv, "=")
			names = append(names, k)
			if k == "VNEIDBOT_ADDR" {
				addr = v
			}
		}
	}
	checkEnv(t, "Dockerfile", names)
	if addr != "0.0.0.0:8080" {
		t.Errorf("VNEIDBOT_ADDR=%q, want 0.0.0.0:8080", addr)
	}
	if expose != "8080" {
		t.Errorf("EXPOSE %q, want 8080", expose)
	}
	// the build image's Go is the one go.mod asks for
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
	if want == nil || !strings.Contains(string(src), "GO_VERSION="+string(want[1])) {
		t.Errorf("ARG GO_VERSION does not match go.mod's go %s", want[1])
	}
}

// dockerLines returns the Dockerfile's instructions, continuation lines
// joined and comments dropped.
func dockerLines(src string) []string {
	var out []string
	cur := ""
	sc := bufio.NewScanner(strings.NewReader(src))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || line == "" && cur == "" {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		out = append(out, strings.TrimSpace(cur+line))
		cur = ""
	}
	return out
}

// ---- compose.yaml ----

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Build       any               `yaml:"build"`
	Image       string            `yaml:"image"`
	Command     []string          `yaml:"command"`
	EnvFile     []map[string]any  `yaml:"env_file"`
	Environment map[string]string `yaml:"environment"`
	Ports       []string          `yaml:"ports"`
	User        string            `yaml:"user"`
	ReadOnly    bool              `yaml:"read_only"`
	Volumes     []string          `yaml:"volumes"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
}

func TestCompose(t *testing.T) {
	data, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(false)
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	bot, ok := c.Services["bot"]
	if !ok {
		t.Fatal("no service bot")
	}
	redis, ok := c.Services["redis"]
	if !ok {
		t.Fatal("no service redis")
	}

	// Redis: AOF on, a redis-cli ping healthcheck, data on a volume
	if cmd := strings.Join(redis.Command, " "); !strings.Contains(cmd, "--appendonly yes") {
		t.Errorf("redis command %q: want --appendonly yes", cmd)
	}
	if hc := strings.Join(redis.Healthcheck.Test, " "); !strings.Contains(hc, "redis-cli ping") {
		t.Errorf("redis healthcheck %q: want redis-cli ping", hc)
	}
	if len(redis.Volumes) == 0 || !strings.HasSuffix(redis.Volumes[0], ":/data") {
		t.Errorf("redis volumes %v: want the data on a volume", redis.Volumes)
	}
	if bot.DependsOn["redis"].Condition != "service_healthy" {
		t.Errorf("bot depends_on redis: want condition service_healthy")
	}

	// the bot: env names, listener, healthcheck on /healthz at its port
	var names []string
	for k := range bot.Environment {
		names = append(names, k)
	}
	checkEnv(t, "compose.yaml environment", names)
	if err := validRedisURL(bot.Environment["REDIS_URL"]); err != nil {
		t.Errorf("compose REDIS_URL %q: %v", bot.Environment["REDIS_URL"], err)
	}
	// the host's proxy reaches the container from the bridge gateway: its
	// header is believed, or every citizen is one address (probe S1)
	if bot.Environment["TRUSTED_PROXY_HEADER"] == "" || !strings.Contains(bot.Environment["TRUSTED_PROXIES"], "172.16.0.0/12") {
		t.Errorf("compose: TRUSTED_PROXY_HEADER %q, TRUSTED_PROXIES %q: want the bridge gateway's proxy believed", bot.Environment["TRUSTED_PROXY_HEADER"], bot.Environment["TRUSTED_PROXIES"])
	}
	port := listenPort(t, bot.Environment["VNEIDBOT_ADDR"])
	hc := bot.Healthcheck.Test
	if len(hc) < 2 || hc[0] != "CMD" {
		t.Fatalf("bot healthcheck %v: want the exec form [CMD, …]", hc)
	}
	// "vneidbot health" asks /healthz on VNEIDBOT_ADDR, the port checked above.
	if len(hc) != 3 || !strings.HasSuffix(hc[1], "/vneidbot") || hc[2] != "health" {
		t.Errorf("compose bot healthcheck %v: want [CMD …/vneidbot health]", hc)
	}
	if len(bot.Ports) == 0 || !strings.HasPrefix(bot.Ports[0], "127.0.0.1:") || !strings.HasSuffix(bot.Ports[0], ":"+port) {
		t.Errorf("bot ports %v: want published on 127.0.0.1 only, to container port %s", bot.Ports, port)
	}
	uid, _, _ := strings.Cut(bot.User, ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 {
		t.Errorf("bot user %q: want a numeric non-root user", bot.User)
	}
	if !bot.ReadOnly {
		t.Error("bot: want read_only: true")
	}
	// the Zalo spool must outlive the container: on a named volume, not tmpfs
	if dir := bot.Environment["ZALO_SPOOL_DIR"]; dir == "" {
		t.Error("bot: no ZALO_SPOOL_DIR (the default is under /tmp, a tmpfs here)")
	} else {
		onVolume := false
		for _, v := range bot.Volumes {
			parts := strings.Split(v, ":")
			if len(parts) >= 2 && !strings.HasPrefix(parts[0], ".") && !strings.HasPrefix(parts[0], "/") && strings.HasPrefix(dir+"/", strings.TrimSuffix(parts[1], "/")+"/") {
				onVolume = c.Volumes != nil && hasKey(c.Volumes, parts[0])
			}
		}
		if !onVolume {
			t.Errorf("bot: ZALO_SPOOL_DIR %s is not on a named volume", dir)
		}
	}
	if len(bot.EnvFile) == 0 || bot.EnvFile[0]["path"] != ".env" {
		t.Errorf("bot env_file %v: want .env (from env.example)", bot.EnvFile)
	}
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

// checkProbeURL finds the http URL in argv and checks its path and port.
func checkProbeURL(t *testing.T, where string, argv []string, path, port string) {
	t.Helper()
	for _, a := range argv {
		if u, err := url.Parse(a); err == nil && u.Scheme == "http" {
			if u.Path != path || u.Port() != port {
				t.Errorf("%s: fetches %s, want %s on port %s", where, a, path, port)
			}
			return
		}
	}
	t.Errorf("%s %v: no http:// URL", where, argv)
}

func listenPort(t *testing.T, addr string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("VNEIDBOT_ADDR %q: %v", addr, err)
	}
	return port
}

// ---- env.example (compose .env, systemd EnvironmentFile) ----

func TestEnvExample(t *testing.T) {
	f, err := os.Open("env.example")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		line = strings.TrimSpace(strings.TrimPrefix(line, "#")) // commented-out settings count too
		k, v, ok := strings.Cut(line, "=")
		if !ok || !envName.MatchString(k) {
			continue
		}
		names = append(names, k)
		if secretName(k) && v != "" {
			t.Errorf("env.example: %s has a value; secrets stay empty in the example", k)
		}
	}
	checkEnv(t, "env.example", names)
}

func secretName(k string) bool {
	return strings.HasSuffix(k, "_TOKEN") || strings.HasSuffix(k, "_SECRET") || strings.HasSuffix(k, "_SECRET_KEY")
}

// ---- Kubernetes ----

// k8sObject is the part of any manifest the checks read.
type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name      string `yaml:"name"`
		Namespace string `yaml:"namespace"`
	} `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
	Spec       yaml.Node         `yaml:"spec"`
	Resources  []string          `yaml:"resources"` // kustomization
	file       string
}

func loadK8s(t *testing.T) []k8sObject {
	t.Helper()
	files, err := filepath.Glob("k8s/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no k8s/*.yaml: %v", err)
	}
	var objs []k8sObject
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var o k8sObject
			err := dec.Decode(&o)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if o.Kind == "" || o.APIVersion == "" {
				t.Errorf("%s: a document without apiVersion and kind", f)
				continue
			}
			o.file = f
			objs = append(objs, o)
		}
	}
	return objs
}

func find(objs []k8sObject, kind, name string) (k8sObject, bool) {
	for _, o := range objs {
		if o.Kind == kind && (name == "" || o.Metadata.Name == name) {
			return o, true
		}
	}
	return k8sObject{}, false
}

func decodeSpec[T any](t *testing.T, o k8sObject) T {
	t.Helper()
	var v T
	if err := o.Spec.Decode(&v); err != nil {
		t.Fatalf("%s %s/%s: spec: %v", o.file, o.Kind, o.Metadata.Name, err)
	}
	return v
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
}

type container struct {
	Name  string   `yaml:"name"`
	Image string   `yaml:"image"`
	Args  []string `yaml:"args"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	Env []struct {
		Name  string `yaml:"name"`
		Value string `yaml:"value"`
	} `yaml:"env"`
	EnvFrom []struct {
		ConfigMapRef *struct{ Name string } `yaml:"configMapRef"`
		SecretRef    *struct{ Name string } `yaml:"secretRef"`
	} `yaml:"envFrom"`
	VolumeMounts []struct {
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext struct {
		RunAsNonRoot             *bool `yaml:"runAsNonRoot"`
		RunAsUser                *int  `yaml:"runAsUser"`
		ReadOnlyRootFilesystem   bool  `yaml:"readOnlyRootFilesystem"`
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		Capabilities             struct {
			Drop []string `yaml:"drop"`
		} `yaml:"capabilities"`
	} `yaml:"securityContext"`
}

type deploymentSpec struct {
	Replicas int `yaml:"replicas"`
	Selector struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	} `yaml:"selector"`
	Template struct {
		Metadata struct {
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"metadata"`
		Spec struct {
			SecurityContext struct {
				RunAsNonRoot *bool `yaml:"runAsNonRoot"`
				RunAsUser    *int  `yaml:"runAsUser"`
			} `yaml:"securityContext"`
			Containers []container `yaml:"containers"`
		} `yaml:"spec"`
	} `yaml:"template"`
}

func TestKubernetes(t *testing.T) {
	objs := loadK8s(t)
	for _, o := range objs {
		if o.Kind != "Namespace" && o.Kind != "Kustomization" && o.Metadata.Namespace != "vneidbot" {
			t.Errorf("%s: %s/%s is in namespace %q, want vneidbot", o.file, o.Kind, o.Metadata.Name, o.Metadata.Namespace)
		}
	}
	dep, ok := find(objs, "Deployment", "vneidbot")
	if !ok {
		t.Fatal("no Deployment vneidbot")
	}
	spec := decodeSpec[deploymentSpec](t, dep)
	if spec.Replicas != 3 {
		t.Errorf("Deployment replicas %d, want 3", spec.Replicas)
	}
	for k, v := range spec.Selector.MatchLabels {
		if spec.Template.Metadata.Labels[k] != v {
			t.Errorf("selector %s=%s does not match the pod labels", k, v)
		}
	}
	pod := spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want the bot alone", len(pod.Containers))
	}
	c := pod.Containers[0]
	if len(c.Ports) != 2 || c.Ports[0].Name != "http" || c.Ports[1].Name != "metrics" {
		t.Fatalf("container ports %v: want http, then metrics", c.Ports)
	}
	port, metricsPort := c.Ports[0], c.Ports[1]
	if ann := spec.Template.Metadata.Annotations; ann["prometheus.io/port"] != strconv.Itoa(metricsPort.ContainerPort) || ann["prometheus.io/path"] != "/metrics" {
		t.Errorf("scrape annotations %v: want /metrics on the metrics port %d", ann, metricsPort.ContainerPort)
	}

	// env: the listener matches the container port; every name is the binary's
	var names []string
	for _, e := range c.Env {
		names = append(names, e.Name)
		if e.Name == "VNEIDBOT_ADDR" && listenPort(t, e.Value) != strconv.Itoa(port.ContainerPort) {
			t.Errorf("VNEIDBOT_ADDR %s does not listen on containerPort %d", e.Value, port.ContainerPort)
		}
		if e.Name == "METRICS_ADDR" && listenPort(t, e.Value) != strconv.Itoa(metricsPort.ContainerPort) {
			t.Errorf("METRICS_ADDR %s does not listen on the metrics containerPort %d", e.Value, metricsPort.ContainerPort)
		}
	}
	for _, ef := range c.EnvFrom {
		switch {
		case ef.ConfigMapRef != nil:
			cm, ok := find(objs, "ConfigMap", ef.ConfigMapRef.Name)
			if !ok {
				t.Errorf("envFrom ConfigMap %q is not in k8s/", ef.ConfigMapRef.Name)
			}
			for k := range cm.Data {
				names = append(names, k)
			}
		case ef.SecretRef != nil:
			s, ok := find(objs, "Secret", ef.SecretRef.Name)
			if !ok {
				t.Errorf("envFrom Secret %q has no example in k8s/", ef.SecretRef.Name)
			}
			for k := range s.StringData {
				names = append(names, k)
			}
			for k := range s.Data {
				names = append(names, k)
			}
			if u, ok := s.StringData["REDIS_URL"]; ok {
				if err := validRedisURL(u); err != nil || !strings.HasPrefix(u, "redis+sentinel://") {
					t.Errorf("Secret REDIS_URL %q: want a redis+sentinel:// URL (%v)", u, err)
				}
			}
		}
	}
	checkEnv(t, "k8s Deployment env", names)
	for _, e := range c.Env {
		if e.Name == "ZALO_SPOOL_DIR" {
			mounted := false
			for _, m := range c.VolumeMounts {
				mounted = mounted || !m.ReadOnly && strings.HasPrefix(e.Value+"/", strings.TrimSuffix(m.MountPath, "/")+"/")
			}
			if !mounted {
				t.Errorf("ZALO_SPOOL_DIR %s is not on a writable volume (the root filesystem is read-only)", e.Value)
			}
		}
	}
	if !slices.Contains(names, "VNEIDBOT_ADDR") || !slices.Contains(names, "REDIS_URL") {
		t.Errorf("Deployment env %v: want VNEIDBOT_ADDR and REDIS_URL", names)
	}

	// probes
	checkProbe := func(kind string, p *probe, path string) {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("%s probe: want an httpGet probe on %s", kind, path)
			return
		}
		if p.HTTPGet.Path != path {
			t.Errorf("%s probe path %q, want %s", kind, p.HTTPGet.Path, path)
		}
		switch v := p.HTTPGet.Port.(type) {
		case string:
			if v != port.Name {
				t.Errorf("%s probe port %q is not the container port's name %q", kind, v, port.Name)
			}
		case int:
			if v != port.ContainerPort {
				t.Errorf("%s probe port %d, want %d", kind, v, port.ContainerPort)
			}
		default:
			t.Errorf("%s probe port %v", kind, v)
		}
	}
	checkProbe("readiness", c.ReadinessProbe, "/readyz")
	checkProbe("liveness", c.LivenessProbe, "/healthz")

	// resources and non-root
	for _, r := range []string{"cpu", "memory"} {
		if c.Resources.Requests[r] == "" {
			t.Errorf("no %s request", r)
		}
	}
	if c.Resources.Limits["memory"] == "" {
		t.Error("no memory limit")
	}
	sc := c.SecurityContext
	nonRoot := sc.RunAsNonRoot != nil && *sc.RunAsNonRoot || pod.SecurityContext.RunAsNonRoot != nil && *pod.SecurityContext.RunAsNonRoot
	if !nonRoot {
		t.Error("want runAsNonRoot: true")
	}
	for _, uid := range []*int{sc.RunAsUser, pod.SecurityContext.RunAsUser} {
		if uid != nil && *uid == 0 {
			t.Error("runAsUser 0")
		}
	}
	if !sc.ReadOnlyRootFilesystem {
		t.Error("want readOnlyRootFilesystem: true")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Error("want allowPrivilegeEscalation: false")
	}
	if !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Error("want capabilities drop ALL")
	}
	if len(c.Args) > 0 && !slices.Equal(c.Args, []string{"serve"}) {
		t.Errorf("args %v: want serve", c.Args)
	}

	// the Service reaches the container port
	svc, ok := find(objs, "Service", "vneidbot")
	if !ok {
		t.Fatal("no Service vneidbot")
	}
	svcSpec := decodeSpec[struct {
		Selector map[string]string `yaml:"selector"`
		Ports    []struct {
			Name       string `yaml:"name"`
			TargetPort any    `yaml:"targetPort"`
		} `yaml:"ports"`
	}](t, svc)
	for k, v := range svcSpec.Selector {
		if spec.Template.Metadata.Labels[k] != v {
			t.Errorf("Service selector %s=%s does not select the bot's pods", k, v)
		}
	}
	if len(svcSpec.Ports) == 0 || svcSpec.Ports[0].TargetPort != port.Name && svcSpec.Ports[0].TargetPort != port.ContainerPort {
		t.Errorf("Service ports %v do not target the container port", svcSpec.Ports)
	}

	// PDB and HPA for the Deployment
	pdb, ok := find(objs, "PodDisruptionBudget", "vneidbot")
	if !ok {
		t.Error("no PodDisruptionBudget vneidbot")
	} else {
		s := decodeSpec[struct {
			MinAvailable   any `yaml:"minAvailable"`
			MaxUnavailable any `yaml:"maxUnavailable"`
			Selector       struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			} `yaml:"selector"`
		}](t, pdb)
		if s.MinAvailable == nil && s.MaxUnavailable == nil {
			t.Error("PDB without minAvailable or maxUnavailable")
		}
		if len(s.Selector.MatchLabels) == 0 {
			t.Error("PDB selects nothing")
		}
		for k, v := range s.Selector.MatchLabels {
			if spec.Template.Metadata.Labels[k] != v {
				t.Errorf("PDB selector %s=%s does not select the bot's pods", k, v)
			}
		}
	}
	hpa, ok := find(objs, "HorizontalPodAutoscaler", "vneidbot")
	if !ok {
		t.Error("no HorizontalPodAutoscaler vneidbot")
	} else {
		s := decodeSpec[struct {
			ScaleTargetRef struct{ Kind, Name string } `yaml:"scaleTargetRef"`
			MinReplicas    int                         `yaml:"minReplicas"`
			MaxReplicas    int                         `yaml:"maxReplicas"`
		}](t, hpa)
		if s.ScaleTargetRef.Kind != "Deployment" || s.ScaleTargetRef.Name != "vneidbot" {
			t.Errorf("HPA scales %s/%s", s.ScaleTargetRef.Kind, s.ScaleTargetRef.Name)
		}
		if s.MinReplicas < 3 || s.MaxReplicas < s.MinReplicas {
			t.Errorf("HPA replicas %d..%d: want at least 3", s.MinReplicas, s.MaxReplicas)
		}
	}
}

func TestIngressExposesOnlyPublicRoutes(t *testing.T) {
	objs := loadK8s(t)
	type path struct {
		Path     string `yaml:"path"`
		PathType string `yaml:"pathType"`
		Backend  struct {
			Service struct {
				Name string `yaml:"name"`
			} `yaml:"service"`
		} `yaml:"backend"`
	}
	var paths []path
	for _, o := range objs {
		if o.Kind != "Ingress" {
			continue
		}
		s := decodeSpec[struct {
			Rules []struct {
				HTTP struct {
					Paths []path `yaml:"paths"`
				} `yaml:"http"`
			} `yaml:"rules"`
		}](t, o)
		for _, r := range s.Rules {
			paths = append(paths, r.HTTP.Paths...)
		}
	}
	if len(paths) == 0 {
		t.Fatal("no Ingress paths")
	}
	// each route the bot serves, and whether the Ingress routes it
	routed := func(route string) bool {
		for _, p := range paths {
			switch p.PathType {
			case "Exact":
				if route == p.Path {
					return true
				}
			case "Prefix":
				pre := strings.TrimSuffix(p.Path, "/")
				if pre == "" || route == pre || strings.HasPrefix(route, pre+"/") {
					return true
				}
			default:
				t.Errorf("path %s: pathType %q, want Exact or Prefix (ImplementationSpecific may route anything)", p.Path, p.PathType)
			}
		}
		return false
	}
	// /api/chat/live and /zalo/oauth/callback: seventh probe, V11
	for _, public := range []string{"/", "/api/chat", "/api/chat/live", "/zalo/oauth/callback", "/webhook/telegram", "/webhook/zalo", "/webhook/zalobot"} {
		if !routed(public) {
			t.Errorf("%s is not routed", public)
		}
	}
	for _, private := range []string{"/metrics", "/admin", "/admin/", "/admin/stats", "/healthz", "/readyz", "/debug/pprof/"} {
		if routed(private) {
			t.Errorf("%s is routed publicly", private)
		}
	}
	for _, p := range paths {
		if p.Backend.Service.Name != "vneidbot" {
			t.Errorf("path %s goes to service %q", p.Path, p.Backend.Service.Name)
		}
	}
}

func TestSecretExamplesHoldPlaceholdersOnly(t *testing.T) {
	n := 0
	for _, o := range loadK8s(t) {
		if o.Kind != "Secret" {
			continue
		}
		if !strings.Contains(o.file, "example") {
			t.Errorf("%s: a Secret outside an example file", o.file)
		}
		if len(o.Data) > 0 {
			t.Errorf("%s: Secret %s has base64 data; examples use readable stringData placeholders", o.file, o.Metadata.Name)
		}
		for k, v := range o.StringData {
			n++
			if !strings.Contains(v, "REPLACE") {
				t.Errorf("%s: %s/%s is not a placeholder", o.file, o.Metadata.Name, k)
			}
		}
	}
	if n == 0 {
		t.Error("no Secret example")
	}
}

func TestKustomizationListsExistingFiles(t *testing.T) {
	k, ok := find(loadK8s(t), "Kustomization", "")
	if !ok {
		t.Fatal("k8s has no kustomization.yaml listing the manifests")
	}
	for _, r := range k.Resources {
		if _, err := os.Stat(filepath.Join("k8s", r)); err != nil {
			t.Errorf("kustomization resource %s: %v", r, err)
		}
		if strings.Contains(r, "example") {
			t.Errorf("kustomization applies %s, an example with placeholders", r)
		}
	}
}

func TestRedisSentinelIsNonRoot(t *testing.T) {
	sts, ok := find(loadK8s(t), "StatefulSet", "redis")
	if !ok {
		t.Fatal("no StatefulSet redis (Redis via Sentinel)")
	}
	s := decodeSpec[struct {
		Template struct {
			Spec struct {
				SecurityContext struct {
					RunAsNonRoot *bool `yaml:"runAsNonRoot"`
					RunAsUser    *int  `yaml:"runAsUser"`
				} `yaml:"securityContext"`
				Containers []container `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	}](t, sts)
	psc := s.Template.Spec.SecurityContext
	if psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		t.Error("redis pods: want runAsNonRoot with a non-zero runAsUser")
	}
	var sentinel bool
	for _, c := range s.Template.Spec.Containers {
		if slices.Contains(c.Args, "--sentinel") || strings.Contains(strings.Join(c.Args, " "), "sentinel") || c.Name == "sentinel" {
			sentinel = true
		}
		if c.SecurityContext.AllowPrivilegeEscalation == nil || *c.SecurityContext.AllowPrivilegeEscalation {
			t.Errorf("redis container %s: want allowPrivilegeEscalation: false", c.Name)
		}
	}
	if !sentinel {
		t.Error("no sentinel container")
	}
}

// ---- systemd ----

func TestSystemdUnit(t *testing.T) {
	f, err := os.Open("systemd/vneidbot.service")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys := map[string][]string{} // "Section.Key" → values
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Errorf("unit line %q is not key=value", line)
				continue
			}
			keys[section+"."+strings.TrimSpace(k)] = append(keys[section+"."+strings.TrimSpace(k)], strings.TrimSpace(v))
		}
	}
	one := func(k string) string {
		if v := keys[k]; len(v) > 0 {
			return v[len(v)-1]
		}
		return ""
	}
	for k, want := range map[string]string{
		"Service.EnvironmentFile": "/etc/vneidbot/env",
		"Service.ProtectSystem":   "strict",
		"Service.NoNewPrivileges": "yes",
		"Service.PrivateTmp":      "yes",
		"Service.Restart":         "on-failure",
		"Service.ProtectHome":     "yes",
		"Install.WantedBy":        "multi-user.target",
	} {
		if got := one(k); got != want {
			t.Errorf("%s=%q, want %q", k, got, want)
		}
	}
	if exec := strings.Fields(one("Service.ExecStart")); len(exec) != 2 || filepath.Base(exec[0]) != "vneidbot" || exec[1] != "serve" {
		t.Errorf("ExecStart=%v, want vneidbot serve", exec)
	}
	if one("Service.DynamicUser") != "yes" && (one("Service.User") == "" || one("Service.User") == "root") {
		t.Error("want DynamicUser=yes or a dedicated User=")
	}
	for _, k := range []string{"Service.RestrictAddressFamilies", "Service.SystemCallFilter", "Service.CapabilityBoundingSet", "Service.RestrictNamespaces"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("no %s", k)
		}
	}
	var names []string
	spool := ""
	for _, e := range keys["Service.Environment"] {
		for _, kv := range strings.Fields(e) {
			k, v, _ := strings.Cut(strings.Trim(kv, `"`), "=")
			names = append(names, k)
			if k == "ZALO_SPOOL_DIR" {
				spool = v
			}
		}
	}
	// PrivateTmp empties /tmp (the binary's default spool) at every restart
	if state := one("Service.StateDirectory"); spool == "" || state == "" || !strings.HasPrefix(spool, "/var/lib/"+state+"/") {
		t.Errorf("ZALO_SPOOL_DIR=%q: want it under the StateDirectory /var/lib/%s/", spool, state)
	}
	if len(names) > 0 {
		checkEnv(t, "systemd Environment=", names)
	}
}

// TestMetricsPortOnlyForPrometheus: the ingress controller reaches the
// bot's public port only; the metrics port (METRICS_ADDR) takes traffic
// from the monitoring namespace alone.
func TestMetricsPortOnlyForPrometheus(t *testing.T) {
	np, ok := find(loadK8s(t), "NetworkPolicy", "vneidbot")
	if !ok {
		t.Fatal("no NetworkPolicy vneidbot")
	}
	spec := decodeSpec[struct {
		Ingress []struct {
			From []struct {
				NamespaceSelector struct {
					MatchLabels map[string]string `yaml:"matchLabels"`
				} `yaml:"namespaceSelector"`
			} `yaml:"from"`
			Ports []struct {
				Port any `yaml:"port"`
			} `yaml:"ports"`
		} `yaml:"ingress"`
	}](t, np)
	metricsFrom := map[string]bool{}
	for _, rule := range spec.Ingress {
		for _, p := range rule.Ports {
			if p.Port != "metrics" && p.Port != 9090 {
				continue
			}
			for _, f := range rule.From {
				metricsFrom[f.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]] = true
			}
		}
	}
	if len(metricsFrom) != 1 || !metricsFrom["monitoring"] {
		t.Errorf("the metrics port is open to %v, want the monitoring namespace only", metricsFrom)
	}
}
