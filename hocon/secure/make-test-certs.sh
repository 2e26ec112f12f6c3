#!/usr/bin/env sh
# Makes a test CA and one node certificate for hocon/secure/remote-tls.conf (openssl 1.1 or 3).
# Usage: make-test-certs.sh [out-dir] [pfx-password] [node-name]
# Writes: ca.crt, ca.key (keep it offline), node.crt, node.key, node.pfx (what Akka.Remote reads).
# For tests and trials; a production cluster takes its certificates from its own CA.
set -eu
out="${1:-./tls}"
pass="${2:-changeit}"
node="${3:-akkamq-node}"
mkdir -p "$out"
cd "$out"
openssl req -x509 -newkey rsa:2048 -sha256 -days 365 -nodes \
  -keyout ca.key -out ca.crt -subj "/CN=AkkaMq Test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
openssl req -newkey rsa:2048 -sha256 -nodes -keyout node.key -out node.csr -subj "/CN=$node"
# Used both ways by mutual TLS: server and client authentication.
printf "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:%s,DNS:localhost,IP:127.0.0.1\n" "$node" > node.ext
openssl x509 -req -in node.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -sha256 -extfile node.ext -out node.crt
openssl pkcs12 -export -in node.crt -inkey node.key -certfile ca.crt -passout "pass:$pass" -out node.pfx
rm -f node.csr node.ext ca.srl
echo "wrote $out/ca.crt, $out/node.pfx (password: $pass)"
