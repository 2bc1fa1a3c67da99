package checks_test

import (
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/checks"
	"github.com/meshlint/meshlint/lint/load"
)

var (
	idPattern   = regexp.MustCompile(`^ML\d{3}$`)
	namePattern = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
)

// TestRegistry keeps the catalog honest: stable, unique identities and the
// docs every check must carry, since users read them in `meshlint explain`,
// docs/checks.md, SARIF help and the README.
func TestRegistry(t *testing.T) {
	checks := checks.Registry()
	if err := lint.Validate(checks); err != nil {
		t.Fatalf("lint.Validate(lint.Registry()): %v", err)
	}
	ids, names := map[string]bool{}, map[string]bool{}
	prev := ""
	for _, c := range checks {
		if ids[c.ID] {
			t.Errorf("ID %s is registered twice", c.ID)
		}
		if names[c.Name] {
			t.Errorf("name %q is registered twice", c.Name)
		}
		ids[c.ID], names[c.Name] = true, true
		if c.ID <= prev {
			t.Errorf("%s comes after %s: the registry is in ID order", c.ID, prev)
		}
		prev = c.ID
	}
	if ids[lint.InternalError.ID] || names[lint.InternalError.Name] {
		t.Errorf("a check reuses %s %s, reserved for internal errors", lint.InternalError.ID, lint.InternalError.Name)
	}
	for _, c := range append([]*lint.Check{lint.InternalError}, checks...) {
		t.Run(c.ID+"_"+c.Name, func(t *testing.T) {
			checkDeclaration(t, c)
		})
	}
}

func checkDeclaration(t *testing.T, c *lint.Check) {
	if !idPattern.MatchString(c.ID) {
		t.Errorf("ID %q does not match ML\\d{3}", c.ID)
	}
	if !namePattern.MatchString(c.Name) {
		t.Errorf("name %q is not lowercase words joined by dashes", c.Name)
	}
	switch c.Severity {
	case lint.SeverityInfo, lint.SeverityWarning, lint.SeverityError:
	default:
		t.Errorf("default severity %v is not info, warning or error", c.Severity)
	}
	if c != lint.InternalError {
		requireRun(t, c)
		if len(c.Kinds) == 0 {
			t.Errorf("%s declares no kinds", c.ID)
		}
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s has no example", c.ID)
		}
	}
	seenKind := map[lint.Kind]bool{}
	for _, k := range c.Kinds {
		if seenKind[k] {
			t.Errorf("kind %s is declared twice", k)
		}
		seenKind[k] = true
	}
	sentence(t, "summary", c.Summary)
	if strings.Contains(c.Summary, "\n") {
		t.Errorf("summary is not one line: %q", c.Summary)
	}
	if strings.TrimSpace(c.Doc) == "" {
		t.Errorf("%s has no doc", c.ID)
	}
	sentence(t, "remediation", c.Remediation)
	for _, field := range []struct{ name, text string }{
		{"summary", c.Summary}, {"doc", c.Doc}, {"remediation", c.Remediation}, {"example", c.Example},
	} {
		if strings.Contains(field.text, "TODO") || strings.Contains(field.text, "PLACEHOLDER") {
			t.Errorf("%s is a placeholder: %q", field.name, field.text)
		}
	}
	optNames := map[string]bool{}
	for _, o := range c.Options {
		if o.Name == "" || optNames[o.Name] {
			t.Errorf("option %q: empty or declared twice", o.Name)
		}
		optNames[o.Name] = true
		if strings.TrimSpace(o.Doc) == "" {
			t.Errorf("option %q has no doc", o.Name)
		}
		switch o.Type {
		case lint.OptionBool:
			if o.Default != "true" && o.Default != "false" {
				t.Errorf("bool option %q has default %q", o.Name, o.Default)
			}
		case lint.OptionDuration:
			if _, err := time.ParseDuration(o.Default); err != nil {
				t.Errorf("duration option %q has default %q: %v", o.Name, o.Default, err)
			}
		default:
			t.Errorf("option %q has unknown type %v", o.Name, o.Type)
		}
	}
}

// sentence checks that text is a sentence: it starts with a capital letter
// and ends with a period.
func sentence(t *testing.T, what, text string) {
	t.Helper()
	if text == "" {
		t.Errorf("%s is empty", what)
		return
	}
	if r := []rune(text)[0]; !unicode.IsUpper(r) {
		t.Errorf("%s does not start with a capital letter: %q", what, text)
	}
	if !strings.HasSuffix(text, ".") {
		t.Errorf("%s does not end with a period: %q", what, text)
	}
	if strings.TrimSpace(text) != text {
		t.Errorf("%s has surrounding space: %q", what, text)
	}
}

// TestRegistryExamplesFire loads each check's documented example as the CLI
// would and checks that the check fires on it, so that `meshlint explain`
// and docs/checks.md never show an example that stays quiet.
func TestRegistryExamplesFire(t *testing.T) {
	for _, c := range checks.Registry() {
		t.Run(c.ID+"_"+c.Name, func(t *testing.T) {
			requireRun(t, c)
			if strings.TrimSpace(c.Example) == "" {
				t.Fatalf("%s has no example", c.ID)
			}
			rs, errs := load.Bytes("example.yaml", []byte(c.Example), load.Options{})
			if len(errs) > 0 {
				t.Fatalf("the example does not load: %v", errs)
			}
			rn, err := lint.NewRunner([]*lint.Check{c}, lint.Settings{})
			if err != nil {
				t.Fatal(err)
			}
			fired := false
			for _, f := range rn.Lint(lint.DefaultMesh(), false, rs) {
				switch f.Check {
				case c:
					fired = true
				case lint.InternalError:
					t.Errorf("internal error on the example: %s", f.Message)
				}
			}
			if !fired {
				t.Errorf("%s does not fire on its own example:\n%s", c.ID, c.Example)
			}
		})
	}
}

// requireRun fails the test of a check without a run function: every
// registered check must run.
func requireRun(t *testing.T, c *lint.Check) {
	t.Helper()
	if c.Run == nil {
		t.Fatalf("%s has no run function", c.ID)
	}
}

// TestLookup: a check is found by its ID in any case or by its name, ML000
// by either too, and nothing else.
func TestLookup(t *testing.T) {
	reg := checks.Registry()
	for _, tc := range []struct {
		name string
		list []*lint.Check
		in   string
		want *lint.Check
	}{
		{name: "ID", list: reg, in: "ML013", want: checks.GatewayNotFound},
		{name: "ID in lowercase", list: reg, in: "ml013", want: checks.GatewayNotFound},
		{name: "name", list: reg, in: "gateway-not-found", want: checks.GatewayNotFound},
		{name: "name is case-sensitive", list: reg, in: "Gateway-Not-Found", want: nil},
		{name: "internal error by ID", list: reg, in: "ml000", want: lint.InternalError},
		{name: "internal error by name", list: nil, in: "internal-error", want: lint.InternalError},
		{name: "only the list", list: []*lint.Check{checks.InvalidSpec}, in: "ML013", want: nil},
		{name: "unknown", list: reg, in: "ML999", want: nil},
		{name: "empty", list: reg, in: "", want: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := checks.Lookup(tc.list, tc.in); got != tc.want {
				t.Errorf("Lookup(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}
