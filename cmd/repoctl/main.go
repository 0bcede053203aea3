// Command repoctl takes a build recipe to a signed package in a signed apt
// repository: build, package, sign, add, snapshot, publish, verify.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/repoctl/repoctl/internal/errs"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// run executes the command line and maps its error to an exit code: the one
// place where exit codes are chosen (README.md, "Exit codes").
func run(ctx context.Context, args []string) int {
	app := newApp(os.Stdout, os.Stderr)
	root := newRootCmd(app)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return errs.ExitOK
	}
	code := errs.Code(err)
	if isCobraUsageError(err) {
		code = errs.ExitUsage
	}
	fmt.Fprintf(app.Err, "repoctl: %v\n", err)
	return code
}
