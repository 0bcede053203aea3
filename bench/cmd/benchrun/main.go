// Command benchrun measures repoctl's publish against aptly v1.6.3's own CLI
// on the same machine, packages and S3 server (versitygw on loopback),
// optionally through a proxy that adds a delay to every request.
//
// For each N it runs, for each tool, three releases: the first publish of N
// packages, adding one package and republishing, and republishing with
// nothing changed; it records wall time, the requests the S3 server logged
// (by method), the bytes uploaded and the peak RSS of the tool's
// processes, and writes a markdown report. It prints figures; nothing in
// it passes or fails on time.
//
// Usage (bench/run does this): benchrun -aptly PATH -versitygw PATH -n 100,1000 -delays 0,30ms -out FILE
// Internal: benchrun repoctl-step ... (one repoctl release in its own process).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/repoctl/repoctl/bench/debgen"
	"github.com/repoctl/repoctl/bench/delayproxy"
)

type config struct {
	aptly, versitygw string
	ns               []int
	delays           []time.Duration
	work, out        string
	payload          int
	stepTimeout      time.Duration
	sign             bool
	aptlySign        bool
	gnupgHome, gpgFP string // aptly's signing key (with -aptly-sign)
	jobs             int
	runs             int
	tools            string
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "repoctl-step" {
		if err := runRepoctlStep(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "repoctl-step:", err)
			os.Exit(1)
		}
		return
	}
	var c config
	var ns, delays string
	flag.StringVar(&c.aptly, "aptly", "", "aptly v1.6.3 binary")
	flag.StringVar(&c.versitygw, "versitygw", "", "versitygw binary")
	flag.StringVar(&ns, "n", "100,1000", "package counts, comma-separated")
	flag.StringVar(&delays, "delays", "0,30ms", "delay added to every S3 request, comma-separated")
	flag.StringVar(&c.work, "work", "", "work directory (default: a temp dir, removed at the end)")
	flag.StringVar(&c.out, "out", "", "markdown report to write (default: stdout only)")
	flag.IntVar(&c.payload, "payload", 2048, "bytes of payload in each generated package")
	flag.DurationVar(&c.stepTimeout, "step-timeout", 30*time.Minute, "longest one tool command may run")
	flag.BoolVar(&c.sign, "sign", true, "repoctl signs with a generated ed25519 key (else a placeholder signature)")
	flag.BoolVar(&c.aptlySign, "aptly-sign", true, "aptly signs with gpg and a generated ed25519 key (else -skip-signing)")
	flag.IntVar(&c.runs, "runs", 1, "runs of each (N, delay); the report shows the median time")
	flag.StringVar(&c.tools, "tools", "aptly,repoctl", "tools to measure")
	flag.IntVar(&c.jobs, "jobs", 0, "repoctl parallel uploads (0: its default)")
	flag.Parse()
	for _, s := range strings.Split(ns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 100000 {
			fatalf("bad -n %q", s)
		}
		c.ns = append(c.ns, n)
	}
	for _, s := range strings.Split(delays, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil || d < 0 || d > time.Second {
			fatalf("bad -delays %q", s)
		}
		c.delays = append(c.delays, d)
	}
	if c.aptly == "" || c.versitygw == "" {
		fatalf("-aptly and -versitygw are required")
	}
	if err := run(c); err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "benchrun: "+format+"\n", a...)
	os.Exit(1)
}

// measure is one operation of one tool.
type measure struct {
	Tool, Op string
	N        int
	Delay    time.Duration
	Wall     time.Duration // the whole operation (add + snapshot + publish)
	Publish  time.Duration // the publish part alone
	MaxRSSKB int64
	Server   counts
	Uploaded int // repoctl's own report (objects); aptly: PUTs
	Err      string
	Runs     []time.Duration // wall time of each run (median in Wall)
	Phases   string          // repoctl: time of add, snapshot, render, publish (first run)
}

