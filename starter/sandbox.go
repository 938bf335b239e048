package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"billrun/activities/cfe/dgisandbox"
	"billrun/activities/pac/sandbox"
)

// sandboxPACCmd runs billrun's sandbox PAC: for the demo and the tests, never production.
func sandboxPACCmd(a *app) *cobra.Command {
	var listen, dir, user string
	var freeCancel time.Duration
	var dgiShared bool
	c := &cobra.Command{
		Use:   "sandbox-pac",
		Short: "Run billrun's sandbox PAC (NOT a PAC: its stamps mean nothing to SAT) for the demo and the tests",
		Long: `Runs a local stand-in for a PAC that speaks SW sapien's REST API (what PAC_URL points
the worker at) and checks what a PAC checks: SAT's schema, the Sello against the issuer's
certificate, the issuer's RFC, the certificate's validity at Fecha, Fecha within the last
72 hours, and one stamp per document. It signs its TimbreFiscalDigital with a certificate of
its own, made in --dir on first start (PAC_CERT). The password is read from PAC_PASSWORD.

It cancels stamped CFDI by SAT's rules, simplified: at once when the total is at most 1,000
pesos, the receiver is the generic public or a foreigner, the CFDI is an egreso, or it was
stamped less than --free-cancel-window ago; otherwise the request waits for the receiver
(POST /cfdi/cancel/answer {"uuid": …, "accept": true|false}) or for 72 hours to pass.

Beside it, on POST /dgi/cfe, a sandbox DGI receiver (NOT DGI: nothing reaches DGI) takes
Uruguay's EnvioCFE envelopes (DGI_URL), checks them against DGI's schema, each CFE's
signature, RUT and number, and answers DGI's ACKCFE signed with its own certificate
(DGI_CERT, made in --dir on first start).`,
		Example: `  PAC_PASSWORD=sandbox billrun sandbox-pac --listen 127.0.0.1:8095 --dir .dev/demo/pac --user billrun`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			password := os.Getenv("PAC_PASSWORD")
			if user == "" || password == "" {
				return fmt.Errorf("--user and PAC_PASSWORD are required")
			}
			s, err := sandbox.New(dir, user, password)
			if err != nil {
				return err
			}
			s.FreeCancelWindow = freeCancel
			dgi, err := dgisandbox.New(dir)
			if err != nil {
				return err
			}
			defer dgi.Close()
			dgi.Shared = dgiShared
			mux := http.NewServeMux()
			mux.Handle("/", s.Handler())
			mux.Handle("/dgi/cfe", dgi)
			srv := &http.Server{Addr: listen, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			go func() {
				<-ctx.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = srv.Shutdown(ctx)
			}()
			fmt.Fprintf(a.out, "sandbox PAC (not a PAC) on http://%s, certificate %s\n", listen, s.CertFile())
			fmt.Fprintf(a.out, "sandbox DGI receiver (not DGI) on http://%s/dgi/cfe, certificate %s\n", listen, dgi.CertFile())
			if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	c.Flags().StringVar(&listen, "listen", "127.0.0.1:8095", "address to listen on")
	c.Flags().StringVar(&dir, "dir", ".dev/pac", "folder of its key, certificate and stamps")
	c.Flags().StringVar(&user, "user", "billrun", "the user the worker authenticates as (PAC_USER)")
	c.Flags().BoolVar(&dgiShared, "dgi-shared", false,
		"several billrun databases (tests) share the sandbox DGI: a CFE number received before with other content is taken as new, not refused (E03)")
	c.Flags().DurationVar(&freeCancel, "free-cancel-window", 24*time.Hour,
		"how long after stamping any CFDI is cancelled without the receiver's acceptance (SAT: a day; 0 makes every cancellation above 1,000 pesos wait for the receiver)")
	return c
}
