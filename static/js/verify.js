/* The visitor's own check of a certificate's QR code (templates/certificates/verify_qr.html).

   The browser checks the Ed25519 signature of the address it opened (?p=<payload>&s=<signature>,
   base64url) with WebCrypto, using the registry's published public key given in the page's
   data-attributes; it does not rely on the server's answer. The messages are in the page (translated
   there); this script only shows the one that applies and records it in data-state. No inline script
   anywhere, so a strict Content-Security-Policy can forbid it. */
(function () {
  "use strict";

  var box = document.getElementById("browser-check");
  if (!box) {
    return;
  }

  function show(state) {
    box.setAttribute("data-state", state);
    var texts = box.querySelectorAll("[data-state-text]");
    for (var i = 0; i < texts.length; i += 1) {
      texts[i].hidden = texts[i].getAttribute("data-state-text") !== state;
    }
  }

  // Strict base64url without padding, as the registry writes it; throws on anything else.
  function fromBase64url(text) {
    if (typeof text !== "string" || !/^[A-Za-z0-9_-]+$/.test(text)) {
      throw new Error("not base64url");
    }
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) {
      b64 += "=";
    }
    var binary = atob(b64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes;
  }

  var params = new URLSearchParams(window.location.search);
  var payload;
  var signature;
  var signed;
  try {
    payload = fromBase64url(params.get("p"));
    signature = fromBase64url(params.get("s"));
    signed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch (error) {
    show("unreadable");
    return;
  }
  if (signature.length !== 64 || !signed || typeof signed !== "object") {
    show("unreadable");
    return;
  }

  var keyText = box.getAttribute("data-public-key");
  if (!keyText) {
    show("no-key");
    return;
  }
  var publicKey;
  try {
    publicKey = fromBase64url(keyText);
  } catch (error) {
    show("no-key");
    return;
  }
  // The payload names the key that signed it; the page gives the published key of that id.
  if (signed.k !== box.getAttribute("data-key-id") || publicKey.length !== 32) {
    show("forged");
    return;
  }

  if (!window.crypto || !window.crypto.subtle) {
    show("unsupported"); // no WebCrypto at all (an old browser, or a page not served over HTTPS)
    return;
  }

  show("checking");
  window.crypto.subtle
    .importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"])
    .then(
      function (key) {
        return window.crypto.subtle.verify({ name: "Ed25519" }, key, signature, payload).then(function (genuine) {
          if (!genuine) {
            show("forged");
          } else if (box.getAttribute("data-key-status") === "withdrawn") {
            show("withdrawn");
          } else {
            show("genuine");
          }
        });
      },
      function () {
        show("unsupported"); // the browser's WebCrypto has no Ed25519
      }
    )
    .catch(function () {
      show("unsupported");
    });
})();
