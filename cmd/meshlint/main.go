// Command meshlint lints Istio configuration: files and directories in CI
// (`meshlint ./manifests`), a live cluster (`meshlint --cluster`), and, as
// `meshlint webhook`, every change admitted to a cluster.
//
// main is a thin shell around run, which takes the arguments and the three
// standard streams and returns the exit status, so that the whole command
// line is tested in-process against buffers. run is the only code that
// prints or chooses an exit status.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
)

// Set at build time: go build -ldflags "-X main.version=v1.2.3 -X main.commit=... -X main.date=...".
var (
	version = "dev"
	commit  = ""
	date    = ""
)

// Exit statuses, the same in every output format.
const (
	exitOK       = 0 // no finding at or above --fail-on
	exitFindings = 1 // at least one finding at or above --fail-on
	exitTrouble  = 2 // bad flag, unreadable path, unparseable YAML or config
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "webhook" {
		tuneGC()
	}
	// MESHLINT_CPUPROFILE=FILE writes a CPU profile of the run, for
	// performance work (docs/performance.md).
	if file := os.Getenv("MESHLINT_CPUPROFILE"); file != "" {
		if f, err := os.Create(file); err == nil {
			if err := pprof.StartCPUProfile(f); err == nil {
				code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
				pprof.StopCPUProfile()
				f.Close()
				os.Exit(code)
			}
		}
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// tuneGC sets the garbage collector for a lint run, which is short and
// allocates a few times the size of its input before it exits: collect
// rarely (GOGC 400: a 10k-resource run collects once or twice) but keep the
// heap under 700 MiB for large inputs (a 100k-resource run, 43 MB of YAML,
// holds about 300 MB live; at a 450 MiB limit the collector ran nearly
// continuously and the run took half as long again). GOGC and GOMEMLIMIT in
// the environment take precedence; raise GOMEMLIMIT for inputs much larger
// than that. The long-running webhook keeps its own settings. Measured in
// docs/performance.md.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(700 << 20)
	}
}

// run runs one meshlint command line and returns its exit status. stdout
// carries only the command's output (the chosen format, for lint);
// diagnostics go to stderr.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "lint", "help":
			// Not contract commands: a file or directory of that name wins.
			if _, err := os.Stat(args[0]); err == nil {
				return runLint(args, stdin, stdout, stderr)
			}
		}
		switch args[0] {
		case "lint":
			return runLint(args[1:], stdin, stdout, stderr)
		case "checks":
			return runChecks(args[1:], stdout, stderr)
		case "explain":
			return runExplain(args[1:], stdout, stderr)
		case "version":
			return runVersion(args[1:], stdout, stderr)
		case "webhook":
			return runWebhook(args[1:], stdout, stderr)
		case "help":
			fmt.Fprint(stdout, lintUsage())
			return exitOK
		}
	}
	return runLint(args, stdin, stdout, stderr)
}

const usage = `meshlint catches Istio configuration that the API server accepts but traffic does not.

Usage:
  meshlint [flags] [PATH...]        lint files, directories (*.yaml, *.yml, *.json, recursively,
                                    skipping hidden ones such as .git unless named) or - for
                                    stdin; no PATH means .
  meshlint --cluster [flags]        lint what is live in a cluster, as the webhook sees it
  meshlint --cluster [flags] PATH...
                                    lint files laid over the cluster: only what they cause
                                    (--all: everything)
  meshlint checks [-o text|json|markdown]
                                    list the checks
  meshlint explain ID|NAME          a check's long doc, an example that fires, and the fix
  meshlint webhook [flags]          run the admission webhook server
  meshlint version                  print version, commit and build date

Lint flags:
`

const lintNotes = `
Checks: --enable limits the run to the listed checks (IDs or names, repeatable, comma lists
allowed) and turns them on even when the config file sets them off; --disable then removes
checks. Without either, every check runs except those the config file turns off.

Severity: --min-severity hides findings below it; hidden findings count for nothing, neither in
the summary nor in the exit status. --fail-on (else the config's failOn, else warning) is the
lowest severity of a shown finding that makes the exit status 1.

Cluster mode: --cluster reads every namespace so that references across namespaces resolve;
-n NS reports only on NS, -A (the default) on all. Outside cluster mode, -n is the namespace of
resources that have none. With PATHs, the files' resources replace the live ones of the same
name, and only the findings the change causes are reported: all on the files' resources, and
those on live resources that appear because of the change; --all reports everything.

Inputs: a directory holding Chart.yaml is rendered as helm template would (values.yaml, then
-f/--values and --set; without them, once per ci/*-values.yaml if there are any); one holding a
kustomization is built as kustomize build would (no plugins, no network). "# Source: path"
comments name the file of the documents that follow (in a file on disk, when that file exists).
Documents without apiVersion or kind, and
templates that a tool renders first ({{ .X }} where a value goes), are skipped (-v lists them).
--exclude GLOB and the config's exclude key leave paths out.

Paths: a path spelled like a command (checks, explain, lint, version, webhook, help) is read
as that command; write ./checks to lint a directory of that name.

Exit status: 0 no finding at or above --fail-on; 1 at least one; 2 meshlint could not do the
whole job (bad flag, unreadable path, unparseable YAML, bad config). Whatever could be linted is
still reported, in every output format.
`

func runVersion(args []string, stdout, stderr io.Writer) int {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		fmt.Fprint(stdout, "Usage: meshlint version\n\nPrint meshlint's version, commit, build date and Go version.\n")
		return exitOK
	}
	if len(args) > 0 {
		fmt.Fprintf(stderr, "meshlint version: unexpected argument %q\n", args[0])
		return exitTrouble
	}
	c, d := commit, date
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && c == "":
				c = s.Value
			case s.Key == "vcs.time" && d == "":
				d = s.Value
			}
		}
	}
	if c == "" {
		c = "unknown"
	}
	if d == "" {
		d = "unknown"
	}
	fmt.Fprintf(stdout, "meshlint %s\ncommit: %s\nbuilt: %s\ngo: %s %s/%s\n", version, c, d,
		runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return exitOK
}
