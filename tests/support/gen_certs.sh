#!/usr/bin/env bash
# Generates the TLS material the security tests use, with the openssl CLI, into DIR:
#   ca.pem / ca.key                 test CA (the one brokers and clients trust)
#   other-ca.pem / other-ca.key     an unrelated CA (a client trusting only it must fail verification)
#   server.pem / server.key         server cert for localhost + 127.0.0.1 (SAN), signed by ca, key unencrypted
#   server-enc.key                  the same server key, encrypted (AES-256) with password "serverpass"
#   client.pem / client.key         client cert CN=alice signed by ca (for ssl.client.auth)
#   client-other.pem / .key         client cert CN=mallory signed by other-ca (not trusted by the broker)
#   expired.pem / expired.key       server cert for localhost + 127.0.0.1, valid only in the past
#   wronghost.pem / wronghost.key   server cert for wrong.example.invalid only (hostname mismatch)
#   server-chain.pem                server.pem followed by ca.pem
# Usage: gen_certs.sh DIR   (DIR is created; existing files are overwritten). Prints nothing on success.
set -euo pipefail
dir=${1:?usage: gen_certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
log=gen_certs.log
: >"$log"
run() { "$@" >>"$log" 2>&1 || { cat "$log" >&2; echo "gen_certs.sh: failed: $*" >&2; exit 1; }; }

days=3650

# CA: name, subject
make_ca() {
  run openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days "$days" \
    -subj "$2" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
}

# Leaf: name, subject, CA name, extension lines (SAN, usage), then optional -not_before/-not_after for expiry
make_leaf() {
  local name=$1 subj=$2 ca=$3 ext=$4
  shift 4
  run openssl req -new -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "$subj"
  printf '%b\n' "$ext" >"$name.ext"
  if [ $# -gt 0 ]; then
    # Dates in the past need `openssl ca`-style control; x509 -req has no -not_before in OpenSSL 3.0,
    # so a throwaway minimal CA database is used for this one certificate.
    local db="$name.cadb"
    rm -rf "$db"; mkdir -p "$db"; : >"$db/index.txt"; echo 01 >"$db/serial"
    cat >"$db/ca.cnf" <<EOF
[ ca ]
default_ca = tmp
[ tmp ]
database = $db/index.txt
serial = $db/serial
new_certs_dir = $db
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[ anything ]
commonName = supplied
EOF
    run openssl ca -batch -config "$db/ca.cnf" -cert "$ca.pem" -keyfile "$ca.key" -in "$name.csr" \
      -out "$name.pem" -extfile "$name.ext" -notext "$@"
    rm -rf "$db"
  else
    run openssl x509 -req -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial \
      -out "$name.pem" -days "$days" -sha256 -extfile "$name.ext"
  fi
  rm -f "$name.csr" "$name.ext"
}

server_ext='subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment'
client_ext='extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment'

make_ca ca "/CN=kafkaplus test CA"
make_ca other-ca "/CN=unrelated test CA"
make_leaf server "/CN=localhost" ca "$server_ext"
run openssl pkey -in server.key -out server-enc.key -aes256 -passout pass:serverpass
make_leaf client "/CN=alice" ca "$client_ext"
make_leaf client-other "/CN=mallory" other-ca "$client_ext"
make_leaf expired "/CN=localhost" ca "$server_ext" -startdate 20200101000000Z -enddate 20200102000000Z
make_leaf wronghost "/CN=wrong.example.invalid" ca \
  'subjectAltName=DNS:wrong.example.invalid\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment'
cat server.pem ca.pem >server-chain.pem
rm -f ./*.srl "$log"
