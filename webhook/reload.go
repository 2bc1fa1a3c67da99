package webhook

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/go-logr/logr"

	"github.com/meshlint/meshlint/config"
	"github.com/meshlint/meshlint/lint/checks"
)

// reloadDelay lets a burst of file events (an editor's write, a ConfigMap
// volume's symlink swap) settle before the file is read.
const reloadDelay = 200 * time.Millisecond

// watchConfig reloads the config file whenever it changes and applies it to
// h. It watches the file's directory, because ConfigMap volumes replace
// files by swapping a symlink and editors by renaming. A config that does
// not load is logged and the previous one stays in force.
func watchConfig(ctx context.Context, file string, h *Handler, log logr.Logger) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watching config %q: %w", file, err)
	}
	defer w.Close()
	if err := w.Add(filepath.Dir(file)); err != nil {
		return fmt.Errorf("watching config %q: %w", file, err)
	}
	last, _ := os.ReadFile(file)
	log.Info("watching config for changes", "file", file)
	var timer <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			log.Error(err, "config watch error", "file", file)
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			// Other files in the directory change too (logs, certificates):
			// only the config file and a ConfigMap volume's ..data swap count.
			if filepath.Clean(ev.Name) != filepath.Clean(file) && filepath.Base(ev.Name) != "..data" {
				continue
			}
			// The first event of a burst starts the delay; later ones do not
			// push it back, so a busy directory cannot starve the reload.
			if timer == nil {
				timer = time.After(reloadDelay)
			}
		case <-timer:
			timer = nil
			data, err := os.ReadFile(file)
			if err != nil {
				log.Error(err, "unable to read config; keeping the previous one", "file", file)
				continue
			}
			if bytes.Equal(data, last) {
				continue
			}
			last = data
			if err := reloadConfig(file, data, h, log); err != nil {
				log.Error(err, "unable to apply config; keeping the previous one", "file", file)
				continue
			}
			log.Info("config reloaded", "file", file)
		}
	}
}

func reloadConfig(file string, data []byte, h *Handler, log logr.Logger) error {
	cfg, err := config.Parse(file, data, checks.Registry())
	if err != nil {
		return fmt.Errorf("parsing config: %w", err)
	}
	if old := h.engine.Load().mesh.RootNamespace; cfg.Mesh.RootNamespace != old {
		// The informer for the mesh ConfigMap is scoped to the root
		// namespace the webhook started with.
		log.Info("the root namespace changed; restart the webhook to read the mesh ConfigMap of the new one",
			"was", old, "now", cfg.Mesh.RootNamespace)
	}
	if old := h.engine.Load().mesh; cfg.Mesh.MeshConfigMap() != old.MeshConfigMap() {
		// The informer selects the ConfigMap by the name it started with.
		log.Info("the mesh ConfigMap's name changed; restart the webhook to read the new one",
			"was", old.MeshConfigMap(), "now", cfg.Mesh.MeshConfigMap())
	}
	return h.Reconfigure(cfg.Mesh, cfg.Settings())
}
