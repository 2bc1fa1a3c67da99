package load

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// Exclusions are globs naming the paths a load leaves out (--exclude and
// the config's exclude key). A glob without a slash matches the name of any
// file or directory met ("*.generated.yaml", "vendor"); one with a slash
// matches the path relative to the glob's base directory ("deploy/legacy",
// "charts/*/ci"). "**" matches any number of directories, a trailing "/"
// matches directories only, and a directory left out is not walked.
type Exclusions struct {
	rules []excludeRule
}

type excludeRule struct {
	glob    string
	re      *regexp.Regexp
	name    bool   // match the base name only
	dirOnly bool   // a trailing "/"
	base    string // absolute directory relative paths are taken from
}

// Add adds a glob whose relative paths are taken from base (the working
// directory for a flag, the config file's directory for the config).
func (e *Exclusions) Add(glob, base string) error {
	g := strings.TrimPrefix(filepath.ToSlash(strings.TrimSpace(glob)), "./")
	if g == "" {
		return fmt.Errorf("empty exclude glob")
	}
	r := excludeRule{glob: glob}
	if strings.HasSuffix(g, "/") {
		r.dirOnly = true
		g = strings.TrimRight(g, "/")
	}
	r.name = !strings.Contains(g, "/")
	re, err := globRegexp(g)
	if err != nil {
		return fmt.Errorf("exclude glob %q: %w", glob, err)
	}
	r.re = re
	abs, err := filepath.Abs(base)
	if err != nil {
		return fmt.Errorf("exclude glob %q: %w", glob, err)
	}
	r.base = abs
	e.rules = append(e.rules, r)
	return nil
}

// Len is the number of globs.
func (e *Exclusions) Len() int { return len(e.rules) }

// Match reports whether path (a file, or a directory when dir is set) is
// left out.
func (e *Exclusions) Match(path string, dir bool) bool {
	if e == nil || len(e.rules) == 0 {
		return false
	}
	name := filepath.Base(path)
	var rel map[string]string
	for _, r := range e.rules {
		if r.dirOnly && !dir {
			continue
		}
		if r.name {
			if r.re.MatchString(name) {
				return true
			}
			continue
		}
		if rel == nil {
			rel = map[string]string{}
		}
		p, ok := rel[r.base]
		if !ok {
			p = relSlash(r.base, path)
			rel[r.base] = p
		}
		if p != "" && r.re.MatchString(p) {
			return true
		}
	}
	return false
}

// relSlash is path relative to base, with slashes, or "" when it is not
// under base.
func relSlash(base, path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	rel, err := filepath.Rel(base, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return ""
	}
	return filepath.ToSlash(rel)
}

// globRegexp translates a glob (*, ?, [...], **) into an anchored regexp.
func globRegexp(g string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(g); i++ {
		c := g[i]
		switch {
		case strings.HasPrefix(g[i:], "**/"):
			b.WriteString("(?:.*/)?")
			i += 2
		case strings.HasPrefix(g[i:], "/**") && i+3 == len(g):
			b.WriteString("(?:/.*)?")
			i += 2
		case strings.HasPrefix(g[i:], "**"):
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[':
			j := strings.IndexByte(g[i+1:], ']')
			if j < 0 {
				return nil, fmt.Errorf("unclosed [")
			}
			class := g[i+1 : i+1+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += j + 1
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}
