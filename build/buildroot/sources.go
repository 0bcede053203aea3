package buildroot

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/repoctl/repoctl/internal/debarchive"
	"github.com/repoctl/repoctl/internal/errs"
)

// mirrors are the archives a root of one suite installs from, all taken
// from the host's apt sources: no archive host is ever written in code.
type mirrors struct {
	Main     string   `json:"main"`               // debootstrap's mirror
	Suites   []string `json:"suites"`             // of Main: suite, suite-updates when present
	Security string   `json:"security,omitempty"` // serves <suite>-security; "" when it does not
}

var suiteName = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

// hostMirrors reads the host's apt sources and asks each archive which of
// the suite's dists it has: a frozen or partial mirror may lack -updates
// or -security, and apt-get update fails on a missing one.
func hostMirrors(ctx context.Context, aptRoot, suite string) (mirrors, error) {
	if !suiteName.MatchString(suite) {
		return mirrors{}, errs.Usage(fmt.Errorf("build root: suite %q: want a Debian codename such as bookworm or trixie", suite))
	}
	entries, err := debarchive.Load(aptRoot)
	if err != nil {
		return mirrors{}, err
	}
	m := mirrors{}
	if m.Main, err = debarchive.BaseURI(entries, debarchive.Main); err != nil {
		return m, err
	}
	if !hasDist(ctx, m.Main, suite) {
		return m, errs.Usage(fmt.Errorf("build root: the host's mirror %s has no suite %q (no dists/%s/InRelease)", m.Main, suite, suite))
	}
	m.Suites = []string{suite}
	if hasDist(ctx, m.Main, suite+"-updates") {
		m.Suites = append(m.Suites, suite+"-updates")
	}
	if sec, err := debarchive.BaseURI(entries, debarchive.Security); err == nil && hasDist(ctx, sec, suite+"-security") {
		m.Security = sec
	}
	return m, nil
}

// hostBases returns the host's main and security base URIs ("" when
// there is no security source), reading files only.
func hostBases(aptRoot string) (main, security string, err error) {
	entries, err := debarchive.Load(aptRoot)
	if err != nil {
		return "", "", err
	}
	if main, err = debarchive.BaseURI(entries, debarchive.Main); err != nil {
		return "", "", err
	}
	security, _ = debarchive.BaseURI(entries, debarchive.Security)
	return main, security, nil
}

// hasDist reports whether base serves dists/<dist>/InRelease (or Release).
func hasDist(ctx context.Context, base, dist string) bool {
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return true // file:, cdrom:, s3: ...: let apt judge
	}
	client := &http.Client{Timeout: 15 * time.Second}
	for _, f := range []string{"InRelease", "Release"} {
		req, err := http.NewRequestWithContext(ctx, http.MethodHead, base+"/dists/"+dist+"/"+f, nil)
		if err != nil {
			return false
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
	}
	return false
}

// sourcesFile is the root's /etc/apt/sources.list.d/debian.sources. No
// Signed-By: apt trusts the archive keys the root's own
// debian-archive-keyring installed, which are the suite's.
func (m mirrors) sourcesFile(suite string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Types: deb\nURIs: %s\nSuites: %s\nComponents: main\n", m.Main, strings.Join(m.Suites, " "))
	if m.Security != "" {
		fmt.Fprintf(&b, "\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\n", m.Security, suite)
	}
	return b.String()
}

// hostArch is dpkg's name for this machine's architecture, asked once.
var hostArch = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("dpkg", "--print-architecture").Output()
	if err != nil {
		return "", fmt.Errorf("dpkg --print-architecture: %w (build roots need a Debian host)", err)
	}
	return strings.TrimSpace(string(out)), nil
})
