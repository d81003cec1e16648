// Package compat reads the ids of the deliberate differences from Gubernator that
// docs/compatibility.md lists (the first column of its tables, written `id`), so the suites can
// refuse to excuse a difference the documentation does not name.
package compat

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
)

var (
	once sync.Once
	ids  map[string]bool
	err  error
)

var row = regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\|")

// DocPath is docs/compatibility.md of the source tree this module sits in.
func DocPath() string {
	wd, _ := os.Getwd()
	for dir := wd; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		p := filepath.Join(dir, "docs", "compatibility.md")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return filepath.Join(wd, "docs", "compatibility.md")
}

// Documented returns nil when id is a row of docs/compatibility.md.
func Documented(id string) error {
	once.Do(func() {
		var data []byte
		data, err = os.ReadFile(DocPath())
		ids = map[string]bool{}
		for _, m := range row.FindAllStringSubmatch(string(data), -1) {
			ids[m[1]] = true
		}
	})
	if err != nil {
		return err
	}
	if !ids[id] {
		return fmt.Errorf("difference %q is not a row of %s", id, DocPath())
	}
	return nil
}
