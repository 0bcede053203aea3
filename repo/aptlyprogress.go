package repo

import (
	"fmt"
	"strings"
	"sync"

	"github.com/aptly-dev/aptly/aptly"

	"github.com/repoctl/repoctl/internal/progress"
)

// aptlyProgress adapts a progress.Reporter to aptly.Progress. aptly must
// never get a nil progress: it panics on the first warning.
type aptlyProgress struct {
	rep progress.Reporter
	mu  sync.Mutex
	bar progress.Bar
}

var _ aptly.Progress = (*aptlyProgress)(nil)

func newAptlyProgress(rep progress.Reporter) *aptlyProgress {
	if rep == nil {
		rep = progress.Discard
	}
	return &aptlyProgress{rep: rep}
}

// Write takes aptly's raw output (download bars it never shows here).
func (p *aptlyProgress) Write(b []byte) (int, error) { return len(b), nil }
func (p *aptlyProgress) Start()                      {}
func (p *aptlyProgress) Shutdown()                   { p.ShutdownBar() }
func (p *aptlyProgress) Flush()                      {}

var barLabels = map[aptly.BarType]string{
	aptly.BarGeneralBuildPackageList:     "loading packages",
	aptly.BarPublishGeneratePackageFiles: "writing indexes",
	aptly.BarPublishFinalizeIndexes:      "finalizing indexes",
}

func (p *aptlyProgress) InitBar(count int64, _ bool, t aptly.BarType) {
	p.mu.Lock()
	defer p.mu.Unlock()
	label, ok := barLabels[t]
	if !ok {
		label = "aptly"
	}
	p.bar = p.rep.Bar(label, count)
}

func (p *aptlyProgress) ShutdownBar() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Done()
		p.bar = nil
	}
}

func (p *aptlyProgress) AddBar(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Add(int64(n))
	}
}

func (p *aptlyProgress) SetBar(int) {}

// Printf carries aptly's step chatter ("Loading packages..."): dropped,
// the bars say the same.
func (p *aptlyProgress) Printf(string, ...interface{}) {}

// ColoredPrintf and PrintfStdErr carry warnings: shown.
func (p *aptlyProgress) ColoredPrintf(msg string, a ...interface{}) { p.note(msg, a...) }
func (p *aptlyProgress) PrintfStdErr(msg string, a ...interface{})  { p.note(msg, a...) }

func (p *aptlyProgress) note(msg string, a ...interface{}) {
	p.rep.Notef("aptly: %s", strings.TrimSpace(fmt.Sprintf(msg, a...)))
}
