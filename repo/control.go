package repo

import (
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/aptly-dev/aptly/deb"
)

// Debian policy §5.6.1 (Package) and §5.6.12 (Version), and dpkg's
// architecture names. Checked before aptly sees the package: aptly accepts
// anything, and a bad name only fails later, in apt, on the hosts.
var (
	validName    = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)
	validArch    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	validUpEpoch = regexp.MustCompile(`^[0-9]+$`)
	validUp      = regexp.MustCompile(`^[0-9][A-Za-z0-9.+~:-]*$`)
	validRev     = regexp.MustCompile(`^[A-Za-z0-9.+~]+$`)
)

// requiredFields must be present and non-empty in a binary package's control.
var requiredFields = []string{"Package", "Version", "Architecture", "Maintainer", "Description"}

// parseControl reads one control stanza from r and checks it.
func parseControl(r io.Reader) (deb.Stanza, error) {
	st, err := deb.NewControlFileReader(r, false, false).ReadStanza()
	if err != nil {
		return nil, fmt.Errorf("control file: %w", err)
	}
	return st, checkControl(st)
}

// checkControl validates the fields repoctl and apt rely on.
func checkControl(st deb.Stanza) error {
	if st == nil {
		return fmt.Errorf("control file is empty")
	}
	var missing []string
	for _, f := range requiredFields {
		if strings.TrimSpace(st[f]) == "" {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("control file lacks %s", strings.Join(missing, ", "))
	}
	if !validName.MatchString(st["Package"]) {
		return fmt.Errorf("invalid package name %q (lower case letters, digits, + - . ; at least 2 characters)", st["Package"])
	}
	if src := sourceName(st["Source"]); src != "" && !validName.MatchString(src) {
		return fmt.Errorf("invalid Source %q", st["Source"])
	}
	if !validArch.MatchString(st["Architecture"]) {
		return fmt.Errorf("invalid architecture %q", st["Architecture"])
	}
	return checkVersion(st["Version"])
}

// sourceName strips the "(version)" a Source field may carry.
func sourceName(s string) string {
	if i := strings.IndexByte(s, '('); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// checkVersion applies Debian's [epoch:]upstream[-revision] syntax.
func checkVersion(v string) error {
	bad := func(why string) error { return fmt.Errorf("invalid version %q: %s", v, why) }
	up := v
	if i := strings.IndexByte(up, ':'); i >= 0 {
		if !validUpEpoch.MatchString(up[:i]) {
			return bad("epoch must be a number")
		}
		up = up[i+1:]
	}
	if i := strings.LastIndexByte(up, '-'); i >= 0 {
		if !validRev.MatchString(up[i+1:]) {
			return bad("revision may hold only letters, digits, + . ~")
		}
		up = up[:i]
	}
	if !validUp.MatchString(up) {
		return bad("upstream part must start with a digit and hold only letters, digits, . + ~ - :")
	}
	if strings.Contains(up, ":") && !strings.Contains(v, ":") {
		return bad("a colon needs an epoch")
	}
	return nil
}

// canonicalFilename is the name Debian gives a binary package file; the
// pool uses it whatever the file was called on the way in, so that
// "foo.deb" and "foo_1.0_amd64.deb" of the same content are one file.
func canonicalFilename(name, version, arch string) string {
	if i := strings.IndexByte(version, ':'); i >= 0 {
		version = version[i+1:]
	}
	return name + "_" + version + "_" + arch + ".deb"
}

// trimStanza keeps the stanza small and clean for the Packages index:
// fields a .deb's control should not carry into an index are dropped.
func trimStanza(st deb.Stanza) deb.Stanza {
	out := st.Copy()
	for _, f := range []string{"Filename", "Size", "MD5sum", "MD5Sum", "SHA1", "SHA256", "SHA512"} {
		delete(out, f)
	}
	return out
}
