package testkit

import (
	"syscall"
	"time"
)

// CPUTime is the CPU time the process has used (user and system, every
// thread, the garbage collector's too): on a machine shared with other
// work it varies less than wall time, which counts the waits for a core.
// Benchmarks report it beside ns/op. It is 0 where the system does not
// tell.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
