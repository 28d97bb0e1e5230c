"""Certificates of awards: numbering, signed payload, PDF rendering, verification (DESIGN section 5).

- ``models``: Certificate, its history (CertificateEvent), its issued files (CertificateFile), the
  per-year serial counters (CertificateSerial) and the published signing keys (SigningKey);
- ``numbering``: the gap-free number allocated under a row lock;
- ``signing``: the Ed25519 keys, the compact payload and its signature;
- ``pdf``: ``render_certificate_pdf(certificate) -> bytes``, a pure function;
- ``services``: issue, reissue, suspend, reinstate, revoke, cancel (one function each, audited);
- ``verification``: one answer for a number, a QR URL or a PDF file, shared by the page, the API
  and the offline command.
"""
