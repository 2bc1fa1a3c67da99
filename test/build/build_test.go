// Package build proves the container image's binary without a Docker engine: it runs the
// Dockerfile's own `go build` command, read out of the Dockerfile so the two cannot drift, and
// checks that the result is static, stripped, path-free and version-stamped.
package build

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// repoRoot is the module root, where the Dockerfile's build context starts.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod at %s: %v", root, err)
	}
	return root
}

// instruction is one Dockerfile instruction with its continuation lines joined.
type instruction struct {
	cmd, args string
	stage     int // index of the FROM it follows
}

func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []instruction
	var cur strings.Builder
	stage := -1
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if rest, ok := strings.CutSuffix(line, "\\"); ok {
			cur.WriteString(rest)
			cur.WriteString(" ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		cmd = strings.ToUpper(cmd)
		if cmd == "FROM" {
			stage++
		}
		out = append(out, instruction{cmd: cmd, args: strings.TrimSpace(args), stage: stage})
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// shellWords splits a RUN line like /bin/sh would for the subset the Dockerfile uses:
// whitespace, double and single quotes, and $VAR / ${VAR} expanded from vars.
func shellWords(t *testing.T, s string, vars map[string]string) []string {
	t.Helper()
	expand := func(s string) string {
		return os.Expand(s, func(k string) string {
			v, ok := vars[k]
			if !ok {
				t.Fatalf("the Dockerfile's build command uses $%s, which the test does not set", k)
			}
			return v
		})
	}
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				t.Fatalf("unterminated quote in %q", s)
			}
			w.WriteString(expand(s[i+1 : i+1+j]))
			i += j + 1
			inWord = true
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				t.Fatalf("unterminated quote in %q", s)
			}
			w.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case c == ';' || c == '&' || c == '|' || c == '`' || c == '(' || c == '<' || c == '>':
			t.Fatalf("the Dockerfile's build command %q uses shell syntax (%q) this test does not run; keep it one plain command", s, c)
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\"'", rune(s[j])) {
				j++
			}
			w.WriteString(expand(s[i:j]))
			i = j - 1
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

func TestDockerfile(t *testing.T) {
	root := repoRoot(t)
	ins := parseDockerfile(t, filepath.Join(root, "Dockerfile"))

	var froms []instruction
	for _, in := range ins {
		if in.cmd == "FROM" {
			froms = append(froms, in)
		}
	}
	if len(froms) != 2 {
		t.Fatalf("%d stages, want a builder and the final image", len(froms))
	}
	final := len(froms) - 1
	if got := strings.Fields(froms[final].args)[0]; got != "gcr.io/distroless/static:nonroot" {
		t.Errorf("final stage FROM %s, want gcr.io/distroless/static:nonroot", got)
	}
	if !strings.Contains(froms[0].args, "golang:") {
		t.Errorf("builder stage FROM %s, want a golang image", froms[0].args)
	}

	// The builder's Go is the go.mod's.
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(gomod)
	var argGo string
	for _, in := range ins {
		if in.cmd == "ARG" && strings.HasPrefix(in.args, "GO_VERSION=") {
			argGo = strings.TrimPrefix(in.args, "GO_VERSION=")
		}
	}
	if goVersion == nil || argGo != string(goVersion[1]) {
		t.Errorf("Dockerfile GO_VERSION=%q, go.mod says go %s", argGo, goVersion)
	}

	var user, entrypoint string
	var copied bool
	for _, in := range ins {
		if in.stage != final {
			continue
		}
		switch in.cmd {
		case "USER":
			user = in.args
		case "ENTRYPOINT":
			entrypoint = in.args
		case "COPY":
			copied = copied || in.args == "--from=build /out/meshlint /meshlint"
		case "RUN":
			t.Errorf("final stage runs %q; distroless has no shell", in.args)
		}
	}
	if user != "65532:65532" {
		t.Errorf("final USER %q, want 65532:65532 (non-root, numeric so runAsNonRoot can verify it)", user)
	}
	if entrypoint != `["/meshlint"]` {
		t.Errorf("ENTRYPOINT %s, want [\"/meshlint\"]", entrypoint)
	}
	if !copied {
		t.Errorf("final stage does not copy /out/meshlint from the build stage to /meshlint")
	}
}

// buildCommand returns the env assignments and argv of the Dockerfile's `go build` RUN.
func buildCommand(t *testing.T, root string, vars map[string]string) (env, argv []string) {
	t.Helper()
	var runs []string
	for _, in := range parseDockerfile(t, filepath.Join(root, "Dockerfile")) {
		if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
			runs = append(runs, in.args)
		}
	}
	if len(runs) != 1 {
		t.Fatalf("%d RUN instructions with go build, want 1", len(runs))
	}
	words := shellWords(t, runs[0], vars)
	for len(words) > 0 && strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "-") {
		env = append(env, words[0])
		words = words[1:]
	}
	if len(words) < 2 || words[0] != "go" || words[1] != "build" {
		t.Fatalf("build command %q is not [ENV=... ] go build ...", runs[0])
	}
	return env, words
}

func TestStaticVersionStampedBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the whole binary")
	}
	root := repoRoot(t)
	out := t.TempDir()
	const version, commit, date = "v9.8.7-test", "0123456789abcdef0123456789abcdef01234567", "2026-01-02T03:04:05Z"
	env, argv := buildCommand(t, root, map[string]string{
		"VERSION": version, "COMMIT": commit, "DATE": date,
		"TARGETOS": runtime.GOOS, "TARGETARCH": runtime.GOARCH,
	})
	if !slices.Contains(env, "CGO_ENABLED=0") {
		t.Errorf("build env %v lacks CGO_ENABLED=0", env)
	}
	if !slices.Contains(argv, "-trimpath") {
		t.Errorf("build %v lacks -trimpath", argv)
	}
	// The image puts the binary at /out/meshlint; here it goes to a temporary directory.
	i := slices.Index(argv, "-o")
	if i < 0 || i+1 >= len(argv) || argv[i+1] != "/out/meshlint" {
		t.Fatalf("build %v does not write -o /out/meshlint", argv)
	}
	bin := filepath.Join(out, "meshlint")
	argv[i+1] = bin

	// A cold build of the whole binary takes minutes on a small machine; stop it before the
	// test binary's deadline so the failure says why (run with -timeout 30m in CI).
	ctx := t.Context()
	if deadline, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-30*time.Second))
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	t.Logf("%s %s", strings.Join(env, " "), strings.Join(argv, " "))
	if b, err := cmd.CombinedOutput(); err != nil {
		if ctx.Err() != nil {
			t.Fatalf("go build did not finish before the test deadline; run this test with a longer -timeout (30m on a cold cache): %v", err)
		}
		t.Fatalf("go build: %v\n%s", err, b)
	}

	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("binary has a PT_INTERP program header: it needs a dynamic loader distroless/static lacks")
		}
		if p.Type == elf.PT_DYNAMIC {
			t.Errorf("binary has a PT_DYNAMIC segment")
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("binary needs shared libraries %v (%v)", libs, err)
	}
	if f.Section(".symtab") != nil {
		t.Errorf("binary has a symbol table; -s did not strip it")
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(root+"/")) {
		t.Errorf("binary contains the build directory %s; -trimpath did not apply", root)
	}

	if runtime.GOOS != "linux" {
		return
	}
	got, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("meshlint version: %v\n%s", err, got)
	}
	for _, want := range []string{version, commit, date} {
		if !strings.Contains(string(got), want) {
			t.Errorf("meshlint version output lacks %q:\n%s", want, got)
		}
	}
	t.Logf("meshlint version:\n%s", got)
}
