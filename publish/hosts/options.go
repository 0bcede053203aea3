// Package hosts renders what a fleet host or an image bake needs to
// install packages from the published repository: a deb822 .sources file
// with Signed-By, the keyring, a POSIX shell script, a cloud-init
// #cloud-config and the apt-transport-s3 variant for a private bucket.
//
// Every function is pure (options in, text out) so that the output is
// covered by golden files; nothing here touches the running machine.
package hosts

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// KeyringDir is where apt expects keyrings managed by the operator
// (apt-secure(8)); /usr/share/keyrings is for keyrings shipped by packages.
const KeyringDir = "/etc/apt/keyrings"

// Options describe one apt source and the package to install from it.
type Options struct {
	Name          string   // keyring and source file name: /etc/apt/keyrings/<Name>.asc
	URL           string   // repository base URL (http, https; s3:// for S3Private)
	Suite         string   // empty: the host's VERSION_CODENAME (Shell, CloudInit)
	Suites        []string // suites the repository publishes; a host on another one is refused
	Component     string   // apt component, e.g. main
	Architectures []string // optional Architectures: restriction
	Package       string   // package to install
	Version       string   // empty: the newest; else pinned (downgrades allowed)
	Armored       []byte   // the repository's public key, ASCII-armored

	// S3Private only: the bucket's region and, for an S3-compatible service,
	// its endpoint host (apt-transport-s3 always speaks https to it).
	Region   string
	Endpoint string
}

// KeyringPath is where the scripts write the armored key, and what
// Signed-By names (apt reads .asc keyrings since 1.4).
func (o Options) KeyringPath() string { return KeyringDir + "/" + o.Name + ".asc" }

// SourcesPath is the deb822 source file the scripts write.
func (o Options) SourcesPath() string { return "/etc/apt/sources.list.d/" + o.Name + ".sources" }

// PreferencesPath is the apt preferences file that holds a pinned Version
// against upgrades (unattended-upgrades included).
func (o Options) PreferencesPath() string { return "/etc/apt/preferences.d/" + o.Name + ".pref" }

// baseURL is URL without a trailing slash: apt prints a source's URI that
// way in its warnings, which the scripts match on.
func (o Options) baseURL() string { return strings.TrimRight(o.URL, "/") }

// Words that end up in shell scripts, file names and one-line sources:
// restricting them keeps every output free of quoting surprises.
var (
	nameRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	wordRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.+~_-]*$`)
	versionRE = regexp.MustCompile(`^[0-9A-Za-z.+~:_-]+$`)
	urlRE     = regexp.MustCompile(`^(https?|s3)://[^\s'"\\$` + "`" + `]+$`)
)

// hasUserInfo reports whether rawURL carries user:password@ before its host.
func hasUserInfo(rawURL string) bool {
	_, rest, ok := strings.Cut(rawURL, "://")
	host, _, _ := strings.Cut(rest, "/")
	return ok && strings.Contains(host, "@")
}

// redactUserInfo replaces the user info of rawURL by "REDACTED".
func redactUserInfo(rawURL string) string {
	scheme, rest, _ := strings.Cut(rawURL, "://")
	host, path, hasPath := strings.Cut(rest, "/")
	host = "REDACTED" + host[strings.LastIndex(host, "@"):]
	if hasPath {
		host += "/" + path
	}
	return scheme + "://" + host
}

// Validate reports every option that is missing or unsafe to render.
func (o Options) Validate() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if !nameRE.MatchString(o.Name) {
		add("name %q: want lower-case letters, digits, '.', '_' or '-'", o.Name)
	}
	if hasUserInfo(o.URL) {
		// A sources file is world-readable: apt takes credentials from
		// /etc/apt/auth.conf.d (mode 0600) instead. Never print them back.
		add("url %q: credentials in the URL would be written to a world-readable sources file: "+
			"pass the URL without them and put them in /etc/apt/auth.conf.d/%s.conf (apt_auth.conf(5))",
			redactUserInfo(o.URL), o.Name)
	} else if !urlRE.MatchString(o.URL) {
		add("url %q: want an http(s):// or s3:// URL without spaces or quotes", o.URL)
	}
	if bucket, ok := strings.CutPrefix(o.URL, "s3://"); ok && strings.Contains(strings.SplitN(bucket, "/", 2)[0], ".") {
		// apt-transport-s3 refuses a host name as the bucket.
		add("url %q: want s3://bucket/prefix with a bucket name without dots", o.URL)
	}
	for _, w := range append([]string{o.Component, o.Package}, o.Architectures...) {
		if !wordRE.MatchString(w) {
			add("%q is not a valid component, package or architecture name", w)
		}
	}
	for _, s := range append([]string{o.Suite}, o.Suites...) {
		if s != "" && !wordRE.MatchString(s) {
			add("suite %q is not a valid suite name", s)
		}
	}
	if o.Suite != "" && len(o.Suites) > 0 && !slices.Contains(o.Suites, o.Suite) {
		add("suite %q is not one of the published suites %s", o.Suite, strings.Join(o.Suites, ", "))
	}
	if o.Version != "" && !versionRE.MatchString(o.Version) {
		add("version %q is not a Debian version", o.Version)
	}
	if !strings.Contains(string(o.Armored), "-----BEGIN PGP PUBLIC KEY BLOCK-----") {
		add("key: want an ASCII-armored public key")
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// quote makes s one single-quoted shell word.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
