package cfe

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"billrun/internal/fiscal"
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

// ErrNoValidator marks a worker without xmllint: CFE cannot be validated, so none is sealed
// (the step is retried until it is installed).
var ErrNoValidator = fmt.Errorf("%w: xmllint (Debian package libxml2-utils) is needed to validate CFE against DGI's schema; install it on the worker", fiscal.ErrEnvironment)

// Validate checks a CFE against DGI's schema (CFEDGI.xsd) with xmllint, libxml2's
// validator, offline.
func Validate(ctx context.Context, xml string) error { return validateAgainst(ctx, "CFEDGI.xsd", xml) }

// ValidateEnvelope checks an EnvioCFE against DGI's schema.
func ValidateEnvelope(ctx context.Context, xml string) error {
	return validateAgainst(ctx, "EnvioCFE.xsd", xml)
}

// ValidateAck checks an ACKCFE against DGI's schema.
func ValidateAck(ctx context.Context, xml string) error {
	return validateAgainst(ctx, "ACKCFE_DGI.xsd", xml)
}

// ValidateSobreAck checks an ACKSobre (DGI's answer to an envelope) against DGI's schema.
func ValidateSobreAck(ctx context.Context, xml string) error {
	return validateAgainst(ctx, "ACKSobre.xsd", xml)
}

// ValidateReport checks a Reporte (the daily report) against DGI's schema.
func ValidateReport(ctx context.Context, xml string) error {
	return validateAgainst(ctx, "ReporteDiarioCFE.xsd", xml)
}

// ValidateReportAck checks an ACKRepDiario against DGI's schema.
func ValidateReportAck(ctx context.Context, xml string) error {
	return validateAgainst(ctx, "ACKRepDiario.xsd", xml)
}

// validateAgainst runs xmllint with the caller's context: only its verdict on the document
// is a refusal; a validator that cannot run is the environment's.
func validateAgainst(ctx context.Context, schema, xml string) error {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		return ErrNoValidator
	}
	dir, err := unpackedSchemas()
	if err != nil {
		return fmt.Errorf("%w: unpacking DGI's schemas: %v", fiscal.ErrEnvironment, err)
	}
	cmd := exec.CommandContext(ctx, xmllint, "--noout", "--nonet", "--schema", filepath.Join(dir, schema), "-")
	cmd.Stdin = strings.NewReader(xml)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && (!errors.As(err, &exit) || ctx.Err() != nil) {
		return fmt.Errorf("%w: running xmllint: %v", fiscal.ErrEnvironment, err)
	}
	if err != nil {
		msg := strings.TrimSpace(strings.ReplaceAll(string(out), "-:", "line "))
		msg = strings.TrimSuffix(msg, "- fails to validate")
		return fmt.Errorf("not valid against DGI's %s: %s", schema, strings.TrimSpace(msg))
	}
	return nil
}
