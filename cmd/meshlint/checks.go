package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/meshlint/meshlint/lint/checks"
	"github.com/meshlint/meshlint/output"
)

func runChecks(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("meshlint checks", pflag.ContinueOnError)
	fs.Usage = func() {}
	format := fs.StringP("output", "o", "text", "output format: text, json or markdown")
	help := func(w io.Writer) {
		fmt.Fprintf(w, "Usage: meshlint checks [-o text|json|markdown]\n\nList the checks: ID, name, severity, kinds and summary.\n\n%s", fs.FlagUsages())
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			help(stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "meshlint checks: %v\n\n", err)
		help(stderr)
		return exitTrouble
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "meshlint checks: unexpected argument %q\n", fs.Arg(0))
		return exitTrouble
	}
	if err := output.WriteCatalog(stdout, *format, checks.Registry()); err != nil {
		fmt.Fprintf(stderr, "meshlint checks: %v\n", err)
		return exitTrouble
	}
	return exitOK
}

func runExplain(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("meshlint explain", pflag.ContinueOnError)
	fs.Usage = func() {}
	help := func(w io.Writer) {
		fmt.Fprintln(w, "Usage: meshlint explain ID|NAME\n\nShow a check's long doc, an example on which it fires, and the fix.")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			help(stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "meshlint explain: %v\n\n", err)
		help(stderr)
		return exitTrouble
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "meshlint explain: want exactly one check ID or name")
		help(stderr)
		return exitTrouble
	}
	c := checks.Lookup(checks.Registry(), fs.Arg(0))
	if c == nil {
		fmt.Fprintf(stderr, "meshlint explain: unknown check %q (run 'meshlint checks' for the list)\n", fs.Arg(0))
		return exitTrouble
	}
	if err := output.Explain(stdout, c); err != nil {
		fmt.Fprintf(stderr, "meshlint explain: %v\n", err)
		return exitTrouble
	}
	return exitOK
}
