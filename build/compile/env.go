package compile

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// makeVars are dropped from the caller's environment: under an outer make
// (make test) they carry its jobserver and flags, and -j<Jobs> must be the
// only parallelism setting.
var makeVars = []string{"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "GNUMAKEFLAGS"}

// buildFlags are taken from dpkg-buildflags when hardening is on.
var buildFlags = []string{"CFLAGS", "CPPFLAGS", "LDFLAGS"}

// environ is the build's environment: the caller's, then dpkg-buildflags'
// hardened flags, then SOURCE_DATE_EPOCH, then the recipe's env (which wins).
// dpkg-buildflags runs in srcRoot so that its -ffile-prefix-map maps every
// source directory (nginx and its modules) to ".".
func (b *builder) environ(ctx context.Context, srcRoot string, epoch int64) (map[string]string, error) {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok && !slices.Contains(makeVars, k) && !secretVar(k) {
			env[k] = v
		}
	}
	if hardening(b.r.Build.Hardening) {
		for _, name := range buildFlags {
			v, err := dpkgBuildflags(ctx, srcRoot, name)
			if err != nil {
				return nil, err
			}
			env[name] = v
		}
	}
	env["SOURCE_DATE_EPOCH"] = strconv.FormatInt(epoch, 10)
	env["LC_ALL"] = "C" // stable compiler messages in logs
	for k, v := range b.r.Build.Env {
		env[k] = v
	}
	return env, nil
}

// secretVar names the variables that must never reach third-party build
// code, even in a build that is not isolated (repoctl not run as root):
// the signing passphrase, cloud credentials, repoctl's own settings.
func secretVar(k string) bool {
	for _, p := range []string{"REPOCTL_", "AWS_", "GOOGLE_", "AZURE_"} {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

func withoutSecrets(environ []string) []string {
	var out []string
	for _, kv := range environ {
		if k, _, _ := strings.Cut(kv, "="); !secretVar(k) {
			out = append(out, kv)
		}
	}
	return out
}

func hardening(h *bool) bool { return h == nil || *h }

// dpkgBuildflags asks for one flag set with every hardening feature on,
// unless the caller chose its own DEB_BUILD_MAINT_OPTIONS.
func dpkgBuildflags(ctx context.Context, dir, name string) (string, error) {
	cmd := exec.CommandContext(ctx, "dpkg-buildflags", "--get", name)
	cmd.Dir = dir
	cmd.Env = withoutSecrets(os.Environ())
	if os.Getenv("DEB_BUILD_MAINT_OPTIONS") == "" {
		cmd.Env = append(cmd.Env, "DEB_BUILD_MAINT_OPTIONS=hardening=+all")
	}
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("dpkg-buildflags --get %s: %w (is dpkg-dev installed?)", name, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// envList turns the map into exec's form, sorted for stable logs.
func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// expand replaces $NAME and ${NAME} in a configure argument with the build
// environment's value, so a recipe can write --with-ld-opt=$LDFLAGS. An
// unknown name is an error (a typo must not become an empty flag); $$ is
// a literal $.
func expand(arg string, env map[string]string) (string, error) {
	var missing []string
	out := os.Expand(arg, func(name string) string {
		if name == "$" {
			return "$"
		}
		v, ok := env[name]
		if !ok && slices.Contains(buildFlags, name) {
			return "" // hardening off: the flags are simply empty
		}
		if !ok {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("configure argument %q: $%s is not set in the build environment", arg, missing[0])
	}
	return out, nil
}
