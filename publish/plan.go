package publish

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/repoctl/repoctl/internal/errs"
)

// PlannedAction is one change a publish makes (or, with DryRun, would make).
type PlannedAction struct {
	Action string `json:"action"` // "upload" or "delete"
	Key    string `json:"key"`
	Size   int64  `json:"size,omitempty"` // bytes uploaded; 0 for a delete
}

// The upload phases, in order. A later phase starts only when the earlier
// one has finished, so that whatever a file references is already there.
const (
	phaseImmutable = iota // pool/ and by-hash/: new names, nothing live changes
	phaseIndexes          // plain Packages, Contents, ...: apt fetches by hash
	phaseRelease          // Release, Release.gpg, then InRelease: the switch
	nPhases
)

type plan struct {
	uploads  [nPhases][]*localFile
	deletes  []string
	skipped  int
	oldState *publishState
	newState *publishState
}

// planner compares the staging tree with the target's listing.
type planner struct {
	t      Target
	st     *staging
	remote map[string]Object
	opts   Options
	live   map[string]bool // keys the target's current Releases reference; nil until needed
}

func makePlan(ctx context.Context, st *staging, t Target, objs []Object, state *publishState, opts Options) (*plan, error) {
	pl := &planner{t: t, st: st, remote: map[string]Object{}, opts: opts}
	for _, o := range objs {
		pl.remote[o.Key] = o
	}
	localRefs, err := pl.checkStaging()
	if err != nil {
		return nil, err
	}
	p := &plan{oldState: state}
	if err := pl.planUploads(ctx, p); err != nil {
		return nil, err
	}
	if err := pl.planDeletes(ctx, p, localRefs); err != nil {
		return nil, err
	}
	return p, nil
}

// checkStaging refuses a staging tree whose Releases reference a file that
// is missing or has other content than they say (a client would get a 404
// or a hash mismatch), and returns every key the new Releases reference.
// Pool and by-hash files may also be already published: their names pin
// their content.
func (pl *planner) checkStaging() (map[string]bool, error) {
	refs := map[string]bool{}
	for dist, rel := range pl.st.releases {
		for _, k := range rel.keys() {
			refs[k] = true
		}
		for p, e := range rel.files {
			if err := pl.present("dists/"+dist+"/"+p, e.size, e.sums["SHA256"]); err != nil {
				return nil, err
			}
			if algo, sum := strongest(e.sums); rel.byHash && isIndex(p) {
				if err := pl.present("dists/"+dist+"/"+byHashKey(p, algo, sum), e.size, e.sums["SHA256"]); err != nil {
					return nil, err
				}
			}
		}
		pool, err := pl.localPoolRefs(rel)
		if err != nil {
			return nil, err
		}
		for _, r := range pool {
			if err := pl.present(r.key, r.size, r.sha256); err != nil {
				return nil, err
			}
			refs[r.key] = true
		}
	}
	return refs, nil
}

// present checks that key is staged with size bytes and SHA-256 sha, or
// (pool and by-hash only) already published with size bytes. A size < 0
// or an empty sha is not checked.
func (pl *planner) present(key string, size int64, sha string) error {
	if f := pl.st.files[key]; f != nil {
		if size >= 0 && f.size != size {
			return fmt.Errorf("staging %s is %d bytes but the index says %d", key, f.size, size)
		}
		if sha != "" && f.sha256 != sha {
			return fmt.Errorf("staging %s has SHA-256 %s but the index says %s", key, f.sha256, sha)
		}
		return nil
	}
	if o, ok := pl.remote[key]; ok && isImmutable(key) && (size < 0 || o.Size == size) {
		return nil
	}
	return fmt.Errorf("staging %s: referenced by a Release or index but neither staged nor published", key)
}

func (pl *planner) localPoolRefs(rel *release) ([]poolRef, error) {
	var out []poolRef
	for _, idx := range rel.indexes() {
		f := pl.st.files["dists/"+rel.dist+"/"+idx]
		if f == nil {
			continue // reported by checkStaging
		}
		refs, err := readPoolRefs(f.path)
		if err != nil {
			return nil, fmt.Errorf("staging: %w", err)
		}
		out = append(out, refs...)
	}
	return out, nil
}

// planUploads puts every staged file that the target lacks or has with
// other content into its phase.
func (pl *planner) planUploads(ctx context.Context, p *plan) error {
	warnedPlus := false
	for _, k := range sortedKeys(pl.st.files) {
		f := pl.st.files[k]
		if strings.Contains(k, "+") && !warnedPlus {
			warnedPlus = true
			pl.opts.Progress.Notef("warning: %s: some S3 front ends read '+' in a URL as a space (FACTS §5); "+
				"avoid '+' in versions and file names", k)
		}
		same, err := pl.unchanged(ctx, f)
		if err != nil {
			return err
		}
		switch {
		case same:
			p.skipped++
		case isReleaseFile(k, pl.st.releases):
			p.uploads[phaseRelease] = append(p.uploads[phaseRelease], f)
		case isImmutable(k):
			p.uploads[phaseImmutable] = append(p.uploads[phaseImmutable], f)
		default:
			p.uploads[phaseIndexes] = append(p.uploads[phaseIndexes], f)
		}
	}
	sortReleaseFiles(p.uploads[phaseRelease])
	return nil
}

