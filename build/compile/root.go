package compile

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/repoctl/repoctl/build/buildroot"
	"github.com/repoctl/repoctl/build/source"
)

// Inside a suite root, sources go to rootSrc and make install to
// rootStaging, both under the build user's home.
const (
	rootSrc     = buildroot.BuildHome + "/src"
	rootStaging = buildroot.BuildHome + "/staging"
)

// compileInRoot is compile in a throw-away session of the suite root: the
// prepared sources are copied in, configure, make and make install run
// there as the unprivileged build user with a clean environment and no
// network, and the installed tree is copied out (setuid bits dropped,
// no link followed out of it). The recipe's install steps then run on the
// host, from the same prepared sources.
func (b *builder) compileInRoot(ctx context.Context, srcRoot string, prep *source.Prepared) (*Result, error) {
	epoch := b.r.SourceDateEpoch
	if epoch == 0 {
		epoch = newestMtime(prep.Dirs, b.start)
	}
	s, err := b.root.Session(ctx)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	err = b.step("copy-in", func(w io.Writer) error {
		fmt.Fprintf(w, "copy %s -> %s (the %s root, %s)\n", srcRoot, rootSrc, s.Suite, s.Dir)
		return s.CopyIn(srcRoot, rootSrc)
	})
	if err != nil {
		return nil, err
	}
	dirs, err := rootDirs(srcRoot, prep.Dirs)
	if err != nil {
		return nil, err
	}
	env, err := b.rootEnviron(ctx, s, epoch)
	if err != nil {
		return nil, err
	}
	dir, args, err := configureArgs(b.r, dirs, env)
	if err != nil {
		return nil, err
	}
	list := envList(env)
	run := func(name, prog string, args ...string) error {
		return b.step(name, func(w io.Writer) error {
			fmt.Fprintf(w, "+ %s %s (in the %s root, as %s)\n", prog, strings.Join(args, " "), s.Suite, buildroot.BuildUser)
			return s.Run(ctx, dir, list, w, prog, args...)
		})
	}
	if err := run("configure", "./configure", args...); err != nil {
		return nil, err
	}
	makeArgs := append([]string{"-j" + strconv.Itoa(b.o.Jobs)}, b.r.Build.MakeArgs...)
	if err := run("make", "make", makeArgs...); err != nil {
		return nil, err
	}
	installArgs := append([]string{"install", "DESTDIR=" + rootStaging}, b.r.Build.MakeArgs...)
	if err := run("install", "make", installArgs...); err != nil {
		return nil, err
	}
	staging, err := os.MkdirTemp(b.dir, "staging.tmp-")
	if err != nil {
		return nil, err
	}
	err = b.step("copy-out", func(w io.Writer) error {
		fmt.Fprintf(w, "copy %s (the %s root) -> %s\n", rootStaging, s.Suite, staging)
		if err := s.CopyOut(rootStaging, staging); err != nil {
			return err
		}
		return os.Chmod(staging, 0o755)
	})
	if err == nil {
		err = b.step("install-steps", func(w io.Writer) error { return installSteps(w, b.r.Build.Install, prep.Dirs, staging) })
	}
	if err != nil {
		os.RemoveAll(staging)
		return nil, err
	}
	final := filepath.Join(b.dir, "staging")
	if err := os.Rename(staging, final); err != nil {
		return nil, err
	}
	res := &Result{StagingDir: final, Key: b.in.key, LogDir: filepath.Join(b.dir, "logs"),
		Root: b.root.Suite, RootCacheDir: filepath.Dir(b.root.Dir)}
	res.Provenance = b.provenance(prep, args, epoch)
	return res, nil
}

// rootDirs maps each prepared source directory (under srcRoot on the
// host) to where CopyIn put it inside the root.
func rootDirs(srcRoot string, host map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(host))
	for name, d := range host {
		rel, err := filepath.Rel(srcRoot, d)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, fmt.Errorf("source %s: prepared in %s, outside %s", name, d, srcRoot)
		}
		out[name] = path.Join(rootSrc, filepath.ToSlash(rel))
	}
	return out, nil
}

// rootEnviron is environ for a suite root: nothing from repoctl's own
// environment (no signing passphrase, no cloud credentials), the root's
// PATH/HOME/USER, the root's dpkg-buildflags (run in rootSrc, so that
// -ffile-prefix-map maps the sources to "."), SOURCE_DATE_EPOCH, then the
// recipe's env, which wins.
func (b *builder) rootEnviron(ctx context.Context, s *buildroot.Root, epoch int64) (map[string]string, error) {
	env := map[string]string{}
	for _, kv := range s.Env() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	if hardening(b.r.Build.Hardening) {
		maint := "hardening=+all"
		if v, ok := b.r.Build.Env["DEB_BUILD_MAINT_OPTIONS"]; ok {
			maint = v
		}
		flagEnv := s.Env("DEB_BUILD_MAINT_OPTIONS=" + maint)
		for _, name := range buildFlags {
			var out bytes.Buffer
			if err := s.Run(ctx, rootSrc, flagEnv, &out, "dpkg-buildflags", "--get", name); err != nil {
				return nil, fmt.Errorf("dpkg-buildflags --get %s: %w: %s", name, err, strings.TrimSpace(out.String()))
			}
			env[name] = strings.TrimSpace(out.String())
		}
	}
	env["SOURCE_DATE_EPOCH"] = strconv.FormatInt(epoch, 10)
	env["LC_ALL"] = "C"
	maps.Copy(env, b.r.Build.Env)
	return env, nil
}
