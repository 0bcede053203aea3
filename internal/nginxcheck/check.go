package nginxcheck

import (
	"context"
	"errors"
	"fmt"
)

// Check runs every check against each base URL (http://127.0.0.1:PORT of
// a server configured by Config), then, when errorLog is not "", checks
// the error log. It reports every failure, not only the first.
func Check(ctx context.Context, errorLog string, bases ...string) error {
	var errs []error
	for i, base := range bases {
		for _, c := range []struct {
			name string
			fn   func() error
		}{
			{"lua", func() error { return Lua(ctx, base) }},
			{"push-stream", func() error { return PushStream(ctx, base) }},
			{"purge", func() error { return Purge(ctx, base, fmt.Sprintf("/cached/%s-%d", channelName(), i)) }},
		} {
			if err := c.fn(); err != nil {
				errs = append(errs, fmt.Errorf("%s at %s: %w", c.name, base, err))
			}
		}
	}
	if errorLog != "" {
		if err := ErrorLog(errorLog); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
