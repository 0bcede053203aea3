package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

var methods = []string{"PUT", "COPY", "DELETE", "HEAD", "LIST", "GET"}

func fmtCounts(c counts) string {
	var parts []string
	for _, m := range methods {
		parts = append(parts, fmt.Sprintf("%d", c.ByMethod[m]))
	}
	s := strings.Join(parts, "/")
	if other := c.total() - sum(c, methods); other > 0 {
		s += fmt.Sprintf(" +%d", other)
	}
	if c.Errors > 0 {
		s += fmt.Sprintf(" (%d err)", c.Errors)
	}
	return s
}

func sum(c counts, ms []string) int {
	n := 0
	for _, m := range ms {
		n += c.ByMethod[m]
	}
	return n
}

func secs(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func ratio(a, b float64) string {
	if b == 0 {
		if a == 0 {
			return "="
		}
		return "∞"
	}
	return fmt.Sprintf("%.1fx", a/b)
}

func kib(n int64) string {
	switch {
	case n >= 10<<20:
		return fmt.Sprintf("%.0f MB", float64(n)/(1<<20))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

type key struct {
	n     int
	delay time.Duration
	op    string
}

func markdown(c config, all []measure) string {
	by := map[key]map[string]measure{}
	var order []key
	for _, m := range all {
		k := key{m.N, m.Delay, m.Op}
		if by[k] == nil {
			by[k] = map[string]measure{}
			order = append(order, k)
		}
		by[k][m.Tool] = m
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# repoctl vs aptly v1.6.3: publishing to S3\n\n")
	fmt.Fprintf(&b, "Measured %s by `bench/run` (bench/cmd/benchrun).\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "## Machine\n\n%s\n", machine(c))
	fmt.Fprintf(&b, "## How\n\n%s\n", method(c))
	fmt.Fprintf(&b, "## Figures\n\n")
	fmt.Fprintf(&b, "Time is the whole operation as a pipeline waits for it (add + snapshot + publish; in brackets the publish command alone). ")
	fmt.Fprintf(&b, "Speedup = aptly time / repoctl time. Requests are what the S3 server logged, as PUT/COPY/DELETE/HEAD/LIST/GET; ")
	fmt.Fprintf(&b, "uploaded is the bytes of the PUT bodies; RSS is the peak resident set of the tool's largest process.\n\n")
	fmt.Fprintf(&b, "| N | delay | operation | aptly time | repoctl time | speedup | aptly requests | repoctl requests | requests repoctl/aptly | aptly uploaded | repoctl uploaded | aptly RSS | repoctl RSS |\n")
	fmt.Fprintf(&b, "|---:|---:|---|---:|---:|---:|---|---|---:|---:|---:|---:|---:|\n")
	for _, k := range order {
		a, r := by[k]["aptly"], by[k]["repoctl"]
		cell := func(m measure, s string) string {
			if m.Tool == "" {
				return "n/a"
			}
			if m.Err != "" {
				return "FAILED"
			}
			return s
		}
		speed := "n/a"
		if a.Tool != "" && r.Tool != "" && a.Err == "" && r.Err == "" {
			speed = ratio(a.Wall.Seconds(), r.Wall.Seconds())
		}
		reqRatio := "n/a"
		if a.Tool != "" && r.Tool != "" {
			reqRatio = ratio(float64(r.Server.total()), float64(a.Server.total()))
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			k.n, k.delay, k.op,
			cell(a, secs(a.Wall)+" ("+secs(a.Publish)+")"), cell(r, secs(r.Wall)+" ("+secs(r.Publish)+")"), speed,
			cell(a, fmtCounts(a.Server)), cell(r, fmtCounts(r.Server)), reqRatio,
			cell(a, kib(a.Server.PutBytes)), cell(r, kib(r.Server.PutBytes)),
			cell(a, fmt.Sprintf("%d MB", a.MaxRSSKB/1024)), cell(r, fmt.Sprintf("%d MB", r.MaxRSSKB/1024)))
	}
	fmt.Fprintf(&b, "\nWhere repoctl's time goes (first run; includes process start):\n\n")
	for _, k := range order {
		if r := by[k]["repoctl"]; r.Phases != "" {
			fmt.Fprintf(&b, "- N=%d %s %s: %s; %d objects uploaded by publish\n", k.n, k.delay, k.op, r.Phases, r.Uploaded)
		}
	}
	fmt.Fprintf(&b, "\n## Targets (figures, not gates)\n\n%s", targets(by))
	var errs []string
	for _, m := range all {
		if m.Err != "" {
			errs = append(errs, fmt.Sprintf("- %s n=%d delay=%s %s: %s", m.Tool, m.N, m.Delay, m.Op, strings.TrimSpace(m.Err)))
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(&b, "\n## Failures\n\n```\n%s\n```\n", strings.Join(errs, "\n"))
	}
	return b.String()
}

func targets(by map[key]map[string]measure) string {
	var b strings.Builder
	line := func(ok bool, known bool, s string) {
		mark := "not measured"
		if known {
			mark = "met"
			if !ok {
				mark = "NOT met"
			}
		}
		fmt.Fprintf(&b, "- %s: %s\n", s, mark)
	}
	get := func(n int, d time.Duration, op string) (measure, measure, bool) {
		m := by[key{n, d, op}]
		a, r := m["aptly"], m["repoctl"]
		return a, r, a.Tool != "" && r.Tool != "" && a.Err == "" && r.Err == ""
	}
	d30 := 30 * time.Millisecond
	a, r, ok := get(1000, d30, ops[0])
	line(ok && a.Wall.Seconds() >= 8*r.Wall.Seconds(), ok,
		fmt.Sprintf("30 ms, N=1000, first publish >= 8x faster than aptly (measured %s)", speedOf(a, r, ok)))
	for _, n := range []int{1000, 10000} {
		a, r, ok := get(n, d30, ops[1])
		line(ok && r.Uploaded <= 12 && a.Wall.Seconds() >= 5*r.Wall.Seconds(), ok,
			fmt.Sprintf("30 ms, N=%d, add one: <= 12 objects uploaded (measured %d) and >= 5x faster (measured %s)", n, r.Uploaded, speedOf(a, r, ok)))
	}
	var nochange []string
	allZero, any := true, false
	for k, m := range by {
		if r, ok := m["repoctl"]; ok && k.op == ops[2] && r.Err == "" {
			any = true
			nochange = append(nochange, fmt.Sprintf("N=%d/%s: %d", k.n, k.delay, r.Uploaded))
			allZero = allZero && r.Uploaded == 0
		}
	}
	line(allZero, any, fmt.Sprintf("no change uploads 0 objects (publish's own count; the release lock's PUT is not an object of the repository): %s", strings.Join(nochange, ", ")))
	var rss int64
	seen := false
	for k, m := range by {
		if r, ok := m["repoctl"]; ok && k.n == 10000 && r.Err == "" {
			seen = true
			rss = max(rss, r.MaxRSSKB)
		}
	}
	line(rss < 300<<10, seen, fmt.Sprintf("peak RSS < 300 MB at N=10000 (measured %d MB)", rss/1024))
	return b.String()
}

func speedOf(a, r measure, ok bool) string {
	if !ok {
		return "n/a"
	}
	return ratio(a.Wall.Seconds(), r.Wall.Seconds())
}

func machine(c config) string {
	var b strings.Builder
	cpu := "?"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	mem := "?"
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		f := strings.Fields(strings.SplitN(string(data), "\n", 2)[0])
		if len(f) >= 2 {
			var kb int64
			fmt.Sscan(f[1], &kb)
			mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	osName := "?"
	if data, err := os.ReadFile("/etc/os-release"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(l, "PRETTY_NAME=") {
				osName = strings.Trim(strings.TrimPrefix(l, "PRETTY_NAME="), `"`)
			}
		}
	}
	aptlyV, _ := exec.Command(c.aptly, "version").Output()
	fmt.Fprintf(&b, "- CPU: %d cores (%s)\n- memory: %s\n- OS: %s, kernel %s\n- Go: %s (benchrun, repoctl)\n- aptly: %s (built from the Go module cache)\n- S3 server: versitygw v1.8.0, posix backend, on 127.0.0.1\n- disk: the work directory (%s)\n",
		runtime.NumCPU(), cpu, mem, osName, strings.TrimSpace(string(kernel)), runtime.Version(),
		strings.TrimSpace(string(aptlyV)), diskOf(c))
	return b.String()
}

func diskOf(c config) string {
	if c.work != "" {
		return c.work
	}
	return os.TempDir()
}

func method(c config) string {
	sign := "both sign InRelease and Release.gpg with a generated ed25519 key: repoctl in process (signing/), aptly through gpg (-gpg-key, -batch, its own GNUPGHOME)"
	if !c.aptlySign {
		sign = "repoctl signs InRelease and Release.gpg with a generated ed25519 key (real signing, so it does that work and uploads those two objects); aptly runs with -skip-signing, so it neither signs nor uploads them: the difference counts against repoctl"
	}
	if !c.sign {
		sign = "repoctl writes a placeholder signature (no crypto) and still uploads InRelease and Release.gpg; aptly runs with -skip-signing and uploads neither"
	}
	return fmt.Sprintf(`- Packages: N generated .debs (bench/debgen: ar + control.tar.gz + data.tar.gz, %d bytes of payload each), one architecture (amd64), one component, distribution "bench"; the add-one step adds one more package of the same kind.
- aptly: its CLI, one process per command: first publish = repo create + repo add + snapshot create + publish snapshot -acquire-by-hash; add one = repo add + snapshot create + publish switch; no change = snapshot create + publish switch. Flag -skip-contents (repoctl writes no Contents either); S3 endpoint in aptly.conf (S3PublishEndpoints, endpoint, path-style, keys).
- repoctl: one process per operation running repo.Add, repo.CreateSnapshot, repo.Render into a staging dir, publish.AcquireLock, publish.Publish (default options: %s parallel uploads) and the lock's release; the lock adds a few requests that aptly, having no lock, does not make.
- Signing: %s.
- Delay: at "30ms" both tools reach the server through bench/delayproxy, a loopback TCP proxy that holds the first bytes of every request for the delay (one delay per HTTP request, keep-alive aware, no extra delay for new connections). At "0s" they talk to the server directly.
- Each tool publishes under its own prefix of the same bucket; every (N, delay) starts from empty state and an empty prefix. Each (N, delay) ran %d time(s) from scratch; times are the median (the machine is shared with other work, so single figures are noisy).
`, c.payload, jobsOf(c), sign, max(c.runs, 1))
}

func jobsOf(c config) string {
	if c.jobs > 0 {
		return fmt.Sprint(c.jobs)
	}
	return "16"
}
