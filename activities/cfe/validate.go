package cfe

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// DGI's schemas, version 1.40.0, embedded: every CFE and envelope is validated against
// them before it is stored or sent.
//
//go:embed xsd/*.xsd xsd/version.txt
var schemas embed.FS

var (
	schemaDirOnce sync.Once
	schemaDir     string
	schemaDirErr  error
)

// unpackedSchemas writes the embedded schemas to a private folder once per process:
// xmllint reads them, with their includes, from files.
func unpackedSchemas() (string, error) {
	schemaDirOnce.Do(func() {
		dir, err := os.MkdirTemp("", "billrun-dgi-xsd-")
		if err != nil {
			schemaDirErr = err
			return
		}
		schemaDirErr = fs.WalkDir(schemas, "xsd", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := schemas.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, filepath.Base(p)), b, 0o600)
		})
		schemaDir = dir
	})
	return schemaDir, schemaDirErr
}

// ErrNoValidator marks a worker without xmllint: CFE cannot be validated, so none is sealed.
var ErrNoValidator = errors.New("xmllint (Debian package libxml2-utils) is needed to validate CFE against DGI's schema; install it on the worker, then seal again")

// Validate checks a CFE against DGI's schema (CFEDGI.xsd) with xmllint, libxml2's
// validator, offline.
func Validate(xml string) error { return validateAgainst("CFEDGI.xsd", xml) }

// ValidateEnvelope checks an EnvioCFE against DGI's schema.
func ValidateEnvelope(xml string) error { return validateAgainst("EnvioCFE.xsd", xml) }

// ValidateAck checks an ACKCFE against DGI's schema.
func ValidateAck(xml string) error { return validateAgainst("ACKCFE_DGI.xsd", xml) }

func validateAgainst(schema, xml string) error {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		return ErrNoValidator
	}
	dir, err := unpackedSchemas()
	if err != nil {
		return err
	}
	cmd := exec.Command(xmllint, "--noout", "--nonet", "--schema", filepath.Join(dir, schema), "-")
	cmd.Stdin = strings.NewReader(xml)
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(strings.ReplaceAll(string(out), "-:", "line "))
		msg = strings.TrimSuffix(msg, "- fails to validate")
		return fmt.Errorf("not valid against DGI's %s: %s", schema, strings.TrimSpace(msg))
	}
	return nil
}
