// Package config reads the meshlint config file (.meshlint.yaml), which the
// CLI and the webhook share. Every key is checked: an unknown key or a bad
// value is an error naming the key and its line, never silently ignored.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"k8s.io/apimachinery/pkg/util/validation"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"gopkg.in/yaml.v3"
	meshconfig "istio.io/api/mesh/v1alpha1"

	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/checks"
	"github.com/meshlint/meshlint/lint/load"
)

// DefaultFile is the config file the CLI reads from the working directory
// when no --config is given.
const DefaultFile = ".meshlint.yaml"

// DefaultFiles are the names the CLI looks for, in this order, in the
// working directory and its parents up to the repository root.
var DefaultFiles = []string{DefaultFile, ".meshlint.yml"}

// Find looks for a config file (DefaultFiles) in dir and then in its
// parents, up to the repository root (the first directory holding .git).
// Outside a repository only dir is looked in. It returns "" when there is
// none.
func Find(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	var dirs []string
	root := ""
	for d := abs; ; {
		dirs = append(dirs, d)
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			root = d
			break
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	if root == "" {
		dirs = dirs[:1]
	}
	for _, d := range dirs {
		for _, name := range DefaultFiles {
			p := filepath.Join(d, name)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				if d == abs {
					return name
				}
				return p
			}
		}
	}
	return ""
}

// Config is a parsed config file.
type Config struct {
	// File is the path it was read from ("" for defaults).
	File string
	// Mesh is the mesh block over Istio's defaults.
	Mesh lint.Mesh
	// FailOn is the failOn key; 0 when unset.
	FailOn lint.Severity
	// Checks holds per-check settings by check ID.
	Checks map[string]CheckConfig
	Ignore []lint.IgnoreRule
	// Exclude are the globs of paths to leave out (the exclude key),
	// relative to the config file's directory.
	Exclude []string
	// meshKeys are the positions of the mesh block's keys ("mesh.mtls").
	meshKeys map[string]lint.Position
}

// CheckConfig is what the config says about one check.
type CheckConfig struct {
	Disabled bool
	Severity lint.Severity // 0: the check's default
	Options  map[string]string
}

// Default returns the config used when there is no file.
func Default() *Config {
	return &Config{Mesh: lint.DefaultMesh(), Checks: map[string]CheckConfig{}}
}

// Load reads and parses a config file against the registry. A problem
// with the file is a load.InputError with its position, as input errors are.
func Load(file string, registry []*lint.Check) (*Config, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, load.InputError{File: file, Message: fmt.Sprintf("reading config: %v", err)}
	}
	return Parse(file, data, registry)
}

// Parse parses config file contents. Check keys may be IDs or names of
// checks in registry.
func Parse(file string, data []byte, registry []*lint.Check) (*Config, error) {
	c := Default()
	c.File = file
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		line := 0
		if _, err := fmt.Sscanf(msg, "line %d:", &line); err == nil {
			msg = msg[strings.Index(msg, ":")+2:]
		}
		return nil, load.InputError{File: file, Line: line, Message: "invalid YAML: " + msg}
	}
	if len(doc.Content) == 0 {
		return c, nil
	}
	p := &parser{file: file, registry: registry, at: map[string]lint.Position{}}
	p.root(doc.Content[0], c)
	if p.err != nil {
		return nil, *p.err
	}
	c.meshKeys = p.at
	return c, nil
}

type parser struct {
	file     string
	registry []*lint.Check
	err      *load.InputError
	at       map[string]lint.Position // positions of keys worth pointing at
}

func (p *parser) fail(n *yaml.Node, format string, args ...any) {
	if p.err == nil {
		p.err = &load.InputError{File: p.file, Line: n.Line, Message: fmt.Sprintf(format, args...)}
	}
}

