// Package layout holds billrun's rule of one direction of dependencies, written once and
// checked by its test (in `make check` and `make test`): which of billrun's packages each
// package may import, and what the production binaries must never link.
package layout
