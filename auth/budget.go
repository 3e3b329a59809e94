package auth

import (
	"context"
	"time"
)

// SpendAttempt spends one attempt of key's budget on the terms of
// registrations (Config.RegisterAttempts in a burst, then one every
// Config.RegisterInterval; shared between servers through
// Config.Throttles): how other public routes that cost something per
// client address are throttled as registration is, such as the mailing
// list's subscribe (key "subscribe:" + the address). When the budget is
// spent it spends nothing and returns how long to wait.
func (s *Service) SpendAttempt(ctx context.Context, key string) (wait time.Duration, err error) {
	wait, end, err := s.beginRegistration(ctx, s.cfg.Now(), []string{key})
	if err != nil || wait > 0 {
		return wait, err
	}
	end(true)
	return 0, nil
}