// each calls f for every key of mapping n, after checking n is a mapping.
func (p *parser) each(n *yaml.Node, where string, f func(k, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		if n.Tag == "!!null" {
			return
		}
		p.fail(n, "%s must be a mapping", where)
		return
	}
	first := map[string]int{}
	for i := 0; i+1 < len(n.Content) && p.err == nil; i += 2 {
		k := n.Content[i]
		if line, ok := first[k.Value]; ok {
			// YAML forbids it, and one of the two values would be lost.
			p.fail(k, "%s: %q is given twice (first on line %d)", where, k.Value, line)
			return
		}
		first[k.Value] = k.Line
		f(k, n.Content[i+1])
	}
}

func (p *parser) root(n *yaml.Node, c *Config) {
	p.each(n, "the config", func(k, v *yaml.Node) {
		switch k.Value {
		case "mesh":
			p.mesh(v, &c.Mesh)
		case "tlsPorts":
			p.tlsPorts(v, &c.Mesh)
		case "checks":
			p.checks(v, c)
		case "ignore":
			p.ignore(v, c)
		case "exclude":
			for _, g := range p.strings(v, "exclude") {
				var e load.Exclusions
				if err := e.Add(g.Value, "."); err != nil {
					p.fail(g, "exclude: %v", err)
					return
				}
				c.Exclude = append(c.Exclude, g.Value)
			}
		case "failOn":
			sev, err := lint.ParseSeverity(v.Value)
			if err != nil || v.Kind != yaml.ScalarNode {
				p.fail(v, "failOn: %q is not a severity (want error, warning, info or none)", v.Value)
				return
			}
			c.FailOn = sev
		default:
			p.fail(k, "unknown key %q (want mesh, tlsPorts, checks, ignore, exclude or failOn)", k.Value)
		}
	})
}

func (p *parser) mesh(n *yaml.Node, m *lint.Mesh) {
	p.each(n, "mesh", func(k, v *yaml.Node) {
		switch k.Value {
		case "mtls":
			switch s := strings.ToUpper(v.Value); s {
			case lint.MTLSStrict, lint.MTLSPermissive, lint.MTLSDisable:
				m.MTLS = s
			default:
				p.fail(v, "mesh.mtls: %q is not an mTLS mode (want STRICT, PERMISSIVE or DISABLE)", v.Value)
			}
		case "enableAutoMtls":
			b, ok := p.boolean(v, "mesh.enableAutoMtls")
			if ok {
				m.EnableAutoMtls = &b
			}
		case "rootNamespace":
			if s, ok := p.str(v, "mesh.rootNamespace"); ok {
				m.RootNamespace = s
			}
		case "configMap":
			if s, ok := p.str(v, "mesh.configMap"); ok {
				if errs := validation.IsDNS1123Subdomain(s); len(errs) > 0 {
					p.fail(v, "mesh.configMap: %q is not a ConfigMap name: %s", s, errs[0])
					return
				}
				m.ConfigMap = s
			}
		case "domainSuffix":
			if s, ok := p.str(v, "mesh.domainSuffix"); ok {
				m.DomainSuffix = strings.TrimPrefix(s, ".")
			}
		case "connectTimeout":
			if d, ok := p.duration(v, "mesh.connectTimeout"); ok {
				m.ConnectTimeout = d
			}
			p.at["mesh.connectTimeout"] = lint.Position{File: p.file, Line: k.Line, Column: k.Column}
		case "istioVersion":
			if s, ok := p.str(v, "mesh.istioVersion"); ok {
				if !istioVersionPattern.MatchString(s) {
					p.fail(v, "mesh.istioVersion: %q is not an Istio version such as 1.24 or 1.24.2", s)
					return
				}
				m.IstioVersion = s
			}
		default:
			p.fail(k, "unknown key %q in mesh (want mtls, enableAutoMtls, rootNamespace, configMap, domainSuffix, connectTimeout or istioVersion)", k.Value)
		}
	})
}

// ValidIstioVersion reports whether s has the form of an Istio release:
// 1.24, 1.24.2, 1.24.2-distroless.
func ValidIstioVersion(s string) bool { return istioVersionPattern.MatchString(s) }

