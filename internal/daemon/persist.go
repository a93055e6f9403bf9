package daemon

import (
	"os"
	"path/filepath"

	"github.com/govrf/govrf/internal/config"
)

// changed notes argv, a command line that changed the state, among the
// changes the next commit makes durable. d.mu is held.
func (d *Daemon) changed(argv []string) {}

// commit makes the changes noted since the last commit durable: once it
// returns nil they survive a crash. d.mu is held.
func (d *Daemon) commit() error { return d.save() }

// save writes the current state's script to the configuration file so
// that a crash at any moment leaves either the old file or the new one,
// complete: the script goes to a temporary file in the same directory,
// is synced, renamed over the old one, and the directory is synced so
// that the rename itself survives a power loss.
func (d *Daemon) save() error {
	if d.cfg.ConfigFile == "" {
		return nil
	}
	return writeAtomic(d.cfg.ConfigFile, []byte(config.Script(d.ctl.Snapshot())))
}

func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // fails harmlessly once renamed
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	dh, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer dh.Close()
	return dh.Sync()
}
