#!/usr/bin/env bash
# Makes the demo's Uruguayan issuer's test certificate (NOT issued by any authority: a
# self-signed certificate for DGI's test RUT 219999830019, for the demo and the tests).
# billrun keeps every issuer's signing certificate as SAT issues a CSD: a DER certificate
# and an encrypted PKCS#8 DER key; the password is the demo's (12345678a).
# Usage: testdata/uy/make-test-certificate.sh   (rewrites the files beside it)
set -euo pipefail
cd "$(dirname "$0")"
rut=219999830019
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$rut.pem" \
  -days 3650 -set_serial 0x5549 -sha256 \
  -subj "/C=UY/O=EMISOR DE PRUEBA/CN=EMISOR DE PRUEBA/serialNumber=RUC$rut" 2>/dev/null
openssl x509 -in "$rut.pem" -outform DER -out "$rut.cer"
openssl pkcs8 -topk8 -in "$tmp/key.pem" -outform DER -v2 aes-256-cbc -passout pass:12345678a -out "$rut.key"
openssl x509 -in "$rut.pem" -pubkey -noout > "$rut.pub.pem"
echo "wrote $rut.cer, $rut.key (password 12345678a), $rut.pem and $rut.pub.pem"