// istioVersionPattern is the form of an Istio release: 1.24, 1.24.2,
// 1.24.2-distroless.
var istioVersionPattern = regexp.MustCompile(`^\d+\.\d+(\.\d+)?([-+][0-9A-Za-z.-]+)?$`)

func (p *parser) tlsPorts(n *yaml.Node, m *lint.Mesh) {
	if n.Kind != yaml.SequenceNode {
		p.fail(n, "tlsPorts must be a list of port numbers")
		return
	}
	ports := []uint32{443}
	for _, e := range n.Content {
		i, err := strconv.Atoi(e.Value)
		if e.Kind != yaml.ScalarNode || err != nil || i < 1 || i > 65535 {
			p.fail(e, "tlsPorts: %q is not a port number (1-65535)", e.Value)
			return
		}
		if i != 443 {
			ports = append(ports, uint32(i))
		}
	}
	m.TLSPorts = ports
}

func (p *parser) check(n *yaml.Node) *lint.Check {
	// ML000 internal-error is the engine's: no setting changes it.
	if c := checks.Lookup(p.registry, n.Value); c != nil && c != lint.InternalError {
		return c
	}
	p.fail(n, "unknown check %q (run `meshlint checks` for the list)", n.Value)
	return nil
}

func (p *parser) checks(n *yaml.Node, c *Config) {
	p.each(n, "checks", func(k, v *yaml.Node) {
		chk := p.check(k)
		if chk == nil {
			return
		}
		cc := c.Checks[chk.ID]
		if v.Kind == yaml.ScalarNode {
			switch strings.ToLower(v.Value) {
			case "off", "false", "disabled":
				cc.Disabled = true
			case "on", "true", "enabled":
				cc.Disabled = false
			default:
				if sev, err := lint.ParseSeverity(v.Value); err == nil && sev != lint.SeverityNone {
					cc.Severity = sev
				} else {
					p.fail(v, "checks.%s: %q is not off, on or a severity", k.Value, v.Value)
				}
			}
			c.Checks[chk.ID] = cc
			return
		}
		p.each(v, "checks."+k.Value, func(ok, ov *yaml.Node) {
			where := "checks." + k.Value + "." + ok.Value
			switch ok.Value {
			case "severity":
				switch strings.ToLower(ov.Value) {
				case "off":
					cc.Disabled = true
				default:
					sev, err := lint.ParseSeverity(ov.Value)
					if err != nil || sev == lint.SeverityNone {
						p.fail(ov, "%s: %q is not a severity (want error, warning, info or off)", where, ov.Value)
						return
					}
					cc.Severity = sev
				}
			case "enabled":
				if b, ok := p.boolean(ov, where); ok {
					cc.Disabled = !b
				}
			default:
				opt := chk.Option(ok.Value)
				if opt == nil {
					var names []string
					for _, o := range chk.Options {
						names = append(names, o.Name)
					}
					want := "severity or enabled"
					if len(names) > 0 {
						want = "severity, enabled, " + strings.Join(names, ", ")
					}
					p.fail(ok, "unknown key %q in checks.%s (want %s)", ok.Value, k.Value, want)
					return
				}
				if cc.Options == nil {
					cc.Options = map[string]string{}
				}
				switch opt.Type {
				case lint.OptionBool:
					if b, ok := p.boolean(ov, where); ok {
						cc.Options[opt.Name] = strconv.FormatBool(b)
					}
				case lint.OptionDuration:
					if d, ok := p.duration(ov, where); ok {
						cc.Options[opt.Name] = d.String()
					}
				}
			}
		})
		c.Checks[chk.ID] = cc
	})
}