// median merges the runs of one (N, delay): median wall and publish time,
// peak RSS over all runs, requests of the first run (they do not vary).
func median(runs [][]measure) []measure {
	if len(runs) == 0 {
		return nil
	}
	out := append([]measure(nil), runs[0]...)
	for i := range out {
		var walls, pubs []time.Duration
		for _, r := range runs {
			for _, m := range r {
				if m.Tool == out[i].Tool && m.Op == out[i].Op && m.Err == "" {
					walls, pubs = append(walls, m.Wall), append(pubs, m.Publish)
					out[i].MaxRSSKB = max(out[i].MaxRSSKB, m.MaxRSSKB)
				}
			}
		}
		if len(walls) == 0 {
			continue
		}
		out[i].Runs = append([]time.Duration(nil), walls...)
		slices.Sort(walls)
		slices.Sort(pubs)
		out[i].Wall, out[i].Publish = walls[len(walls)/2], pubs[len(pubs)/2]
	}
	return out
}

func run(c config) error {
	work := c.work
	if work == "" {
		d, err := os.MkdirTemp("", "repoctl-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		work = d
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if c.aptlySign {
		if c.gnupgHome, c.gpgFP, err = gpgKey(filepath.Join(work, "gnupg")); err != nil {
			log("aptly will not sign: %v", err)
			c.aptlySign = false
		}
	}
	srv, err := startS3(c.versitygw, filepath.Join(work, "s3"))
	if err != nil {
		return err
	}
	defer srv.Stop()
	log("versitygw at %s, work in %s", srv.Endpoint, work)

	var all []measure
	for _, n := range c.ns {
		pkgDir, extra, err := generate(work, n, c.payload)
		if err != nil {
			return err
		}
		for _, d := range c.delays {
			endpoint := srv.Endpoint
			var px *delayproxy.Proxy
			if d > 0 {
				if px, err = delayproxy.Start(srv.Addr, d); err != nil {
					return err
				}
				endpoint = "http://" + px.Addr()
			}
			var runs [][]measure
			for r := 0; r < max(c.runs, 1); r++ {
				sc := scenario{c: c, srv: srv, endpoint: endpoint, n: n, delay: d, pkgDir: pkgDir, extra: extra,
					dir: filepath.Join(work, fmt.Sprintf("n%d-d%s-r%d", n, d, r)), self: self, run: r}
				var ms []measure
				if strings.Contains(c.tools, "aptly") {
					ms = sc.aptly()
				}
				if strings.Contains(c.tools, "repoctl") {
					ms = append(ms, sc.repoctl()...)
				}
				for _, m := range ms {
					printMeasure(m)
				}
				runs = append(runs, ms)
			}
			if px != nil {
				px.Close()
			}
			ms := median(runs)
			all = append(all, ms...)
		}
	}
	report := markdown(c, all)
	fmt.Println(report)
	if c.out != "" {
		if err := os.MkdirAll(filepath.Dir(c.out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(c.out, []byte(report), 0o644); err != nil {
			return err
		}
		raw, _ := json.MarshalIndent(all, "", " ")
		os.WriteFile(strings.TrimSuffix(c.out, ".md")+".json", raw, 0o644)
		log("wrote %s", c.out)
	}
	return nil
}

func log(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().UTC().Format("15:04:05")}, a...)...)
}

// generate writes packages 0..n-1 into work/pkgs/n<N> (hardlinks to one
// shared set) and the extra package of the add-one step.
func generate(work string, n, payload int) (dir, extra string, err error) {
	all := filepath.Join(work, "pkgs", "all")
	dir = filepath.Join(work, "pkgs", fmt.Sprintf("n%d", n))
	if err := os.MkdirAll(all, 0o755); err != nil {
		return "", "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	start := time.Now()
	// Workers, one per core: 10000 packages in seconds.
	workers := runtime.NumCPU()
	errc := make(chan error, workers)
	for w := 0; w < workers; w++ {
		go func(w int) {
			for i := w; i < n; i += workers {
				p := debgen.Package{Name: debgen.Name(i), Version: "1.0-1", Arch: "amd64", Payload: payload}
				src := filepath.Join(all, p.Filename())
				if _, err := os.Stat(src); err != nil {
					if _, err := debgen.Write(all, p); err != nil {
						errc <- err
						return
					}
				}
				if err := os.Link(src, filepath.Join(dir, p.Filename())); err != nil && !os.IsExist(err) {
					errc <- err
					return
				}
			}
			errc <- nil
		}(w)
	}
	for w := 0; w < workers; w++ {
		if e := <-errc; e != nil && err == nil {
			err = e
		}
	}
	if err != nil {
		return "", "", err
	}
	xdir := filepath.Join(work, "pkgs", "extra")
	os.MkdirAll(xdir, 0o755)
	extra, err = debgen.Write(xdir, debgen.Package{Name: "bench-extra", Version: "1.0-1", Arch: "amd64", Payload: payload})
	log("generated %d packages in %s", n, time.Since(start).Round(time.Millisecond))
	return dir, extra, err
}

type scenario struct {
	c             config
	srv           *s3Server
	endpoint      string
	n             int
	delay         time.Duration
	pkgDir, extra string
	dir, self     string
	run           int
}

// proc is one finished process.
type proc struct {
	wall   time.Duration
	maxRSS int64 // KiB
	stdout []byte
}

func (sc *scenario) exec(env []string, name string, args ...string) (proc, error) {
	ctx, cancel := context.WithTimeout(context.Background(), sc.c.stepTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	p := proc{wall: time.Since(start), stdout: out.Bytes()}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			p.maxRSS = ru.Maxrss
		}
	}
	if err != nil {
		return p, fmt.Errorf("%s %s: %v\n%s%s", filepath.Base(name), strings.Join(args, " "), err, tail(out.String()), tail(errb.String()))
	}
	return p, nil
}

func tail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return strings.Join(lines, "\n") + "\n"
}

