// Package errs classifies errors by who must act on them, so that the CLI
// can map every failure to one exit code in one place.
//
// Lower packages wrap an error with Usage (the user gave bad input: a recipe,
// a flag, a config file) or Verify (something failed a check: checksum,
// signature, a published repository read back). Anything else is a plain
// failure (exit 1).
package errs

import "errors"

// Exit codes, documented in README.md.
const (
	ExitOK     = 0
	ExitFailed = 1
	ExitUsage  = 2
	ExitVerify = 3
)

type kindError struct {
	err  error
	code int
}

func (e *kindError) Error() string { return e.err.Error() }
func (e *kindError) Unwrap() error { return e.err }

// Usage marks err as caused by bad user input (exit 2).
func Usage(err error) error {
	if err == nil {
		return nil
	}
	return &kindError{err: err, code: ExitUsage}
}

// Verify marks err as a failed verification (exit 3).
func Verify(err error) error {
	if err == nil {
		return nil
	}
	return &kindError{err: err, code: ExitVerify}
}

// Code returns the exit code for err: 0 for nil, the code of the outermost
// classified error in its chain, or 1.
func Code(err error) int {
	if err == nil {
		return ExitOK
	}
	var k *kindError
	if errors.As(err, &k) {
		return k.code
	}
	return ExitFailed
}