func (p *parser) ignore(n *yaml.Node, c *Config) {
	if n.Kind != yaml.SequenceNode {
		p.fail(n, "ignore must be a list of rules")
		return
	}
	for i, e := range n.Content {
		var rule lint.IgnoreRule
		where := fmt.Sprintf("ignore[%d]", i)
		p.each(e, where, func(k, v *yaml.Node) {
			switch k.Value {
			case "checks":
				for _, s := range p.strings(v, where+".checks") {
					if s.Value == "*" {
						rule.Checks = append(rule.Checks, "*")
					} else if chk := p.check(s); chk != nil {
						rule.Checks = append(rule.Checks, chk.ID)
					}
				}
			case "namespaces", "names":
				var globs []string
				for _, s := range p.strings(v, where+"."+k.Value) {
					if _, err := path.Match(s.Value, ""); err != nil {
						p.fail(s, "%s.%s: %q is not a valid glob", where, k.Value, s.Value)
					}
					globs = append(globs, s.Value)
				}
				if k.Value == "namespaces" {
					rule.Namespaces = globs
				} else {
					rule.Names = globs
				}
			default:
				p.fail(k, "unknown key %q in %s (want checks, namespaces or names)", k.Value, where)
			}
		})
		c.Ignore = append(c.Ignore, rule)
	}
}

func (p *parser) strings(n *yaml.Node, where string) []*yaml.Node {
	if n.Kind == yaml.ScalarNode {
		return []*yaml.Node{n}
	}
	if n.Kind != yaml.SequenceNode {
		p.fail(n, "%s must be a list of strings", where)
		return nil
	}
	for _, e := range n.Content {
		if e.Kind != yaml.ScalarNode {
			p.fail(e, "%s must be a list of strings", where)
			return nil
		}
	}
	return n.Content
}

func (p *parser) str(n *yaml.Node, where string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Value == "" {
		p.fail(n, "%s must be a non-empty string", where)
		return "", false
	}
	return n.Value, true
}

func (p *parser) boolean(n *yaml.Node, where string) (bool, bool) {
	if n.Kind == yaml.ScalarNode {
		switch n.Value {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	p.fail(n, "%s: %q is not a boolean (want true or false)", where, n.Value)
	return false, false
}

func (p *parser) duration(n *yaml.Node, where string) (time.Duration, bool) {
	d, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || d < 0 {
		p.fail(n, "%s: %q is not a duration (such as 10s or 500ms)", where, n.Value)
		return 0, false
	}
	return d, true
}

// Settings turns the per-check config into the engine's settings.
func (c *Config) Settings() lint.Settings {
	s := lint.Settings{
		Severity: map[string]lint.Severity{},
		Disabled: map[string]bool{},
		Options:  map[string]map[string]string{},
		Ignore:   c.Ignore,
	}
	for id, cc := range c.Checks {
		if cc.Disabled {
			s.Disabled[id] = true
		}
		if cc.Severity != 0 {
			s.Severity[id] = cc.Severity
		}
		if len(cc.Options) > 0 {
			s.Options[id] = cc.Options
		}
	}
	return s
}

// MeshResource returns the mesh block of the config file as a mesh config
// resource, so that checks of the mesh config (connect-timeout-too-low)
// report on the file's own lines; nil when the block sets nothing they read.
func (c *Config) MeshResource() *lint.Resource {
	if c.Mesh.ConnectTimeout == 0 || c.File == "" {
		return nil
	}
	mc := &lint.MeshConfig{SourceKind: lint.SourceKindConfig, Spec: &meshconfig.MeshConfig{
		ConnectTimeout: durationpb.New(c.Mesh.ConnectTimeout),
	}}
	mc.Name, mc.Namespace = filepath.Base(c.File), c.Mesh.RootNamespace
	r := lint.NewResource(mc, "meshlint.io/config")
	r.Locator = keyLocator{file: c.File, keys: c.meshKeys}
	return r
}

// keyLocator points field paths of the config file at the keys recorded
// while parsing it.
type keyLocator struct {
	file string
	keys map[string]lint.Position
}

func (l keyLocator) Locate(path string) lint.Position {
	if p, ok := l.keys[path]; ok {
		return p
	}
	return lint.Position{File: l.file, Line: 1, Column: 1}
}