var ops = []string{"first publish", "add one", "no change"}

// aptly runs the three operations with aptly's CLI: repo add, snapshot
// create, publish snapshot (first) or publish switch (later), each a
// process of its own, as a pipeline would run them.
func (sc *scenario) aptly() []measure {
	root := filepath.Join(sc.dir, "aptly")
	os.MkdirAll(root, 0o755)
	conf := filepath.Join(sc.dir, "aptly.conf")
	prefix := fmt.Sprintf("aptly-n%d-d%s-r%d", sc.n, sc.delay, sc.run)
	cfg := map[string]any{
		"rootDir":       root,
		"architectures": []string{"amd64"},
		"S3PublishEndpoints": map[string]any{
			"bench": map[string]any{
				"region": sc.srv.Region, "bucket": sc.srv.Bucket, "prefix": prefix,
				"endpoint": sc.endpoint, "awsAccessKeyID": sc.srv.AccessKey, "awsSecretAccessKey": sc.srv.Secret,
			},
		},
	}
	b, _ := json.MarshalIndent(cfg, "", "  ")
	if err := os.WriteFile(conf, b, 0o644); err != nil {
		return []measure{{Tool: "aptly", Err: err.Error()}}
	}
	env := sc.srv.env(sc.endpoint)
	pubFlags := []string{"-skip-signing", "-skip-contents"}
	if sc.c.aptlySign {
		env = append(env, "GNUPGHOME="+sc.c.gnupgHome)
		pubFlags = []string{"-batch", "-gpg-key=" + sc.c.gpgFP, "-skip-contents"}
	}
	a := func(args ...string) []string { return append([]string{"-config=" + conf}, args...) }
	steps := [][][]string{
		{ // first publish
			a("repo", "create", "-distribution=bench", "-component=main", "bench"),
			a("repo", "add", "bench", sc.pkgDir),
			a("snapshot", "create", "s1", "from", "repo", "bench"),
			a(append(append([]string{"publish", "snapshot", "-distribution=bench", "-architectures=amd64", "-acquire-by-hash"}, pubFlags...), "s1", "s3:bench:")...),
		},
		{ // add one
			a("repo", "add", "bench", sc.extra),
			a("snapshot", "create", "s2", "from", "repo", "bench"),
			a(append(append([]string{"publish", "switch"}, pubFlags...), "bench", "s3:bench:", "s2")...),
		},
		{ // no change
			a("snapshot", "create", "s3", "from", "repo", "bench"),
			a(append(append([]string{"publish", "switch"}, pubFlags...), "bench", "s3:bench:", "s3")...),
		},
	}
	var out []measure
	for i, cmds := range steps {
		m := measure{Tool: "aptly", Op: ops[i], N: sc.n, Delay: sc.delay}
		mark := sc.srv.mark()
		for j, args := range cmds {
			p, err := sc.exec(env, sc.c.aptly, args...)
			m.Wall += p.wall
			m.MaxRSSKB = max(m.MaxRSSKB, p.maxRSS)
			if j == len(cmds)-1 {
				m.Publish = p.wall
			}
			if err != nil {
				m.Err = err.Error()
				break
			}
		}
		m.Server, _ = sc.srv.countSince(mark)
		m.Uploaded = m.Server.ByMethod["PUT"]
		out = append(out, m)
		if m.Err != "" {
			log("aptly %s failed: %s", ops[i], m.Err)
			break
		}
	}
	return out
}

