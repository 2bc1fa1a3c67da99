package main

import (
	"fmt"
	"io"
)

// runWebhook runs the admission webhook server.
//
// TODO: wire package webhook's entry point once it lands; until then the
// subcommand exists so that scripts get a clear error rather than an
// attempt to lint a directory named "webhook".
func runWebhook(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "meshlint webhook: not built in: this build has no webhook server yet")
	return exitTrouble
}
