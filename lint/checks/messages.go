package checks

import (
	"fmt"
	"strings"
)

// listRefs joins up to max names, noting how many more there are.
func listRefs(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:max], ", "), len(names)-max)
}
