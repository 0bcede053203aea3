package compile

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/repoctl/repoctl/build/buildroot"
	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/build/source"
)

// builder is one build in progress, in dir = <state>/builds/<key>.
type builder struct {
	o     Options
	r     *recipe.Recipe // already specialised for the suite
	dir   string
	in    inputs
	start time.Time
	steps int                 // log file counter
	root  *buildroot.Root     // the suite root to build in; nil: the host
	user  *buildroot.HostUser // isolated: who runs the host build's steps
	work  string              // isolated: the build user's tree (sources, staging, home)
}

// run does every step; the staging root is built in a temporary directory
// and renamed only once everything succeeded.
func (b *builder) run(ctx context.Context) (*Result, error) {
	srcRoot := filepath.Join(b.dir, "src")
	if err := b.reset(srcRoot); err != nil {
		return nil, err
	}
	if b.isolated() {
		// The build user's tree: outside the state directory (private,
		// and holding the keys), reachable by the build user alone.
		work, err := workTree(b.dir)
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(work)
		b.work = work
		srcRoot = filepath.Join(work, "src")
		if err := os.Mkdir(srcRoot, 0o755); err != nil {
			return nil, err
		}
	}
	var prep *source.Prepared
	err := b.step("prepare", func(w io.Writer) error {
		var err error
		prep, err = b.o.prepare(ctx, b.r, b.o.Source, srcRoot)
		logPrepared(w, prep)
		return err
	})
	if err != nil {
		return nil, err
	}
	compile := b.compile
	if b.root != nil {
		compile = b.compileInRoot
	}
	res, err := compile(ctx, srcRoot, prep)
	if err != nil {
		return nil, err
	}
	return res, markFinished(b.dir, res)
}

// isolated: a host build's steps run as the build user (issue 8 §5).
func (b *builder) isolated() bool {
	return b.root == nil && !b.o.HostAsCaller && os.Geteuid() == 0
}

// reset removes what an earlier (failed or forced) build left behind.
func (b *builder) reset(srcRoot string) error {
	old, _ := filepath.Glob(filepath.Join(b.dir, "staging*"))
	old = append(old, srcRoot, filepath.Join(b.dir, "logs"), filepath.Join(b.dir, markerFile))
	for _, p := range old {
		if err := os.RemoveAll(p); err != nil {
			return err
		}
	}
	for _, d := range []string{srcRoot, filepath.Join(b.dir, "logs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) compile(ctx context.Context, srcRoot string, prep *source.Prepared) (*Result, error) {
	epoch := b.r.SourceDateEpoch
	if epoch == 0 {
		epoch = newestMtime(prep.Dirs, b.start)
	}
	env, err := b.environ(ctx, srcRoot, epoch)
	if err != nil {
		return nil, err
	}
	if b.isolated() {
		if env, err = b.isolate(ctx, srcRoot, env); err != nil {
			return nil, err
		}
	}
	dir, args, err := configureArgs(b.r, prep.Dirs, env)
	if err != nil {
		return nil, err
	}
	staging, err := b.make(ctx, dir, args, envList(env), prep.Dirs)
	if err != nil {
		if staging != "" {
			os.RemoveAll(staging) // half a staging root is of no use to anyone
		}
		return nil, err
	}
	final := filepath.Join(b.dir, "staging")
	if err := moveTree(staging, final); err != nil {
		return nil, err
	}
	res := &Result{StagingDir: final, Key: b.in.key, LogDir: filepath.Join(b.dir, "logs")}
	res.Provenance = b.provenance(prep, args, epoch)
	return res, nil
}

// make runs configure, make, make install and the recipe's install steps
// into a fresh temporary staging root, which it returns.
func (b *builder) make(ctx context.Context, dir string, args, env []string, dirs map[string]string) (string, error) {
	run := func(name string, prog string, args ...string) error {
		return b.step(name, func(w io.Writer) error {
			if b.user != nil {
				fmt.Fprintf(w, "+ %s %s (as %s)\n", prog, strings.Join(args, " "), b.user.Name)
				return b.user.Run(ctx, dir, env, w, prog, args...)
			}
			return command(ctx, w, dir, env, prog, args...)
		})
	}
	if err := run("configure", "./configure", args...); err != nil {
		return "", err
	}
	makeArgs := append([]string{"-j" + strconv.Itoa(b.o.Jobs)}, b.r.Build.MakeArgs...)
	if err := run("make", "make", makeArgs...); err != nil {
		return "", err
	}
	parent := b.dir
	if b.work != "" {
		parent = b.work
	}
	staging, err := os.MkdirTemp(parent, "staging.tmp-")
	if err != nil {
		return "", err
	}
	if err := os.Chmod(staging, 0o755); err != nil {
		return "", err
	}
	if b.user != nil {
		if err := b.user.Own(staging); err != nil {
			return staging, err
		}
	}
	installArgs := append([]string{"install", "DESTDIR=" + staging}, b.r.Build.MakeArgs...)
	if err := run("install", "make", installArgs...); err != nil {
		return staging, err
	}
	if b.user != nil {
		// Back to root, as if copied out of a build root: the build user
		// must not change what gets packaged, and no setuid bit it set
		// survives (packaging sets modes explicitly).
		if err := disown(staging); err != nil {
			return staging, err
		}
	}
	err = b.step("install-steps", func(w io.Writer) error { return installSteps(w, b.r.Build.Install, dirs, staging) })
	return staging, err
}

// logPrepared records in the prepare log what went in.
func logPrepared(w io.Writer, p *source.Prepared) {
	if p == nil {
		return
	}
	for _, s := range p.Sources {
		fmt.Fprintf(w, "source %s: %s sha256 %s -> %s\n", s.Name, s.Origin, s.SHA256, p.Dirs[s.Name])
	}
	for _, pt := range p.Patches {
		fmt.Fprintf(w, "patch %s\n", pt)
	}
}

// newestMtime is SOURCE_DATE_EPOCH by default: the newest file time in the
// sources, ignoring files touched after before (patched ones), so that the
// same sources give the same epoch on every build.
func newestMtime(dirs map[string]string, before time.Time) int64 {
	var newest time.Time
	for _, d := range dirs {
		filepath.WalkDir(d, func(_ string, e fs.DirEntry, err error) error {
			if err != nil || !e.Type().IsRegular() {
				return nil
			}
			info, err := e.Info()
			if err == nil && info.ModTime().After(newest) && info.ModTime().Before(before) {
				newest = info.ModTime()
			}
			return nil
		})
	}
	if newest.IsZero() {
		return 0
	}
	return newest.Unix()
}