// unchanged compares size and MD5 (the ETag of a single-part upload). A
// pool file that differs while a live Release references it is refused:
// overwriting it would break every client of the published repository.
func (pl *planner) unchanged(ctx context.Context, f *localFile) (bool, error) {
	o, ok := pl.remote[f.key]
	if !ok {
		return false, nil
	}
	if o.Size == f.size && o.ETag == f.md5 {
		return true, nil
	}
	if !strings.HasPrefix(f.key, "pool/") {
		return false, nil
	}
	if o.Size == f.size && !isMD5(o.ETag) {
		// A multipart upload by another tool: its ETag is no MD5, so read it.
		sum, err := remoteMD5(ctx, pl.t, f.key)
		if err != nil || sum == f.md5 {
			return err == nil, err
		}
	}
	live, err := pl.liveRefs(ctx)
	if err != nil {
		return false, err
	}
	if live[f.key] {
		return false, errs.Usage(fmt.Errorf("%s/%s is published with other content and the published "+
			"repository references it: a version's content must never change (bump the revision)", pl.t, f.key))
	}
	return false, nil
}

// liveRefs reads, once, what the target's current Releases reference.
func (pl *planner) liveRefs(ctx context.Context) (map[string]bool, error) {
	if pl.live != nil {
		return pl.live, nil
	}
	refs, err := remoteRefs(ctx, pl.t, pl.remote, distRoots(sortedKeys(pl.remote)))
	pl.live = refs
	return refs, err
}

// planDeletes records when each superseded object stopped being referenced
// and deletes those unreferenced for longer than the grace. Candidates are
// pool/ files and files under the distributions being published that are
// not staged and that no Release after this publish references: neither
// the staged ones nor those of the other distributions on the target.
func (pl *planner) planDeletes(ctx context.Context, p *plan, localRefs map[string]bool) error {
	var cands []string
	for k := range pl.remote {
		if pl.candidate(k) && pl.st.files[k] == nil && !localRefs[k] {
			cands = append(cands, k)
		}
	}
	p.newState = &publishState{Version: 1, Unreferenced: map[string]time.Time{}}
	if len(cands) == 0 {
		return nil
	}
	otherRefs, err := remoteRefs(ctx, pl.t, pl.remote, pl.otherDists())
	if errors.Is(err, errBadRelease) {
		// Without knowing what that distribution references, no pool file
		// may go: keep everything and the grace records as they are.
		pl.opts.Progress.Notef("warning: no deletions this time: %v", err)
		p.newState = p.oldState
		return nil
	}
	if err != nil {
		return err
	}
	sort.Strings(cands)
	for _, k := range cands {
		if !otherRefs[k] {
			pl.age(p, k)
		}
	}
	return nil
}

// age keeps an unreferenced object in the state, from when it was first
// seen unreferenced, or plans its deletion once the grace has passed.
func (pl *planner) age(p *plan, key string) {
	now := pl.opts.Now()
	since, ok := p.oldState.Unreferenced[key]
	if !ok || since.After(now) {
		since = now
	}
	if now.Sub(since) > pl.opts.Grace {
		p.deletes = append(p.deletes, key)
		return
	}
	p.newState.Unreferenced[key] = since
}

// otherDists are the distributions on the target not being published.
func (pl *planner) otherDists() []string {
	var out []string
	for _, d := range distRoots(sortedKeys(pl.remote)) {
		if pl.st.releases[d] == nil {
			out = append(out, d)
		}
	}
	return out
}

// candidate: objects publish may delete: pool files (shared by every
// distribution) and files under the distributions being published; the
// other distributions' directories are never touched.
func (pl *planner) candidate(k string) bool {
	if strings.HasPrefix(k, "pool/") {
		return true
	}
	for d := range pl.st.releases {
		if strings.HasPrefix(k, "dists/"+d+"/") {
			return true
		}
	}
	return false
}

// sortReleaseFiles orders each distribution's Release, Release.gpg, then
// InRelease. apt reads InRelease first and falls back to Release +
// Release.gpg only when InRelease is missing: InRelease is the switch, so
// it goes last of all, when everything it references is in place.
func sortReleaseFiles(files []*localFile) {
	rank := map[string]int{"Release": 0, "Release.gpg": 1, "InRelease": 2}
	sort.SliceStable(files, func(i, j int) bool {
		di, dj := path.Dir(files[i].key), path.Dir(files[j].key)
		if di != dj {
			return di < dj
		}
		return rank[path.Base(files[i].key)] < rank[path.Base(files[j].key)]
	})
}

func (p *plan) actions() []PlannedAction {
	var out []PlannedAction
	for _, phase := range p.uploads {
		for _, f := range phase {
			out = append(out, PlannedAction{Action: "upload", Key: f.key, Size: f.size})
		}
	}
	for _, k := range p.deletes {
		out = append(out, PlannedAction{Action: "delete", Key: k})
	}
	return out
}

func isMD5(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// strongest returns the hash apt uses for by-hash: the strongest listed.
func strongest(sums map[string]string) (algo, sum string) {
	for _, a := range []string{"SHA512", "SHA256", "SHA1", "MD5Sum"} {
		if s := sums[a]; s != "" {
			return a, s
		}
	}
	return "", ""
}

var errNoRelease = errors.New("no Release")

// errBadRelease marks a published Release that cannot be parsed.
var errBadRelease = errors.New("unreadable published Release")

// isIndex: the files apt fetches from a Release, by hash when it may.
func isIndex(p string) bool {
	base, _, _ := strings.Cut(path.Base(p), ".")
	return base == "Packages" || base == "Sources"
}
