package cfe

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // DGI's published WS-Security profile digests with SHA-1
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// WS-Security as DGI publishes it for WS_eFactura (Servicios Web Externos DGI, T-5.020.00.001-004,
// and its WSDL's policy, SignedParts Body): the SOAP Body carries a wsu:Id; the header's
// wsse:Security carries the signer's certificate as a BinarySecurityToken and an XMLDSig
// over the Body — exclusive C14N, RSA-SHA1, SHA-1 digest — whose KeyInfo points at the
// token (a SecurityTokenReference by DirectReference). No timestamp.
const (
	nsSOAP = "http://schemas.xmlsoap.org/soap/envelope/"
	nsWSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	nsWSU  = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	nsDS   = "http://www.w3.org/2000/09/xmldsig#"

	x509v3     = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
	base64Bin  = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
	excC14N    = "http://www.w3.org/2001/10/xml-exc-c14n#"
	rsaSHA1    = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
	sha1Digest = "http://www.w3.org/2000/09/xmldsig#sha1"
)

// Identity is who signs a request: the issuer's key and certificate (DER). The sandbox DGI
// signs its answers with its own.
type Identity struct {
	Key     crypto.Signer
	CertDER []byte
}

// signedSOAP writes a SOAP 1.1 message whose body is body (an element, written by the
// caller, with the namespaces it uses declared on it or by the envelope: soapenv and dgi),
// signed by who as WS-Security says. The ids are derived from the body, so the same body
// signed with the same key gives the same bytes.
func signedSOAP(who Identity, body string) (string, error) {
	if who.Key == nil || len(who.CertDER) == 0 {
		return "", errors.New("WS-Security: no key and certificate to sign the request with")
	}
	sum := sha256.Sum256([]byte(body))
	id := hex.EncodeToString(sum[:8])
	bodyID, tokenID := "id-"+id, "X509-"+id
	bodyEl := `<soapenv:Body xmlns:wsu="` + nsWSU + `" wsu:Id="` + bodyID + `">` + body + `</soapenv:Body>`
	open := `<soapenv:Envelope xmlns:soapenv="` + nsSOAP + `" xmlns:dgi="` + nsDGI + `">`
	digest, err := digestOf(open+bodyEl+`</soapenv:Envelope>`, bodyID)
	if err != nil {
		return "", err
	}
	signedInfo := `<ds:SignedInfo xmlns:ds="` + nsDS + `"><ds:CanonicalizationMethod Algorithm="` + excC14N + `"></ds:CanonicalizationMethod>` +
		`<ds:SignatureMethod Algorithm="` + rsaSHA1 + `"></ds:SignatureMethod><ds:Reference URI="#` + bodyID + `"><ds:Transforms>` +
		`<ds:Transform Algorithm="` + excC14N + `"></ds:Transform></ds:Transforms><ds:DigestMethod Algorithm="` + sha1Digest + `"></ds:DigestMethod>` +
		`<ds:DigestValue>` + digest + `</ds:DigestValue></ds:Reference></ds:SignedInfo>`
	h := sha1.Sum([]byte(signedInfo)) // already in its exclusive canonical form
	sig, err := who.Key.Sign(nil, h[:], crypto.SHA1)
	if err != nil {
		return "", fmt.Errorf("WS-Security: signing: %w", err)
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + open + `<soapenv:Header>`)
	b.WriteString(`<wsse:Security xmlns:wsse="` + nsWSSE + `" xmlns:wsu="` + nsWSU + `" soapenv:mustUnderstand="1">`)
	b.WriteString(`<wsse:BinarySecurityToken EncodingType="` + base64Bin + `" ValueType="` + x509v3 + `" wsu:Id="` + tokenID + `">`)
	b.WriteString(base64.StdEncoding.EncodeToString(who.CertDER) + `</wsse:BinarySecurityToken>`)
	b.WriteString(`<ds:Signature xmlns:ds="` + nsDS + `">` + signedInfo)
	b.WriteString(`<ds:SignatureValue>` + base64.StdEncoding.EncodeToString(sig) + `</ds:SignatureValue>`)
	b.WriteString(`<ds:KeyInfo><wsse:SecurityTokenReference><wsse:Reference URI="#` + tokenID + `" ValueType="` + x509v3 + `"/>`)
	b.WriteString(`</wsse:SecurityTokenReference></ds:KeyInfo></ds:Signature></wsse:Security></soapenv:Header>`)
	b.WriteString(bodyEl + `</soapenv:Envelope>` + "\n")
	return b.String(), nil
}

// digestOf is the base64 SHA-1 of the exclusive canonical form of the element whose wsu:Id
// is id, in the message xml.
func digestOf(xml, id string) (string, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		return "", fmt.Errorf("WS-Security: %w", err)
	}
	el := byWSUID(doc.Root(), id)
	if el == nil {
		return "", fmt.Errorf("WS-Security: no element with wsu:Id %q", id)
	}
	c, err := excCanonical(el)
	if err != nil {
		return "", err
	}
	h := sha1.Sum(c)
	return base64.StdEncoding.EncodeToString(h[:]), nil
}