// repoctl runs the three operations with repoctl's repo and publish
// packages, each as one process (benchrun repoctl-step).
func (sc *scenario) repoctl() []measure {
	state := filepath.Join(sc.dir, "repoctl")
	os.MkdirAll(state, 0o700)
	target := fmt.Sprintf("s3://%s/repoctl-n%d-d%s-r%d", sc.srv.Bucket, sc.n, sc.delay, sc.run)
	env := sc.srv.env(sc.endpoint)
	list := func(name string, paths ...string) string {
		f := filepath.Join(sc.dir, name)
		os.WriteFile(f, []byte(strings.Join(paths, "\n")+"\n"), 0o644)
		return f
	}
	entries, _ := os.ReadDir(sc.pkgDir)
	var debs []string
	for _, e := range entries {
		debs = append(debs, filepath.Join(sc.pkgDir, e.Name()))
	}
	steps := [][]string{
		{"-debs", list("first.list", debs...), "-snapshot", "s1"},
		{"-debs", list("extra.list", sc.extra), "-snapshot", "s2"},
		{"-snapshot", "s3"},
	}
	var out []measure
	for i, s := range steps {
		m := measure{Tool: "repoctl", Op: ops[i], N: sc.n, Delay: sc.delay}
		args := append([]string{"repoctl-step", "-state", state, "-target", target, "-endpoint", sc.endpoint,
			"-sign=" + strconv.FormatBool(sc.c.sign), "-jobs", strconv.Itoa(sc.c.jobs)}, s...)
		mark := sc.srv.mark()
		p, err := sc.exec(env, sc.self, args...)
		m.Wall, m.MaxRSSKB = p.wall, p.maxRSS
		m.Server, _ = sc.srv.countSince(mark)
		if err != nil {
			m.Err = err.Error()
			log("repoctl %s failed: %s", ops[i], m.Err)
			out = append(out, m)
			break
		}
		var res stepResult
		if err := json.Unmarshal(bytes.TrimSpace(p.stdout), &res); err == nil {
			m.Publish = res.Publish
			m.Uploaded = res.Uploaded
			m.Phases = fmt.Sprintf("add %s, snapshot %s, render %s, lock+publish+unlock %s",
				secs(res.Add), secs(res.Snapshot), secs(res.Render), secs(res.Publish))
		}
		out = append(out, m)
	}
	return out
}

func printMeasure(m measure) {
	log("%-7s n=%-5d delay=%-5s %-13s wall %8s publish %8s rss %4d MB  %s put-bytes %d %s",
		m.Tool, m.N, m.Delay, m.Op, m.Wall.Round(time.Millisecond), m.Publish.Round(time.Millisecond),
		m.MaxRSSKB/1024, fmtCounts(m.Server), m.Server.PutBytes, m.Err)
}

// gpgKey makes a GnuPG home with one passphrase-less ed25519 signing key
// (SHA-256 and up, as Debian's apt wants) for aptly's gpg signer.
func gpgKey(home string) (string, string, error) {
	if err := os.MkdirAll(home, 0o700); err != nil {
		return "", "", err
	}
	cmd := exec.Command("gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "",
		"--quick-gen-key", "aptly bench <bench@example.invalid>", "ed25519", "sign", "never")
	cmd.Env = append(os.Environ(), "GNUPGHOME="+home)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("gpg --quick-gen-key: %v\n%s", err, out)
	}
	cmd = exec.Command("gpg", "--batch", "--with-colons", "--list-secret-keys")
	cmd.Env = append(os.Environ(), "GNUPGHOME="+home)
	out, err := cmd.Output()
	if err != nil {
		return "", "", err
	}
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Split(l, ":"); len(f) > 9 && f[0] == "fpr" {
			return home, f[9], nil
		}
	}
	return "", "", fmt.Errorf("no key in %s", home)
}
