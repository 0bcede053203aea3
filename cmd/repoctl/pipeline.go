package main

import (
	"context"
	"fmt"
	"time"
)

// step is one stage of a release: a name and a Run that reports what it did.
// Logging, timing and "skipped because" are done once by runSteps, not inside
// the steps (goreleaser's pipe contract).
type step interface {
	String() string
	Run(ctx context.Context, rel *release) (stepResult, error)
}

// stepResult is what a step says about itself in the report.
type stepResult struct {
	Summary string `json:"summary"`           // what it produced
	Skipped bool   `json:"skipped,omitempty"` // inputs unchanged: nothing done
}

// stepReport is one line of the release report.
type stepReport struct {
	Step     string        `json:"step"`
	Summary  string        `json:"summary"`
	Skipped  bool          `json:"skipped,omitempty"`
	Duration time.Duration `json:"duration_ns"`
	Error    string        `json:"error,omitempty"`
}

// stepError names the step that failed, so the user knows where to look.
type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return e.step + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// runSteps runs steps in order, stopping at the first error; onDone sees each
// step's report as soon as it finishes (the progress lines).
func runSteps(ctx context.Context, rel *release, steps []step, onDone func(stepReport)) ([]stepReport, error) {
	var reports []stepReport
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return reports, err
		}
		start := time.Now()
		res, err := s.Run(ctx, rel)
		r := stepReport{Step: s.String(), Summary: res.Summary, Skipped: res.Skipped, Duration: time.Since(start)}
		if err != nil {
			r.Error = err.Error()
		}
		reports = append(reports, r)
		onDone(r)
		if err != nil {
			return reports, &stepError{step: s.String(), err: err}
		}
	}
	return reports, nil
}

func formatStep(r stepReport) string {
	status := "done"
	switch {
	case r.Error != "":
		status = "FAILED"
	case r.Skipped:
		status = "skipped"
	}
	line := fmt.Sprintf("%-9s %-7s %7s  %s", r.Step, status, r.Duration.Round(10*time.Millisecond), r.Summary)
	if r.Error != "" {
		line += r.Error
	}
	return line
}
