// Command billrun-sandbox runs billrun's sandbox PAC and sandbox DGI receiver for the demo
// and the tests — never production: its stamps mean nothing to SAT and nothing reaches DGI.
// It is its own binary, so the production CLI and worker do not link it; the stacks
// (scripts/stack.sh) build and start it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"billrun/internal/sandbox/dgisandbox"
	"billrun/internal/sandbox/pacsandbox"
)

const usage = `billrun-sandbox: billrun's sandbox PAC (NOT a PAC) and sandbox DGI receiver (NOT DGI).

Runs a local stand-in for a PAC that speaks SW sapien's REST API (what PAC_URL points
the worker at) and checks what a PAC checks: SAT's schema, the Sello against the issuer's
certificate, the issuer's RFC, the certificate's validity at Fecha, Fecha within the last
72 hours, and one stamp per document. It signs its TimbreFiscalDigital with a certificate of
its own, made in --dir on first start (PAC_CERT). The password is read from PAC_PASSWORD.

It cancels stamped CFDI by SAT's rules, simplified: at once when the total is at most 1,000
pesos, the receiver is the generic public or a foreigner, the CFDI is an egreso, or it was
stamped less than --free-cancel-window ago; otherwise the request waits for the receiver
(POST /cfdi/cancel/answer {"uuid": …, "accept": true|false}) or for 72 hours to pass.

Beside it, on POST /dgi/cfe, a sandbox DGI (NOT DGI: nothing reaches DGI) speaks DGI's
WS_eFactura SOAP service (DGI_URL): requests signed with WS-Security; EFACRECEPCIONSOBRE
takes an EnvioCFE and answers an ACKSobre with a token, EFACCONSULTARESTADOENVIO answers
the ACKCFE of its CFE (from --dgi-answer-after on), EFACRECEPCIONREPORTE takes a daily
report and answers an ACKRepDiario. It checks the envelope and report against DGI's
schemas, signatures, RUT, CAE ranges and numbers, and signs its answers with its own
certificate (DGI_CERT, made in --dir on first start). POST /dgi/control
{"key": "RUT-type-series-number", "refuse": "E04"} makes it refuse that CFE until
{"key": …, "refuse": ""} (tests); {"key": "RUT-report-YYYY-MM-DD", "refuse": "R06"} refuses
that day's daily reports.

Usage: PAC_PASSWORD=sandbox billrun-sandbox --listen 127.0.0.1:8095 --dir .dev/demo/pac --user billrun

`

func main() {
	fs := flag.NewFlagSet("billrun-sandbox", flag.ExitOnError)
	fs.Usage = func() { fmt.Fprint(os.Stderr, usage); fs.PrintDefaults() }
	listen := fs.String("listen", "127.0.0.1:8095", "address to listen on")
	dir := fs.String("dir", ".dev/pac", "folder of its keys, certificates and stamps")
	user := fs.String("user", "billrun", "the user the worker authenticates as (PAC_USER)")
	dgiShared := fs.Bool("dgi-shared", false,
		"several billrun databases (tests) share the sandbox DGI: a CFE number received before with other content is taken as new, not refused (E03), and a daily report's sequence is not held to the day's last")
	answerAfter := fs.Duration("dgi-answer-after", 0, "how long after receiving an envelope the sandbox DGI has its CFE's answer (before, the status query answers an empty ACKCFE)")
	freeCancel := fs.Duration("free-cancel-window", 24*time.Hour,
		"how long after stamping any CFDI is cancelled without the receiver's acceptance (SAT: a day; 0 makes every cancellation above 1,000 pesos wait for the receiver)")
	_ = fs.Parse(os.Args[1:])
	if err := run(*listen, *dir, *user, *dgiShared, *freeCancel, *answerAfter); err != nil {
		fmt.Fprintln(os.Stderr, "billrun-sandbox:", err)
		os.Exit(1)
	}
}

func run(listen, dir, user string, dgiShared bool, freeCancel, answerAfter time.Duration) error {
	password := os.Getenv("PAC_PASSWORD")
	if user == "" || password == "" {
		return fmt.Errorf("--user and PAC_PASSWORD are required")
	}
	s, err := pacsandbox.New(dir, user, password)
	if err != nil {
		return err
	}
	s.FreeCancelWindow = freeCancel
	dgi, err := dgisandbox.New(dir)
	if err != nil {
		return err
	}
	defer dgi.Close()
	dgi.Shared, dgi.AnswerAfter = dgiShared, answerAfter
	mux := http.NewServeMux()
	mux.Handle("/", s.Handler())
	mux.Handle("/dgi/cfe", dgi)
	mux.Handle("/dgi/control", dgi.ControlHandler())
	srv := &http.Server{Addr: listen, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	fmt.Printf("sandbox PAC (not a PAC) on http://%s, certificate %s\n", listen, s.CertFile())
	fmt.Printf("sandbox DGI (not DGI) WS_eFactura on http://%s/dgi/cfe, certificate %s\n", listen, dgi.CertFile())
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
