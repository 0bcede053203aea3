package repo

import (
	"fmt"

	"github.com/repoctl/repoctl/internal/errs"
)

// usagef is an error the user caused and can fix (exit 2).
func usagef(format string, args ...any) error {
	return errs.Usage(fmt.Errorf(format, args...))
}
