package main

import (
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/go-logr/logr"
)

// gcPercentUnderLimit is the GOGC the webhook runs with when a memory limit
// bounds the heap. The informer cache is a large, long-lived heap (about
// 260 MiB for 100k resources): with the default GOGC of 100 each
// collection re-marks all of it every few thousand reviews, and on a small
// node those marks are what the slowest 1% of reviews wait for. A memory
// limit keeps the heap from growing past what the pod may use.
const gcPercentUnderLimit = 400

// cgroupMemoryFiles hold the container's memory limit (cgroup v2, then v1).
var cgroupMemoryFiles = []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}

// tuneWebhookGC raises GOGC under the container's memory limit, with a soft limit
// of 90% of it, unless GOGC or GOMEMLIMIT are set in the environment (the
// runtime has applied those already) or no limit is found.
func tuneWebhookGC(log logr.Logger) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	limit := containerMemoryLimit(cgroupMemoryFiles)
	if limit <= 0 {
		return
	}
	soft := limit / 10 * 9
	debug.SetMemoryLimit(soft)
	debug.SetGCPercent(gcPercentUnderLimit)
	log.Info("tuned the garbage collector to the container's memory limit", "limitBytes", limit, "softLimitBytes", soft, "gogc", gcPercentUnderLimit)
}

// containerMemoryLimit returns the first finite limit found in files, or 0.
func containerMemoryLimit(files []string) int64 {
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(b))
		if s == "max" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 || n >= 1<<60 {
			return 0 // cgroup v1 reports "no limit" as a huge number
		}
		return n
	}
	return 0
}
