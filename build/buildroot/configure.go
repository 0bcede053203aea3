package buildroot

import (
	"fmt"
	"os"
	"strings"
)

// rootFiles are written into every root after debootstrap (and again
// when the host's mirror changes), through os.Root so that a symlink in
// the root can never redirect a write to the host.
func rootFiles(suite string, m mirrors) map[string]string {
	return map[string]string{
		"etc/apt/sources.list.d/debian.sources": m.sourcesFile(suite),
		// Build roots want no recommends, no translations, and an update
		// that fails when an index cannot be fetched.
		"etc/apt/apt.conf.d/90repoctl": "APT::Install-Recommends \"false\";\n" +
			"APT::Install-Suggests \"false\";\nAcquire::Languages \"none\";\n",
		// Documentation is never needed to build: keep roots small.
		"etc/dpkg/dpkg.cfg.d/90repoctl-nodoc": "path-exclude=/usr/share/man/*\n" +
			"path-exclude=/usr/share/info/*\npath-exclude=/usr/share/locale/*\n" +
			"path-exclude=/usr/share/doc/*\npath-include=/usr/share/doc/*/copyright\n",
	}
}

// policyRcD stops packages installed in the root from starting daemons
// on the host's kernel, as sbuild and pbuilder do.
const policyRcD = "#!/bin/sh\n# repoctl build root: never start services here\nexit 101\n"

func configureRoot(dir, suite string, m mirrors) error {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer r.Close()
	r.Remove("etc/apt/sources.list") // debootstrap's one-line copy
	for name, content := range rootFiles(suite, m) {
		if err := r.WriteFile(name, []byte(content), 0o644); err != nil {
			return fmt.Errorf("build root %s: %w", name, err)
		}
	}
	if err := r.WriteFile("usr/sbin/policy-rc.d", []byte(policyRcD), 0o755); err != nil {
		return err
	}
	return addBuildUser(r)
}

// addBuildUser writes the build user into the root's passwd and group
// files (no useradd: minbase may lack it, and this is idempotent).
func addBuildUser(r *os.Root) error {
	home := strings.TrimPrefix(BuildHome, "/")
	if err := r.MkdirAll(home, 0o755); err != nil {
		return err
	}
	if err := r.Chown(home, BuildUID, BuildGID); err != nil {
		return err
	}
	entries := map[string]string{
		"etc/passwd": fmt.Sprintf("%s:x:%d:%d:repoctl build user:%s:/bin/sh\n", BuildUser, BuildUID, BuildGID, BuildHome),
		"etc/group":  fmt.Sprintf("%s:x:%d:\n", BuildUser, BuildGID),
	}
	for name, line := range entries {
		if err := appendLineOnce(r, name, line); err != nil {
			return err
		}
	}
	return nil
}

// appendLineOnce adds line to the file unless an entry of that name is
// already there.
func appendLineOnce(r *os.Root, name, line string) error {
	data, err := r.ReadFile(name)
	if err != nil {
		return err
	}
	prefix := line[:strings.Index(line, ":")+1]
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, prefix) {
			return nil
		}
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		data = append(data, '\n')
	}
	return r.WriteFile(name, append(data, line...), 0o644)
}