// excCanonical is an element of a parsed document in exclusive C14N 1.0 (no comments): its
// namespaces resolved from its ancestors, CDATA sections as the text they hold.
func excCanonical(el *etree.Element) ([]byte, error) {
	ctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		return nil, err
	}
	detached, err := etreeutils.NSDetatch(ctx, el)
	if err != nil {
		return nil, err
	}
	uncdata(detached)
	return dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("").Canonicalize(detached)
}

// uncdata turns CDATA sections into plain text, as canonical XML has them.
func uncdata(el *etree.Element) {
	for i, t := range el.Child {
		switch c := t.(type) {
		case *etree.CharData:
			if c.IsCData() {
				el.Child[i] = etree.NewText(c.Data)
			}
		case *etree.Element:
			uncdata(c)
		}
	}
}

func byWSUID(el *etree.Element, id string) *etree.Element {
	for _, a := range el.Attr {
		if a.Key == "Id" && a.NamespaceURI() == nsWSU && a.Value == id {
			return el
		}
	}
	for _, c := range el.ChildElements() {
		if found := byWSUID(c, id); found != nil {
			return found
		}
	}
	return nil
}

// VerifySOAP checks a SOAP message's WS-Security signature as DGI's profile has it: one
// Signature in the header's Security, over the Body (by its wsu:Id), exclusive C14N and
// RSA-SHA1, by the certificate of the BinarySecurityToken its KeyInfo points at. It answers
// that certificate: the caller decides whether it is one it trusts.
func VerifySOAP(xml string) (*x509.Certificate, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		return nil, fmt.Errorf("WS-Security: not XML: %w", err)
	}
	root := doc.Root()
	if root == nil || root.Tag != "Envelope" || root.NamespaceURI() != nsSOAP {
		return nil, errors.New("WS-Security: not a SOAP 1.1 envelope")
	}
	sec := root.FindElement("./Header/Security")
	if sec == nil || sec.NamespaceURI() != nsWSSE {
		return nil, errors.New("WS-Security: the message carries no wsse:Security header")
	}
	sig := sec.SelectElement("Signature")
	if sig == nil || sig.NamespaceURI() != nsDS {
		return nil, errors.New("WS-Security: the Security header carries no signature")
	}
	si := sig.SelectElement("SignedInfo")
	ref := sig.FindElement("./SignedInfo/Reference")
	if si == nil || ref == nil || len(sig.FindElements("./SignedInfo/Reference")) != 1 {
		return nil, errors.New("WS-Security: the signature must have one Reference")
	}
	for path, want := range map[string]string{"./SignedInfo/CanonicalizationMethod": excC14N, "./SignedInfo/SignatureMethod": rsaSHA1,
		"./SignedInfo/Reference/DigestMethod": sha1Digest, "./SignedInfo/Reference/Transforms/Transform": excC14N} {
		if e := sig.FindElement(path); e == nil || e.SelectAttrValue("Algorithm", "") != want {
			return nil, fmt.Errorf("WS-Security: %s is not %s", strings.TrimPrefix(path, "./"), want)
		}
	}
	body := root.SelectElement("Body")
	uri := strings.TrimPrefix(ref.SelectAttrValue("URI", ""), "#")
	if body == nil || uri == "" || byWSUID(body, uri) != body {
		return nil, errors.New("WS-Security: the signature does not cover the SOAP Body")
	}
	cert, err := tokenCertificate(sec, sig)
	if err != nil {
		return nil, err
	}
	c, err := excCanonical(body)
	if err != nil {
		return nil, err
	}
	h := sha1.Sum(c)
	if base64.StdEncoding.EncodeToString(h[:]) != strings.TrimSpace(ref.SelectElement("DigestValue").Text()) {
		return nil, errors.New("WS-Security: the Body's digest does not match: the message was changed after it was signed")
	}
	csi, err := excCanonical(si)
	if err != nil {
		return nil, err
	}
	value, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(sig.SelectElement("SignatureValue").Text()), ""))
	if err != nil {
		return nil, fmt.Errorf("WS-Security: SignatureValue: %w", err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("WS-Security: the signer's key is not RSA")
	}
	hs := sha1.Sum(csi)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA1, hs[:], value); err != nil {
		return nil, fmt.Errorf("WS-Security: the signature does not verify with the token's certificate: %w", err)
	}
	return cert, nil
}

// tokenCertificate is the certificate of the BinarySecurityToken the signature's KeyInfo
// references.
func tokenCertificate(sec, sig *etree.Element) (*x509.Certificate, error) {
	r := sig.FindElement("./KeyInfo/SecurityTokenReference/Reference")
	if r == nil {
		return nil, errors.New("WS-Security: the signature's KeyInfo has no SecurityTokenReference")
	}
	id := strings.TrimPrefix(r.SelectAttrValue("URI", ""), "#")
	for _, t := range sec.SelectElements("BinarySecurityToken") {
		if byWSUID(t, id) != t {
			continue
		}
		der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(t.Text()), ""))
		if err != nil {
			return nil, fmt.Errorf("WS-Security: BinarySecurityToken: %w", err)
		}
		return x509.ParseCertificate(bytes.TrimSpace(der))
	}
	return nil, fmt.Errorf("WS-Security: no BinarySecurityToken %q", id)
}
